#!/usr/bin/python3
"""A live demo: videotestsrc patterns named on screen as they change.

  demo.py                      # the installed demo model, in a window
  demo.py --model clip-vit-base-patch32/ --labels "a cat,a dog" \\
      --source "v4l2src"

Every two seconds the test source switches to another pattern; the
classifier (async mode, so the video never stutters) names what it sees
and clipoverlay draws its top labels and their probabilities over the
picture. The default
labels are the classes of the bundled demo model; with a real CLIP
checkpoint pass your own labels and a real --source.

Pipeline:

  videotestsrc is-live=true ! video/x-raw,width=640,height=480 !
  videoconvert ! clipclassify mode=async ! clipoverlay !
  videoconvert ! autovideosink
"""

import argparse
import os
import sys

sys.dont_write_bytecode = True  # nothing written beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clipresults  # noqa: E402
from clipresults import Gst  # noqa: E402
from gi.repository import GLib  # noqa: E402

# Demo model class -> the videotestsrc pattern that shows it.
PATTERNS = [
    ("colour bars", "smpte"), ("bouncing ball", "ball"),
    ("checkerboard", "checkers-8"), ("concentric circles", "circular"),
    ("snow", "snow"), ("pinwheel", "pinwheel"), ("gradient", "gradient"),
    ("red", "red"), ("green", "green"), ("blue", "blue"),
    ("black frame", "black"), ("white frame", "white"),
    ("rainbow", "colors"),
]
DEMO_LABELS = ",".join(name for name, _ in PATTERNS)
DEFAULT_SOURCE = ("videotestsrc name=patterns is-live=true ! "
                  "video/x-raw,width=640,height=480,framerate=30/1")


def build_pipeline(args):
    source = args.source or DEFAULT_SOURCE
    if args.num_buffers and not args.source:
        source = source.replace("is-live=true",
                                f"is-live=true num-buffers={args.num_buffers}")
    description = (
        f"{source} ! videoconvert ! clipclassify name=classify ! "
        f"clipoverlay ! videoconvert ! {args.sink}")
    pipeline = Gst.parse_launch(description)
    clipresults.configure_classifier(
        pipeline.get_by_name("classify"), args, mode="async",
        **{"max-rate": 10})
    return pipeline


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", help="gst-launch source description "
                        "instead of the cycling test patterns")
    # Without a display (a server, CI) the names are printed all the same.
    has_display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    parser.add_argument("--sink",
                        default="autovideosink" if has_display else
                        "fakesink sync=true",
                        help="video sink (default autovideosink, or a "
                        "clock-synced fakesink when there is no display)")
    parser.add_argument("--num-buffers", type=int, default=0,
                        help="stop after this many frames (0 = never)")
    parser.add_argument("--seconds-per-pattern", type=float, default=2.0)
    clipresults.add_classifier_arguments(parser, labels=DEMO_LABELS)
    args = parser.parse_args()

    Gst.init(None)
    try:
        pipeline = build_pipeline(args)
    except Exception as e:
        print(f"demo: {e}", file=sys.stderr)
        return 2
    patterns = pipeline.get_by_name("patterns")
    loop = GLib.MainLoop()
    state = {"status": 0, "index": 0, "shown": None}

    def next_pattern():
        state["index"] = (state["index"] + 1) % len(PATTERNS)
        Gst.util_set_object_arg(patterns, "pattern",
                                PATTERNS[state["index"]][1])
        return True

    def on_message(_bus, msg):
        result = clipresults.result_from_message(msg)
        if result:
            text = (f"{result['label']}  {result['score']:.2f}"
                    if result["matched"] else "?")
            if text.split("  ")[0] != state["shown"]:
                state["shown"] = text.split("  ")[0]
                print(f"frame {result['frame']:5d}: {text}", flush=True)
        elif msg.type == Gst.MessageType.ERROR:
            print(f"demo: {clipresults.error_text(msg)}", file=sys.stderr)
            state["status"] = 1
            loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            loop.quit()
        return True

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    if patterns:
        Gst.util_set_object_arg(patterns, "pattern", PATTERNS[0][1])
        GLib.timeout_add(int(args.seconds_per_pattern * 1000), next_pattern)
    pipeline.set_state(Gst.State.PLAYING)
    try:
        loop.run()
    except KeyboardInterrupt:
        pass
    pipeline.set_state(Gst.State.NULL)
    bus.remove_signal_watch()
    return state["status"]


if __name__ == "__main__":
    sys.exit(main())
