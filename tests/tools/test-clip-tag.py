#!/usr/bin/python3
"""clip-tag on real encoded video: H.264 (x264enc) and VP8 (vp8enc) files of
videotestsrc patterns that switch at known times (colour bars 0-2 s, snow
2-4 s, a ball 4-6 s), tagged with the bundled demo model. Segment
boundaries must lie within one sampling step of the switches and the
labels must be exactly right; the outputs, --resume, --jobs, frame
sampling, key-frame decoding and the errors for a truncated and a
non-video file are checked too.

Then clip-search: the H.264 file tagged with --embeddings is searched for
"static noise", "colour bars" and "a bouncing ball", and with pictures of
the bars and the ball (--image); the top moment of each must lie in the
right interval, and searching with another model is an error.

The model fingerprint must be cached, and recomputed when a model file
changes.

Last, orientation: a lossless H.264 MP4 of frames stored a quarter turn
round, whose track matrix says (as a phone's does) to show them turned
back, must give exactly the scores of the same frames stored upright, and
with --no-rotate those of the sideways frames; its search thumbnail is
upright.

Usage: test-clip-tag.py CLIP_TAG CLIP_SEARCH CLIP_EMBED"""
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

CLIP_TAG, CLIP_SEARCH, CLIP_EMBED = sys.argv[1:4]
MODEL = os.environ["CLIPCLASSIFY_DEMO_MODEL"]
LABELS = "colour bars,static noise,a bouncing ball"
SWITCHES = [("colour bars", 0.0, 2.0), ("static noise", 2.0, 4.0),
            ("a bouncing ball", 4.0, 6.0)]
TMP = tempfile.mkdtemp(prefix="clip-tag-test-")
failures = 0


def ok(cond, what):
    global failures
    print(("ok - " if cond else "not ok - ") + what, flush=True)
    if not cond:
        failures += 1


def skip_or_fail(why):
    if os.environ.get("CI") == "true":
        print("FAIL: " + why)
        sys.exit(1)
    print("SKIP: " + why)
    sys.exit(77)


def have_element(name):
    return subprocess.run(["gst-inspect-1.0", "--exists", name]).returncode == 0


def make_videos():
    """Raw I420 frames of the three patterns, concatenated, then encoded:
    the pattern at every instant is known exactly."""
    raw = os.path.join(TMP, "all.yuv")
    with open(raw, "wb") as out:
        for pattern in ("smpte", "snow", "ball"):
            part = os.path.join(TMP, pattern + ".yuv")
            subprocess.run(
                ["gst-launch-1.0", "-q", "videotestsrc", f"pattern={pattern}",
                 "num-buffers=60", "!",
                 "video/x-raw,format=I420,width=160,height=160,framerate=30/1",
                 "!", "filesink", f"location={part}"], check=True)
            out.write(open(part, "rb").read())
    parse = ["filesrc", f"location={raw}", "!", "rawvideoparse", "width=160",
             "height=160", "format=i420", "framerate=30/1", "!"]
    videos = {
        # B-frames and a key frame every second
        "h264.mp4": ["x264enc", "speed-preset=veryfast", "bframes=2",
                     "key-int-max=30", "!", "mp4mux"],
        # a key frame every half second, for --decode keyframes
        "h264-gop15.mkv": ["x264enc", "speed-preset=veryfast",
                           "key-int-max=15", "!", "matroskamux"],
        "vp8.webm": ["vp8enc", "deadline=1", "keyframe-max-dist=30", "!",
                     "webmmux"],
    }
    for name, enc in videos.items():
        subprocess.run(["gst-launch-1.0", "-q"] + parse + enc +
                       ["!", "filesink", f"location={os.path.join(TMP, name)}"],
                       check=True)
    return [os.path.join(TMP, n) for n in videos]


def tag(*args):
    r = subprocess.run([CLIP_TAG, "--model", MODEL, "--labels", LABELS] +
                       list(args), capture_output=True, text=True, timeout=300)
    return r.returncode, r.stdout, r.stderr


