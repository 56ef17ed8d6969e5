#!/usr/bin/python3
"""Reads GstClipClassifyMeta from a Python pad probe through GObject
introspection (GstClipClassify-1.0), on a real pipeline with the demo model,
and checks it against the element's bus messages for the same frames.

Run by meson with GI_TYPELIB_PATH and LD_LIBRARY_PATH at the build tree."""
import os
import sys

import warnings

import gi

gi.require_version("Gst", "1.0")
try:
    gi.require_version("GstClipClassify", "1.0")
except ValueError as e:
    print(f"FAIL: GstClipClassify-1.0 typelib not found: {e}")
    sys.exit(1)
from gi.repository import GstClipClassify, Gst  # noqa: E402

LABELS = ["static noise", "colour bars", "a bouncing ball"]


def array(structure, name):
    """A GstValueArray field as a list (PyGObject has no converter)."""
    with warnings.catch_warnings():   # GValueArray is deprecated in GLib
        warnings.simplefilter("ignore", DeprecationWarning)
        found, arr = structure.get_array(name)
        values = [arr.get_nth(i) for i in range(arr.n_values)] if found else []
    assert found, f"no {name} in {structure.to_string()}"
    return values


def run(pattern):
    """Runs 12 frames of @pattern; returns (probe records, bus records,
    buffers seen before clipclassify that had a meta)."""
    model = os.environ["CLIPCLASSIFY_DEMO_MODEL"]
    pipeline = Gst.parse_launch(
        f"videotestsrc pattern={pattern} num-buffers=12 ! "
        "video/x-raw,width=160,height=120 ! identity name=before ! "
        "clipclassify name=c interval=4 ! fakesink name=sink")
    c = pipeline.get_by_name("c")
    c.set_property("model", model)
    c.set_property("labels", ",".join(LABELS))

    seen, upstream_metas = [], []

    def on_buffer(pad, info):
        buf = info.get_buffer()
        meta = GstClipClassify.buffer_get_meta(buf)
        assert meta is not None, "no meta on a buffer after clipclassify"
        seen.append({
            "pts": buf.pts,
            "frame": meta.inferred_frame,
            "from_this_frame": meta.from_this_frame,
            "matched": meta.matched,
            "n": meta.n_results,
            "labels": list(meta.get_labels()),
            "scores": list(meta.get_scores()),
            "top": meta.get_top_label(),
            "score_of_first": meta.get_score(LABELS[0]),
        })
        return Gst.PadProbeReturn.OK

    def before_buffer(pad, info):
        upstream_metas.append(
            GstClipClassify.buffer_get_meta(info.get_buffer()))
        return Gst.PadProbeReturn.OK

    pipeline.get_by_name("sink").get_static_pad("sink").add_probe(
        Gst.PadProbeType.BUFFER, on_buffer)
    pipeline.get_by_name("before").get_static_pad("src").add_probe(
        Gst.PadProbeType.BUFFER, before_buffer)

    messages = {}
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    while True:
        msg = bus.timed_pop_filtered(
            30 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR
            | Gst.MessageType.ELEMENT)
        assert msg is not None, "pipeline timed out"
        if msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            raise AssertionError(f"pipeline error: {err.message} ({dbg})")
        if msg.type == Gst.MessageType.EOS:
            break
        s = msg.get_structure()
        if s.get_name() == "clipclassify":
            frame = s.get_value("frame")
            labels = array(s, "labels")
            scores = array(s, "scores")
            messages[frame] = (list(labels), list(scores))
    pipeline.set_state(Gst.State.NULL)
    return seen, messages, upstream_metas


def check(pattern, want_top):
    seen, messages, upstream = run(pattern)
    assert len(seen) == 12, f"{len(seen)} buffers probed, want 12"
    assert all(m is None for m in upstream) and len(upstream) == 12, \
        "buffer_get_meta must return None on buffers without a meta"
    assert sorted(messages) == [0, 4, 8], f"inferred frames {sorted(messages)}"
    for i, r in enumerate(seen):
        want_frame = i - i % 4
        assert r["frame"] == want_frame, (i, r)
        assert r["from_this_frame"] == (i % 4 == 0), (i, r)
        labels, scores = messages[want_frame]
        # the meta and the bus message are filled separately by the element
        assert r["labels"] == labels, (r["labels"], labels)
        assert r["scores"] == scores, (r["scores"], scores)
        assert r["n"] == len(LABELS) and sorted(r["labels"]) == sorted(LABELS)
        assert abs(sum(r["scores"]) - 1.0) < 1e-6, r["scores"]
        assert r["scores"] == sorted(r["scores"], reverse=True)
        assert r["matched"] and r["top"] == want_top, (r, want_top)
        assert r["score_of_first"] == scores[labels.index(LABELS[0])]
    print(f"ok - {pattern}: 12 buffers, top '{seen[0]['top']}' "
          f"{seen[0]['scores'][0]:.3f}, labels and scores equal the bus "
          "messages, None before the element")


def main():
    Gst.init(None)
    check("snow", "static noise")
    check("smpte", "colour bars")


if __name__ == "__main__":
    main()
