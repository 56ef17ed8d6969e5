#!/usr/bin/python3
"""Byte-for-byte comparison of clip_resize_crop_rgb8 with Pillow.

Builds the engine's resampler into a temporary shared library, then resizes
random images of many shapes (up- and downscales, odd sizes, extreme aspect
ratios, noise and smooth content) both ways: Pillow's Image.resize(BICUBIC)
with torchvision's Resize/CenterCrop geometry, and the C code. Prints the
fraction of identical bytes and the largest difference; exits 1 unless every
byte matches.

Needs gcc, pkg-config, glib and a Python with numpy and Pillow:
    /usr/bin/python3 tests/preprocess_pil_check.py [n_cases] [seed]
"""
import ctypes
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")


class ClipImage(ctypes.Structure):
    _fields_ = [("format", ctypes.c_int), ("width", ctypes.c_int),
                ("height", ctypes.c_int),
                ("planes", ctypes.c_void_p * 3),
                ("strides", ctypes.c_int * 3), ("matrix", ctypes.c_int)]


def build_library(tmp):
    so = os.path.join(tmp, "libpreprocess.so")
    glib = subprocess.run(["pkg-config", "--cflags", "--libs", "glib-2.0"],
                          check=True, capture_output=True,
                          text=True).stdout.split()
    sources = [os.path.join(SRC, f) for f in
               ("error.c", "resample.c", "preprocess.c", "prepkernels.c")]
    subprocess.run(["gcc", "-std=c11", "-O2", "-Wno-psabi", "-shared", "-fPIC", "-I", SRC,
                    "-o", so] + sources + glib + ["-lm"], check=True)
    lib = ctypes.CDLL(so)
    lib.clip_resize_crop_rgb8.restype = ctypes.c_int
    lib.clip_resize_crop_rgb8.argtypes = [ctypes.POINTER(ClipImage),
                                          ctypes.c_int, ctypes.c_void_p,
                                          ctypes.c_void_p]
    return lib


def pil_reference(rgb, size):
    """OpenAI CLIP's Resize(size, BICUBIC) + CenterCrop(size) on a PIL image."""
    h, w = rgb.shape[:2]
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(size * long / short)
    ow, oh = (size, new_long) if w <= h else (new_long, size)
    resized = Image.fromarray(rgb).resize((ow, oh), Image.BICUBIC)
    top = int(round((oh - size) / 2.0))
    left = int(round((ow - size) / 2.0))
    return np.asarray(resized.crop((left, top, left + size, top + size)))


def engine(lib, rgb, size, pad):
    h, w = rgb.shape[:2]
    stride = w * 3 + pad
    buf = np.zeros((h, stride), np.uint8)
    buf[:, :w * 3] = rgb.reshape(h, w * 3)
    img = ClipImage(0, w, h, (ctypes.c_void_p * 3)(buf.ctypes.data, 0, 0),
                    (ctypes.c_int * 3)(stride, 0, 0), 0)
    out = np.zeros((size, size, 3), np.uint8)
    if not lib.clip_resize_crop_rgb8(ctypes.byref(img), size,
                                     out.ctypes.data, None):
        raise RuntimeError(f"clip_resize_crop_rgb8 failed on {w}x{h}")
    return out


def random_case(rng):
    size = int(rng.choice([224, 112, 336, 32, 7, 1]))
    kind = rng.integers(5)
    if kind == 0:      # downscale
        w, h = rng.integers(size, 4 * size + 300, 2)
    elif kind == 1:    # upscale
        w, h = rng.integers(1, size + 1, 2)
    elif kind == 2:    # extreme aspect ratio
        w, h = int(rng.integers(1, 12)), int(rng.integers(200, 2000))
        if rng.integers(2):
            w, h = h, w
    elif kind == 3:    # one side equal to size
        w, h = size, int(rng.integers(1, 3 * size + 2))
        if rng.integers(2):
            w, h = h, w
    else:              # anything
        w, h = rng.integers(1, 900, 2)
    w, h = int(w), int(h)
    # Keep Pillow's full resized image within a reasonable memory budget.
    while (size * max(w, h) / min(w, h)) * size > 2e7:
        w, h = max(w, h) // 2, min(w, h)
    if rng.integers(2):
        rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    else:
        yy, xx = np.mgrid[0:h, 0:w]
        phase = rng.uniform(0, 6, 3)
        rgb = np.stack([127.5 + 127.5 * np.sin(xx / (3 + 20 * p) + yy / (5 + 9 * p) + p)
                        for p in phase], -1).round().astype(np.uint8)
    return rgb, size


def main():
    n_cases = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    with tempfile.TemporaryDirectory() as tmp:
        lib = build_library(tmp)
        total = same = cases_exact = 0
        worst = 0
        for i in range(n_cases):
            rgb, size = random_case(rng)
            ref = pil_reference(rgb, size)
            got = engine(lib, rgb, size, int(rng.integers(0, 9)))
            diff = np.abs(ref.astype(int) - got.astype(int))
            total += diff.size
            same += int((diff == 0).sum())
            cases_exact += int(diff.max() == 0)
            if diff.max() > worst or (diff.max() and i < 20):
                print(f"  {rgb.shape[1]}x{rgb.shape[0]} -> {size}: "
                      f"max diff {diff.max()}")
            worst = max(worst, int(diff.max()))
    print(f"{n_cases} cases: {cases_exact} identical, "
          f"{same / total:.6%} of bytes identical, max difference {worst}")
    return 0 if same == total else 1


if __name__ == "__main__":
    sys.exit(main())