def check_outputs(out, video, step, what):
    base = os.path.join(out, os.path.basename(video))
    seg = json.load(open(base + ".segments.json"))
    segs = seg["segments"]
    got = [(s["label"], s["start"], s["end"]) for s in segs]
    ok([s[0] for s in got] == [s[0] for s in SWITCHES],
       f"{what}: segment labels {[s[0] for s in got]}")
    if len(got) == len(SWITCHES):
        bad = [(g, w) for g, w in zip(got, SWITCHES)
               if abs(g[1] - w[1]) > step + 1e-6 or abs(g[2] - w[2]) > step + 1e-6]
        ok(not bad, f"{what}: boundaries within {step} s of the switches "
           f"{[(round(g[1], 3), round(g[2], 3)) for g in got]}")
    ok(all(0.5 < s["mean_score"] <= s["max_score"] <= 1 for s in segs),
       f"{what}: mean_score <= max_score, both > 0.5")

    lines = [json.loads(x) for x in open(base + ".jsonl").read().splitlines()]
    ok(len(lines) == seg["inferences"] and len(lines) >= 6 / step - 2,
       f"{what}: {len(lines)} JSON lines, one per inference")
    ok(all(x["resolution"] == {"width": 160, "height": 160} and
           abs(x["timestamp"] / 1e9 - x["pts"]) < 1e-6 and
           sorted(x["labels"]) == sorted(LABELS.split(",")) and
           x["label"] == x["labels"][0] and x["tensors"][0]["label"] == x["label"]
           and abs(sum(x["scores"]) - 1) < 1e-5 for x in lines),
       f"{what}: JSON lines carry timestamp, resolution, all labels and scores")
    for x in lines:     # every inference, not just the segments, is right
        want = [s[0] for s in SWITCHES if s[1] <= x["pts"] < s[2]]
        if want and x["label"] != want[0] and x["pts"] % 2 > 0.1:
            ok(False, f"{what}: inference at {x['pts']} says {x['label']}")
            break

    vtt = open(base + ".vtt").read()
    cues = re.findall(r"(\d\d:\d\d:\d\d\.\d\d\d) --> (\d\d:\d\d:\d\d\.\d\d\d)\n(.*) \(",
                      vtt)
    ok(vtt.startswith("WEBVTT\n") and [c[2] for c in cues] ==
       [s[0] for s in SWITCHES], f"{what}: WebVTT cues {[c[2] for c in cues]}")

    png = open(base + ".timeline.png", "rb").read()
    ok(png[:8] == b"\x89PNG\r\n\x1a\n" and
       int.from_bytes(png[16:20], "big") == 1200 and
       int.from_bytes(png[20:24], "big") == 40 + 26 * 3 + 30,
       f"{what}: timeline PNG, 1200 wide, one row per label")
    return seg


