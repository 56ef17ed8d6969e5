#!/usr/bin/python3
"""Watches several cameras with one model and one batch; prints changes.

  multi-camera.py /dev/video0 /dev/video2 --labels "person,car,empty street"

Each camera gets its own clipclassify (mode=async: frames never wait); all
of them share the loaded model and, with --batch-size (default: the number
of cameras), one forward pass for their frames. Like camera-monitor.py it
prints a line only when a camera's top label changes (smoothed over
--smoothing seconds, held for --hold seconds):

  14:02:15.022  cam1  frame    422  person 0.74 (was empty street)

--source replaces the cameras by gst-launch source descriptions, one per
stream (e.g. --source "videotestsrc is-live=true" twice). Ctrl-C stops.
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


def build_pipeline(sources, args):
    branches = []
    for i, source in enumerate(sources):
        branches.append(f"{source} ! {LEAKY_QUEUE} ! videoconvert ! "
                        f"clipclassify name=cam{i} ! fakesink sync=false")
    pipeline = Gst.parse_launch(" ".join(branches))
    batch = args.batch_size or len(sources)
    for i in range(len(sources)):
        clipresults.configure_classifier(
            pipeline.get_by_name(f"cam{i}"), args, mode="async",
            smoothing=args.smoothing, hold=args.hold,
            **{"batch-size": batch, "batch-timeout": args.batch_timeout,
               "max-rate": args.max_rate, "post-messages": "false"})
    return pipeline


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("devices", nargs="*", help="V4L2 devices")
    parser.add_argument("--source", action="append", default=[],
                        help="gst-launch source description, one per "
                        "stream (repeat)")
    parser.add_argument("--batch-size", type=int,
                        help="frames per forward pass (default: one per "
                        "stream)")
    parser.add_argument("--batch-timeout", type=int, default=20,
                        help="ms to wait for a full batch (default 20)")
    parser.add_argument("--max-rate", type=float, default=5.0,
                        help="inferences per second per stream (default 5)")
    parser.add_argument("--smoothing", type=float, default=1.0,
                        help="seconds of probability averaging (default 1)")
    parser.add_argument("--hold", type=float, default=0.5,
                        help="seconds a new label must hold (default 0.5)")
    clipresults.add_classifier_arguments(parser)
    args = parser.parse_args()
    sources = args.source + [f"v4l2src device={d}" for d in args.devices]
    if not sources:
        parser.error("give V4L2 devices or --source descriptions")

    Gst.init(None)
    try:
        pipeline = build_pipeline(sources, args)
    except Exception as e:
        print(f"multi-camera: {e}", file=sys.stderr)
        return 2
    loop = GLib.MainLoop()
    status = [0]

    def on_message(_bus, msg):
        change = clipresults.change_from_message(msg)
        if change:
            now = datetime.datetime.now().strftime("%H:%M:%S.%f")[:-3]
            label = change["label"] or "(no match)"
            was = (f" (was {change['previous']})" if change["previous"]
                   else "")
            print(f"{now}  {change['element']}  frame {change['frame']:6d}  "
                  f"{label} {change['score']:.2f}{was}", flush=True)
        elif msg.type == Gst.MessageType.ERROR:
            print(f"multi-camera: {clipresults.error_text(msg)}",
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
    pipeline.set_state(Gst.State.NULL)
    bus.remove_signal_watch()
    return status[0]


if __name__ == "__main__":
    sys.exit(main())
