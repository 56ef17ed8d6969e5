#!/usr/bin/python3
"""Soak and stress runs of the clipclassify element (PyGObject).

Scenarios (each prints its figures and ends with PASS or FAIL):

  long     async mode on a live 1280x720 30 fps source: RSS sampled every
           --sample seconds; passes when RSS grew by less than 1 MB between
           the first minute and the end, and no buffer reached the sink late.
  multi    8 instances sharing one model in one process: labels changed
           every 100 ms on each, random PLAYING/PAUSED/READY/NULL changes,
           flushing seeks and caps changes. Passes when nothing crashed, every
           state change and the final NULL finished within a deadline, and
           (with --rss-check) RSS stayed flat; run it under ASan or valgrind
           for leaks.
  caps     async mode on a live source whose caps change every 0.5 s among
           RGB 320x240, NV12 1280x720, GRAY8 17x5, I420 1x1, YUY2 33x7 and
           NV21 640x360.
  hostile  every writable property set to hostile values through
           gst_util_set_object_arg, each case in a fresh pipeline taken to
           PLAYING: an ERROR message or a clamped/kept value, never a crash
           or a hang (each case runs in a child process with a deadline).

--duration sets the run time of long, caps and multi (CI: 120, 30 and 120 s;
full: 3600, 30 and 600 s); CI runs hostile with --quick. The model is --model, or $CLIPCLASSIFY_SOAK_MODEL, or a ViT-B/32-sized
random checkpoint made by tools/make-random-checkpoint.py into a temporary
folder. Run it with the build tree's plugin on GST_PLUGIN_PATH (meson test
does), e.g.:

  meson test -C build --suite soak              # the 2-minute versions
  tests/soak/soak.py long --duration 3600 --max-rate 2 --model /tmp/vit-b-32
"""

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))


def log(*args):
    print(*args, flush=True)


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def make_model(preset):
    """A random checkpoint in a temporary folder (removed at exit)."""
    out = tempfile.mkdtemp(prefix="clip-soak-")
    model = os.path.join(out, preset)
    subprocess.run(["/usr/bin/python3",
                    os.path.join(ROOT, "tools", "make-random-checkpoint.py"),
                    "--out", model, "--preset", preset], check=True,
                   stdout=subprocess.DEVNULL)
    return out, model


class Bus:
    """Collects ERROR/WARNING messages of a pipeline from a bus watch-less
    poll, so that no main loop is needed."""

    def __init__(self, pipeline):
        self.bus = pipeline.get_bus()
        self.errors = []
        self.warnings = []
        self.qos = 0

    def poll(self):
        while True:
            msg = self.bus.pop_filtered(Gst.MessageType.ERROR |
                                        Gst.MessageType.WARNING |
                                        Gst.MessageType.QOS)
            if msg is None:
                return
            if msg.type == Gst.MessageType.QOS:
                live, rt, st, ts, dur = msg.parse_qos()
                jitter, prop, quality = msg.parse_qos_values()
                # A count, not a list: a list would grow the RSS measured.
                self.qos += 1
                if self.qos <= 10:
                    log("QoS from %s: buffer at %.3f s dropped, %.1f ms late"
                        % (msg.src.get_name(), ts / 1e9, jitter / 1e6))
            elif msg.type == Gst.MessageType.ERROR:
                err, dbg = msg.parse_error()
                self.errors.append("%s (%s: %s)" % (
                    err.message, msg.src.get_name(), dbg))
            else:
                err, dbg = msg.parse_warning()
                self.warnings.append(err.message)


def set_state(element, state, timeout_s):
    """Sets @state and waits for it; returns the seconds it took or None if
    it did not finish within @timeout_s."""
    t0 = time.monotonic()
    ret = element.set_state(state)
    if ret == Gst.StateChangeReturn.ASYNC:
        ret, _, _ = element.get_state(int(timeout_s * Gst.SECOND))
        if ret == Gst.StateChangeReturn.ASYNC:
            return None
    return time.monotonic() - t0


