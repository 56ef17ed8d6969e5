#!/usr/bin/python3
"""clippublish: JSON lines to a file, and to a real MQTT broker (Debian's
mosquitto, started here on 127.0.0.1 on a free port) that is killed and
restarted while the pipeline runs; a mosquitto_sub subscriber must receive
every result. Each result is checked against the element's bus message."""
import getpass
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import warnings

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

LABELS = "static noise,colour bars,a bouncing ball"
MODEL = os.environ["CLIPCLASSIFY_DEMO_MODEL"]
TMP = tempfile.mkdtemp(prefix="clippublish-test-")
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


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def array(structure, name):
    """A GstValueArray field as a list (PyGObject has no converter)."""
    with warnings.catch_warnings():   # GValueArray is deprecated in GLib
        warnings.simplefilter("ignore", DeprecationWarning)
        found, arr = structure.get_array(name)
        values = [arr.get_nth(i) for i in range(arr.n_values)] if found else []
    assert found, f"no {name} in {structure.to_string()}"
    return values


def run_pipeline(desc, during=None, timeout=60):
    """Runs @desc to EOS or error; calls during(pipeline, elapsed) on every
    bus poll. Returns (error or None, clipclassify messages by frame,
    warnings, the clippublish element)."""
    pipeline = Gst.parse_launch(desc)
    c = pipeline.get_by_name("c")
    c.set_property("model", MODEL)
    c.set_property("labels", LABELS)
    bus = pipeline.get_bus()
    messages, warnings, error = {}, [], None
    pipeline.set_state(Gst.State.PLAYING)
    start = time.monotonic()
    while True:
        if time.monotonic() - start > timeout:
            error = "timed out"
            break
        msg = bus.timed_pop(50 * Gst.MSECOND)
        if during:
            during(pipeline, time.monotonic() - start)
        if msg is None:
            continue
        if msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            error = err.message
            break
        if msg.type == Gst.MessageType.WARNING:
            warnings.append(msg.parse_warning()[0].message)
        if msg.type == Gst.MessageType.EOS:
            break
        s = msg.get_structure()
        if msg.type == Gst.MessageType.ELEMENT and s.get_name() == "clipclassify":
            messages[s.get_value("frame")] = {
                "timestamp": s.get_value("timestamp"),
                "labels": array(s, "labels"),
                "scores": array(s, "scores"),
                "label": s.get_value("label"),
            }
    pipeline.set_state(Gst.State.NULL)
    return error, messages, warnings, pipeline.get_by_name("p")


def same_result(line, msg):
    return (line["timestamp"] == msg["timestamp"] and
            line["labels"] == msg["labels"] and
            line["scores"] == msg["scores"] and
            line["label"] == msg["label"] and
            line["tensors"][0]["label"] == msg["labels"][0] and
            line["tensors"][0]["confidence"] == msg["scores"][0])


def test_file():
    out = os.path.join(TMP, "out.jsonl")
    desc = ("videotestsrc pattern=snow num-buffers=20 ! "
            "video/x-raw,width=160,height=120 ! clipclassify name=c "
            "interval=5 ! clippublish name=p source-id=cam1 "
            f"location={out} ! fakesink")
    err, msgs, _, _ = run_pipeline(desc)
    ok(err is None, f"file: pipeline ran ({err})")
    lines = [json.loads(x) for x in open(out).read().splitlines()]
    ok([x["frame"] for x in lines] == sorted(msgs) == [0, 5, 10, 15],
       f"file: one line per inference, frames {[x['frame'] for x in lines]}")
    ok(all(same_result(x, msgs[x["frame"]]) for x in lines),
       "file: every line equals the element's bus message for its frame")
    ok(all(x["resolution"] == {"width": 160, "height": 120} and
           x["source"] == "cam1" and x["label"] == "static noise" and
           abs(x["pts"] - x["timestamp"] / 1e9) < 1e-9 for x in lines),
       "file: resolution, source, label and pts fields")
    # append adds, the default truncates
    run_pipeline(desc.replace("source-id=cam1", "source-id=cam1 append=true"))
    ok(len(open(out).read().splitlines()) == 8, "file: append=true appends")
    run_pipeline(desc)
    ok(len(open(out).read().splitlines()) == 4, "file: append=false truncates")

    err, _, _, _ = run_pipeline(
        "videotestsrc num-buffers=5 ! clipclassify name=c ! clippublish "
        "name=p location=/nonexistent-dir/x.jsonl ! fakesink")
    ok(err is not None and "/nonexistent-dir/x.jsonl" in err,
       f"file: unwritable location is a clear error ({err})")
    err, _, _, _ = run_pipeline(
        "videotestsrc num-buffers=5 ! clipclassify name=c ! clippublish "
        "name=p ! fakesink")
    ok(err is not None and "location or mqtt-host" in err,
       f"no target is a clear error ({err})")


