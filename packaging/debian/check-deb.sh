#!/usr/bin/env bash
# Builds the .deb around an existing binary and checks it the way a
# distribution would: control fields and runtime dependencies, every file in
# its place, desktop entries (desktop-file-validate), AppStream metainfo
# (appstreamcli validate), the shared-mime-info file, ONNX Runtime and its
# notices, and the packaged binary starting and running faces on ONNX Runtime. `make test` runs it on the debug binary (the package layout does not
# depend on the build profile); `make deb` builds the real one.
#
# Usage: packaging/debian/check-deb.sh [BINARY]   (default: target/debug/debrief)
set -euo pipefail
cd "$(dirname "$0")/../.."

binary=${1:-target/debug/debrief}
[ -x "$binary" ] || { echo "check-deb: $binary is not built (cargo build first)" >&2; exit 2; }
for tool in dpkg-deb desktop-file-validate appstreamcli; do
  command -v "$tool" >/dev/null || { echo "check-deb: $tool is missing: run packaging/install-deps.sh" >&2; exit 2; }
done
command -v cargo-deb >/dev/null || cargo install cargo-deb --locked --version 3.8.0 --quiet

# The package carries ONNX Runtime for the face detector: fetch it (once) if it is not there.
packaging/fetch-onnxruntime.sh
if [ ! -f target/onnxruntime/libonnxruntime.so.1.31.1 ]; then
  echo "check-deb: ONNX Runtime could not be fetched (offline?), and the package carries it: package check skipped" >&2
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# cargo-deb takes the binary from <target>/<profile>/: stage this one as a dist build
# (and ONNX Runtime beside it, wherever cargo-deb reads target/ assets from).
mkdir -p "$work/target/dist"
cp "$binary" "$work/target/dist/debrief"
cp -r target/onnxruntime "$work/target/onnxruntime"
CARGO_TARGET_DIR="$work/target" cargo deb --no-build --profile dist --no-strip --fast --quiet -o "$work/" >/dev/null
deb=$(ls "$work"/debrief_*.deb)

fail=0
problem() { echo "check-deb: $*" >&2; fail=1; }

info=$(dpkg-deb --info "$deb")
for field in "Package: debrief" "Section: video" "Architecture: amd64"; do
  grep -q "^ $field" <<<"$info" || problem "control lacks '$field'"
done
depends=$(sed -n 's/^ Depends: //p' <<<"$info")
needed=(gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
        gstreamer1.0-plugins-ugly gstreamer1.0-libav libgstreamer1.0-0 libegl1)
# A build with OpenSSL compiled in (make release) needs no libssl.
if ldd "$binary" | grep -q 'libssl\|libcrypto'; then needed+=(libssl3); fi
for dep in "${needed[@]}"; do
  grep -q "\b$dep\b" <<<"$depends" || problem "Depends lacks $dep: $depends"
done

contents=$(dpkg-deb --contents "$deb" | awk '{print $6}')
for path in ./usr/bin/debrief \
    ./usr/share/applications/org.debrief.Debrief.desktop \
    ./usr/share/applications/org.debrief.Debrief.Presenter.desktop \
    ./usr/share/metainfo/org.debrief.Debrief.metainfo.xml \
    ./usr/share/mime/packages/org.debrief.Debrief.xml \
    ./usr/share/icons/hicolor/scalable/apps/org.debrief.Debrief.svg \
    ./usr/share/icons/hicolor/48x48/apps/org.debrief.Debrief.png \
    ./usr/share/icons/hicolor/256x256/apps/org.debrief.Debrief.png \
    ./usr/share/debrief/codebooks/neonatal-resuscitation.json \
    ./usr/share/debrief/codebooks/team.json \
    ./usr/share/debrief/models/centerface.onnx \
    ./usr/share/debrief/models/LICENSE \
    ./usr/lib/debrief/libonnxruntime.so \
    ./usr/share/doc/debrief/onnxruntime/ThirdPartyNotices.txt \
    ./usr/share/doc/debrief/onnxruntime/LICENSE \
    ./usr/share/debrief/schemas/codebook.schema.json \
    ./usr/share/debrief/schemas/package.schema.json \
    ./usr/share/debrief/policy.default.json \
    ./usr/share/doc/debrief/copyright; do
  grep -qxF "$path" <<<"$contents" || problem "missing $path"
done

root="$work/root"
dpkg-deb -x "$deb" "$root"
for desktop in "$root"/usr/share/applications/*.desktop; do
  out=$(desktop-file-validate "$desktop" 2>&1) || problem "desktop-file-validate: $out"
  [ -z "$out" ] || problem "desktop-file-validate: $out"
done
grep -q '^MimeType=application/x-debrief-package;$' "$root/usr/share/applications/org.debrief.Debrief.Presenter.desktop" \
  || problem "the presenter entry does not open application/x-debrief-package"
out=$(appstreamcli validate --no-net "$root/usr/share/metainfo/org.debrief.Debrief.metainfo.xml" 2>&1) \
  || problem "appstreamcli validate: $out"
grep -qE '^(W|E):' <<<"$out" && problem "appstreamcli validate: $out"
python3 - "$root/usr/share/mime/packages/org.debrief.Debrief.xml" <<'PY' || problem "the MIME file is not what shared-mime-info reads"
import sys, xml.etree.ElementTree as ET
ns = "{http://www.freedesktop.org/standards/shared-mime-info}"
t = ET.parse(sys.argv[1]).getroot().find(ns + "mime-type")
assert t.get("type") == "application/x-debrief-package"
assert t.find(ns + "glob").get("pattern") == "*.dbpkg"
PY
cmp -s "$binary" "$root/usr/bin/debrief" || problem "the packaged binary is not the one given"
"$root/usr/bin/debrief" --version >/dev/null || problem "the packaged binary does not start"
# Installed, the binary finds /usr/lib/debrief/libonnxruntime.so; here it is told where the unpacked one is.
engine=$(DEBRIEF_ONNXRUNTIME="$root/usr/lib/debrief/libonnxruntime.so" "$root/usr/bin/debrief" detector --json) \
  || problem "the packaged binary's face detector does not start: $engine"
grep -q '"engine":"onnxruntime"' <<<"$engine" || problem "the packaged ONNX Runtime does not load: $engine"

if [ "$fail" = 0 ]; then
  echo "check-deb: $(basename "$deb") ($(du -h "$deb" | cut -f1)) is complete and valid"
fi
exit "$fail"
