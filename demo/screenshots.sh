#!/usr/bin/env bash
# The touchscreen's pictures: sluice-kiosk against a real sluiced, under
# Xvfb at 1280x800, through one demo session.
#   demo/screenshots.sh BIN_DIR DEMO_DIR OUT_DIR
# DEMO_DIR holds the demo drive (mkcorpus -kind demo); the drive shown is
# that drive without its infected files, for a mixed result. Writes
# idle.png, scanning.png, result.png and admin.png into OUT_DIR. Needs root
# for the loop drive and its mounts; the kiosk itself runs as nobody, as it
# must.
# The admin screen is reached as an admin would: a tap on the discreet
# control, then the PIN and a TOTP code on the on-screen keypad (xdotool).
set -euo pipefail
bin=$(realpath "$1")
demo=$(realpath "$2")
out=$(realpath -m "$3")
work=$demo/screens
here=$(dirname "$(realpath "$0")")
# shellcheck source=demo/kiosk-lib.sh
source "$here/kiosk-lib.sh"
trap kiosk_cleanup EXIT
need_tools Xvfb xdotool xdpyinfo import setpriv sfdisk mformat mcopy losetup python3
rm -rf "$work"
mkdir -p "$work" "$out"

say "the demo drive without its threats, with 480 maintenance logs (96 MB) more so that the scan lasts long enough to be seen"
# The demo drive's infected files would make the result "Threat found";
# without them it is mixed ("Some files held back"): its blocked files
# (encrypted zip, disguised program, macro, autorun) stay.
cp -a "$demo/drive" "$work/drive"
for f in eicar.com archives/nested.zip tools/plc-settings.txt; do
  [ -e "$work/drive/$f" ] || die "the demo drive has no $f: update the list of its infected files here"
  rm "$work/drive/$f"
done
mkdir -p "$work/more/site-logs"
python3 - "$work/more/site-logs" <<'PY'
import sys
for i in range(1, 481):
    with open(f"{sys.argv[1]}/log-{i:03d}.txt", "w") as f:
        f.write(f"line {i} of the maintenance log of press 4, all values nominal\n" * 3200)
PY
fat_image "$work/drive.img" 160 "$work/drive" "$work/more"

say "sluiced, with admin credentials for the admin screen"
start_station "$demo/blocklist.txt"
pin=246813
secret=$(printf '%s\n' "$pin" | "$bin/sluice" admin init --state "$work/state" --station gate-1 |
  sed -n 's/^secret *//p' | tr -d ' ')
[ -n "$secret" ] || die "sluice admin init printed no secret"
totp() { # the current RFC 6238 code of $secret
  python3 - "$secret" <<'PY'
import base64, hashlib, hmac, struct, sys, time
key = base64.b32decode(sys.argv[1] + "=" * (-len(sys.argv[1]) % 8))
mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
o = mac[-1] & 15
print("%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7fffffff) % 1000000))
PY
}

say "sluice-kiosk on an Xvfb display (1280x800), as nobody"
start_xvfb 1280x800
start_kiosk --lang en
wait_window 30
sleep 2 # the first status, and fonts
snap "$out/idle.png"

say "the drive goes in; the scanning screen"
insert "$work/drive.img"
wait_state scanning 30
sleep 1 # a few progress events
snap "$out/scanning.png"
[ "$(station_state)" = scanning ] || die "the scan ended before the picture: scanning.png may show the result"

say "the result (some files held back)"
for _ in $(seq 600); do
  [ "$(station_state)" = idle ] && break
  sleep 0.1
done
[ "$(last_session_state)" = done ] || die "the session ended $(last_session_state), not done"
# Mixed: something transferred, something held back, no threat.
counts=$("$bin/sluice" sessions --json --limit 1 --socket "$sock" |
  python3 -c 'import json,sys; c=json.load(sys.stdin)[0]["counts"]; print(c.get("clean",0), c.get("infected",0), c.get("blocked",0))')
read -r clean infected blocked <<<"$counts"
[ "$clean" -gt 0 ] && [ "$infected" -eq 0 ] && [ "$blocked" -gt 0 ] ||
  die "the session is not mixed: $clean clean, $infected infected, $blocked blocked"
sleep 2 # the session's files, fetched by the kiosk
snap "$out/result.png"

say "the result dismissed (Done), the admin logs in"
# Positions in the 1280x800 window, as ui/testdata/{result-mixed,idle,
# admin-login}.xml lay them out (the window no longer grows past the
# screen, so they hold): Done and the discreet admin control sit in the
# bottom row (y 745), Done centred and the control 54 px from the right
# edge; the login keypad is centred, keys 86 px apart from y 356, and
# Next/Log in at x+206, y 696.
cx=$(($(window_width) / 2))
click "$cx" 745
sleep 1
width=$(window_width)
[ "$width" -le 1280 ] || die "the kiosk window is $width px wide, wider than the 1280 px screen: a screen's content is too wide"
cx=$((width / 2))
click $((width - 54)) 745
key() { # DIGIT: a tap on the keypad
  local d=$1 col row
  case $d in 0) col=1 row=3 ;; *) col=$(((d - 1) % 3)) row=$(((d - 1) / 3)) ;; esac
  click $((cx - 86 + col * 86)) $((356 + row * 86))
}
for d in $(echo "$pin" | grep -o .); do key "$d"; done
click $((cx + 206)) 696
# A code with at least 5 s to live, so that it is not refused as stale.
while [ $((30 - $(date +%s) % 30)) -lt 5 ]; do sleep 1; done
for d in $(totp | grep -o .); do key "$d"; done
click $((cx + 206)) 696
sleep 2
snap "$out/admin.png"

# accept_loop_devices takes every loop device: on a machine where
# something else attached one meanwhile, the pictures may show its session.
n=$("$bin/sluice" sessions --json --socket "$sock" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$n" = 1 ] || die "the station saw $n sessions, not 1: another loop device was attached meanwhile; run again"

say "pictures in $out"
ls -l "$out"
