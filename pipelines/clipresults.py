"""Reading clipclassify's results from Python (PyGObject).

The element posts one "clipclassify" element message per inference; this
module turns one into a plain dict and holds the command-line options the
pipeline scripts share. See docs/messages.md for the fields.
"""

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402


def _seconds(structure, name):
    ok, value = structure.get_uint64(name)
    if not ok or value == Gst.CLOCK_TIME_NONE:
        return None
    return value / Gst.SECOND


def _array(structure, name):
    ok, array = structure.get_array(name)
    if not ok:
        return []
    return [array.get_nth(i) for i in range(array.n_values)]


def result_from_message(message):
    """The fields of a "clipclassify" element message as a dict (times in
    seconds, None when unknown), or None for any other message."""
    if message.type != Gst.MessageType.ELEMENT:
        return None
    s = message.get_structure()
    if s is None or s.get_name() != "clipclassify":
        return None
    ok, matched = s.get_boolean("matched")
    result = {
        "element": message.src.get_name(),
        "frame": s.get_uint64("frame")[1],
        "pts": _seconds(s, "timestamp"),
        "stream_time": _seconds(s, "stream-time"),
        "running_time": _seconds(s, "running-time"),
        "duration": _seconds(s, "duration"),
        "label": s.get_string("label"),
        "score": s.get_double("score")[1],
        "matched": matched if ok else True,
        "labels": _array(s, "labels"),
        "scores": _array(s, "scores"),
        "inference_ms": s.get_double("inference-ms")[1],
    }
    if s.has_field("regions"):
        # The structures belong to the array: read them while it lives.
        ok, array = s.get_array("regions")
        result["regions"] = [_region(array.get_nth(i))
                             for i in range(array.n_values)] if ok else []
    return result


def change_from_message(message):
    """The fields of a "clipclassify-change" message as a dict, or None."""
    if message.type != Gst.MessageType.ELEMENT:
        return None
    s = message.get_structure()
    if s is None or s.get_name() != "clipclassify-change":
        return None
    change = {
        "element": message.src.get_name(),
        "previous": s.get_string("previous"),
        "label": s.get_string("label"),
        "score": s.get_double("score")[1],
        "frame": s.get_uint64("frame")[1],
        "pts": _seconds(s, "timestamp"),
        "stream_time": _seconds(s, "stream-time"),
        "running_time": _seconds(s, "running-time"),
    }
    if s.has_field("region-id"):
        change["region_id"] = s.get_int("region-id")[1]
    return change


def _region(r):
    """One entry of the "regions" array (inference-region=roi-list)."""
    return {
        "id": r.get_int("id")[1],
        "roi_type": r.get_string("roi-type"),
        "x": r.get_uint("x")[1], "y": r.get_uint("y")[1],
        "width": r.get_uint("width")[1], "height": r.get_uint("height")[1],
        "label": r.get_string("label"),
        "score": r.get_double("score")[1],
        "matched": r.get_boolean("matched")[1],
        "labels": _array(r, "labels"),
        "scores": _array(r, "scores"),
    }


def add_classifier_arguments(parser, labels=None):
    """The clipclassify properties every script exposes."""
    parser.add_argument("--model", help="checkpoint directory or "
                        ".safetensors file (default: $CLIPCLASSIFY_MODEL, "
                        "else the installed demo model)")
    parser.add_argument("--labels", default=labels,
                        help="comma-separated labels (\\, for a comma)"
                        + (f"; default: {labels}" if labels else ""))
    parser.add_argument("--labels-file", help="one label per line")
    parser.add_argument("--prompt", help="template with {} "
                        "(default: 'a photo of a {}.')")
    parser.add_argument("--prompt-file", help="templates, one per line")
    parser.add_argument("--top-k", type=int, help="labels reported")
    parser.add_argument("--threshold", type=float,
                        help="top probability under which a result is "
                        "'no match'")
    parser.add_argument("--threads", type=int,
                        help="threads per inference (0 = all cores)")


# Turns the picture upright as a player shows it: phones store portrait
# video sideways with an image-orientation tag ("rotate-90"), and CLIP
# sees what it is given. Passes frames through untouched when there is no
# such tag.
UPRIGHT = "videoflip video-direction=auto"


def add_orientation_argument(parser):
    """--no-rotate, for sources whose frames are already upright."""
    parser.add_argument("--no-rotate", action="store_true",
                        help="classify the frames as stored, ignoring the "
                        "source's image-orientation tag")


def upright(args):
    """The gst-launch piece that applies the orientation tag, or none."""
    return "" if args.no_rotate else f"{UPRIGHT} ! "


def configure_classifier(element, args, **extra):
    """Sets the properties given on the command line (and @extra)."""
    props = {
        "model": args.model, "labels": args.labels,
        "labels-file": args.labels_file, "prompt": args.prompt,
        "prompt-file": args.prompt_file, "top-k": args.top_k,
        "threshold": args.threshold, "threads": args.threads,
    }
    props.update(extra)
    for name, value in props.items():
        if value is not None:
            # As gst-launch-1.0 would parse it: enums by nick, numbers.
            Gst.util_set_object_arg(element, name, str(value))


def error_text(message):
    """'element: message' for an ERROR or WARNING bus message."""
    if message.type == Gst.MessageType.ERROR:
        err, _debug = message.parse_error()
    else:
        err, _debug = message.parse_warning()
    return f"{message.src.get_name()}: {err.message}"