class Broker:
    def __init__(self, port):
        self.port = port
        self.conf = os.path.join(TMP, "mosquitto.conf")
        with open(self.conf, "w") as f:
            f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\n"
                    f"persistence true\npersistence_location {TMP}/\n"
                    f"log_dest file {TMP}/mosquitto.log\n"
                    # run as root, mosquitto would drop to user mosquitto,
                    # who cannot write the persistence file here
                    f"user {getpass.getuser()}\n")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([MOSQUITTO, "-c", self.conf])
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


class Subscriber:
    """mosquitto_sub with a persistent session (QoS 1), so that results
    published while it reconnects after a broker restart are kept for it."""

    def __init__(self, port, topic):
        self.lines = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen(
            ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-t", topic,
             "-q", "1", "-c", "-i", "clippublish-test-sub"],
            stdout=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        # ready when a probe message comes back
        for _ in range(100):
            subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port),
                            "-t", topic, "-q", "1", "-m", '{"probe": true}'],
                           check=True)
            time.sleep(0.1)
            if self.results(include_probes=True):
                return
        raise RuntimeError("mosquitto_sub never received a message")

    def _read(self):
        for line in self.proc.stdout:
            with self.lock:
                self.lines.append(json.loads(line))

    def results(self, include_probes=False):
        with self.lock:
            return [x for x in self.lines if include_probes or "probe" not in x]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def test_mqtt_restart():
    port = free_port()
    broker = Broker(port)
    broker.start()
    sub = Subscriber(port, "cams/test")
    passed = {"n": 0}
    events = {}

    def count(pad, info):
        passed["n"] += 1
        return Gst.PadProbeReturn.OK

    def during(pipeline, t):
        if "probe" not in events:
            events["probe"] = True
            pipeline.get_by_name("p").get_static_pad("src").add_probe(
                Gst.PadProbeType.BUFFER, count)
        if t > 1.5 and "killed" not in events:
            events["killed"] = passed["n"]
            broker.stop()
        if t > 3.5 and "restarted" not in events:
            events["restarted"] = passed["n"]
            events["connected_while_down"] = pipeline.get_by_name(
                "p").get_property("connected")
            broker.start()

    # 6 s of live video at 30 frames/s, an inference every 3rd frame
    err, msgs, warnings, p = run_pipeline(
        "videotestsrc is-live=true pattern=ball num-buffers=180 ! "
        "video/x-raw,width=160,height=120,framerate=30/1 ! "
        "clipclassify name=c interval=3 ! clippublish name=p "
        f"mqtt-host=127.0.0.1 mqtt-port={port} mqtt-topic=cams/test "
        "mqtt-qos=1 reconnect-max=0.5 drain-timeout=20 ! fakesink sync=true",
        during=during, timeout=60)
    ok(err is None, f"mqtt: pipeline ran to EOS through the restart ({err})")
    ok("killed" in events and "restarted" in events,
       f"mqtt: broker killed and restarted mid-stream {events}")
    ok(events.get("restarted", 0) - events.get("killed", 0) >= 30,
       "mqtt: frames kept flowing while the broker was down "
       f"({events.get('restarted', 0) - events.get('killed', 0)} frames)")
    ok(events.get("connected_while_down") is False,
       "mqtt: connected is FALSE while the broker is down")
    ok(len(msgs) == 60, f"mqtt: 60 inferences ({len(msgs)})")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if {r["frame"] for r in sub.results()} >= set(msgs):
            break
        time.sleep(0.1)
    sub.stop()
    broker.stop()
    got = sub.results()
    frames = {r["frame"] for r in got}
    missing = sorted(set(msgs) - frames)
    ok(not missing and len(msgs) > 0,
       f"mqtt: the subscriber got every result ({len(frames)} distinct of "
       f"{len(msgs)}, {len(got)} messages; missing {missing})")
    ok(all(same_result(r, msgs[r["frame"]]) for r in got if r["frame"] in msgs),
       "mqtt: every received message equals the bus message of its frame")
    ok(p.get_property("dropped") == 0, f"mqtt: dropped = "
       f"{p.get_property('dropped')}")
    ok(p.get_property("published") >= len(msgs),
       f"mqtt: published = {p.get_property('published')}")
    ok(not warnings, f"mqtt: no warnings {warnings}")


