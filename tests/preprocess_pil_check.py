#!/usr/bin/python3
"""Byte-for-byte comparison of the engine's resize + crop with Pillow.

Builds the engine's preprocessing into a temporary shared library, then
resizes images of many shapes (up- and downscales, odd sizes, 1x1, extreme
aspect ratios, crops that reach the frame's edges, HD and 4K frames, pixels
that are not square, noise and smooth content) in every pixel format the
engine accepts, both ways: Pillow's Image.resize(BICUBIC) with
torchvision's Resize/CenterCrop geometry (computed on the picture as shown
for non-square pixels), and the C code, through every kernel set this CPU runs (AVX-512
with VNNI, AVX-512, AVX2 with VNNI, AVX2, portable) and with 1 to 3
threads. Prints the fraction of identical bytes and the largest
difference; exits 1 unless every byte matches.

Packed RGB formats are built from the RGB image; GRAY8 is compared with
Pillow on (g, g, g). For the Y'CbCr formats (I420, NV12, NV21, and YUY2,
UYVY and YVYU, whose chroma is halved across only) the reference is Pillow
on the frame converted to RGB here with numpy, from the engine's
documented 16.16 fixed-point Y'CbCr formula (chroma of pixel (x, y) at
(x / 2, y / 2), or (x / 2, y) for 4:2:2); test-preprocess checks that
formula against textbook conversions.

Needs gcc, pkg-config, glib and a Python with numpy and Pillow:
    /usr/bin/python3 tests/preprocess_pil_check.py [n_random_cases] [seed]
"""
import ctypes
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")

# ClipPixelFormat, and for packed formats the bytes per pixel and where R,
# G and B sit.
PACKED = {
    "rgb": (0, 3, (0, 1, 2)), "bgr": (1, 3, (2, 1, 0)),
    "rgbx": (2, 4, (0, 1, 2)), "bgrx": (3, 4, (2, 1, 0)),
    "xrgb": (4, 4, (1, 2, 3)), "xbgr": (5, 4, (3, 2, 1)),
    "rgba": (6, 4, (0, 1, 2)), "bgra": (7, 4, (2, 1, 0)),
    "argb": (8, 4, (1, 2, 3)), "abgr": (9, 4, (3, 2, 1)),
}
GRAY8, I420, NV12, NV21 = 10, 11, 12, 13
# Packed 4:2:2: ClipPixelFormat, and the byte of Y0, U, Y1, V in a pair.
YUV422 = {"yuy2": (14, (0, 1, 2, 3)), "uyvy": (15, (1, 0, 3, 2)),
          "yvyu": (16, (0, 3, 2, 1))}
FORMATS = (list(PACKED) + ["gray8", "i420", "nv12", "nv21"]
           + list(YUV422))


class ClipImage(ctypes.Structure):
    _fields_ = [("format", ctypes.c_int), ("width", ctypes.c_int),
                ("height", ctypes.c_int),
                ("planes", ctypes.c_void_p * 3),
                ("strides", ctypes.c_int * 3), ("matrix", ctypes.c_int),
                ("par_n", ctypes.c_int), ("par_d", ctypes.c_int)]


