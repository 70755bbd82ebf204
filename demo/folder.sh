#!/usr/bin/env bash
# The folder demo, for when the station demo cannot run (not root): scan
# the demo drive folder, publish the clean files as a signed transfer, and
# check it with sluice verify and the stock minisign.
#   demo/folder.sh BIN_DIR DEMO_DIR
set -euo pipefail
bin=$1
demo=$2
"$bin/sluice" keys generate --out "$demo/station"
echo
echo "== sluice scan --all --block-hashes $demo/blocklist.txt --out $demo/share --key $demo/station.key $demo/drive"
status=0
"$bin/sluice" scan --all --block-hashes "$demo/blocklist.txt" --out "$demo/share" --key "$demo/station.key" \
  --station-id demo-station --expires 720h "$demo/drive" || status=$?
[ "$status" -le 1 ] || exit "$status"
[ "$status" -eq 1 ] && echo "== exit status 1: some files were held back, as expected for the demo drive"
echo
echo "== sluice verify --pub $demo/station.pub $demo/share/*"
"$bin/sluice" verify --pub "$demo/station.pub" "$demo"/share/*
if command -v minisign >/dev/null; then
  echo "== minisign -Vm .sluice/manifest.json -p $demo/station.pub (the stock tool agrees)"
  minisign -Vm "$demo"/share/*/.sluice/manifest.json -p "$demo/station.pub"
fi
