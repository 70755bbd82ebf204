#!/usr/bin/env bash
# The station demo: a real sluiced session on a real (loop) drive.
#   demo/station.sh BIN_DIR DEMO_DIR
# DEMO_DIR must hold the demo drive (mkcorpus -kind demo). Needs root: it
# attaches a loop device and the daemon mounts it. Everything it starts
# it stops, by pid, and the loop device is detached, on every way out.
set -euo pipefail
bin=$1
demo=$(realpath "$2")
work=$demo/station
rm -rf "$work"
mkdir -p "$work/state" "$work/transfers"

say() { printf '\n== %s\n' "$*"; }

daemon_pid="" udevd_pid="" watch_pid="" loop=""
cleanup() {
  set +e
  [ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null
  [ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
  if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null; wait "$daemon_pid" 2>/dev/null; fi
  if [ -n "$udevd_pid" ]; then kill "$udevd_pid" 2>/dev/null; sleep 0.5; kill -9 "$udevd_pid" 2>/dev/null; fi
}
trap cleanup EXIT

say "a 64 MiB drive image with an MBR partition table and one FAT32 partition (mtools)"
img=$work/drive.img
truncate -s 64M "$img"
echo 'start=2048, type=c' | sfdisk --quiet "$img"
mformat -i "$img@@1M" -F -v DEMO-STICK ::
mcopy -i "$img@@1M" -s "$demo"/drive/* ::
mdir -i "$img@@1M" -/ -b :: | sed 's/^/   /'

"$bin/sluice" keys generate --out "$work/station" >/dev/null
"$bin/sluice" keys generate --out "$work/admin" >/dev/null
cat > "$work/sluiced.toml" <<TOML
station_id = "demo-station"
trusted_rule_keys = ["$work/admin.pub"]
state_dir = "$work/state"
destination = "$work/transfers"
station_key = "$work/station.key"
accept_loop_devices = true
transfer_expiry = "720h"
[api]
socket = "$work/api.sock"
group = ""
[scan]
block_hashes = ["$demo/blocklist.txt"]
TOML

if ! udevadm control --ping --timeout=3 >/dev/null 2>&1 && [ -x /lib/systemd/systemd-udevd ]; then
  say "starting systemd-udevd (stopped again at the end)"
  /lib/systemd/systemd-udevd >/dev/null 2>&1 &
  udevd_pid=$!
  sleep 0.5
fi

# The demo station takes loop devices as USB drives (accept_loop_devices),
# all of them: one left attached by something else would be scanned first
# and set read-only. Refuse rather than touch it.
if [ -n "$(losetup -a)" ]; then
  echo "demo: other loop devices are attached; the demo station would take them as drives:" >&2
  losetup -a | sed 's/^/  /' >&2
  echo "demo: detach them (losetup -d DEVICE) or run the demo on a machine without them" >&2
  exit 1
fi

say "starting sluiced"
"$bin/sluiced" --config "$work/sluiced.toml" 2>"$work/sluiced.log" &
daemon_pid=$!
for _ in $(seq 100); do
  "$bin/sluice" status --socket "$work/api.sock" >/dev/null 2>&1 && break
  kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/sluiced.log"; exit 1; }
  sleep 0.1
done
"$bin/sluice" status --socket "$work/api.sock"

say "inserting the drive (losetup), following the session live (sluice watch)"
"$bin/sluice" watch --once --socket "$work/api.sock" &
watch_pid=$!
sleep 0.3
loop=$(losetup -f --show -P "$img")
# This kernel has no partition-table parsers; partx reads the table.
partx -a "$loop" 2>/dev/null || true
status=0
wait "$watch_pid" || status=$?
watch_pid=""

say "the session as the station recorded it"
"$bin/sluice" sessions --socket "$work/api.sock" --limit 1
id=$("$bin/sluice" sessions --socket "$work/api.sock" --limit 1 --json | sed -n 's/.*"id":"\([^"]*\)".*/\1/p' | head -1)
"$bin/sluice" sessions --socket "$work/api.sock" "$id" | sed -n '2,$p'

transfer=$(find "$work/transfers" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | head -1)
if [ -z "$transfer" ]; then
  echo "no transfer was published (watch exit status $status)"; exit 1
fi
say "sluice verify --pub station.pub $transfer"
"$bin/sluice" verify --pub "$work/station.pub" "$transfer"
say "on a plant endpoint: sluice-guard check (the same transfer, then with one file changed)"
"$bin/sluice-guard" check --pub "$work/station.pub" "$transfer"
tampered=$work/tampered
cp -a "$transfer" "$tampered"
victim=$(find "$tampered" -type f ! -path '*/.sluice/*' | head -1)
chmod u+w "$victim" && echo "tampered" >> "$victim"
"$bin/sluice-guard" check --pub "$work/station.pub" "$tampered" && exit 1 || true
say "sluice audit verify (the hash-chained audit log)"
"$bin/sluice" audit verify "$work/state/audit.log"

say "an admin's signed rule bundle (built and signed offline), imported over the API as root"
# The plant's own rules; the station's built-in rules stay on beside them.
cat > "$work/plant-rules.yar" <<'YARA'
rule Plant_Leaked_Recipe_Marker
{
    meta:
        description = "a recipe export marked confidential by the plant"
    strings:
        $m = "PLANT-CONFIDENTIAL-RECIPE" ascii wide
    condition:
        $m
}
YARA
"$bin/sluice" rules build --name demo-rules --version 1 --yara "$work/plant-rules.yar" --block-hashes "$demo/blocklist.txt" --out "$work/demo-rules.tar" | tail -1
"$bin/sluice" rules sign --key "$work/admin.key" "$work/demo-rules.tar"
"$bin/sluice" rules import --socket "$work/api.sock" "$work/demo-rules.tar"
"$bin/sluice" status --socket "$work/api.sock" | grep rules