# ------------------------------------------------------------------ long

def run_long(args, model):
    desc = (
        "videotestsrc is-live=true pattern=ball ! "
        "video/x-raw,format=NV12,width=1280,height=720,framerate=30/1 ! "
        "clipclassify name=c mode=async threads=%d max-rate=%g model=\"%s\" "
        "labels=\"person,car,dog,cat,bicycle,tree,house,boat\" "
        "post-messages=false ! "
        "fakesink name=s sync=true qos=true max-lateness=%d "
        "signal-handoffs=true" % (args.threads, args.max_rate,
                                  os.path.abspath(model),
                                  int(args.max_lateness_ms * Gst.MSECOND)))
    pipeline = Gst.parse_launch(desc)
    sink = pipeline.get_by_name("s")
    clip = pipeline.get_by_name("c")
    bus = Bus(pipeline)
    late = {"max_ns": 0, "n": 0, "frames": 0, "with_meta": 0}

    def handoff(sink_, buf, pad):
        # Called after the sink waited for the buffer's clock time: how far
        # past that time it is now is its lateness.
        clock = pipeline.get_clock()
        if clock is None:
            return
        seg = pad.get_sticky_event(Gst.EventType.SEGMENT, 0)
        if seg is None:
            return
        rt = seg.parse_segment().to_running_time(Gst.Format.TIME, buf.pts)
        lateness = (clock.get_time() - pipeline.get_base_time() - rt -
                    pipeline.get_latency())
        late["frames"] += 1
        late["max_ns"] = max(late["max_ns"], lateness)
        if lateness > args.max_lateness_ms * Gst.MSECOND:
            late["n"] += 1
            if late["n"] <= 10:
                log("late buffer: pts %.3f s, %.1f ms late" % (
                    buf.pts / 1e9, lateness / 1e6))

    sink.connect("handoff", handoff)
    if set_state(pipeline, Gst.State.PLAYING, 120) is None:
        log("FAIL: PLAYING not reached in 120 s")
        return False
    t0 = time.monotonic()
    samples = []
    log("%8s %10s %8s %10s %8s %11s %8s %6s" % (
        "t/s", "RSS/KiB", "frames", "inferences", "late", "max late/ms",
        "dropped", "load"))
    next_sample = 0.0
    while True:
        now = time.monotonic() - t0
        bus.poll()
        if bus.errors:
            break
        if now >= next_sample:
            r = rss_kib()
            samples.append((now, r))
            log("%8.0f %10d %8d %10d %8d %11.1f %8d %6.2f" % (
                now, r, late["frames"], clip.get_property("inferences"),
                late["n"], late["max_ns"] / 1e6, bus.qos,
                os.getloadavg()[0]))
            next_sample += args.sample
        if now >= args.duration:
            break
        time.sleep(min(1.0, max(0.05, next_sample - now)))
    stats = sink.get_property("stats")
    dropped = stats.get_value("dropped")
    rendered = stats.get_value("rendered")
    inferences = clip.get_property("inferences")
    t_null = set_state(pipeline, Gst.State.NULL, 30)
    bus.poll()

    base = [r for (t, r) in samples if t >= 60.0 - 1e-6]
    growth = (samples[-1][1] - base[0]) if base else None
    log("frames rendered %d, dropped by the sink %d, late %d (max %.1f ms), "
        "inferences %d, NULL in %s s" % (
            rendered, dropped, late["n"], late["max_ns"] / 1e6, inferences,
            "%.2f" % t_null if t_null is not None else "> 30"))
    ok = True
    if bus.errors:
        log("FAIL: error message: %s" % bus.errors[0])
        ok = False
    if growth is None:
        log("FAIL: the run must last more than a minute")
        ok = False
    else:
        log("RSS at 1 min %d KiB, at end %d KiB: growth %+d KiB (limit %d)"
            % (base[0], samples[-1][1], growth, args.rss_limit_kib))
        if growth >= args.rss_limit_kib:
            log("FAIL: RSS grew by %d KiB" % growth)
            ok = False
    if (late["n"] or dropped) and args.report_late:
        log("late buffers (reported, not a failure: --report-late): %d "
            "late, %d dropped" % (late["n"], dropped))
    elif late["n"] or dropped:
        log("FAIL: %d late buffers, %d dropped" % (late["n"], dropped))
        ok = False
    if inferences == 0:
        log("FAIL: no inference ran")
        ok = False
    if t_null is None:
        log("FAIL: NULL took more than 30 s")
        ok = False
    return ok


