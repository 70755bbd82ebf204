#!/usr/bin/env bash
# Installs the Debian 12 packages Sluice needs to build, test and demo.
# Idempotent: installs only what is missing, and runs apt-get update only
# then. Needs root (or sudo) when something is missing.
set -euo pipefail

packages=(
  # build: cgo bindings (go-yara, go-udev)
  build-essential pkg-config libyara-dev libudev-dev
  # tests and benchmarks: the reference CLIs we compare with and
  # interoperate with, archive tools for test corpora, GNU time for RSS
  yara minisign zip unzip p7zip-full xz-utils bzip2 time
  # drive images: mtools and dosfstools for FAT, mkfs tools for test
  # images, sfdisk (fdisk), partx, losetup and blkid (util-linux)
  mtools dosfstools e2fsprogs xfsprogs exfatprogs fdisk util-linux
  # kiosk/mount: read-only FUSE drivers for what the kernel may lack
  fusefat exfat-fuse ntfs-3g
  # kiosk/device: systemd-udevd and udevadm; packaging tests:
  # systemd-analyze
  udev systemd
  # ui and cmd/sluice-kiosk: fyne's GLFW/X11 build, and Xvfb for the
  # screenshots (make screenshots) and the kiosk's start-up measurement
  libgl1-mesa-dev xorg-dev libxkbcommon-dev xvfb xauth
  # make screenshots and bench/kiosk.sh: drive the kiosk under Xvfb
  # (xdotool), find its window (xwininfo) and capture it (import)
  xdotool x11-utils imagemagick
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then
    sudo="sudo"
  else
    echo "deps: missing packages: ${missing[*]}; run 'make deps' as root" >&2
    exit 1
  fi
fi
echo "deps: installing ${missing[*]}" >&2
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
