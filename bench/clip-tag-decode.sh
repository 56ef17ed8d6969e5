#!/bin/sh
# How much decoding clip-tag's --decode keyframes saves: CPU seconds (user +
# system, not wall time, which a busy machine distorts) of tagging one
# H.264 file at --every 1 with --decode all and --decode keyframes.
# The file: 60 s of 1280x720 at 30 frames/s (videotestsrc, a moving ball
# over a zone plate), x264 veryfast, B-frames, a key frame every second.
# Usage: bench/clip-tag-decode.sh BUILD_DIR   (e.g. build)
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GST_PLUGIN_PATH="$top/$build/gst"
gst-launch-1.0 -q videotestsrc pattern=zone-plate kx2=20 ky2=20 kt=1 \
  num-buffers=1800 ! video/x-raw,width=1280,height=720,framerate=30/1 ! \
  x264enc speed-preset=veryfast bframes=2 key-int-max=30 ! mp4mux ! \
  filesink location="$tmp/clip.mp4"
for mode in all keyframes; do
  /usr/bin/time -f "%U %S" -o "$tmp/time" "$top/$build/tools/video/clip-tag" \
    --model "$top/models/clipclassify-demo" \
    --labels "concentric circles,a bouncing ball,static noise" --every 1 \
    --decode "$mode" -q -o "$tmp/out-$mode" "$tmp/clip.mp4"
  read -r user sys < "$tmp/time"
  n=$(wc -l < "$tmp/out-$mode/clip.mp4.jsonl")
  echo "--decode $mode: $(awk "BEGIN { print $user + $sys }") CPU s for 60 s of 720p H.264 ($n inferences)"
done
