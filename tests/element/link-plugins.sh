#!/bin/sh
# link-plugins.sh DIR PLUGINSDIR NAME...: fills DIR with symbolic links to
# the system plugins libgstNAME.so of PLUGINSDIR, and nothing else, so that
# the element tests load the same few plugins whatever else is installed.
# A plugin not installed yet gets its link all the same (it is found once
# the package is installed) and a note on stderr.
set -eu
dir=$1
pluginsdir=$2
shift 2
mkdir -p "$dir"
rm -f "$dir"/libgst*.so
for name in "$@"; do
  so="$pluginsdir/libgst$name.so"
  [ -e "$so" ] || echo "link-plugins: $so is not installed" >&2
  ln -s "$so" "$dir/libgst$name.so"
done
