#!/bin/sh
# Runs every script in pipelines/ (and the gst-launch-1.0 lines of the
# docs) on videotestsrc input with the build tree's plugin.
# Usage: test-pipelines.sh <pipelines dir>
set -u
PIPELINES=$1
PY=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1
GOLDEN=${CLIP_GOLDEN_DIR:-${CLIP_GOLDEN_DEFAULT:-}}
DEMO="$CLIPCLASSIFY_SOURCE_ROOT/models/clipclassify-demo"

skip_or_fail () {
  if [ "${CI:-}" = true ]; then echo "FAIL: $1"; exit 1; fi
  echo "SKIP: $1"; exit 77
}

# The demo model when it is there, else the golden tiny checkpoint.
if [ -d "$DEMO" ]; then
  MODEL=$DEMO
elif [ -n "$GOLDEN" ] && [ -d "$GOLDEN/tiny-quickgelu-p32-f32/hf" ]; then
  MODEL=$GOLDEN/tiny-quickgelu-p32-f32/hf
else
  skip_or_fail "no model: neither $DEMO nor the golden data"
fi
export CLIPCLASSIFY_MODEL="$MODEL"
$PY -c 'import gi; gi.require_version("Gst", "1.0")' 2>/dev/null ||
  skip_or_fail "$PY has no PyGObject with Gst 1.0 (python3-gi, gir1.2-gstreamer-1.0)"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0
passed=0

check () {
  name=$1; shift
  if "$@" > "$TMP/$name.out" 2> "$TMP/$name.err"; then
    echo "ok - $name"
    passed=$((passed + 1))
  else
    echo "not ok - $name"; sed 's/^/#   /' "$TMP/$name.out" "$TMP/$name.err"
    failures=$((failures + 1))
  fi
}

# Counts the JSON lines of $1 and checks every one has the message fields.
json_lines () {
  $PY - "$1" "$2" <<'PYEOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == int(sys.argv[2]), f"{len(lines)} lines, want {sys.argv[2]}"
for line in lines:
    r = json.loads(line)
    for k in ("frame", "pts", "stream_time", "running_time", "duration",
              "label", "score", "labels", "scores", "inference_ms"):
        assert k in r, f"no {k} in {line}"
    assert r["label"] == r["labels"][0] and r["score"] == r["scores"][0]
    assert r["frame"] % 10 == 0
PYEOF
}

# The issue's first example, with videotestsrc for the file.
check gst-launch-interval sh -c "gst-launch-1.0 -m videotestsrc num-buffers=30 ! \
  clipclassify labels=\"person,car\" interval=15 ! fakesink |
  grep -c 'clipclassify, timestamp=' | grep -qx 2"

# Offline tagging: from a source description, then from a real file
# through decodebin.
check tag-video-source sh -c "$PY '$PIPELINES/tag-video.py' \
  --source 'videotestsrc num-buffers=50 ! video/x-raw,width=320,height=240' \
  --labels 'person,car,tree' --interval 10 -o '$TMP/tags.jsonl'"
check tag-video-source-json json_lines "$TMP/tags.jsonl" 5

