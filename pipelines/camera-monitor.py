#!/usr/bin/python3
"""Watches a live camera and reports what it sees.

  camera-monitor.py --labels "person,car,empty street" --watch person

Runs clipclassify in async mode: the camera's frames never wait for the
model; a worker thread classifies the newest frame whenever it is free.
Prints a line only when the top label changes: the element smooths the
probabilities over --smoothing seconds and announces a new top label once
it has held for --hold seconds (its "clipclassify-change" message), so a
flickering label prints nothing. An ALERT line follows when a --watch
label becomes the top one with at least --min-score. Ctrl-C stops.

Pipeline (with the default source and display):

  v4l2src ! queue leaky=downstream max-size-buffers=1 ! videoconvert !
  clipclassify mode=async ! clipoverlay ! videoconvert ! autovideosink

The leaky queue sits right after the camera: if anything downstream
stalls (a slow display), the oldest frame is dropped instead of the
capture thread blocking, so what is classified and shown stays current.
--source replaces "v4l2src" (e.g. "videotestsrc is-live=true" without a
camera); --no-display ends the pipeline in fakesink. In the window,
clipoverlay draws the (smoothed) top labels with their probabilities.
"""

import argparse
import datetime
import os
import signal
import sys

sys.dont_write_bytecode = True  # nothing written beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clipresults  # noqa: E402
from clipresults import Gst  # noqa: E402
from gi.repository import GLib  # noqa: E402

LEAKY_QUEUE = ("queue leaky=downstream max-size-buffers=1 max-size-bytes=0 "
               "max-size-time=0")


def build_pipeline(args):
    display = ("fakesink sync=false" if args.no_display
               else "clipoverlay ! videoconvert ! autovideosink")
    description = (f"{args.source} ! {LEAKY_QUEUE} ! videoconvert ! "
                   f"clipclassify name=classify ! {display}")
    pipeline = Gst.parse_launch(description)
    clipresults.configure_classifier(
        pipeline.get_by_name("classify"), args, mode="async",
        smoothing=args.smoothing, hold=args.hold,
        **{"max-rate": args.max_rate, "post-messages": "false"})
    return pipeline


class Monitor:
    """Turns results into change and alert lines."""

    def __init__(self, watch, min_score):
        self.watch = set(watch)
        self.min_score = min_score
        self.current = None

    def on_change(self, change):
        label = change["label"] or "(no match)"
        now = datetime.datetime.now().strftime("%H:%M:%S.%f")[:-3]
        was = f" (was {change['previous']})" if change["previous"] else ""
        print(f"{now}  frame {change['frame']:6d}  {label} "
              f"{change['score']:.2f}{was}", flush=True)
        if label in self.watch and change["score"] >= self.min_score:
            print(f"{now}  ALERT {label} {change['score']:.2f}", flush=True)
        self.current = label


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", default="v4l2src",
                        help="gst-launch source description "
                        "(default: v4l2src)")
    parser.add_argument("--no-display", action="store_true",
                        help="no video window")
    parser.add_argument("--max-rate", type=float, default=5.0,
                        help="at most this many inferences per second "
                        "(default 5; 0 = as fast as the model goes)")
    parser.add_argument("--smoothing", type=float, default=1.0,
                        help="time constant of the probability average, "
                        "seconds (default 1; 0 = off)")
    parser.add_argument("--hold", type=float, default=0.5,
                        help="seconds a new top label must hold before it "
                        "is reported (default 0.5)")
    parser.add_argument("--watch", default="",
                        help="comma-separated labels that raise an ALERT")
    parser.add_argument("--min-score", type=float, default=0.5,
                        help="probability a watched label needs (0.5)")
    clipresults.add_classifier_arguments(parser)
    args = parser.parse_args()

    Gst.init(None)
    try:
        pipeline = build_pipeline(args)
    except Exception as e:
        print(f"camera-monitor: {e}", file=sys.stderr)
        return 2
    monitor = Monitor([w.strip() for w in args.watch.split(",") if w.strip()],
                      args.min_score)
    loop = GLib.MainLoop()
    status = [0]

    def on_message(_bus, msg):
        change = clipresults.change_from_message(msg)
        if change:
            monitor.on_change(change)
        elif msg.type == Gst.MessageType.ERROR:
            print(f"camera-monitor: {clipresults.error_text(msg)}",
                  file=sys.stderr)
            status[0] = 1
            loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            loop.quit()
        return True

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT,
                         lambda: (loop.quit(), False)[1])
    pipeline.set_state(Gst.State.PLAYING)
    loop.run()

    classify = pipeline.get_by_name("classify")
    seen, runs, skipped, ms = (classify.get_property(p) for p in (
        "frames-seen", "inferences", "frames-skipped", "last-inference-ms"))
    pipeline.set_state(Gst.State.NULL)
    bus.remove_signal_watch()
    print(f"camera-monitor: {seen} frames, {runs} inferences "
          f"({skipped} sampled frames skipped while busy), last inference "
          f"{ms:.1f} ms", file=sys.stderr)
    return status[0]


if __name__ == "__main__":
    sys.exit(main())
