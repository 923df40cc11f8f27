#!/usr/bin/env bash
# Installs the system packages Debrief needs to build, test and run.
#
# Idempotent: when everything is already installed it asks dpkg once and exits
# (well under two seconds), so `make demo` and `make test` can call it every time.
# Debian/Ubuntu only (apt); on other systems it prints the equivalent package
# names for dnf and brew and exits non-zero.
#
# Usage: packaging/install-deps.sh [--with-ffmpeg]
#   --with-ffmpeg   also install ffmpeg, mpv and python3-venv (the references `make bench`
#                   compares with: ffmpeg, mpv, and deface in a virtual environment)
set -euo pipefail

with_ffmpeg=0
for arg in "$@"; do
  case "$arg" in
    --with-ffmpeg) with_ffmpeg=1 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-deps.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

# Build: C toolchain, pkg-config, GStreamer headers, OpenSSL headers (SQLCipher links libcrypto).
# Media: GStreamer 1.22+ with plugins base/good/bad/ugly and libav (decoders, x264enc, vp9enc,
#   scaletempo, pitch) and the command-line tools used when debugging pipelines.
# Recording tests: libgstrtspserver-1.0-dev, an RTSP camera served on 127.0.0.1 by the test itself.
# UI tests and screenshots: Xvfb + xauth (xvfb-run), Mesa's GL/EGL for eframe's glow renderer,
#   and the X11 client libraries winit loads at run time.
# Packaging (`make deb`, and the package check in `make test`): dpkg-dev (dpkg-shlibdeps finds
#   the linked libraries' packages), desktop-file-utils and appstream (the validators).
# Face detection: python3-pip fetches ONNX Runtime's library from its PyPI wheel
#   (packaging/fetch-onnxruntime.sh, run at the end; without it faces are found with tract).
apt_packages=(
  build-essential pkg-config libssl-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-tools
  libgstrtspserver-1.0-dev
  xvfb xauth libgl1-mesa-dri libegl1 libgl1 libegl-mesa0
  libx11-6 libxcursor1 libxrandr2 libxi6 libxkbcommon0 libxkbcommon-x11-0 libx11-xcb1
  dpkg-dev desktop-file-utils appstream
  python3 python3-pip
)
[ "$with_ffmpeg" = 1 ] && apt_packages+=(ffmpeg mpv python3-venv)

dnf_packages="gcc pkgconf-pkg-config openssl-devel gstreamer1-devel gstreamer1-plugins-base-devel \
gstreamer1-plugins-good gstreamer1-plugins-bad-free gstreamer1-plugins-ugly-free gstreamer1-libav gstreamer1-rtsp-server-devel \
gstreamer1-plugins-bad-freeworld (RPM Fusion, for x264) xorg-x11-server-Xvfb xorg-x11-xauth mesa-dri-drivers \
mesa-libEGL libxkbcommon-x11 desktop-file-utils appstream"
brew_packages="pkg-config openssl@3 gstreamer (includes base/good/bad/ugly/libav plugins)"

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps.sh: this system has no apt; install these packages yourself:" >&2
  echo "  Fedora (dnf install): $dnf_packages" >&2
  echo "  macOS (brew install): $brew_packages" >&2
  exit 1
fi

# One dpkg query for all packages: the fast path when nothing is missing.
missing=()
while read -r pkg status; do
  [ "$status" = "installed" ] || missing+=("$pkg")
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${apt_packages[@]}" 2>/dev/null || true)
# Packages dpkg has never heard of print nothing at all: count them as missing too.
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null | grep -qx installed || {
    case " ${missing[*]-} " in *" $pkg "*) ;; *) missing+=("$pkg") ;; esac
  }
done

fetch_onnxruntime() { "$(dirname "$0")/fetch-onnxruntime.sh"; }

if [ "${#missing[@]}" -eq 0 ]; then
  fetch_onnxruntime
  exit 0
fi

echo "install-deps.sh: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-deps.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fetch_onnxruntime