def main():
    for e in ("x264enc", "vp8enc", "avdec_h264", "matroskamux", "webmmux"):
        if not have_element(e):
            skip_or_fail(f"no {e} (Debian: gstreamer1.0-plugins-ugly, "
                         "gstreamer1.0-libav, gstreamer1.0-plugins-good)")
    h264, gop15, vp8 = make_videos()
    out = os.path.join(TMP, "out")

    rc, _, err = tag("--every", "0.5", "--jobs", "2", "-o", out, h264, vp8)
    ok(rc == 0, f"two files with --jobs 2 (exit {rc}) {err.strip()}")
    ok(len([x for x in err.splitlines() if "inferences" in x]) == 2,
       "one line per finished file on a non-terminal stderr")
    seg = check_outputs(out, h264, 0.5, "h264 --every 0.5")
    check_outputs(out, vp8, 0.5, "vp8 --every 0.5")
    ok(seg["settings"]["every"] == 0.5, "settings stored in segments.json")

    # --resume skips complete outputs of the same settings only
    stamp = os.stat(os.path.join(out, "h264.mp4.jsonl")).st_mtime_ns
    rc, _, err = tag("--every", "0.5", "--resume", "-o", out, h264)
    ok(rc == 0 and "skipped" in err and
       os.stat(os.path.join(out, "h264.mp4.jsonl")).st_mtime_ns == stamp,
       f"--resume skips a complete file ({err.strip()})")
    rc, _, err = tag("--every", "0.25", "--resume", "-o", out, h264)
    ok(rc == 0 and "skipped" not in err,
       "--resume redoes a file tagged with other settings")
    check_outputs(out, h264, 0.25, "h264 --every 0.25")
    os.unlink(os.path.join(out, "h264.mp4.vtt"))
    rc, _, err = tag("--every", "0.25", "--resume", "-o", out, h264)
    ok(rc == 0 and "skipped" not in err and
       os.path.exists(os.path.join(out, "h264.mp4.vtt")),
       "--resume redoes a file with an output missing")

    # --min-segment: the 2 s segments are too short for 2.5 s, so they are
    # merged until every one is long enough; together they still tile it
    out_m = os.path.join(TMP, "out-min")
    rc, _, err = tag("--every", "0.5", "--min-segment", "2.5", "-o", out_m,
                     h264)
    segs = json.load(open(os.path.join(out_m, "h264.mp4.segments.json")))[
        "segments"]
    ok(rc == 0 and 1 <= len(segs) < 3 and
       all(x["end"] - x["start"] >= 2.5 for x in segs) and
       all(abs(a["end"] - b["start"]) < 1e-9 for a, b in zip(segs, segs[1:]))
       and abs(segs[0]["start"] - 0.067) < 0.01 and
       abs(segs[-1]["end"] - 6.067) < 0.01 and
       sum(x["inferences"] for x in segs) == 12,
       f"--min-segment 2.5 merges short segments "
       f"{[(x['label'], x['start'], x['end']) for x in segs]}")

    # frame sampling: every 15th frame
    out_i = os.path.join(TMP, "out-interval")
    rc, _, err = tag("--interval", "15", "-o", out_i, h264)
    lines = [json.loads(x) for x in
             open(os.path.join(out_i, "h264.mp4.jsonl")).read().splitlines()]
    ok(rc == 0 and [x["frame"] for x in lines] == list(range(0, 180, 15)),
       f"--interval 15 infers frames 0, 15, ... ({[x['frame'] for x in lines]})")
    check_outputs(out_i, h264, 0.5, "h264 --interval 15")

    # key frames only (one every 0.5 s in this file)
    out_k = os.path.join(TMP, "out-key")
    rc, _, err = tag("--every", "0.5", "--decode", "keyframes", "-o", out_k,
                     gop15)
    m = re.search(r"(\d+) frames decoded", err)
    # 12 key frames every 15 frames, plus the frame decoded while
    # prerolling and any scene-cut key frames x264 adds: far fewer than 180
    ok(rc == 0 and m and int(m.group(1)) <= 20,
       f"--decode keyframes decodes only the key frames ({err.strip()})")
    check_outputs(out_k, gop15, 0.5, "h264 key frames")

    # errors: a truncated file and a non-video file beside a good one
    trunc = os.path.join(TMP, "truncated.mp4")
    data = open(h264, "rb").read()
    open(trunc, "wb").write(data[:len(data) // 2])
    text = os.path.join(TMP, "notes.txt")
    open(text, "w").write("this is not a video\n" * 50)
    wav = os.path.join(TMP, "song.wav")
    subprocess.run(["gst-launch-1.0", "-q", "audiotestsrc", "num-buffers=20",
                    "!", "wavenc", "!", "filesink", f"location={wav}"],
                   check=True)
    out_e = os.path.join(TMP, "out-errors")
    rc, _, err = tag("-o", out_e, trunc, text, h264, os.path.join(TMP, "nope.mp4"),
                     wav)
    errs = [x for x in err.splitlines() if x.startswith("clip-tag: ")]
    ok(rc == 1, f"failures give exit status 1 ({rc})")
    for name in ("truncated.mp4", "notes.txt", "nope.mp4", "song.wav"):
        line = [x for x in errs if name in x]
        ok(len(line) == 1 and len(line[0]) > len("clip-tag: ") + len(name) + 10,
           f"clear error for {name}: {line}")
    ok(any("4 of 5 files failed" in x for x in errs), "summary of failures")
    ok(any("song.wav: no video stream" in x for x in errs),
       "an audio-only file: no video stream")
    rc, _, err = tag("--decode", "keyframes", "-o", out_e, wav)
    ok(rc == 1 and "no video stream" in err,
       "an audio-only file with --decode keyframes: no hang, same error")
    ok(sorted(os.listdir(out_e)) == sorted(
        "h264.mp4" + e for e in (".jsonl", ".segments.json", ".vtt",
                                 ".timeline.png")),
       f"the good file is tagged, nothing else written {os.listdir(out_e)}")

    rc, _, err = tag("--every", "1", "--interval", "3", h264)
    ok(rc == 2 and "alternatives" in err, "bad options: exit status 2")
    rc, _, err = tag("--precision", "fp16", "-o", out_e, h264)
    ok(rc == 2 and "fp32, bf16, int8" in err, f"an unknown --precision is "
       f"refused, naming the ones there are ({err.strip()})")
    # options for element properties that may not exist yet
    inspect = subprocess.run(["gst-inspect-1.0", "clipclassify"],
                             capture_output=True, text=True).stdout
    for prop, value in (("precision", "fp32"), ("text-embeddings", text)):
        if re.search(rf"^  {prop} +:", inspect, re.M):
            continue
        rc, _, err = tag(f"--{prop}", value, h264)
        ok(rc == 2 and f"no {prop} property" in err,
           f"--{prop} refused by an element without that property")
    r = subprocess.run([CLIP_TAG, "--help"], capture_output=True, text=True)
    ok(r.returncode == 0 and all(w in r.stdout for w in (
        "--every", "--interval", "--labels-file", "--prompt", "--threshold",
        "--jobs", "--resume", "--decode", "--min-segment", "FILE.vtt",
        "FILE.timeline.png", "Exit status")), "--help is a manual")


def fingerprint(model_dir):
    """The model fingerprint computed independently: SHA-256 over name, NUL
    and bytes of the directory's .safetensors/.json/.txt files, by name."""
    h = hashlib.sha256()
    for name in sorted(os.listdir(model_dir)):
        if name.endswith((".safetensors", ".json", ".txt")):
            h.update(name.encode() + b"\0")
            h.update(open(os.path.join(model_dir, name), "rb").read())
    return "sha256:" + h.hexdigest()


def read_safetensors(path):
    import numpy as np
    data = open(path, "rb").read()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    base = 8 + n
    dtypes = {"F16": "<f2", "I64": "<i8"}
    tensors = {k: np.frombuffer(data[base + v["data_offsets"][0]:
                                     base + v["data_offsets"][1]],
                                dtype=dtypes[v["dtype"]]).reshape(v["shape"])
               for k, v in header.items() if k != "__metadata__"}
    return header["__metadata__"], tensors


def rotated_copy(path, out_path):
    """A copy of the MP4 @path whose video track is to be shown turned a
    quarter clockwise, as a phone marks portrait video: the tkhd matrix
    (0 1 0 / -1 0 0 / 0 0 1), which demuxers read as rotate-90."""
    data = bytearray(open(path, "rb").read())
    i = data.find(b"tkhd")
    version = data[i + 4]
    # after version and flags: times, track id, reserved, duration; then 8
    # reserved bytes, layer, group, volume, reserved
    m = i + 8 + (32 if version == 1 else 20) + 8 + 8
    assert struct.unpack(">9i", data[m:m + 36]) == (
        0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000), "no identity matrix"
    struct.pack_into(">9I", data, m, 0, 0x10000, 0, 0xFFFF0000, 0, 0, 0, 0,
                     0x40000000)
    open(out_path, "wb").write(data)


def test_orientation():
    labels = "checkerboard,concentric circles,snow,pinwheel"
    src = ["videotestsrc", "pattern=colors", "num-buffers=30", "!",
           "video/x-raw,format=I420,width=320,height=240,framerate=30/1", "!"]
    # quantizer 0: lossless, so the frames decode exactly as encoded
    enc = ["x264enc", "pass=quant", "quantizer=0", "speed-preset=ultrafast",
           "!", "mp4mux", "!", "filesink"]
    upright = os.path.join(TMP, "upright.mp4")
    sideways = os.path.join(TMP, "sideways.mp4")
    phone = os.path.join(TMP, "phone.mp4")
    subprocess.run(["gst-launch-1.0", "-q"] + src + enc +
                   [f"location={upright}"], check=True)
    subprocess.run(["gst-launch-1.0", "-q"] + src +
                   ["videoflip", "video-direction=90l", "!"] + enc +
                   [f"location={sideways}"], check=True)
    rotated_copy(sideways, phone)

    def run(video, *extra):
        out = os.path.join(TMP, "out-rot-" + "-".join(("x",) + extra))
        r = subprocess.run([CLIP_TAG, "--model", MODEL, "--labels", labels,
                            "--interval", "15", "-o", out, video] +
                           list(extra), capture_output=True, text=True,
                           timeout=300)
        base = os.path.join(out, os.path.basename(video))
        lines = ([json.loads(x) for x in open(base + ".jsonl")]
                 if r.returncode == 0 else [])
        return r.returncode, lines, out, base

    rc_u, up, _, _ = run(upright)
    rc_p, turned, _, base = run(phone)
    rc_s, stored, _, base_s = run(phone, "--no-rotate")
    scores = [[dict(zip(x["labels"], x["scores"])) for x in v]
              for v in (up, turned, stored)]
    ok(rc_u == rc_p == rc_s == 0 and len(up) == 2 and scores[1] == scores[0]
       and all(x["resolution"] == {"width": 320, "height": 240}
               for x in turned),
       f"a phone's sideways video is classified upright: the upright "
       f"file's scores exactly ({scores[1][:1]} {scores[0][:1]})")
    gap = (max(abs(a[k] - b[k]) for a, b in zip(scores[2], scores[0])
               for k in a) if len(scores[2]) == len(scores[0]) else 0)
    ok(gap > 0.05 and stored and
       stored[0]["resolution"] == {"width": 240, "height": 320},
       f"--no-rotate classifies the frames as stored (scores {gap:.3f} "
       f"away)")
    seg_u = json.load(open(base + ".segments.json"))["settings"]
    seg_s = json.load(open(base_s + ".segments.json"))["settings"]
    ok(seg_u["upright"] is True and seg_s["upright"] is False,
       "segments.json records whether frames were turned upright")

    out = os.path.join(TMP, "out-rot-emb")
    rc, _, err = tag("--every", "0.5", "--embeddings", "-o", out, phone)
    emb = os.path.join(out, "phone.mp4.embeddings.safetensors")
    thumbs = os.path.join(TMP, "thumbs-rot")
    rc2, stdout, err2 = search("--model", MODEL, "--json", "--top", "1",
                               "--thumbnails", thumbs, "a rainbow", emb)
    png = json.loads(stdout)[0].get("thumbnail", "") if rc2 == 0 else ""
    head = open(png, "rb").read(24) if png and os.path.exists(png) else b""
    size = (int.from_bytes(head[16:20], "big"),
            int.from_bytes(head[20:24], "big")) if head else None
    ok(rc == 0 and size == (320, 240),
       f"the thumbnail of a phone's video is upright: {size} "
       f"({err.strip()} {err2.strip()})")


def search(*args):
    r = subprocess.run([CLIP_SEARCH] + list(args), capture_output=True,
                       text=True, timeout=300)
    return r.returncode, r.stdout, r.stderr


def test_search(h264):
    import numpy as np
    out = os.path.join(TMP, "out-emb")
    rc, _, err = tag("--every", "0.25", "--embeddings", "-o", out, h264)
    ok(rc == 0, f"clip-tag --embeddings ({err.strip()})")
    emb_path = os.path.join(out, "h264.mp4.embeddings.safetensors")
    meta, t = read_safetensors(emb_path)
    lines = [json.loads(x) for x in
             open(os.path.join(out, "h264.mp4.jsonl")).read().splitlines()]
    e = t["embeddings"].astype(np.float32)
    ok(e.shape == (len(lines), 128) and
       np.allclose(np.linalg.norm(e, axis=1), 1, atol=2e-3),
       f"embeddings float16 [N, E] = {e.shape}, unit rows")
    ok(list(t["pts"]) == [x["timestamp"] for x in lines] and
       list(t["frame"]) == [x["frame"] for x in lines],
       "pts and frame of every inference, as in the JSON lines")
    ok(meta["model_fingerprint"] == fingerprint(MODEL) and
       json.loads(meta["settings"])["every"] == 0.25,
       "metadata: model fingerprint and sampling settings")

    for query, (_, start, end) in zip(
            ("colour bars", "static noise", "a bouncing ball"), SWITCHES):
        rc, stdout, err = search("--model", MODEL, "--json", "--top", "3",
                                 query, emb_path)
        hits = json.loads(stdout) if rc == 0 else []
        best = hits[0] if hits else {}
        ok(rc == 0 and 1 <= len(hits) <= 3 and
           start - 0.25 <= best["start"] and best["end"] <= end + 0.25 and
           start <= best["peak"] < end and best["video"] == h264,
           f"search \"{query}\": top moment {best.get('start')}-"
           f"{best.get('end')} in {start}-{end}")
        # the score is the cosine with the prompt's text embedding, here
        # from clip-embed (the engine's text tower through another path)
        txt = os.path.join(TMP, "q.npy")
        subprocess.run([CLIP_EMBED, "--model", MODEL, "--text",
                        f"a photo of a {query}.", "--normalize",
                        "--text-out", txt], check=True, capture_output=True)
        q = np.load(txt)[0]
        cos = e @ q
        ok(hits and abs(best["score"] - cos.max()) < 1e-4,
           f"search \"{query}\": score {best.get('score')} = max cosine "
           f"{cos.max():.4f}")
    # --image: a picture as the query, made apart from the video (another
    # size, PNG); the top moment must be its pattern's interval, and the
    # score the best cosine with clip-embed's embedding of the picture
    for pattern, (name, start, end) in (("smpte", SWITCHES[0]),
                                        ("ball", SWITCHES[2])):
        png = os.path.join(TMP, f"query-{pattern}.png")
        subprocess.run(["gst-launch-1.0", "-q", "videotestsrc",
                        f"pattern={pattern}", "num-buffers=1", "!",
                        "video/x-raw,width=200,height=150", "!",
                        "videoconvert", "!", "pngenc", "!", "filesink",
                        f"location={png}"], check=True)
        rc, stdout, err = search("--model", MODEL, "--json", "--top", "1",
                                 "--image", png, emb_path)
        hits = json.loads(stdout) if rc == 0 else []
        best = hits[0] if hits else {}
        ok(rc == 0 and len(hits) == 1 and start <= best["peak"] < end,
           f"search --image ({name}): top moment {best.get('start')}-"
           f"{best.get('end')}, peak {best.get('peak')} in {start}-{end} "
           f"({err.strip()})")
        img = os.path.join(TMP, "q-img.npy")
        subprocess.run([CLIP_EMBED, "--model", MODEL, "--image", png,
                        "--normalize", "--image-out", img], check=True,
                       capture_output=True)
        cos = e @ np.load(img)[0]
        ok(hits and abs(best["score"] - cos.max()) < 1e-4,
           f"search --image ({name}): score {best.get('score')} = max "
           f"cosine {cos.max():.4f}")
    rc, _, err = search("--model", MODEL, "--image", png, "--prompt",
                        "a {}", emb_path)
    ok(rc == 2 and "--prompt" in err, f"--image with --prompt is refused "
       f"({err.strip()})")
    rc, _, err = search("--model", MODEL, "--image",
                        os.path.join(TMP, "no-such.png"), emb_path)
    ok(rc == 1 and err.startswith("clip-search: ") and "no-such.png" in err,
       f"a missing --image is a clear error ({err.strip()})")

    rc, stdout, _ = search("--model", MODEL, "a bouncing ball", emb_path)
    first = stdout.splitlines()[0].split() if rc == 0 and stdout else []
    ok(len(first) == 3 and first[0] == h264 and "-" in first[1],
       f"plain output: VIDEO START-END SCORE ({first})")

    thumbs = os.path.join(TMP, "thumbs")
    rc, stdout, err = search("--model", MODEL, "--json", "--top", "1",
                             "--thumbnails", thumbs, "static noise", emb_path)
    png = json.loads(stdout)[0].get("thumbnail", "") if rc == 0 else ""
    ok(rc == 0 and os.path.exists(png) and
       open(png, "rb").read()[:8] == b"\x89PNG\r\n\x1a\n",
       f"--thumbnails writes a PNG of the hit's frame ({png} {err.strip()})")
    if png:
        from PIL import Image
        im = np.asarray(Image.open(png).convert("L"), dtype=np.float32)
        # snow: neighbouring pixels uncorrelated, unlike bars or a ball
        # snow (160 px scaled to 320): busy everywhere, unlike the flat
        # colour bars or the black field with a ball
        d = np.abs(np.diff(im, axis=1)).mean()
        ok(im.shape[1] == 320 and im.std() > 30 and d > 15,
           f"the thumbnail shows snow (std {im.std():.0f}, mean |dx| {d:.0f})")

    # --sheet: the frames of --thumbnails side by side, each with its
    # caption under it, in the layout the manual gives
    sheet = os.path.join(TMP, "sheet.png")
    thumbs3 = os.path.join(TMP, "thumbs3")
    rc, stdout, err = search("--model", MODEL, "--json", "--top", "3",
                             "--thumbnails", thumbs3, "--sheet", sheet,
                             "static noise", emb_path)
    hits = json.loads(stdout) if rc == 0 else []
    placed = []
    if hits and os.path.exists(sheet):
        from PIL import Image
        im = np.asarray(Image.open(sheet).convert("RGB"))
        cells = [np.asarray(Image.open(h["thumbnail"]).convert("RGB"))
                 for h in hits]
        row = max(c.shape[0] for c in cells)
        want = (8 + row + 36 + 8, 8 + len(cells) * (320 + 8))
        for k, c in enumerate(cells):
            x = 8 + k * (320 + 8)
            caption = im[8 + row:8 + row + 36, x:x + 320]
            placed.append(bool(im.shape[:2] == want and
                               (im[8:8 + c.shape[0], x:x + 320] == c).all()
                               and (caption.max(axis=2) > 200).sum() > 50))
    ok(rc == 0 and len(hits) >= 2 and all(placed),
       f"--sheet: {len(hits)} best frames in a row, each over its caption "
       f"({placed} {err.strip()})")
    rc, stdout, err = search("--model", MODEL, "--sheet",
                             os.path.join(TMP, "no-dir", "s.png"), "snow",
                             emb_path)
    ok(rc == 1 and stdout == "" and "no-dir" in err,
       f"a --sheet that cannot be written: an error, nothing printed "
       f"({err.strip()})")

    other = os.path.join(os.environ.get("CLIP_GOLDEN_DIR") or
                         os.environ.get("CLIP_GOLDEN_DEFAULT", ""),
                         "tiny-quickgelu-p32-f32", "hf")
    if os.path.isdir(other):
        rc, _, err = search("--model", other, "snow", emb_path)
        # the file names the model it was made with as resolved, the
        # error the one asked for with "." and ".." taken out (symbolic
        # links left as they are)
        ok(rc == 1 and os.path.realpath(MODEL) in err and
           os.path.abspath(other) in err and
           fingerprint(MODEL) in err,
           f"another model's file is refused, naming both ({err.strip()})")
    else:
        print(f"# no second model at {other}: wrong-model check skipped")
    bogus = os.path.join(TMP, "bogus.safetensors")
    open(bogus, "wb").write(b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
    rc, _, err = search("--model", MODEL, "snow", bogus)
    ok(rc == 1 and "bogus.safetensors" in err, f"a file that is not "
       f"clip-tag's is a clear error ({err.strip()})")
    # damaged files: an error line or a result, never a crash
    import random
    rng = random.Random(1234)
    good = open(emb_path, "rb").read()
    bad = os.path.join(TMP, "damaged.embeddings.safetensors")
    crashes = []
    for i in range(60):
        data = bytearray(good)
        if i % 3 == 0:
            data = data[:rng.randrange(len(data))]
        else:
            for _ in range(rng.randint(1, 8)):
                pos = rng.randrange(min(len(data), 600) if i % 3 == 1
                                    else len(data))
                data[pos] = rng.randrange(256)
        open(bad, "wb").write(bytes(data))
        rc, _, err = search("--model", MODEL, "snow", bad)
        if rc not in (0, 1) or (rc == 1 and not err.startswith("clip-search: ")):
            crashes.append((i, rc, err[-200:]))
    ok(not crashes, f"60 damaged embeddings files: clear errors, no crash "
       f"{crashes[:3]}")
    r = subprocess.run([CLIP_SEARCH, "--help"], capture_output=True, text=True)
    ok(r.returncode == 0 and all(w in r.stdout for w in (
        "--top", "--json", "--thumbnails", "--model", "--prompt",
        "--image", "--sheet", "START-END")), "clip-search --help is a manual")


def test_fingerprint_cache(h264):
    """The model fingerprint is kept in the cache with the files' sizes,
    times and inodes: it must be the one computed here from the bytes, and
    be computed again when a file of the model changes."""
    copy = os.path.join(TMP, "model-copy")
    shutil.copytree(MODEL, copy)
    env = dict(os.environ, XDG_CACHE_HOME=os.path.join(TMP, "xdg"))
    cache_dir = os.path.join(TMP, "xdg", "clipclassify", "fingerprints")

    def tagged_fingerprint(out):
        r = subprocess.run([CLIP_TAG, "--model", copy, "--labels", LABELS,
                            "--embeddings", "-q", "-o", out, h264],
                           capture_output=True, text=True, timeout=300,
                           env=env)
        if r.returncode != 0:
            return f"clip-tag failed: {r.stderr.strip()}"
        meta, _ = read_safetensors(os.path.join(
            out, "h264.mp4.embeddings.safetensors"))
        return meta["model_fingerprint"]

    first = tagged_fingerprint(os.path.join(TMP, "fp1"))
    cached = [open(os.path.join(cache_dir, f)).readline().strip()
              for f in os.listdir(cache_dir)] if os.path.isdir(cache_dir) else []
    again = tagged_fingerprint(os.path.join(TMP, "fp2"))
    ok(first == fingerprint(copy) and cached == [first] and again == first,
       f"the fingerprint is cached as computed from the bytes ({first}, "
       f"cache {cached}, again {again})")
    # the same model, one byte more: another fingerprint
    with open(os.path.join(copy, "config.json"), "a") as f:
        f.write("\n")
    changed = tagged_fingerprint(os.path.join(TMP, "fp3"))
    ok(changed == fingerprint(copy) and changed != first,
       f"a changed model file is hashed again ({changed})")


try:
    main()
    test_search(os.path.join(TMP, "h264.mp4"))
    test_fingerprint_cache(os.path.join(TMP, "h264.mp4"))
    test_orientation()
finally:
    shutil.rmtree(TMP, ignore_errors=True)
print(f"{failures} failed")
sys.exit(1 if failures else 0)
