#!/usr/bin/python3
"""Classifies the faces a detector finds: one line per face per frame.

  faces.py photo-or-video --labels "smiling,frowning,wearing glasses"

facedetect (Debian: gstreamer1.0-opencv with opencv-data) puts a "face"
region on each frame; clipclassify, with inference-region=roi-list,
classifies each face (cropped from the original frame) instead of the
frame:

  frame     0  face 175,64 97x97  smiling 0.81

--source replaces "filesrc location=FILE ! decodebin" by any gst-launch
source description (e.g. "v4l2src" for a camera). --display shows the
video with each face outlined and labelled by clipoverlay. --json prints
the bus messages as JSON lines. Frames are turned upright as players show
them, from the source's image-orientation tag; --no-rotate detects on
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
    source = args.source or "filesrc name=file ! decodebin"
    # --display: the faces outlined and labelled by clipoverlay, in a
    # window, in time; else as fast as the frames come.
    sink = ("clipoverlay ! videoconvert ! autovideosink" if args.display
            else "fakesink sync=false")
    # imagefreeze turns a still picture into a short stream; videorate is
    # harmless on video.
    description = (f"{source} ! videoconvert ! {clipresults.upright(args)}"
                   "facedetect display=false "
                   f"min-size-width={args.min_face} "
                   f"min-size-height={args.min_face} ! "
                   "clipclassify name=classify inference-region=roi-list "
                   f"object-class=face ! {sink}")
    pipeline = Gst.parse_launch(description)
    if not args.source:
        pipeline.get_by_name("file").set_property("location", args.input)
    clipresults.configure_classifier(
        pipeline.get_by_name("classify"), args,
        **{"min-roi-size": args.min_face, "mode": "sync"})
    return pipeline


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("input", nargs="?", help="video or picture file")
    parser.add_argument("--source", help="gst-launch source description "
                        "used instead of the file")
    parser.add_argument("--min-face", type=int, default=30,
                        help="smallest face in pixels (default 30)")
    parser.add_argument("--json", action="store_true",
                        help="print the messages as JSON lines")
    parser.add_argument("--display", action="store_true",
                        help="show the video with each face outlined and "
                        "labelled (clipoverlay)")
    clipresults.add_orientation_argument(parser)
    clipresults.add_classifier_arguments(
        parser, labels="smiling,frowning,wearing glasses")
    args = parser.parse_args()
    if not args.input and not args.source:
        parser.error("give a file or --source")

    Gst.init(None)
    if not Gst.ElementFactory.find("facedetect"):
        print("faces: facedetect is missing (install gstreamer1.0-opencv "
              "and opencv-data)", file=sys.stderr)
        return 2
    try:
        pipeline = build_pipeline(args)
    except Exception as e:  # parse errors come as GLib.Error
        print(f"faces: {e}", file=sys.stderr)
        return 2
    bus = pipeline.get_bus()
    status = 0
    faces = 0

    pipeline.set_state(Gst.State.PLAYING)
    while True:
        msg = bus.timed_pop_filtered(
            Gst.CLOCK_TIME_NONE, Gst.MessageType.ELEMENT
            | Gst.MessageType.EOS | Gst.MessageType.ERROR)
        if msg.type == Gst.MessageType.EOS:
            break
        if msg.type == Gst.MessageType.ERROR:
            print(f"faces: {clipresults.error_text(msg)}", file=sys.stderr)
            status = 1
            break
        result = clipresults.result_from_message(msg)
        if not result:
            continue
        if args.json:
            del result["element"]
            print(json.dumps(result, ensure_ascii=False), flush=True)
        for r in result.get("regions", []):
            faces += 1
            if not args.json:
                label = r["label"] or f"({r['labels'][0]}?)"
                print(f"frame {result['frame']:5d}  {r['roi_type']} "
                      f"{r['x']},{r['y']} {r['width']}x{r['height']}  "
                      f"{label} {r['score']:.2f}", flush=True)
    pipeline.set_state(Gst.State.NULL)
    print(f"faces: {faces} faces classified", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
