# Shared by demo/screenshots.sh and bench/kiosk.sh: a real sluiced on loop
# drives, an Xvfb display, and sluice-kiosk on it as an unprivileged user.
# Source it, set bin= and work=, and `trap kiosk_cleanup EXIT`. Everything
# started here is stopped by its pid, and every loop device detached, on
# every way out.

daemon_pid="" udevd_pid="" xvfb_pid="" kiosk_pid="" loops=()
display="" sock=""

say() { printf '\n== %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

kiosk_cleanup() {
  set +e
  if [ -n "$kiosk_pid" ]; then kill "$kiosk_pid" 2>/dev/null; wait "$kiosk_pid" 2>/dev/null; fi
  if [ -n "$xvfb_pid" ]; then kill "$xvfb_pid" 2>/dev/null; wait "$xvfb_pid" 2>/dev/null; fi
  # The daemon goes before the drives: a loop device freed while it runs
  # may be taken at once by someone else's image, which it would scan.
  if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null; wait "$daemon_pid" 2>/dev/null; fi
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
  if [ -n "$udevd_pid" ]; then kill "$udevd_pid" 2>/dev/null; sleep 0.5; kill -9 "$udevd_pid" 2>/dev/null; fi
}

need_tools() {
  [ "$(id -u)" -eq 0 ] || die "needs root: loop devices and mounts (make screenshots as root)"
  for t in "$@"; do command -v "$t" >/dev/null || die "$t is not installed (make deps)"; done
}

# fat_image IMG SIZE_MIB SRC...: an MBR disk image with one FAT32
# partition holding the SRC folders' contents.
fat_image() {
  local img=$1 size=$2; shift 2
  rm -f "$img"
  truncate -s "${size}M" "$img"
  echo 'start=2048, type=c' | sfdisk --quiet "$img"
  mformat -i "$img@@1M" -F -v DEMO-STICK ::
  local src
  for src in "$@"; do mcopy -i "$img@@1M" -s "$src"/* ::; done
}

# start_station BLOCKLIST: config, keys and sluiced. The API socket's group
# is nogroup, the primary group of the user the kiosk runs as (nobody), as
# group sluice is on a station.
start_station() {
  mkdir -p "$work/state" "$work/transfers"
  sock=$work/api.sock
  "$bin/sluice" keys generate --out "$work/station" >/dev/null
  cat > "$work/sluiced.toml" <<TOML
station_id = "gate-1"
state_dir = "$work/state"
destination = "$work/transfers"
station_key = "$work/station.key"
accept_loop_devices = true
[api]
socket = "$sock"
group = "nogroup"
[scan]
block_hashes = ["$1"]
TOML
  if ! udevadm control --ping --timeout=3 >/dev/null 2>&1 && [ -x /lib/systemd/systemd-udevd ]; then
    /lib/systemd/systemd-udevd >/dev/null 2>&1 &
    udevd_pid=$!
    sleep 0.5
  fi
  "$bin/sluiced" --config "$work/sluiced.toml" 2>"$work/sluiced.log" &
  daemon_pid=$!
  for _ in $(seq 100); do
    "$bin/sluice" status --socket "$sock" >/dev/null 2>&1 && return 0
    kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/sluiced.log"; die "sluiced did not start"; }
    sleep 0.1
  done
  die "sluiced did not answer on $sock"
}

# station_state: the current session's state, or idle.
station_state() {
  local s
  s=$("$bin/sluice" status --json --socket "$sock" 2>/dev/null) || { echo unreachable; return; }
  s=$(printf '%s' "$s" | python3 -c 'import json,sys; s=json.load(sys.stdin); print((s.get("current") or {}).get("state") or s["state"])')
  echo "$s"
}

# wait_state STATE SECONDS
wait_state() {
  local i
  for i in $(seq $(($2 * 20))); do
    [ "$(station_state)" = "$1" ] && return 0
    sleep 0.05
  done
  die "the station did not reach $1 in $2 s (now $(station_state))"
}

# last_session_state: the newest recorded session's state.
last_session_state() {
  "$bin/sluice" sessions --json --limit 1 --socket "$sock" 2>/dev/null | python3 -c 'import json,sys
d=json.load(sys.stdin)
print(d[0]["state"] if d else "none")' 2>/dev/null || echo none
}

insert() { # IMG: attach as a loop device: the station sees a drive arrive
  local l
  l=$(losetup -f --show -P "$1")
  loops+=("$l")
  partx -a "$l" 2>/dev/null || true
}

remove_all() { # detach every loop drive: the drive is pulled out
  local l
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
  loops=()
}

# start_xvfb WxH: a display of its own, :90 or the next free one.
start_xvfb() {
  local n=90
  while [ -e /tmp/.X11-unix/X$n ] || [ -e /tmp/.X$n-lock ]; do n=$((n + 1)); done
  display=:$n
  Xvfb "$display" -screen 0 "${1}x24" -nolisten tcp >"$work/xvfb.log" 2>&1 &
  xvfb_pid=$!
  for _ in $(seq 100); do
    DISPLAY=$display xdpyinfo >/dev/null 2>&1 && return 0
    kill -0 "$xvfb_pid" 2>/dev/null || { cat "$work/xvfb.log"; die "Xvfb did not start"; }
    sleep 0.05
  done
  die "Xvfb did not answer on $display"
}

# start_kiosk ARGS...: sluice-kiosk on the display as nobody (the kiosk
# refuses root), with a home of its own for fyne's preferences and cache.
# Sets kiosk_pid (setpriv execs the kiosk: same pid).
start_kiosk() {
  local home=$work/kiosk-home
  rm -rf "$home"
  mkdir -p "$home"
  chown nobody:nogroup "$home"
  DISPLAY=$display HOME=$home XDG_CONFIG_HOME=$home XDG_CACHE_HOME=$home \
    setpriv --reuid=nobody --regid=nogroup --init-groups \
    "$bin/sluice-kiosk" --socket "$sock" --windowed --size 1280x800 "$@" 2>>"$work/kiosk.log" &
  kiosk_pid=$!
}

# wait_window SECONDS: until the kiosk's window is mapped.
wait_window() {
  timeout "$1" env DISPLAY="$display" xdotool search --sync --onlyvisible --pid "$kiosk_pid" >/dev/null ||
    { cat "$work/kiosk.log"; die "no kiosk window in $1 s"; }
}

# kiosk_window: the kiosk's window id; window_width: its width now (fyne
# would grow the window past the screen if a screen's content needed more
# room; ui's TestScreensFit keeps that from happening).
kiosk_window() { DISPLAY=$display xdotool search --onlyvisible --pid "$kiosk_pid" | head -1; }
window_width() { DISPLAY=$display xdotool getwindowgeometry --shell "$(kiosk_window)" | sed -n 's/^WIDTH=//p'; }

click() { # X Y: a tap
  DISPLAY=$display xdotool mousemove "$1" "$2" click 1
  sleep 0.4
}

snap() { # NAME.png: the whole display
  DISPLAY=$display import -window root "$1"
}
