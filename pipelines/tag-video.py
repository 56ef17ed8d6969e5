#!/usr/bin/python3
"""Tags a video file offline: one JSON line per inference.

  tag-video.py clip.mp4 --labels "person,car,dog" --interval 15 -o tags.jsonl

Decodes the file as fast as it can (no clock), classifies every
--interval-th frame in sync mode, and writes each "clipclassify" bus
message as one JSON object per line (see docs/messages.md):

  {"frame": 15, "pts": 0.5, "stream_time": 0.5, ..., "label": "person",
   "score": 0.91, "labels": ["person", "car"], "scores": [0.91, 0.09], ...}

--source replaces "filesrc location=VIDEO ! decodebin" by any gst-launch
source description, e.g. --source "videotestsrc num-buffers=300".
Frames are turned upright as players show them (a phone's portrait video
is stored sideways with an image-orientation tag); --no-rotate classifies
them as stored.
"""

import argparse
import json
import os
import sys

sys.dont_write_bytecode = True  # nothing written beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clipresults  # noqa: E402
from clipresults import Gst  # noqa: E402


def build_pipeline(args):
    if args.source:
        source = args.source
    else:
        source = "filesrc name=file ! decodebin"
    description = (f"{source} ! videoconvert ! {clipresults.upright(args)}"
                   "clipclassify name=classify ! fakesink sync=false")
    pipeline = Gst.parse_launch(description)
    if not args.source:
        pipeline.get_by_name("file").set_property("location", args.video)
    clipresults.configure_classifier(
        pipeline.get_by_name("classify"), args, interval=args.interval,
        **{"max-rate": args.max_rate, "mode": "sync"})
    return pipeline


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("video", nargs="?", help="video file to tag")
    parser.add_argument("--source", help="gst-launch source description "
                        "used instead of the file")
    parser.add_argument("--interval", type=int, default=1,
                        help="infer every Nth frame (default 1)")
    parser.add_argument("--max-rate", type=float,
                        help="at most this many inferences per second of "
                        "video")
    parser.add_argument("-o", "--output", help="JSON lines file "
                        "(default: standard output)")
    clipresults.add_orientation_argument(parser)
    clipresults.add_classifier_arguments(parser)
    args = parser.parse_args()
    if not args.video and not args.source:
        parser.error("give a video file or --source")

    Gst.init(None)
    try:
        pipeline = build_pipeline(args)
    except Exception as e:  # parse errors come as GLib.Error
        print(f"tag-video: {e}", file=sys.stderr)
        return 2
    out = open(args.output, "w") if args.output else sys.stdout
    bus = pipeline.get_bus()
    status = 0
    count = 0

    pipeline.set_state(Gst.State.PLAYING)
    while True:
        msg = bus.timed_pop_filtered(
            Gst.CLOCK_TIME_NONE, Gst.MessageType.ELEMENT
            | Gst.MessageType.EOS | Gst.MessageType.ERROR)
        if msg.type == Gst.MessageType.EOS:
            break
        if msg.type == Gst.MessageType.ERROR:
            print(f"tag-video: {clipresults.error_text(msg)}",
                  file=sys.stderr)
            status = 1
            break
        result = clipresults.result_from_message(msg)
        if result:
            del result["element"]
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
            out.flush()
            count += 1
    pipeline.set_state(Gst.State.NULL)
    if args.output:
        out.close()
    print(f"tag-video: {count} inferences", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
