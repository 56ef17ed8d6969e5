"""Frames for the demo model: GStreamer videotestsrc renders and a few
synthetic scenes, the engine's own preprocessing, and augmentation.

Every source is described by a small job (pattern, size, format, colours)
drawn from a seeded generator, so a run can be repeated; a job renders its
frames, turns each into several augmented R x R crops and forgets the
full-size frames, so memory stays small even for 1080p sources.
"""

import io
import math
import os
import subprocess

import numpy as np
from PIL import Image, ImageFilter

TRAIN_SIZES = [(160, 120), (176, 144), (320, 240), (352, 288), (426, 240),
               (480, 480), (640, 360), (640, 480), (768, 432), (960, 540),
               (1024, 576), (1920, 1080), (360, 640)]
# Sizes never seen in training, 1280x720 (the usual HD stream) among them.
HELDOUT_SIZES = [(1280, 720), (800, 600), (720, 576), (854, 480)]
TRAIN_FORMATS = ["RGB", "I420", "NV12", "YUY2"]
HELDOUT_FORMATS = ["I420", "NV12", "RGB"]

BARS_PATTERNS = ["smpte", "smpte75", "smpte100", "smpte-rp-219"]
# Solid-class colour boxes (per channel min, max): what people still call
# "black", "red" ... after a camera or encoder has had its way.
SOLID_RANGES = {
    "black frame": ((0, 0, 0), (28, 28, 28)),
    "white frame": ((228, 228, 228), (255, 255, 255)),
    "red": ((175, 0, 0), (255, 55, 55)),
    "green": ((0, 165, 0), (60, 255, 60)),
    "blue": ((0, 0, 175), (60, 60, 255)),
}
SOLID_PATTERNS = {"black frame": "black", "white frame": "white",
                  "red": "red", "green": "green", "blue": "blue"}


# ------------------------------------------------------------ rendering

def render(pattern, width, height, fmt, props, path, n_buffers=1,
           keep_fps=None):
    """Runs videotestsrc through @fmt and back to RGB via the scratch file
    @path; returns [n, h, w, 3].
    With @keep_fps, videorate keeps only that many frames per second of the
    30 fps stream, so animated patterns are sampled over time cheaply."""
    prop_text = " ".join("%s=%s" % kv for kv in sorted(props.items()))
    rate = ""
    if keep_fps:
        rate = ("! videorate drop-only=true ! video/x-raw,framerate=%d/1 "
                % keep_fps)
    cmd = ("gst-launch-1.0 -q videotestsrc pattern=%s num-buffers=%d %s "
           "! video/x-raw,format=%s,width=%d,height=%d,framerate=30/1 %s"
           "! videoconvert ! video/x-raw,format=RGB ! filesink location=%s"
           % (pattern, n_buffers, prop_text, fmt, width, height, rate, path))
    subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL)
    data = np.fromfile(path, np.uint8)
    os.unlink(path)
    # GStreamer pads packed RGB rows to a multiple of 4 bytes.
    stride = (width * 3 + 3) // 4 * 4
    frames = data.reshape(-1, height, stride)[:, :, :width * 3]
    return frames.reshape(-1, height, width, 3)


def argb(rgb):
    """videotestsrc colour property value (big-endian ARGB) of an RGB tuple."""
    return "0x%08x" % (0xff000000 | (rgb[0] << 16) | (rgb[1] << 8) | rgb[2])


# ------------------------------------------------------------ synthetic

def checkerboard(rng, size):
    """Squares of two colours at @size x @size (rendered at twice the size
    and reduced, so the edges are antialiased like a camera would)."""
    big = size * 2
    square = rng.uniform(6, 48)
    r = rng.random()
    if r < 0.5:
        c1, c2 = (0, 0, 0), (255, 255, 255)
    elif r < 0.7:
        c1, c2 = (255, 0, 0), (0, 255, 0)
    else:
        c1 = tuple(int(v) for v in rng.integers(0, 110, 3))
        c2 = tuple(int(v) for v in rng.integers(145, 256, 3))
    y, x = np.mgrid[0:big, 0:big].astype(np.float32)
    x += rng.uniform(0, square)
    y += rng.uniform(0, square)
    cells = (np.floor(x / square) + np.floor(y / square)) % 2
    img = np.where(cells[..., None] > 0, np.array(c1), np.array(c2))
    img = Image.fromarray(img.astype(np.uint8))
    return np.asarray(img.resize((size, size), Image.BICUBIC))


