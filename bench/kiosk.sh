#!/usr/bin/env bash
# The touchscreen's start time and responsiveness, under Xvfb against a
# real sluiced (make build first; as root, for the loop drive).
#   bench/kiosk.sh BIN_DIR [RUNS]
# 1. Start: from the kiosk process's start to its window mapped and
#    showing the idle screen (xdotool search --sync), RUNS times (default 5).
# 2. Responsiveness: a 10,000-file drive (ext4 image) is scanned while the
#    screen is captured as fast as xwd allows; the
#    gaps between visible changes say whether the UI kept redrawing.
# Prints Markdown tables. Times are this machine's; nothing asserts them.
set -euo pipefail
bin=$(realpath "$1")
runs=${2:-5}
here=$(dirname "$(realpath "$0")")
work=$(realpath -m "$here/../build/bench-kiosk")
# shellcheck source=demo/kiosk-lib.sh
source "$here/../demo/kiosk-lib.sh"
trap kiosk_cleanup EXIT
need_tools Xvfb xdotool xdpyinfo xwd md5sum setpriv mkfs.ext4 losetup python3
rm -rf "$work"
mkdir -p "$work"
now() { date +%s.%N; }

empty=$work/empty-blocklist.txt
: >"$empty"
start_station "$empty"
start_xvfb 1280x800

say "start time, $runs runs"
starts=()
for i in $(seq "$runs"); do
  t0=$(now)
  start_kiosk --lang en
  wait_window 30
  t1=$(now)
  starts+=("$(python3 -c "print(round(($t1 - $t0) * 1000))")")
  kill "$kiosk_pid"; wait "$kiosk_pid" 2>/dev/null || true; kiosk_pid=""
  sleep 0.5
done
echo "start (ms): ${starts[*]}"

say "a 10,000-file drive"
mkdir -p "$work/tree"
python3 - "$work/tree" <<'PY'
import os, sys
root = sys.argv[1]
for d in range(100):
    p = os.path.join(root, f"dept-{d:02d}")
    os.mkdir(p)
    for f in range(100):
        with open(os.path.join(p, f"record-{f:03d}.txt"), "w") as fh:
            fh.write(f"record {d}-{f}: pressure nominal, temperature nominal\n" * 20)
PY
mkfs.ext4 -q -F -d "$work/tree" "$work/drive.img" 96M

start_kiosk --lang en
wait_window 30
sleep 2
insert "$work/drive.img"
wait_state scanning 60
# The scanning screen changes only where progress is shown; the whole
# display is hashed (xwd is quicker than import) in a sampler of its own,
# while the state is polled apart.
samples=$work/samples.txt
: >"$samples"
( while [ ! -e "$work/stop" ]; do
    h=$(DISPLAY=$display xwd -root -silent | md5sum | cut -c1-12)
    echo "$(now) $h" >>"$samples"
  done ) &
sampler=$!
while [ "$(station_state)" = scanning ]; do sleep 0.2; done
touch "$work/stop"
wait "$sampler"
files=$("$bin/sluice" sessions --json --limit 1 --socket "$sock" | python3 -c 'import json,sys; s=json.load(sys.stdin)[0]; print(s["progress"]["files_done"], s["state"])')

python3 - "$samples" "$files" "${starts[@]}" <<'PY'
import statistics, sys
lines = [l.split() for l in open(sys.argv[1])]
files = sys.argv[2]
starts = sorted(int(x) for x in sys.argv[3:])
print()
print("| runs | min | median | max |")
print("|---|---|---|---|")
print(f"| {len(starts)} | {starts[0]} ms | {statistics.median(starts):.0f} ms | {starts[-1]} ms |")
changes = [float(lines[0][0])] + [float(b[0]) for a, b in zip(lines, lines[1:]) if a[1] != b[1]]
span = float(lines[-1][0]) - float(lines[0][0])
gaps = [b - a for a, b in zip(changes, changes[1:])] or [span]
steps = [b - a for a, b in zip([float(l[0]) for l in lines], [float(l[0]) for l in lines[1:]])]
print()
print("| session (files, end) | scanning seen | screen samples | sample interval (median) | visible changes | changes/s | max gap between changes | median gap |")
print("|---|---|---|---|---|---|---|---|")
print(f"| {files} | {span:.1f} s | {len(lines)} | {statistics.median(steps)*1000:.0f} ms | {len(changes)-1} | {(len(changes)-1)/span:.1f} | {max(gaps)*1000:.0f} ms | {statistics.median(gaps)*1000:.0f} ms |")
PY
