#!/usr/bin/python3
"""A program that exits while a pipeline with clipclassify is PLAYING must
never hang: the engine's threads (OpenMP and OpenBLAS) are torn down by
process exit whatever they are doing. Runs a child that starts a live
pipeline, waits until inferences run and calls sys.exit(), many times, on
both backends and in both modes, with a deadline per run.

Usage: test-exit.py MODEL [RUNS]"""
import os
import subprocess
import sys

CHILD = r'''
import ctypes, sys, time, gi
gi.require_version("Gst", "1.0")
from gi.repository import Gst
Gst.init(None)
model, backend, mode = sys.argv[1:4]
pipe = Gst.parse_launch(
    "videotestsrc is-live=true pattern=snow ! video/x-raw,width=320,height=240,"
    "framerate=30/1 ! clipclassify model=\"%s\" labels=\"snow,colour bars\" "
    "backend=%s mode=%s threads=2 ! fakesink sync=true" % (model, backend, mode))
# Keep the pipeline alive through interpreter shutdown: disposing a PLAYING
# pipeline is an application error GStreamer warns about, whatever its
# elements; what is tested is exit() with the streaming threads running.
capsule = ctypes.pythonapi.PyCapsule_GetPointer
capsule.restype = ctypes.c_void_p
capsule.argtypes = [ctypes.py_object, ctypes.c_char_p]
gobject = ctypes.CDLL("libgobject-2.0.so.0")
gobject.g_object_ref.argtypes = [ctypes.c_void_p]
gobject.g_object_ref(capsule(pipe.__gpointer__, None))
bus = pipe.get_bus()
pipe.set_state(Gst.State.PLAYING)
deadline = time.monotonic() + 20
seen = 0
while seen < 3 and time.monotonic() < deadline:
    msg = bus.timed_pop_filtered(Gst.SECOND, Gst.MessageType.ELEMENT
                                 | Gst.MessageType.ERROR)
    if msg and msg.type == Gst.MessageType.ERROR:
        print(msg.parse_error()[0].message)
        sys.exit(3)
    if msg and msg.get_structure().get_name() == "clipclassify":
        seen += 1
if seen < 3:
    sys.exit(4)
sys.exit(0)    # still PLAYING: the point of the test
'''


def main():
    model = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    failures = 0
    total = 0
    env = dict(os.environ)
    for backend in ("native", "openblas"):
        for mode in ("sync", "async"):
            hung = 0
            for _ in range(runs):
                total += 1
                try:
                    r = subprocess.run([sys.executable, "-c", CHILD, model,
                                        backend, mode], timeout=60,
                                       capture_output=True, text=True,
                                       env=env)
                    if r.returncode != 0:
                        failures += 1
                        print("%s/%s: exit status %d: %s" % (
                            backend, mode, r.returncode, r.stdout + r.stderr))
                except subprocess.TimeoutExpired:
                    hung += 1
                    failures += 1
            print("%s, %s mode: %d of %d runs exited, %d hung" % (
                backend, mode, runs - hung, runs, hung))
    print("%d passed, %d failed" % (total - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