# ------------------------------------------------------------------ caps

CAPS_CYCLE = [
    "video/x-raw,format=RGB,width=320,height=240,framerate=30/1",
    "video/x-raw,format=NV12,width=1280,height=720,framerate=30/1",
    "video/x-raw,format=GRAY8,width=17,height=5,framerate=30/1",
    "video/x-raw,format=I420,width=1,height=1,framerate=30/1",
    "video/x-raw,format=YUY2,width=33,height=7,framerate=30/1",
    "video/x-raw,format=NV21,width=640,height=360,framerate=30/1",
]


# videotestsrc (1.22) writes outside its line buffer at these tiny sizes
# (valgrind, docs/reliability.md): the frames come from appsrc instead, and
# the multi run changes among sizes videotestsrc paints correctly.
MULTI_CAPS = CAPS_CYCLE[:2] + [
    "video/x-raw,format=I420,width=64,height=48,framerate=30/1"]


def run_caps(args, model):
    """Async mode on a live source whose caps change every 0.5 s among
    CAPS_CYCLE (this aborted the process in one of two 30 s runs)."""
    gi.require_version("GstVideo", "1.0")
    from gi.repository import GstVideo
    desc = (
        "appsrc name=src is-live=true format=time caps=%s ! "
        "clipclassify name=c mode=async threads=%d model=\"%s\" "
        "labels=\"person,car,dog\" ! fakesink sync=true" % (
            CAPS_CYCLE[0], args.threads, os.path.abspath(model)))
    pipeline = Gst.parse_launch(desc)
    src = pipeline.get_by_name("src")
    clip = pipeline.get_by_name("c")
    bus = Bus(pipeline)
    stop = threading.Event()

    def feed():
        # 30 frames a second, timestamped by the pipeline clock; the caps
        # change every 15 frames.
        n = 0
        t0 = time.monotonic()
        while not stop.is_set():
            caps = Gst.Caps.from_string(CAPS_CYCLE[(n // 15) %
                                                   len(CAPS_CYCLE)])
            if n % 15 == 0:
                src.set_property("caps", caps)
            info = GstVideo.VideoInfo.new_from_caps(caps)
            buf = Gst.Buffer.new_wrapped(bytes([n % 256]) * info.size)
            clock = pipeline.get_clock()
            if clock is not None:
                buf.pts = clock.get_time() - pipeline.get_base_time()
            buf.duration = Gst.SECOND // 30
            if src.emit("push-buffer", buf) != Gst.FlowReturn.OK:
                return
            n += 1
            time.sleep(max(0.0, t0 + n / 30.0 - time.monotonic()))

    if set_state(pipeline, Gst.State.PAUSED, 120) is None:
        log("FAIL: PAUSED not reached in 120 s")
        return False
    feeder = threading.Thread(target=feed, daemon=True)
    pipeline.set_state(Gst.State.PLAYING)
    feeder.start()
    t0 = time.monotonic()
    changes = 0
    while time.monotonic() - t0 < args.duration and not bus.errors:
        time.sleep(0.5)
        changes += 1
        bus.poll()
    stop.set()
    feeder.join(10)
    frames = clip.get_property("frames-seen")
    inferences = clip.get_property("inferences")
    t_null = set_state(pipeline, Gst.State.NULL, 30)
    bus.poll()
    log("%d caps changes, %d frames, %d inferences, NULL in %s s" % (
        changes, frames, inferences,
        "%.2f" % t_null if t_null is not None else "> 30"))
    ok = True
    if bus.errors:
        log("FAIL: error message: %s" % bus.errors[0])
        ok = False
    if t_null is None or inferences == 0:
        ok = False
    return ok


# ----------------------------------------------------------------- multi

LABEL_WORDS = ["person", "car", "dog", "cat", "tree", "boat", "bird", "bus",
               "house", "road", "sky", "chair", "phone", "cup", "book"]


def run_multi(args, model):
    """args.instances pipelines in this process on one model (the element's
    model cache shares it), each with its own driver thread: labels every
    100 ms, and at random a state change, a flushing seek or a caps
    change."""
    rng = random.Random(args.seed)
    pipelines = []
    for i in range(args.instances):
        desc = (
            "videotestsrc name=src pattern=%d ! capsfilter name=f caps=%s ! "
            "clipclassify name=c mode=%s threads=1 model=\"%s\" "
            "labels=\"person,car\" ! fakesink sync=true" % (
                i % 20, MULTI_CAPS[i % 2], "async" if i % 2 else "sync",
                os.path.abspath(model)))
        p = Gst.parse_launch(desc)
        p.set_name("p%d" % i)
        pipelines.append(p)

    stop = threading.Event()
    failures = []
    counts = {"labels": 0, "states": 0, "seeks": 0, "caps": 0}
    lock = threading.Lock()

    def count(what):
        with lock:
            counts[what] += 1

    def drive(p, seed):
        r = random.Random(seed)
        clip = p.get_by_name("c")
        capsfilter = p.get_by_name("f")
        state = Gst.State.NULL
        next_action = time.monotonic() + r.uniform(0.5, 2.0)
        while not stop.is_set():
            n = r.randint(1, 6)
            clip.set_property("labels", ",".join(r.sample(LABEL_WORDS, n)))
            count("labels")
            if time.monotonic() >= next_action:
                next_action = time.monotonic() + r.uniform(0.5, 2.0)
                what = r.random()
                if what < 0.4 or state == Gst.State.NULL:
                    state = r.choice([Gst.State.PLAYING, Gst.State.PLAYING,
                                      Gst.State.PAUSED, Gst.State.READY,
                                      Gst.State.NULL])
                    if set_state(p, state, args.state_timeout) is None:
                        failures.append("%s: %s not reached in %g s" % (
                            p.get_name(), state.value_nick,
                            args.state_timeout))
                        stop.set()
                        return
                    count("states")
                elif what < 0.7 and state in (Gst.State.PAUSED,
                                              Gst.State.PLAYING):
                    p.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH,
                                  r.randint(0, 100) * Gst.SECOND // 10)
                    count("seeks")
                else:
                    capsfilter.set_property("caps", Gst.Caps.from_string(
                        r.choice(MULTI_CAPS)))
                    count("caps")
            time.sleep(0.1)

    threads = [threading.Thread(target=drive, args=(p, rng.random()),
                                daemon=True) for p in pipelines]
    buses = [Bus(p) for p in pipelines]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    samples = []
    next_sample = 0.0
    while time.monotonic() - t0 < args.duration and not stop.is_set():
        now = time.monotonic() - t0
        for b in buses:
            b.poll()
        if now >= next_sample:
            r = rss_kib()
            samples.append((now, r))
            with lock:
                log("%6.0f s RSS %7d KiB  labels %6d states %5d seeks %5d "
                    "caps %5d" % (now, r, counts["labels"], counts["states"],
                                  counts["seeks"], counts["caps"]))
            next_sample += args.sample
        time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join(args.state_timeout + 5)
        if t.is_alive():
            failures.append("a driver thread is stuck (deadlock?)")
    t_null = []
    for p in pipelines:
        t = set_state(p, Gst.State.NULL, args.state_timeout)
        if t is None:
            failures.append("%s: NULL not reached" % p.get_name())
        else:
            t_null.append(t)
    errors = []
    for b in buses:
        b.poll()
        errors += b.errors
    # Caps changes may legitimately fail negotiation mid-flight; any other
    # error is a failure.
    log("%d instances, %.0f s: %d label changes, %d state changes, %d "
        "flushing seeks, %d caps changes; final NULL max %.2f s; %d error "
        "messages" % (len(pipelines), time.monotonic() - t0, counts["labels"],
                      counts["states"], counts["seeks"], counts["caps"],
                      max(t_null) if t_null else -1, len(errors)))
    for e in errors[:5]:
        log("  error: %s" % e)
    for f in failures:
        log("FAIL: %s" % f)
    ok = not failures
    bad = [e for e in errors if "not-negotiated" not in e]
    if bad:
        log("FAIL: %d error messages other than not-negotiated" % len(bad))
        ok = False
    if args.rss_check:
        base = [r for (t, r) in samples if t >= 60.0 - 1e-6]
        if base:
            growth = samples[-1][1] - base[0]
            log("RSS at 1 min %d KiB, at end %d KiB: growth %+d KiB" % (
                base[0], samples[-1][1], growth))
            if growth >= args.rss_limit_kib:
                log("FAIL: RSS grew by %d KiB" % growth)
                ok = False
    return ok


# --------------------------------------------------------------- hostile

def hostile_cases(tmp):
    """(property, value as bytes, when) triples; when is "start" (set
    before PLAYING) or "playing" (set 0.5 s into PLAYING)."""
    def write(name, data):
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path.encode()

    fifo = os.path.join(tmp, "fifo")
    os.mkfifo(fifo)
    many = ",".join("label %d" % i for i in range(100000)).encode()
    lines = write("prompts-10000.txt", b"".join(
        b"a photo number %d of a {}.\n" % i for i in range(10000)))
    labels_100k = write("labels-100000.txt", many.replace(b",", b"\n"))
    bad_utf8 = write("bad-utf8.txt", b"cat\n\xff\xfe dog\n")
    empty = write("empty.txt", b"")
    garbage = write("garbage.bin", bytes(range(256)) * 64)
    cases = []
    for v in [b"", b"/nonexistent/model", b"x" * 100000, b"/dev/zero",
              tmp.encode(), fifo.encode(), b"\xff\xfe", garbage]:
        cases.append(("model", v, "start"))
    for v in [b"", b",,,", b" ", b"\\", b"{}", b"x" * 1000000, many,
              b"cat,\xff\xfe,dog"]:
        cases.append(("labels", v, "start"))
    for v in [b"", b"/nonexistent", tmp.encode(), b"/dev/zero",
              fifo.encode(), bad_utf8, labels_100k, garbage, empty]:
        cases.append(("labels-file", v, "start"))
    for v in [b"", b"{}{}{}", b"{", b"x" * 100000, b"\xff\xfe {}"]:
        cases.append(("prompt", v, "start"))
    for v in [lines, empty, b"/dev/zero", tmp.encode(), fifo.encode(),
              bad_utf8]:
        cases.append(("prompt-file", v, "start"))
    for prop, values in [
            ("interval", [b"0", b"-1", b"4294967296", b"abc", b""]),
            ("max-rate", [b"-1", b"1e308", b"nan", b"inf", b""]),
            ("top-k", [b"-5", b"4294967295", b"0", b"\xff"]),
            ("threshold", [b"-0.5", b"2", b"nan", b"-inf"]),
            ("mode", [b"bogus", b"7", b"-1", b""]),
            ("threads", [b"-1", b"1024", b"100000", b""]),
            ("post-messages", [b"maybe", b"", b"2"])]:
        for v in values:
            cases.append((prop, v, "start"))
    for prop, v in [("labels", many), ("labels", b""), ("labels", b"\xff"),
                    ("labels-file", b"/dev/zero"),
                    ("labels-file", fifo.encode()), ("prompt", b"x" * 100000),
                    ("prompt-file", lines), ("prompt-file", b"/dev/zero"),
                    ("interval", b"0"), ("top-k", b"-1"),
                    ("max-rate", b"nan")]:
        cases.append((prop, v, "playing"))
    return cases


# Cases that legitimately run for minutes on a loaded machine (start()
# encodes 100,000 labels or 20,000 prompts before the first frame): full
# mode only.
def heavy_case(case, many_len):
    prop, value, when = case
    return when == "start" and (
        (prop == "labels" and len(value) == many_len) or
        (prop in ("labels-file", "prompt-file") and
         (value.endswith(b"labels-100000.txt") or
          value.endswith(b"prompts-10000.txt"))))


def set_arg_raw(obj, name, value):
    """gst_util_set_object_arg with the value's raw bytes (Python strings
    cannot carry invalid UTF-8)."""
    import ctypes
    lib = ctypes.CDLL("libgstreamer-1.0.so.0")
    lib.gst_util_set_object_arg.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                            ctypes.c_char_p]
    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype = ctypes.c_void_p
    get.argtypes = [ctypes.py_object, ctypes.c_char_p]
    lib.gst_util_set_object_arg(get(obj.__gpointer__, None), name.encode(),
                                value)