def test_mqtt_no_broker_drops():
    port = free_port()          # nothing listens there
    err, msgs, warnings, p = run_pipeline(
        "videotestsrc num-buffers=60 ! video/x-raw,width=160,height=120 ! "
        "clipclassify name=c interval=3 ! clippublish name=p "
        f"mqtt-host=127.0.0.1 mqtt-port={port} max-queue=5 "
        "drain-timeout=0.2 ! fakesink", timeout=60)
    ok(err is None, f"no broker: pipeline ran to EOS without stalling ({err})")
    ok(any("dropping" in w for w in warnings),
       f"no broker: a warning says results are dropped {warnings}")
    ok(p.get_property("dropped") == len(msgs) == 20 and
       p.get_property("published") == 0,
       f"no broker: dropped = {p.get_property('dropped')} of {len(msgs)}")


def test_stop_during_drain():
    """Stopping while end-of-stream waits for an unreachable broker must
    not wait for drain-timeout (60 s here)."""
    port = free_port()
    pipeline = Gst.parse_launch(
        "videotestsrc num-buffers=10 ! video/x-raw,width=64,height=64 ! "
        "clipclassify name=c ! clippublish name=p mqtt-host=127.0.0.1 "
        f"mqtt-port={port} drain-timeout=60 ! fakesink")
    pipeline.get_by_name("c").set_property("model", MODEL)
    pipeline.get_by_name("c").set_property("labels", LABELS)
    p = pipeline.get_by_name("p")
    pipeline.set_state(Gst.State.PLAYING)
    # the EOS reaches clippublish (and blocks in the drain) after the
    # tenth frame; the frame counter of clipclassify says when
    c = pipeline.get_by_name("c")
    start = time.monotonic()
    while c.get_property("frames-seen") < 10 and time.monotonic() - start < 30:
        time.sleep(0.05)
    time.sleep(0.5)
    start = time.monotonic()
    pipeline.set_state(Gst.State.NULL)
    took = time.monotonic() - start
    ok(took < 30, f"stop during the end-of-stream drain returns "
       f"({took:.1f} s, drain-timeout 60 s)")
    ok(p.get_property("dropped") == 10,
       f"undelivered results count as dropped ({p.get_property('dropped')})")


if __name__ == "__main__":
    Gst.init(None)
    MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    try:
        test_file()
        if not os.path.exists(MOSQUITTO) or not shutil.which("mosquitto_sub"):
            skip_or_fail("no mosquitto / mosquitto_sub (Debian: mosquitto "
                         "mosquitto-clients)")
        test_mqtt_no_broker_drops()
        test_stop_during_drain()
        test_mqtt_restart()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print(f"{failures} failed")
    sys.exit(1 if failures else 0)
