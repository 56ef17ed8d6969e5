#!/bin/sh
# check-debs.sh DIR: lintian on the Debian packages in DIR (built by
# tools/build-deb.sh), then installs them (as root) and runs, from the
# installed files only: gst-inspect-1.0 on the three elements, the demo
# (clipclassify and clipoverlay) on the installed default model, the
# docs/meta.md example compiled against the -dev package, and
# clip-embed --help.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
dir=$(cd "$1" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail () { echo "check-debs: $*" >&2; exit 1; }

lintian --fail-on error "$dir"/*.deb || fail "lintian reports errors"

apt-get install -y -q --no-install-recommends --reinstall \
  $(ls "$dir"/*.deb | grep -v -- -dbgsym_)
# Every installed file is the package's own (none left by a meson install).
dpkg --verify gstreamer1.0-clipclassify libgstclipclassifymeta-1.0-0 \
  libgstclipclassifymeta-1.0-dev clipclassify-tools ||
  fail "installed files differ from the packages'"

# A private registry and no plugin path: only what is installed counts.
env -u GST_PLUGIN_PATH -u GST_PLUGIN_PATH_1_0 -u GST_PLUGIN_SYSTEM_PATH \
  -u GST_PLUGIN_SYSTEM_PATH_1_0 -u DISPLAY -u WAYLAND_DISPLAY \
  GST_REGISTRY_1_0="$tmp/registry.bin" sh -eu -c '
  tmp=$1
  top=$2
  plugin=$(gst-inspect-1.0 clipclassify | awk "/Filename/ { print \$2 }")
  owner=$(dpkg -S "$(realpath "$plugin")")
  echo "clipclassify: $owner"
  gst-inspect-1.0 clipclassify >/dev/null
  gst-inspect-1.0 clipoverlay >/dev/null
  gst-inspect-1.0 clippublish >/dev/null

  sh "$top/pipelines/demo.sh" --num-buffers 120 >"$tmp/demo.txt"
  cat "$tmp/demo.txt"
  grep -q "colour bars" "$tmp/demo.txt"

  cc "$top/tests/element/meta-probe-example.c" -o "$tmp/meta-probe-example" \
    $(pkg-config --cflags --libs clipclassify-1.0 gstreamer-1.0)
  "$tmp/meta-probe-example" /usr/share/clipclassify/models/clipclassify-demo \
    "colour bars,snow" >"$tmp/meta.txt"
  head -3 "$tmp/meta.txt"
  grep -q "^buffer .*colour bars=" "$tmp/meta.txt"

  clip-embed --help >/dev/null
' sh "$tmp" "$top" || fail "the installed packages do not work"
echo "check-debs: the packages install and work"
