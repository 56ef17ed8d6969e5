#!/usr/bin/python3
"""What clipoverlay costs per frame, against identity in the same run.

  bench/overlay-cost.py [--plugin-dir build/gst] [--frames 300]
                        [--pixel-aspect-ratio 64/45]

Frames of videotestsrc go through clipclassify (the bundled demo model,
which is fast, inferring every 30th frame so that each result is carried
by the 29 frames after it) and then through clipoverlay, or identity in its
place. Pad probes on both sides of that element take the monotonic time of
every buffer; the median time a buffer spends inside is printed, in
milliseconds, for 640x480 and 1920x1080 in BGRx, I420 and NV12, with the
frames on which a new result was drawn counted apart (median of those).
The two elements alternate, three rounds each; nothing is asserted.
With --pixel-aspect-ratio the frames have pixels of that shape, which
clipoverlay draws its pictures for (docs/clipoverlay.md).
"""

import argparse
import os
import statistics
import sys
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABELS = "colour bars,bouncing ball,checkerboard,snow,black frame"


def run(element, width, height, fmt, frames, model, par):
    description = (
        f"videotestsrc num-buffers={frames} pattern=ball ! "
        f"video/x-raw,format={fmt},width={width},height={height},"
        f"pixel-aspect-ratio={par} ! "
        f"clipclassify model=\"{model}\" labels=\"{LABELS}\" interval=30 "
        f"top-k=3 ! {element} name=e ! fakesink sync=false")
    pipeline = Gst.parse_launch(description)
    e = pipeline.get_by_name("e")
    entered, spent = {}, {}

    def on_sink(_pad, info):
        buf = info.get_buffer()
        entered[buf.pts] = time.monotonic_ns()
        return Gst.PadProbeReturn.OK

    def on_src(_pad, info):
        buf = info.get_buffer()
        spent[buf.pts] = (time.monotonic_ns() - entered[buf.pts]) / 1e6
        return Gst.PadProbeReturn.OK

    e.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, on_sink)
    e.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, on_src)
    pipeline.set_state(Gst.State.PLAYING)
    msg = pipeline.get_bus().timed_pop_filtered(
        Gst.CLOCK_TIME_NONE, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    if msg.type == Gst.MessageType.ERROR:
        sys.exit(f"overlay-cost: {msg.parse_error()[0].message}")
    times = [spent[pts] for pts in sorted(spent)]
    # Frames 0, 30, 60, ... carry a new result (a new picture to draw).
    fresh = times[::30]
    carried = [t for i, t in enumerate(times) if i % 30]
    return statistics.median(carried), statistics.median(fresh)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--plugin-dir", help="folder of libgstclipclassify.so "
                        "(default: the installed one)")
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", default=os.path.join(
        ROOT, "models", "clipclassify-demo"))
    parser.add_argument("--pixel-aspect-ratio", default="1/1",
                        help="of the frames, N/D (default 1/1)")
    args = parser.parse_args()
    if args.plugin_dir:
        os.environ["GST_PLUGIN_PATH_1_0"] = os.path.abspath(args.plugin_dir)
    Gst.init(None)

    print(f"pixel aspect ratio {args.pixel_aspect_ratio}")
    print(f"{'frame':>18} {'identity':>9} {'clipoverlay':>12} "
          f"{'new result':>11}   (median ms per frame)")
    for width, height in ((640, 480), (1920, 1080)):
        for fmt in ("BGRx", "I420", "NV12"):
            got = {"identity": [], "clipoverlay": []}
            for _ in range(args.rounds):
                for element in got:
                    got[element].append(run(element, width, height, fmt,
                                            args.frames, args.model,
                                            args.pixel_aspect_ratio))
            ident = statistics.median(c for c, _ in got["identity"])
            over = statistics.median(c for c, _ in got["clipoverlay"])
            fresh = statistics.median(f for _, f in got["clipoverlay"])
            print(f"{width:>5}x{height:<5} {fmt:<6} {ident:9.3f} "
                  f"{over:12.3f} {fresh:11.3f}")
    print(f"load average: {os.getloadavg()[0]:.2f} "
          f"({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
