#!/bin/sh
# Builds the Debian packages of clipclassify (dpkg-buildpackage -us -uc -b)
# in a scratch copy of the source tree, so that nothing is written beside
# the checkout, and moves the .deb files to DIR (default: debs/). Build
# directories (build*, obj-*) and .git are left out of the copy. The engine
# tests run against ../shared/golden when it is there; set
# DEB_BUILD_OPTIONS=nocheck to build no tests at all. No -dbgsym packages
# are made (noautodbgsym).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
out=${1:-$top/debs}
if [ -z "${CLIP_GOLDEN_DIR:-}" ] && [ -d "$top/../shared/golden" ]; then
  CLIP_GOLDEN_DIR=$(cd "$top/../shared/golden" && pwd)
  export CLIP_GOLDEN_DIR
fi
DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-} noautodbgsym"
export DEB_BUILD_OPTIONS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/clipclassify"
tar -C "$top" --exclude='./build*' --exclude='./obj-*' --exclude='./debs' \
  --exclude='./.git' -cf - . | tar -C "$work/clipclassify" -xf -
(cd "$work/clipclassify" && dpkg-buildpackage -us -uc -b)
mkdir -p "$out"
rm -f "$out"/*.deb
mv "$work"/*.deb "$out"/
ls "$out"