# A phone's portrait video is stored sideways with an orientation tag:
# tag-video turns it upright first, so it must score what the upright
# source scores, to the bit (a quarter turn and back loses nothing in
# I420), and with --no-rotate what the sideways frames score. Labels that
# do not name the picture (videotestsrc's rainbow) keep the scores apart.
UPRIGHT_SRC='videotestsrc num-buffers=2 pattern=colors ! video/x-raw,format=I420,width=320,height=240'
SIDEWAYS_SRC="$UPRIGHT_SRC ! videoflip video-direction=90l ! taginject tags=image-orientation=rotate-90"
ROT_LABELS='checkerboard,concentric circles,snow,pinwheel'
for run in upright:"$UPRIGHT_SRC": sideways:"$SIDEWAYS_SRC": \
    stored:"$SIDEWAYS_SRC":--no-rotate; do
  name=${run%%:*}; rest=${run#*:}; src=${rest%:*}; opt=${rest##*:}
  check "tag-video-$name" sh -c "$PY '$PIPELINES/tag-video.py' --source '$src' \
    --labels '$ROT_LABELS' --top-k 0 $opt -o '$TMP/$name.jsonl'"
done
check tag-video-orientation $PY - "$TMP/upright.jsonl" "$TMP/sideways.jsonl" \
  "$TMP/stored.jsonl" <<'PYEOF'
import json, sys
def scores(path):
    lines = [json.loads(l) for l in open(path).read().splitlines()]
    assert len(lines) == 2, f"{path}: {len(lines)} results, want 2"
    return [dict(zip(r["labels"], r["scores"])) for r in lines]
upright, sideways, stored = (scores(p) for p in sys.argv[1:])
print("upright", upright[0], "sideways", sideways[0], "stored", stored[0])
assert sideways == upright, "the tagged sideways video was not turned upright"
gap = max(abs(stored[0][k] - upright[0][k]) for k in upright[0])
assert gap > 0.05, f"sideways frames scored as upright ones ({gap})"
PYEOF

check make-video gst-launch-1.0 -q videotestsrc num-buffers=40 ! \
  video/x-raw,width=320,height=240,framerate=30/1 ! jpegenc ! avimux ! \
  filesink location="$TMP/clip.avi"
check tag-video-file sh -c "$PY '$PIPELINES/tag-video.py' '$TMP/clip.avi' \
  --labels 'person,car' --interval 10 --top-k 1 > '$TMP/file.jsonl'"
check tag-video-file-json json_lines "$TMP/file.jsonl" 4

# Live monitoring, a live test source standing in for the camera.
check camera-monitor sh -c "$PY '$PIPELINES/camera-monitor.py' \
  --source 'videotestsrc is-live=true num-buffers=45' --no-display \
  --labels 'person,car' --watch person,car --min-score 0 |
  grep -q ALERT"

# The demo, headless.
check demo sh -c "sh '$PIPELINES/demo.sh' --num-buffers 60 \
  --seconds-per-pattern 0.5 --sink fakesink | grep -q 'frame'"

# A fleet camera publishing to a real broker on a free local port, and the
# mosquitto_sub line of the docs receiving its results.
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
if [ -x "$MOSQUITTO" ] && command -v mosquitto_sub >/dev/null; then
  port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  printf 'listener %s 127.0.0.1\nallow_anonymous true\nuser %s\n' "$port" \
    "$(id -un)" > "$TMP/mosquitto.conf"
  "$MOSQUITTO" -c "$TMP/mosquitto.conf" 2>/dev/null &
  broker_pid=$!
  sleep 0.5
  timeout 60 mosquitto_sub -h 127.0.0.1 -p "$port" -t 'clipclassify/fleet/#' \
    -v -C 3 > "$TMP/fleet.out" &
  sub_pid=$!
  sleep 0.5
  check fleet-camera sh "$PIPELINES/fleet-camera.sh" --broker 127.0.0.1 \
    --port "$port" --camera door --max-rate 10 --threads 1 \
    --source "videotestsrc is-live=true num-buffers=30 pattern=snow"
  wait "$sub_pid"
  check fleet-camera-received sh -c "grep -c '^clipclassify/fleet/door {.*\"source\":\"door\".*\"label\":\"static noise\"' '$TMP/fleet.out' | grep -qx 3"
  kill "$broker_pid"; wait "$broker_pid" 2>/dev/null
else
  skip_or_fail_msg="no mosquitto/mosquitto_sub (Debian: mosquitto mosquitto-clients)"
  [ "${CI:-}" = true ] && { echo "not ok - fleet-camera: $skip_or_fail_msg"; failures=$((failures + 1)); }
fi

# Two live streams sharing one batch: each reports its first label.
check multi-camera sh -c "$PY '$PIPELINES/multi-camera.py' \
  --source 'videotestsrc is-live=true num-buffers=45' \
  --source 'videotestsrc is-live=true num-buffers=45 pattern=snow' \
  --labels 'person,car' --hold 0 > '$TMP/multi.txt' &&
  grep -q ' cam0 ' '$TMP/multi.txt' && grep -q ' cam1 ' '$TMP/multi.txt'"

# Faces from facedetect, classified as regions (when gstreamer1.0-opencv is
# installed and the golden photo is there).
if gst-inspect-1.0 facedetect > /dev/null 2>&1 && [ -n "$GOLDEN" ] &&
    [ -f "$GOLDEN/images/astronaut.png" ]; then
  check faces sh -c "$PY '$PIPELINES/faces.py' --source 'filesrc \
    location=$GOLDEN/images/astronaut.png ! pngdec ! imagefreeze num-buffers=3' \
    --labels 'smiling,frowning' 2>/dev/null | grep -c ' face 175,64 97x97 ' |
    grep -qx 3"
  # With the faces drawn (clipoverlay; autovideosink falls back to fakesink
  # without a display): the same three lines.
  check faces-display sh -c "env -u DISPLAY -u WAYLAND_DISPLAY $PY \
    '$PIPELINES/faces.py' --display --source 'filesrc \
    location=$GOLDEN/images/astronaut.png ! pngdec ! imagefreeze num-buffers=3' \
    --labels 'smiling,frowning' 2>/dev/null | grep -c ' face 175,64 97x97 ' |
    grep -qx 3"
else
  echo "skip - faces (no facedetect or no golden astronaut.png)"
fi

echo "$passed passed, $failures failed"
[ "$failures" -eq 0 ]
