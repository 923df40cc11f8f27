#!/usr/bin/env bash
# Fetches ONNX Runtime's shared library for the face detector from the
# `onnxruntime` wheel on PyPI (MIT; its ThirdPartyNotices come along), checks
# the wheel's pinned SHA-256, and places the library where Debrief finds it.
#
# Idempotent: does nothing when the pinned version is already there. When the
# wheel cannot be fetched (no network, another architecture) it says so and
# exits 0: Debrief then detects faces with tract, slower.
#
# Usage: packaging/fetch-onnxruntime.sh [DEST]   (default: target/onnxruntime)
set -euo pipefail

# The ort crate in Cargo.toml (=2.0.0-rc.15) is built for ONNX Runtime 1.31: change both together.
version=1.31.1
wheel="onnxruntime-${version}-cp311-cp311-manylinux_2_28_x86_64.whl"
sha256=5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f

here="$(cd "$(dirname "$0")" && pwd)"
dest="${1:-$(cd "$here/.." && pwd)/target/onnxruntime}"

if [ -f "$dest/libonnxruntime.so.$version" ] && [ -f "$dest/ThirdPartyNotices.txt" ]; then
  exit 0
fi
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "fetch-onnxruntime.sh: no pinned wheel for $(uname -s) $(uname -m); faces are detected with tract (slower)" >&2
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# A wheel for a fixed Python and platform, so the file (and its checksum) is the same on every machine.
if ! python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
    --platform manylinux_2_28_x86_64 "onnxruntime==$version" -d "$tmp" >&2; then
  echo "fetch-onnxruntime.sh: could not download onnxruntime $version from PyPI; faces are detected with tract (slower)" >&2
  exit 0
fi
if ! echo "$sha256  $tmp/$wheel" | sha256sum --check --quiet; then
  echo "fetch-onnxruntime.sh: $wheel does not have the pinned SHA-256 $sha256; nothing installed" >&2
  exit 1
fi
mkdir -p "$dest"
python3 - "$tmp/$wheel" "$dest" "$version" <<'PY'
import shutil, sys, zipfile
wheel, dest, version = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    for member, name in [
        (f"onnxruntime/capi/libonnxruntime.so.{version}", f"libonnxruntime.so.{version}"),
        ("onnxruntime/ThirdPartyNotices.txt", "ThirdPartyNotices.txt"),
        ("onnxruntime/LICENSE", "LICENSE"),
    ]:
        with z.open(member) as src, open(f"{dest}/{name}", "wb") as out:
            shutil.copyfileobj(src, out)
PY
ln -sf "libonnxruntime.so.$version" "$dest/libonnxruntime.so"
echo "fetch-onnxruntime.sh: onnxruntime $version in $dest" >&2
