#!/bin/sh
# The bundled demo model through clip-embed: it loads, and a snow frame and
# a red frame (PNGs rendered by videotestsrc) are each closest to their own
# caption. Usage: test-demo-embed.sh CLIP_EMBED MODEL_DIR
set -eu
embed=$1
model=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! gst-launch-1.0 -q videotestsrc pattern=snow num-buffers=1 ! \
    video/x-raw,width=320,height=240 ! videoconvert ! pngenc ! \
    filesink location="$tmp/snow.png" >/dev/null 2>&1; then
  echo "SKIP: gst-launch-1.0 with videotestsrc and pngenc is needed"
  exit 77
fi
gst-launch-1.0 -q videotestsrc pattern=red num-buffers=1 ! \
  video/x-raw,width=320,height=240 ! videoconvert ! pngenc ! \
  filesink location="$tmp/red.png"

"$embed" --model "$model" --image "$tmp/snow.png" --image "$tmp/red.png" \
  --text "a photo of a snow." --text "a photo of a red." --normalize \
  --image-out "$tmp/img.npy" --text-out "$tmp/txt.npy" \
  --tokens-out "$tmp/tok.npy"

/usr/bin/python3 - "$tmp" <<'PY'
import sys
import numpy as np
d = sys.argv[1]
img = np.load(d + "/img.npy")
txt = np.load(d + "/txt.npy")
tok = np.load(d + "/tok.npy")
assert img.dtype == np.float32 and txt.dtype == np.float32, "dtype"
assert tok.shape == (2, 77), tok.shape
assert np.allclose(np.linalg.norm(img, axis=1), 1, atol=1e-5)
assert np.allclose(np.linalg.norm(txt, axis=1), 1, atol=1e-5)
sim = img @ txt.T
print("cosine image x caption:\n", sim)
assert sim[0, 0] > sim[0, 1] and sim[1, 1] > sim[1, 0], "wrong caption closest"
PY
