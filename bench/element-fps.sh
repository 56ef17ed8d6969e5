#!/bin/sh
# Frames per second of the clipclassify element on 640x480 videotestsrc:
#   1. sync mode, interval=1, as fast as it goes:
#        videotestsrc ! clipclassify ! fakesink sync=false
#   2. async mode on a live 30 fps source, rendered in time by fakesink:
#        videotestsrc is-live=true ! clipclassify mode=async ! fakesink sync=true
#      reporting inferences per second and whether any buffer reached the
#      sink after its render time;
#   3. sync mode, interval=10, on the same live source, with a queue before
#      the sink: the latency the element reports (its measured inference
#      time) keeps the frames that waited for an inference on time.
# The idle CPU cost on a live source and the inferences/s on live 720p are
# measured by bench/element-live.py.
#
# Usage: bench/element-fps.sh [CHECKPOINT] [PLUGIN_DIR]
#   CHECKPOINT  a CLIP checkpoint; default: a random ViT-B/32-sized one
#               written once by tools/make-random-checkpoint.py to
#               ${TMPDIR:-/tmp}/clipclassify-bench/vit-b-32
#   PLUGIN_DIR  folder of libgstclipclassify.so (default: the installed one)
# Environment: FRAMES (sync run, default 60), SECONDS_LIVE (async, 10),
#   THREADS (the threads property, default 0 = all cores).
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

exec /usr/bin/python3 - "$MODEL" "${FRAMES:-60}" "${SECONDS_LIVE:-10}" \
    "${THREADS:-0}" <<'PYEOF'
import sys, time
import gi
gi.require_version("Gst", "1.0")
from gi.repository import Gst

model, frames, live_seconds, threads = sys.argv[1], int(sys.argv[2]), \
    int(sys.argv[3]), sys.argv[4]
Gst.init(None)
CAPS = "video/x-raw,format=I420,width=640,height=480,framerate=30/1"
LABELS = "person,car,dog,cat,tree,building,road,sky"


def run(description):
    pipeline = Gst.parse_launch(description)
    classify = pipeline.get_by_name("c")
    for name, value in (("model", model), ("labels", LABELS),
                        ("threads", threads)):
        Gst.util_set_object_arg(classify, name, value)
    sink = pipeline.get_by_name("sink")
    arrivals, stamps = [], []

    def probe(pad, info):
        # Clock time at arrival and running time of the buffer; lateness
        # is worked out at the end, once the pipeline latency is known.
        buf = info.get_buffer()
        arrivals.append(time.monotonic())
        clock = pipeline.get_clock()
        event = pad.get_sticky_event(Gst.EventType.SEGMENT, 0)
        if clock is not None and event is not None:
            rt = event.parse_segment().to_running_time(Gst.Format.TIME,
                                                       buf.pts)
            stamps.append((clock.get_time(), rt, state["latency"]))
        return Gst.PadProbeReturn.OK

    state = {"latency": None}     # until the first query answers
    sink.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, probe)
    t0 = time.monotonic()
    pipeline.set_state(Gst.State.PLAYING)
    pipeline.get_state(Gst.CLOCK_TIME_NONE)
    q = Gst.Query.new_latency()
    if pipeline.query(q):
        state["latency"] = q.parse_latency()[1]
    while True:
        msg = pipeline.get_bus().timed_pop_filtered(
            Gst.CLOCK_TIME_NONE, Gst.MessageType.EOS | Gst.MessageType.ERROR
            | Gst.MessageType.LATENCY)
        if msg.type == Gst.MessageType.ERROR:
            sys.exit(f"element-fps: {msg.parse_error()[0].message}")
        if msg.type == Gst.MessageType.EOS:
            break
        # As gst-launch-1.0 does: redistribute a changed latency.
        pipeline.recalculate_latency()
        q = Gst.Query.new_latency()
        if pipeline.query(q):
            state["latency"] = q.parse_latency()[1]
    stats = {p: classify.get_property(p) for p in (
        "frames-seen", "inferences", "frames-skipped", "last-inference-ms")}
    base = pipeline.get_base_time()
    pipeline.set_state(Gst.State.NULL)
    # Late: reached the sink after the time it is due for rendering.
    # Buffers that came before the first answer were due with that latency.
    first = next((l for _, _, l in stamps if l is not None), state["latency"])
    lateness = [(now - (base + rt + (first if latency is None else latency)))
                / 1e6 for now, rt, latency in stamps]
    return arrivals, lateness, stats, time.monotonic() - t0, state["latency"]


arrivals, _, stats, _, _ = run(
    f"videotestsrc num-buffers={frames} ! {CAPS} ! "
    "clipclassify name=c mode=sync interval=1 ! fakesink name=sink sync=false")
# From the first frame out (model load and warm-up excluded).
span = arrivals[-1] - arrivals[0]
print(f"sync, interval=1, 640x480: {(len(arrivals) - 1) / span:.2f} frames/s "
      f"({stats['inferences']} inferences, last {stats['last-inference-ms']:.1f}"
      f" ms)")

arrivals, lateness, stats, wall, latency = run(
    f"videotestsrc is-live=true num-buffers={live_seconds * 30} ! {CAPS} ! "
    "clipclassify name=c mode=async ! fakesink name=sink sync=true")
late = [x for x in lateness if x > 0]
print(f"async, live 30 fps, 640x480, {live_seconds} s: "
      f"{stats['inferences'] / live_seconds:.2f} inferences/s, "
      f"{len(arrivals)}/{stats['frames-seen']} frames delivered, "
      f"{stats['frames-skipped']} sampled frames skipped while busy, "
      f"pipeline latency {latency / 1e6:.1f} ms, "
      f"late buffers {len(late)} (max lateness {max(lateness):.2f} ms)")

arrivals, lateness, stats, wall, latency = run(
    f"videotestsrc is-live=true num-buffers={live_seconds * 30} ! {CAPS} ! "
    "clipclassify name=c mode=sync interval=10 ! queue ! "
    "fakesink name=sink sync=true")
late = [x for x in lateness if x > 0]
print(f"sync, interval=10, live 30 fps, 640x480, {live_seconds} s: "
      f"{stats['inferences'] / live_seconds:.2f} inferences/s, "
      f"{len(arrivals)}/{stats['frames-seen']} frames delivered, "
      f"pipeline latency {latency / 1e6:.1f} ms, "
      f"late buffers {len(late)} (max lateness {max(lateness):.2f} ms)")
PYEOF