def describe(v):
    if len(v) > 40:
        return "%d bytes %r..." % (len(v), v[:16])
    return repr(v)


def run_hostile_case(args, model, case):
    """One case in this (child) process; prints one OUTCOME line."""
    prop, value, when = case
    desc = ("videotestsrc num-buffers=30 is-live=true ! "
            "video/x-raw,format=I420,width=64,height=48,framerate=30/1 ! "
            "clipclassify name=c model=\"%s\" labels=a,b ! fakesink" %
            os.path.abspath(model))
    pipeline = Gst.parse_launch(desc)
    clip = pipeline.get_by_name("c")
    before = clip.get_property(prop)
    if when == "start":
        set_arg_raw(clip, prop, value)
    pipeline.set_state(Gst.State.PLAYING)
    bus = pipeline.get_bus()
    outcome = None
    warnings = []
    t0 = time.monotonic()
    set_later = when == "playing"
    while outcome is None:
        if set_later and time.monotonic() - t0 > 0.5:
            set_arg_raw(clip, prop, value)
            set_later = False
        msg = bus.timed_pop_filtered(100 * Gst.MSECOND,
                                     Gst.MessageType.ERROR |
                                     Gst.MessageType.WARNING |
                                     Gst.MessageType.EOS)
        if msg is None:
            continue
        if msg.type == Gst.MessageType.ERROR:
            outcome = "ERROR: " + msg.parse_error()[0].message
        elif msg.type == Gst.MessageType.WARNING:
            warnings.append(msg.parse_warning()[0].message)
        else:
            outcome = "EOS"
    after = clip.get_property(prop)
    pipeline.set_state(Gst.State.NULL)
    if outcome == "EOS":
        if isinstance(after, str) and len(after) > 40:
            after = after[:37] + "..."
        outcome = "ran; value now %r (was %r)" % (after, before)
    if warnings:
        outcome += "; WARNING: " + warnings[0][:150]
    print("OUTCOME %s" % outcome[:300], flush=True)
    return True


