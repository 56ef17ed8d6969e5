"""Training and held-out sets for the demo model: a list of seeded render
jobs per class, and the code that turns them into R x R uint8 views.

Held-out jobs use frame sizes that training never saw, their own seed (so
other colours, pattern parameters and ball positions), and only the
element's own view of the frame (shortest side, centre crop), with no
augmentation.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import demo_frames as fr
from demo_classes import CLASS_NAMES

POLICIES = {
    "colour bars": dict(min_area=0.3, flip="h", blur=True),
    "snow": dict(min_area=0.15, flip="hv", blur=False),
    "bouncing ball": dict(min_area=0.2, flip="hv", blur=True),
    "checkerboard": dict(min_area=0.4, flip="hv", blur=True),
    "concentric circles": dict(min_area=0.3, flip="hv", blur=True),
    "pinwheel": dict(min_area=0.3, flip="hv", blur=True),
    "gradient": dict(min_area=0.3, flip="hv", blur=True),
    "rainbow": dict(min_area=0.3, flip="h", blur=True),
}
SOLID_POLICY = dict(min_area=1.0, flip="none", blur=False)


def _pair(rng):
    """Foreground / background colours: mostly videotestsrc's white on
    black, sometimes a random bright colour on a random dark one."""
    if rng.random() < 0.6:
        return (255, 255, 255), (0, 0, 0)
    fg = [int(v) for v in rng.integers(0, 256, 3)]
    bright = int(rng.integers(0, 3))
    fg[bright] = max(fg[bright], 200)
    bg = tuple(int(v) for v in rng.integers(0, 90, 3))
    return tuple(fg), bg


def _gst(cls, rng, pattern, size, formats, views, props=None, n_buffers=1,
         keep_fps=None, fg=None, bg=None, take="last"):
    """A videotestsrc job in a random one of @formats."""
    props = dict(props or {})
    if fg is not None:
        props["foreground-color"] = fr.argb(fg)
        props["background-color"] = fr.argb(bg)
    return dict(cls=cls, kind="gst", pattern=pattern, size=size,
                fmt=str(rng.choice(formats)), props=props, n_buffers=n_buffers,
                keep_fps=keep_fps, fg=fg, bg=bg, take=take, views=views)


def _class_jobs(name, rng, sizes, formats, held_out):
    """The render jobs of one class."""
    c = CLASS_NAMES.index(name)
    jobs = []

    def views(n):
        # Training takes @n augmented views of a frame; held-out only
        # the element's own view.
        return 1 if held_out else n

    def add(pattern, size, n_views, props=None, **kw):
        jobs.append(_gst(c, rng, pattern, size, formats, n_views, props,
                         **kw))

    if name == "colour bars":
        for size in sizes:
            for pattern in list(fr.BARS_PATTERNS) * (2 if held_out else 1):
                speed = 0 if rng.random() < 0.6 else \
                    int(rng.integers(-40, 41))
                n = 1 if speed == 0 else int(rng.integers(2, 30))
                add(str(pattern), size, views(12),
                    {"horizontal-speed": speed}, n_buffers=n)
    elif name == "snow":
        for size in sizes:
            for _ in range(3 if held_out else 2):
                add("snow", size, views(12), n_buffers=2, take="all")
    elif name in fr.SOLID_RANGES:
        lo, hi = fr.SOLID_RANGES[name]
        for size in sizes:
            for _ in range(3 if held_out else 1):
                add(fr.SOLID_PATTERNS[name], size, views(10))
        for _ in range(12 if held_out else 60):
            colour = tuple(int(rng.integers(a, b + 1))
                           for a, b in zip(lo, hi))
            if held_out:
                size = sizes[int(rng.integers(0, len(sizes)))]
                add("solid-color", size, 1, fg=colour, bg=(0, 0, 0))
            else:
                jobs.append(dict(cls=c, kind="solid", colour=colour,
                                 views=6))
    elif name == "bouncing ball":
        for size in sizes:
            # Large frames get an extra job with the default look: there
            # the ball is a dot of a few pixels, the hardest and most
            # common case.
            extra = 0 if held_out or size[0] < 640 else 1
            for k in range(3 if held_out else 4 + extra):
                motion = str(rng.choice(["wavy", "wavy", "sweep", "hsweep"]))
                fg, bg = _pair(rng)
                if k == 4:
                    motion, fg, bg = "wavy", (255, 255, 255), (0, 0, 0)
                add("ball", size, views(3), {"motion": motion},
                    n_buffers=int(rng.integers(60, 121)), keep_fps=2,
                    fg=fg, bg=bg, take="all")
    elif name == "checkerboard":
        small = [(240, 180), (288, 216)] if held_out else \
            [(160, 120), (176, 144), (320, 240), (352, 288)]
        for size in small:
            for _ in range(3 if held_out else 2):
                add("checkers-8", size, views(15))
        if not held_out:
            for size in small[:2]:
                add("checkers-4", size, 15)
        # At larger sizes the red/green checks of videotestsrc average out
        # to olive once reduced to the model's input; that is still what
        # people see as "the checkers pattern" on a small monitor.
        for size in sizes:
            add("checkers-%d" % int(rng.choice([1, 2, 4, 8])), size,
                views(6))
        for _ in range(20 if held_out else 80):
            jobs.append(dict(cls=c, kind="checker",
                             seed=int(rng.integers(1 << 30)), views=views(5)))
    elif name == "concentric circles":
        for size in sizes:
            for _ in range(1 if held_out else 2):
                fg, bg = _pair(rng)
                add("circular", size, views(6), fg=fg, bg=bg)
            for _ in range(5 if held_out else 4):
                kx2 = int(rng.integers(6, 41))
                ky2 = kx2 if rng.random() < 0.5 else int(rng.integers(6, 41))
                fg, bg = _pair(rng)
                add("zone-plate", size, views(6),
                    {"kx2": kx2, "ky2": ky2, "kt2": int(rng.integers(0, 6))},
                    n_buffers=int(rng.integers(1, 8)), fg=fg, bg=bg)
    elif name == "pinwheel":
        for size in sizes:
            for pattern in ["pinwheel", "spokes"]:
                for _ in range(3 if held_out else 2):
                    fg, bg = _pair(rng)
                    add(pattern, size, views(12), fg=fg, bg=bg)
    elif name == "gradient":
        for size in sizes:
            for _ in range(3 if held_out else 1):
                fg, bg = _pair(rng) if rng.random() < 0.4 else \
                    ((255, 255, 255), (0, 0, 0))
                add("gradient", size, views(24), fg=fg, bg=bg)
        for _ in range(12 if held_out else 30):
            size = sizes[int(rng.integers(0, len(sizes)))]
            jobs.append(dict(cls=c, kind="gradient", size=size,
                             seed=int(rng.integers(1 << 30)),
                             views=views(8)))
    elif name == "rainbow":
        for size in sizes:
            for _ in range(3 if held_out else 2):
                add("colors", size, views(24))
    return jobs


def make_jobs(seed, held_out):
    """All jobs of the training set (or of the held-out set), each with its
    own seed so that results do not depend on execution order."""
    rng = np.random.default_rng(seed)
    sizes = fr.HELDOUT_SIZES if held_out else fr.TRAIN_SIZES
    formats = fr.HELDOUT_FORMATS if held_out else fr.TRAIN_FORMATS
    jobs = []
    for name in CLASS_NAMES:
        jobs += _class_jobs(name, rng, sizes, formats, held_out)
    for job in jobs:
        job["seed"] = job.get("seed", int(rng.integers(1 << 30)))
        job["held_out"] = held_out
    return jobs


def _source_frames(job, path):
    rng = np.random.default_rng(job["seed"])
    if job["kind"] == "gst":
        w, h = job["size"]
        frames = fr.render(job["pattern"], w, h, job["fmt"], job["props"],
                           path, job["n_buffers"], job["keep_fps"])
        return frames if job["take"] == "all" else frames[-1:]
    if job["kind"] == "checker":
        return fr.checkerboard(rng, int(rng.integers(100, 400)))[None]
    if job["kind"] == "gradient":
        w, h = job["size"]
        return fr.gradient(rng, w, h)[None]
    return np.array(job["colour"], np.uint8).reshape(1, 1, 1, 3) \
        .repeat(16, 1).repeat(16, 2)


def _shows_class(view, job, name):
    """Whether @view still shows its class: a ball must be in view (for
    held-out frames most of a small ball; a sliver at the crop edge is a
    judgement call)."""
    if name != "bouncing ball":
        return True
    min_pixels = 8 if job["held_out"] else 4
    return fr.ball_visible(view, job["fg"], job["bg"], min_pixels)


def run_job(job, size, workdir, index):
    """The uint8 [size, size, 3] views of one job (a ball job keeps only
    views in which the ball shows)."""
    rng = np.random.default_rng(job["seed"] + 1)
    name = CLASS_NAMES[job["cls"]]
    policy = POLICIES.get(name, SOLID_POLICY)
    frames = _source_frames(job, os.path.join(workdir, "job%05d.rgb" % index))
    views = []
    for frame in frames:
        for _ in range(job["views"]):
            if job["held_out"]:
                view = fr.engine_preprocess(frame, size)
                if _shows_class(view, job, name):
                    views.append(view)
                continue
            for _attempt in range(8):
                view = fr.augment(rng, frame, size, policy)
                if _shows_class(view, job, name):
                    views.append(view)
                    break
    return views


def build(jobs, size, workdir, threads=2):
    """Runs @jobs (render processes in parallel) and returns (views uint8
    [n, size, size, 3], labels int64 [n], job index per view)."""
    with ThreadPoolExecutor(max(1, threads)) as pool:
        results = list(pool.map(
            lambda ij: run_job(ij[1], size, workdir, ij[0]),
            enumerate(jobs)))
    xs, ys, src = [], [], []
    for i, (job, views) in enumerate(zip(jobs, results)):
        xs += views
        ys += [job["cls"]] * len(views)
        src += [i] * len(views)
    return (np.stack(xs), np.array(ys, np.int64), np.array(src, np.int64))