def gradient(rng, width, height):
    """A linear ramp between two colours (mostly black and white) in a
    random direction."""
    if rng.random() < 0.7:
        c1, c2 = np.zeros(3), np.full(3, 255.0)
    else:
        c1 = rng.integers(0, 90, 3).astype(float)
        c2 = rng.integers(165, 256, 3).astype(float)
    angle = rng.uniform(0, 2 * math.pi)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    t = x * math.cos(angle) + y * math.sin(angle)
    t = (t - t.min()) / max(1e-6, t.max() - t.min())
    img = c1 + t[..., None] * (c2 - c1)
    return np.clip(img + 0.5, 0, 255).astype(np.uint8)


# --------------------------------------------------------- preprocessing

def engine_preprocess(frame, size):
    """Shortest side to @size with PIL bicubic, then the centre crop, as the
    engine and CLIP's own preprocessing do (uint8 [size, size, 3])."""
    img = Image.fromarray(frame)
    w, h = img.size
    if w <= h:
        nw, nh = size, int(size * h / w)
    else:
        nw, nh = int(size * w / h), size
    if (nw, nh) != (w, h):
        img = img.resize((nw, nh), Image.BICUBIC)
    left = int(round((nw - size) / 2.0))
    top = int(round((nh - size) / 2.0))
    return np.asarray(img.crop((left, top, left + size, top + size)))


def random_crop(rng, frame, min_area):
    """A random box of at least @min_area of the frame, aspect 3:4 to 16:9."""
    h, w = frame.shape[:2]
    area = rng.uniform(min_area, 1.0) * w * h
    aspect = math.exp(rng.uniform(math.log(0.75), math.log(16 / 9)))
    cw = int(min(w, round(math.sqrt(area * aspect))))
    ch = int(min(h, round(math.sqrt(area / aspect))))
    cw, ch = max(cw, 8), max(ch, 8)
    x = int(rng.integers(0, w - cw + 1))
    y = int(rng.integers(0, h - ch + 1))
    return frame[y:y + ch, x:x + cw]


def augment(rng, frame, size, policy):
    """One training view of @frame: the element's exact view or a random
    crop, then class-preserving flips/rotations, blur and JPEG artefacts.
    @policy: dict with min_area, flip ('h', 'hv' or 'none'), blur (bool)."""
    if rng.random() < 0.35:
        out = engine_preprocess(frame, size)
    else:
        crop = random_crop(rng, frame, policy["min_area"])
        out = engine_preprocess(crop, size)
    if "h" in policy["flip"] and rng.random() < 0.5:
        out = out[:, ::-1]
    if "v" in policy["flip"]:
        out = np.rot90(out, int(rng.integers(0, 4)))
        if rng.random() < 0.5:
            out = out[::-1]
    img = Image.fromarray(np.ascontiguousarray(out))
    if policy["blur"] and rng.random() < 0.25:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
    if policy["blur"] and rng.random() < 0.2:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=int(rng.integers(35, 90)))
        img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return np.asarray(img)


def ball_visible(view, fg, bg, min_pixels):
    """Whether a ball of colour @fg on @bg shows in @view (at least
    @min_pixels pixels closer to the ball's colour than to the
    background's)."""
    v = view.astype(np.int32)
    d_fg = np.abs(v - np.array(fg)).sum(-1)
    d_bg = np.abs(v - np.array(bg)).sum(-1)
    return int((d_fg < d_bg).sum()) >= min_pixels