def run_hostile(args, model):
    tmp = tempfile.mkdtemp(prefix="clip-hostile-")
    try:
        cases = hostile_cases(tmp)
        if args.case is not None:
            return run_hostile_case(args, model, cases[int(args.case)])
        ok = True
        tally = {"error": 0, "ran": 0}
        many_len = len(",".join("label %d" % i for i in range(100000)))
        skipped = 0
        for i, (prop, value, when) in enumerate(cases):
            if args.quick and heavy_case(cases[i], many_len):
                skipped += 1
                continue
            cmd = [sys.executable, os.path.abspath(__file__), "hostile",
                   "--case", str(i), "--model", model]
            t0 = time.monotonic()
            try:
                r = subprocess.run(cmd, capture_output=True, text=True,
                                   timeout=args.case_timeout)
                out = [line for line in r.stdout.splitlines()
                       if line.startswith("OUTCOME ")]
                if r.returncode != 0 or not out:
                    verdict = "FAIL: exit status %d: %s" % (
                        r.returncode, (r.stderr.strip().splitlines() or
                                       [""])[-1][:200])
                else:
                    verdict = out[0][8:]
            except subprocess.TimeoutExpired:
                verdict = "FAIL: no answer in %g s (hang)" % args.case_timeout
            if verdict.startswith("FAIL"):
                ok = False
            else:
                tally["error" if verdict.startswith("ERROR") else "ran"] += 1
            log("%-14s %-8s %-34s %5.1fs %s" % (
                prop, when, describe(value), time.monotonic() - t0, verdict))
        log("%d cases: %d ERROR messages, %d ran (clamped, kept or "
            "accepted), %d failed, %d skipped (--quick)" % (
                len(cases), tally["error"], tally["ran"],
                len(cases) - skipped - sum(tally.values()), skipped))
        return ok
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ------------------------------------------------------------------ main

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("scenario", choices=["long", "caps", "multi", "hostile"])
    p.add_argument("--duration", type=float, default=120.0,
                   help="seconds of long and multi runs; default 120")
    p.add_argument("--model", default=os.environ.get(
        "CLIPCLASSIFY_SOAK_MODEL"), help="checkpoint; default: a random "
        "ViT-B/32-sized one made for the run")
    p.add_argument("--preset", default="vit-b-32",
                   help="make-random-checkpoint.py preset when no --model")
    p.add_argument("--threads", type=int, default=1,
                   help="threads property; default 1")
    p.add_argument("--max-rate", type=float, default=2.0,
                   help="max-rate property of long; default 2")
    p.add_argument("--sample", type=float, default=60.0,
                   help="RSS sampling period of long in s; default 60")
    p.add_argument("--max-lateness-ms", type=float, default=20.0,
                   help="a buffer this late at the sink counts as late")
    p.add_argument("--rss-limit-kib", type=int, default=1024,
                   help="allowed RSS growth after the first minute")
    p.add_argument("--report-late", action="store_true",
                   help="long: print late buffers without failing (CI: the "
                   "machine's load decides them, not the element)")
    p.add_argument("--instances", type=int, default=8)
    p.add_argument("--rss-check", action="store_true",
                   help="multi: also fail when RSS grows by more than "
                   "--rss-limit-kib after the first minute")
    p.add_argument("--seed", type=int, default=1, help="multi: random seed")
    p.add_argument("--state-timeout", type=float, default=60.0,
                   help="multi: a state change slower than this is a hang")
    p.add_argument("--case-timeout", type=float, default=240.0,
                   help="hostile: a case slower than this is a hang")
    p.add_argument("--quick", action="store_true",
                   help="hostile: skip the cases that legitimately take "
                   "minutes (100,000 labels, 10,000 prompts at start)")
    p.add_argument("--case", help=argparse.SUPPRESS)
    args = p.parse_args()

    Gst.init(None)
    if Gst.ElementFactory.find("clipclassify") is None:
        log("FAIL: no clipclassify element (GST_PLUGIN_PATH?)")
        return 1
    tmp = None
    model = args.model
    if not model:
        log("making a random %s checkpoint" % args.preset)
        tmp, model = make_model(args.preset)
    try:
        run = {"long": run_long, "caps": run_caps, "multi": run_multi,
               "hostile": run_hostile}[args.scenario]
        ok = run(args, model)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    log("%s: %s" % (args.scenario, "PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
