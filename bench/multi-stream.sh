#!/bin/sh
# Four live 1280x720 30 fps streams in one pipeline, each through its own
# clipclassify (mode=async, the live-source mode) on one shared model:
#   separate:  batch-size=1, each instance has its own worker thread
#   batched:   batch-size=4 batch-timeout=MS, one shared forward pass
# Prints inferences per second over all streams and the process's CPU use
# (user + system time over wall time, in cores).
#
# Usage: bench/multi-stream.sh [CHECKPOINT] [PLUGIN_DIR]
#   CHECKPOINT  default: a random ViT-B/32-sized one, written once by
#               tools/make-random-checkpoint.py (as bench/element-fps.sh)
#   PLUGIN_DIR  folder of libgstclipclassify.so (default: the installed one)
# Environment: SECONDS_LIVE (default 20), THREADS (threads property, 0),
#   TIMEOUT_MS (batch-timeout, default 20).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODEL=${1:-}
if [ -z "$MODEL" ]; then
  MODEL=${TMPDIR:-/tmp}/clipclassify-bench/vit-b-32
  [ -f "$MODEL/model.safetensors" ] ||
    /usr/bin/python3 "$ROOT/tools/make-random-checkpoint.py" \
      --out "$MODEL" --preset vit-b-32 >&2
fi
if [ -n "${2:-}" ]; then
  export GST_PLUGIN_PATH_1_0="$2${GST_PLUGIN_PATH_1_0:+:$GST_PLUGIN_PATH_1_0}"
fi
SECONDS_LIVE=${SECONDS_LIVE:-20}
THREADS=${THREADS:-0}
TIMEOUT_MS=${TIMEOUT_MS:-20}
FRAMES=$((SECONDS_LIVE * 30))
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

run () {  # name, extra clipclassify properties
  name=$1; props=$2
  desc=""
  for i in 0 1 2 3; do
    desc="$desc videotestsrc is-live=true num-buffers=$FRAMES pattern=$((i * 2)) ! \
      video/x-raw,format=I420,width=1280,height=720,framerate=30/1 ! \
      clipclassify name=c$i mode=async model=\"$MODEL\" threads=$THREADS \
      labels=\"person,car,dog,cat,tree,building,road,sky\" label-cache=false $props ! \
      fakesink sync=true"
  done
  eval "/usr/bin/time -f '%U %S %e' -o '$TMP/$name.time' \
    gst-launch-1.0 -m $desc" > "$TMP/$name.out" 2>&1 || {
    echo "$name: gst-launch-1.0 failed:"; tail -5 "$TMP/$name.out"; exit 1; }
  n=$(grep -c 'clipclassify, timestamp=' "$TMP/$name.out" || true)
  set -- $(cat "$TMP/$name.time")
  /usr/bin/python3 -c "
n, u, s, e, secs = $n, $1, $2, $3, $SECONDS_LIVE
print(f'{\"$name\":9s} {n:6d} inferences in {secs} s of video: '
      f'{n / secs:6.1f} inferences/s in all, CPU {(u + s) / e:4.2f} cores '
      f'(user {u:.1f} s, system {s:.1f} s, wall {e:.1f} s)')"
}

echo "4 x 1280x720 @ 30 fps live, mode=async, model $MODEL"
run separate "batch-size=1"
run batched "batch-size=4 batch-timeout=$TIMEOUT_MS"