def build_library(tmp):
    so = os.path.join(tmp, "libpreprocess.so")
    glib = subprocess.run(["pkg-config", "--cflags", "--libs", "glib-2.0"],
                          check=True, capture_output=True,
                          text=True).stdout.split()
    sources = [os.path.join(SRC, f) for f in
               ("error.c", "resample.c", "preprocess.c", "prepkernels.c",
                "prepkernels-vnni.c")]
    subprocess.run(["gcc", "-std=c11", "-O2", "-Wno-psabi", "-shared",
                    "-fPIC", "-I", SRC, "-o", so] + sources + glib + ["-lm"],
                   check=True)
    lib = ctypes.CDLL(so)
    lib.clip_prep_new.restype = ctypes.c_void_p
    lib.clip_prep_new.argtypes = [ctypes.c_int, ctypes.c_void_p,
                                  ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
    lib.clip_prep_free.argtypes = [ctypes.c_void_p]
    lib.clip_prep_run_rgb8.restype = ctypes.c_int
    lib.clip_prep_run_rgb8.argtypes = [ctypes.c_void_p,
                                       ctypes.POINTER(ClipImage),
                                       ctypes.c_void_p, ctypes.c_void_p]
    lib.clip_prep_kernels_name.restype = ctypes.c_char_p
    lib.clip_prep_kernels_name.argtypes = [ctypes.c_void_p]
    lib.clip_prep_use_kernels.restype = ctypes.c_int
    lib.clip_prep_use_kernels.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    return lib


def display_width(w, par):
    """The width a picture of pixel aspect ratio par = (n, d) is shown at:
    round(w * n / d), halves up, at least 1; w for square pixels."""
    n, d = par
    if n <= 0 or d <= 0 or n == d:
        return w
    return max(1, (w * n + d // 2) // d)


def pil_reference(rgb, size, par):
    """OpenAI CLIP's Resize(size, BICUBIC) + CenterCrop(size) on a PIL image
    shown with pixel aspect ratio par: the geometry is computed on the
    picture as shown, and Pillow resizes the pixels straight to it."""
    h, w = rgb.shape[:2]
    dw = display_width(w, par)
    short, long = (dw, h) if dw <= h else (h, dw)
    new_long = int(size * long / short)
    ow, oh = (size, new_long) if dw <= h else (new_long, size)
    resized = Image.fromarray(rgb).resize((ow, oh), Image.BICUBIC)
    top = int(round((oh - size) / 2.0))
    left = int(round((ow - size) / 2.0))
    return np.asarray(resized.crop((left, top, left + size, top + size)))


# ClipYuvMatrix: Kr, Kb and full range of BT.601, BT.709, BT.601 full
# range, BT.709 full range, BT.2020 and BT.2020 full range.
MATRICES = [(0.299, 0.114, False), (0.2126, 0.0722, False),
            (0.299, 0.114, True), (0.2126, 0.0722, True),
            (0.2627, 0.0593, False), (0.2627, 0.0593, True)]


def yuv_to_rgb(y, u, v, matrix):
    """The engine's Y'CbCr -> RGB: 16.16 fixed point from Kr, Kb, range.
    Chroma halved across, and down too unless @u has a row per luma row."""
    kr, kb, full = MATRICES[matrix]
    kg = 1.0 - kr - kb
    ys, cs = (1.0, 1.0) if full else (255.0 / 219.0, 255.0 / 224.0)
    one = 65536.0
    cy = int(ys * one + 0.5)
    crv = int(2.0 * (1.0 - kr) * cs * one + 0.5)
    cgu = int(2.0 * kb * (1.0 - kb) / kg * cs * one + 0.5)
    cgv = int(2.0 * kr * (1.0 - kr) / kg * cs * one + 0.5)
    cbu = int(2.0 * (1.0 - kb) * cs * one + 0.5)
    h, w = y.shape
    # Nearest chroma site: pixel (x, y) takes sample (x // 2, y // 2), or
    # (x // 2, y) in 4:2:2.
    down = 1 if u.shape[0] == h else 2
    u = u.repeat(down, 0).repeat(2, 1)[:h, :w].astype(np.int64) - 128
    v = v.repeat(down, 0).repeat(2, 1)[:h, :w].astype(np.int64) - 128
    yy = (y.astype(np.int64) - (0 if full else 16)) * cy
    out = np.stack([yy + crv * v, yy - cgu * u - cgv * v, yy + cbu * u], -1)
    return np.clip((out + 32768) >> 16, 0, 255).astype(np.uint8)


def make_frame(rgb, fmt, pad, par, rng):
    """The frame bytes for @fmt, a ClipImage over them, the RGB Pillow sees."""
    h, w = rgb.shape[:2]
    keep = []

    def plane(rows, row_bytes, data):
        stride = row_bytes + pad
        buf = rng.integers(0, 256, (rows, stride), dtype=np.uint8)
        buf[:, :row_bytes] = data.reshape(rows, row_bytes)
        keep.append(buf)
        return buf.ctypes.data, stride

    img = ClipImage()
    img.width, img.height, img.matrix = w, h, 0
    img.par_n, img.par_d = par
    if fmt in PACKED:
        code, bpp, pos = PACKED[fmt]
        px = rng.integers(0, 256, (h, w, bpp), dtype=np.uint8)  # junk X/A
        for c in range(3):
            px[:, :, pos[c]] = rgb[:, :, c]
        img.format = code
        img.planes[0], img.strides[0] = plane(h, w * bpp, px)
        return img, keep, rgb
    if fmt == "gray8":
        g = rgb[:, :, 1].copy()
        img.format = GRAY8
        img.planes[0], img.strides[0] = plane(h, w, g)
        return img, keep, np.repeat(g[:, :, None], 3, 2)
    # Y'CbCr from the RGB's channels as Y, U and V (their values do not
    # matter, only that the reference sees the same samples).
    cw, ch = (w + 1) // 2, (h + 1) // 2
    y = rgb[:, :, 0].copy()
    img.matrix = int(rng.integers(0, len(MATRICES)))
    if fmt in YUV422:
        code, order = YUV422[fmt]
        u = np.ascontiguousarray(rgb[:, ::2, 1])
        v = np.ascontiguousarray(rgb[:, ::2, 2])
        # An odd width's last pair holds a junk second luma byte.
        y_pad = np.concatenate([y, rng.integers(0, 256, (h, 2 * cw - w),
                                                dtype=np.uint8)], 1)
        pairs = np.empty((h, cw, 4), np.uint8)
        for byte, samples in zip(order, (y_pad[:, 0::2], u, y_pad[:, 1::2],
                                         v)):
            pairs[:, :, byte] = samples
        img.format = code
        img.planes[0], img.strides[0] = plane(h, 4 * cw, pairs)
        return img, keep, yuv_to_rgb(y, u, v, img.matrix)
    u = np.ascontiguousarray(rgb[::2, ::2, 1])[:ch, :cw]
    v = np.ascontiguousarray(rgb[::2, ::2, 2])[:ch, :cw]
    img.planes[0], img.strides[0] = plane(h, w, y)
    if fmt == "i420":
        img.format = I420
        img.planes[1], img.strides[1] = plane(ch, cw, u)
        img.planes[2], img.strides[2] = plane(ch, cw, v)
    else:
        img.format = NV12 if fmt == "nv12" else NV21
        pair = [u, v] if fmt == "nv12" else [v, u]
        img.planes[1], img.strides[1] = plane(ch, 2 * cw, np.stack(pair, -1))
    return img, keep, yuv_to_rgb(y, u, v, img.matrix)


class Engine:
    """One plan per (size, kernels, threads), reused across cases as the
    element reuses its preprocessor across frames."""

    def __init__(self, lib):
        self.lib, self.preps = lib, {}

    def run(self, img, size, kernels, threads):
        key = (size, kernels, threads)
        if key not in self.preps:
            prep = self.lib.clip_prep_new(size, None, None, threads, 0)
            if not self.lib.clip_prep_use_kernels(prep, kernels.encode()):
                raise RuntimeError(f"kernels {kernels} do not run here")
            self.preps[key] = prep
        out = np.zeros((size, size, 3), np.uint8)
        if not self.lib.clip_prep_run_rgb8(self.preps[key], ctypes.byref(img),
                                           out.ctypes.data, None):
            raise RuntimeError(f"preprocessing failed on "
                               f"{img.width}x{img.height}")
        return out

    def kernels(self):
        """The kernel sets this CPU runs, the fastest first."""
        prep = self.lib.clip_prep_new(1, None, None, 1, 0)
        names = [self.lib.clip_prep_kernels_name(prep).decode()]
        for name in ("avx512-vnni", "avx512", "avx2-vnni", "avx2",
                     "portable"):
            if name not in names and self.lib.clip_prep_use_kernels(
                    prep, name.encode()):
                names.append(name)
        self.lib.clip_prep_free(prep)
        return names

    def close(self):
        for prep in self.preps.values():
            self.lib.clip_prep_free(prep)


def content(rng, w, h):
    if rng.integers(2):
        return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    yy, xx = np.mgrid[0:h, 0:w]
    phase = rng.uniform(0, 6, 3)
    return np.stack([127.5 + 127.5 * np.sin(xx / (3 + 20 * p) + yy / (5 + 9 * p) + p)
                     for p in phase], -1).round().astype(np.uint8)


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
    # One case in three with pixels that are not square.
    par = (PARS[int(rng.integers(len(PARS)))] if rng.integers(3) == 0
           else (0, 0))

    # Keep Pillow's full resized image within a reasonable memory budget.
    def too_big():
        dw = display_width(w, par)
        return (size * max(dw, h) / min(dw, h)) * size > 2e7
    while too_big():
        if display_width(w, par) > h:
            w = max(1, w // 2)
        else:
            h = max(1, h // 2)
    return w, h, size, FORMATS[int(rng.integers(len(FORMATS)))], par


# Pixel aspect ratios of video that is shown stretched: PAL and NTSC SD at
# 4:3 and 16:9, 4CIF, HDV, and made-up ones, tall and wide.
PARS = [(16, 15), (64, 45), (8, 9), (32, 27), (12, 11), (4, 3), (2, 1),
        (1, 2), (3, 7), (40, 33), (59, 54), (10, 11)]

# Video frame sizes (landscape and portrait, odd), 1x1 and other edge
# cases: (width, height, size, formats[, pixel aspect ratio]).
FIXED_CASES = [
    (1920, 1080, 224, ["nv12", "i420", "rgb", "bgrx", "gray8", "yuy2"]),
    (3840, 2160, 224, ["i420", "nv12", "rgbx", "bgr"]),
    (4096, 2160, 224, ["xrgb"]),
    (1280, 720, 336, ["nv12", "rgba", "uyvy", "nv21"]),
    (1080, 1920, 224, ["nv12", "rgb"]),
    (2160, 3840, 224, ["i420", "abgr"]),
    (1919, 1079, 224, ["i420", "nv12", "rgb", "yvyu", "nv21"]),
    (1081, 1921, 224, ["nv12", "bgr", "gray8", "yuy2"]),
    (1, 1, 224, FORMATS),
    (1, 1, 1, ["rgb", "i420"]),
    (2, 3, 224, ["nv12", "rgbx", "gray8", "uyvy"]),
    (224, 224, 224, FORMATS),           # no resampling at all
    (225, 224, 224, ["rgb", "i420"]),   # one axis kept, the crop at 0
    (224, 1000, 224, ["bgr", "nv12"]),  # full width: windows hit both edges
    (100, 57, 224, ["rgb", "i420", "gray8"]),
    (5, 3000, 224, ["rgb", "nv12", "yuy2"]),
    (3000, 5, 224, ["argb", "i420", "yvyu"]),
    (13, 13, 7, FORMATS),
    (720, 576, 224, ["i420", "yuy2", "rgb"], (64, 45)),   # PAL 16:9
    (720, 576, 224, ["nv12", "uyvy"], (16, 15)),          # PAL 4:3
    (720, 480, 224, ["nv12", "bgrx"], (8, 9)),            # NTSC 4:3
    (704, 576, 336, ["i420"], (12, 11)),                  # 4CIF
    (1440, 1080, 224, ["nv12", "yuy2"], (4, 3)),          # HDV
    (300, 200, 224, ["rgb"], (1, 1)),                     # square, said so
    (300, 200, 224, ["rgb", "gray8"], (3, 2)),            # shown 450 wide
    (300, 200, 224, ["i420"], (2, 3)),                    # shown square
    (3, 5, 224, ["rgb", "nv21"], (1, 7)),                 # shown 1 wide
    (1, 1, 224, ["rgb"], (1000, 1)),                      # shown 1000 wide
]


def main():
    n_random = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    cases = [(c[0], c[1], c[2], f, c[4] if len(c) > 4 else (0, 0))
             for c in FIXED_CASES for f in c[3]]
    cases += [random_case(rng) for _ in range(n_random)]
    with tempfile.TemporaryDirectory() as tmp:
        lib = build_library(tmp)
        engine = Engine(lib)
        kernel_sets = engine.kernels()
        print(f"kernels: {', '.join(kernel_sets)}")
        total = same = cases_exact = 0
        worst = 0
        for i, (w, h, size, fmt, par) in enumerate(cases):
            img, keep, ref_rgb = make_frame(content(rng, w, h), fmt,
                                            int(rng.integers(0, 9)), par,
                                            rng)
            ref = pil_reference(ref_rgb, size, par)
            # Alternate the kernel sets and thread counts.
            kernels = kernel_sets[i % len(kernel_sets)]
            threads = 1 + (i // len(kernel_sets)) % 3
            got = engine.run(img, size, kernels, threads)
            diff = np.abs(ref.astype(int) - got.astype(int))
            total += diff.size
            same += int((diff == 0).sum())
            cases_exact += int(diff.max() == 0)
            if diff.max() > 0:
                print(f"  {w}x{h} {fmt} par {par[0]}/{par[1]} -> {size} "
                      f"({kernels} kernels, "
                      f"{threads} threads): max diff {diff.max()}")
            worst = max(worst, int(diff.max()))
        engine.close()
    print(f"{len(cases)} cases ({len(cases) - n_random} fixed, {n_random} "
          f"random): {cases_exact} identical, {same / total:.6%} of bytes "
          f"identical, max difference {worst}")
    return 0 if same == total else 1


if __name__ == "__main__":
    sys.exit(main())
