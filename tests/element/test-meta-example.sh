#!/bin/sh
# Runs the docs/meta.md example: every buffer from the first inference on
# prints its result; frames 0, 4, 8 are inferred (interval=4), the others
# carry the result over.
set -u
GOLDEN=${CLIP_GOLDEN_DIR:-$CLIP_GOLDEN_DEFAULT}
MODEL=$GOLDEN/tiny-quickgelu-p32-f32/hf
if [ ! -d "$MODEL" ]; then
  [ "${CI:-}" = true ] && { echo "FAIL: no golden model at $MODEL"; exit 1; }
  echo "SKIP: no golden model at $MODEL"; exit 77
fi
out=$("$1" "$MODEL" "person,car,a\\, comma") || { echo "$out"; exit 1; }
echo "$out"
[ "$(echo "$out" | grep -c '^buffer')" -eq 10 ] || exit 1
[ "$(echo "$out" | grep -c ': inferred frame')" -eq 3 ] || exit 1
echo "$out" | grep -q 'carried over from frame 4 ' || exit 1
echo "$out" | grep -q ' a, comma=' || exit 1
