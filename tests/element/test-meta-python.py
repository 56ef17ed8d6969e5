#!/usr/bin/python3
"""Reads GstClipClassifyMeta from a Python pad probe through GObject
introspection (GstClipClassify-1.0), on a real pipeline with the demo model,
and checks it against the element's bus messages for the same frames. With
attach-embedding=true, the meta's image embedding must be the one
clip-embed computes from the same pixels.

Run by meson with GI_TYPELIB_PATH and LD_LIBRARY_PATH at the build tree."""
import json
import os
import subprocess
import sys
import tempfile

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


def check_embedding():
    """Frames of the model's input size pass the resize untouched, so
    clip-embed, given the same pixels as a PNG, must embed what the element
    attached."""
    import numpy as np
    from PIL import Image
    model = os.environ["CLIPCLASSIFY_DEMO_MODEL"]
    config = json.load(open(os.path.join(model, "config.json")))
    side = config["vision_config"]["image_size"]
    dim = config["projection_dim"]
    found = {}
    for attach in (False, True):
        pipeline = Gst.parse_launch(
            f"videotestsrc pattern=smpte num-buffers=4 ! video/x-raw,"
            f"format=RGB,width={side},height={side} ! clipclassify name=c "
            f"interval=2 attach-embedding={str(attach).lower()} ! "
            "fakesink name=sink")
        c = pipeline.get_by_name("c")
        c.set_property("model", model)
        c.set_property("labels", ",".join(LABELS))
        seen = []

        def on_buffer(pad, info):
            buf = info.get_buffer()
            meta = GstClipClassify.buffer_get_meta(buf)
            ok, m = buf.map(Gst.MapFlags.READ)
            seen.append((meta.inferred_frame, meta.get_embedding(),
                         bytes(m.data)))
            buf.unmap(m)
            return Gst.PadProbeReturn.OK

        pipeline.get_by_name("sink").get_static_pad("sink").add_probe(
            Gst.PadProbeType.BUFFER, on_buffer)
        pipeline.set_state(Gst.State.PLAYING)
        msg = pipeline.get_bus().timed_pop_filtered(
            30 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
        pipeline.set_state(Gst.State.NULL)
        assert msg and msg.type == Gst.MessageType.EOS, "pipeline failed"
        assert len(seen) == 4, seen
        found[attach] = seen
    # NULL with length 0: PyGObject gives an empty list or None
    assert all(not e for _, e, _ in found[False]), \
        f"an embedding without attach-embedding: {found[False][0][1]}"
    seen = found[True]
    for frame, emb, _ in seen:
        assert emb is not None and len(emb) == dim, (frame, emb)
    # frames 0 and 1 carry frame 0's result, 2 and 3 frame 2's
    assert seen[0][1] == seen[1][1] and seen[2][1] == seen[3][1]
    tmp = tempfile.mkdtemp(prefix="meta-embedding-")
    args = [os.environ["CLIP_EMBED"], "--model", model, "--normalize",
            "--image-out", os.path.join(tmp, "e.npy")]
    for k in (0, 2):
        png = os.path.join(tmp, f"{k}.png")
        pixels = np.frombuffer(seen[k][2], np.uint8)
        Image.fromarray(pixels.reshape(side, side, 3)).save(png)
        args += ["--image", png]
    subprocess.run(args, check=True, capture_output=True)
    ref = np.load(os.path.join(tmp, "e.npy")).astype(np.float64)
    for row, k in enumerate((0, 2)):
        e = np.array(seen[k][1], np.float64)
        cos = e @ ref[row] / np.linalg.norm(e) / np.linalg.norm(ref[row])
        assert abs(np.linalg.norm(e) - 1) < 1e-5, np.linalg.norm(e)
        assert cos > 0.99999, (k, cos)
    print(f"ok - attach-embedding: unit {dim}-float embeddings on every "
          f"frame, shared by the frames of one result, equal to clip-embed's "
          f"of the same pixels (cosine {cos:.7f}); none without it")


def main():
    Gst.init(None)
    check("snow", "static noise")
    check("smpte", "colour bars")
    check_embedding()


if __name__ == "__main__":
    main()
