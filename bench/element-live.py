#!/usr/bin/python3
"""The clipclassify element on live sources: what it costs when it has
little to do, and how many inferences it runs on HD video.

  1. Idle cost (the speed issue's pipeline), for each --threads value:
       gst-launch-1.0 videotestsrc is-live=true num-buffers=N !
         clipclassify model=DEMO labels=... mode=async max-rate=10
         threads=T ! fakesink sync=true
     N frames at videotestsrc's default 30 fps is --seconds of stream. The
     user and system CPU seconds of that gst-launch-1.0 process (its rusage,
     model load included) are printed, scaled to 10 s of stream, beside the
     same pipeline without clipclassify.
  2. Inferences per second on a live 1280x720 30 fps source in async mode
     (mode=async, no rate limit) with --model (default: the random
     ViT-B/32 of bench-anchors.py), for each --precision given (the element
     property; not set when none is given) and each --element-threads
     value, with the CPU it costs. With --processes N, N such pipelines
     run at once, each a process of its own (cameras of one machine run
     as separate programs), and their rates are summed.

Usage: bench/element-live.py [--plugin-dir BUILD/gst] [--seconds 10]
           [--threads 0,1] [--model DIR] [--precision fp32,bf16,int8]
           [--element-threads 0,1] [--processes N]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(HERE)
DEMO = os.path.join(SOURCE_ROOT, "models", "clipclassify-demo")
DEMO_LABELS = "colour bars,snow,black frame,white frame,bouncing ball,checkerboard"
LABELS = "person,car,dog,cat,tree,building,road,sky"
FPS = 30


def child_usage(cmd, env):
    """Runs @cmd; (returncode, stdout, stderr, user s, sys s, wall s) from
    the child's own rusage."""
    return children_usage([cmd], env)[0]


def children_usage(cmds, env):
    """Runs @cmds at once; for each, (returncode, stdout, stderr, user s,
    sys s, wall s) from the child's own rusage."""
    start = time.monotonic()
    files, procs = [], {}
    for i, cmd in enumerate(cmds):
        out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
        files.append((out, err))
        procs[subprocess.Popen(cmd, env=env, stdout=out, stderr=err,
                               text=True).pid] = i
    results = [None] * len(cmds)
    while procs:
        pid, status, usage = os.wait4(-1, 0)
        if pid not in procs:
            continue
        i = procs.pop(pid)
        out, err = files[i]
        out.seek(0)
        err.seek(0)
        results[i] = (os.waitstatus_to_exitcode(status), out.read(),
                      err.read(), usage.ru_utime, usage.ru_stime,
                      time.monotonic() - start)
        out.close()
        err.close()
    return results


def live_worker(description):
    """Child mode: runs @description until EOS and prints the element's
    counters as JSON."""
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    Gst.init(None)
    pipeline = Gst.parse_launch(description)
    classify = pipeline.get_by_name("c")
    pipeline.set_state(Gst.State.PLAYING)
    msg = pipeline.get_bus().timed_pop_filtered(
        Gst.CLOCK_TIME_NONE, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    if msg.type == Gst.MessageType.ERROR:
        pipeline.set_state(Gst.State.NULL)
        sys.exit(f"element-live: {msg.parse_error()[0].message}")
    stats = {p: classify.get_property(p) for p in (
        "frames-seen", "inferences", "frames-skipped", "last-inference-ms")}
    pipeline.set_state(Gst.State.NULL)
    print(json.dumps(stats))


def idle_cost(args, env):
    frames = args.seconds * FPS
    scale = 10.0 / args.seconds
    base = ["gst-launch-1.0", "-q", "videotestsrc", "is-live=true",
            f"num-buffers={frames}", "!"]
    rc, _, err, user, sys_, wall = child_usage(
        base + ["fakesink", "sync=true"], env)
    if rc != 0:
        sys.exit(f"element-live: gst-launch-1.0 failed:\n{err}")
    print(f"idle cost, {args.seconds} s of live videotestsrc (default caps, "
          f"{FPS} fps), CPU scaled to 10 s of stream, load included:")
    print(f"  without clipclassify:         user {user * scale:5.2f} s + "
          f"sys {sys_ * scale:5.2f} s = {(user + sys_) * scale:5.2f} s "
          f"(wall {wall:.1f} s)")
    rows = []
    for threads in args.threads:
        rc, _, err, user, sys_, wall = child_usage(
            base + ["clipclassify", f"model={args.demo}",
                    f"labels={DEMO_LABELS}", "mode=async", "max-rate=10",
                    f"threads={threads}", "!", "fakesink", "sync=true"], env)
        if rc != 0:
            sys.exit(f"element-live: gst-launch-1.0 failed:\n{err}")
        total = (user + sys_) * scale
        rows.append({"threads": threads, "user_s": user * scale,
                     "sys_s": sys_ * scale, "total_s": total, "wall_s": wall})
        target = " (target < 1 s)" if threads == 0 else ""
        print(f"  clipclassify threads={threads}:       user "
              f"{user * scale:5.2f} s + sys {sys_ * scale:5.2f} s = "
              f"{total:5.2f} s{target} (wall {wall:.1f} s)")
    return rows


def hd_rate(args, env):
    frames = args.seconds * FPS
    rows = []
    each = f", {args.processes} processes at once" if args.processes > 1 \
        else ""
    print(f"async, live 1280x720 {FPS} fps, {args.seconds} s{each}, "
          f"model {args.model}:")
    for threads in args.element_threads:
        for precision in args.precisions or [None]:
            prop = f" precision={precision}" if precision else ""
            description = (
                f"videotestsrc is-live=true num-buffers={frames} ! "
                f"video/x-raw,width=1280,height=720,framerate={FPS}/1 ! "
                f"clipclassify name=c model=\"{args.model}\" "
                f"labels=\"{LABELS}\" mode=async threads={threads}{prop} ! "
                "fakesink sync=true")
            cmd = [sys.executable, os.path.abspath(__file__), "--worker",
                   description]
            name = f"{precision or 'default precision'}, threads={threads}"
            done = children_usage([cmd] * args.processes, env)
            failed = [d for d in done if d[0] != 0]
            if failed:
                err = failed[0][2].strip()
                print(f"  {name}: failed: "
                      f"{err.splitlines()[-1] if err else failed[0][0]}")
                continue
            stats = [json.loads(d[1]) for d in done]
            rates = [st["inferences"] / args.seconds for st in stats]
            cpu = sum(d[3] + d[4] for d in done)
            wall = max(d[5] for d in done)
            rows.append({"precision": precision, "threads": threads,
                         "processes": args.processes,
                         "inferences_per_s": sum(rates),
                         "per_process": stats, "cpu_s": cpu,
                         "wall_s": wall})
            skipped = sum(st["frames-skipped"] for st in stats)
            last = ", ".join(f"{st['last-inference-ms']:.1f}" for st in stats)
            split = (" (" + " + ".join(f"{r:.2f}" for r in rates) + ")"
                     if len(rates) > 1 else "")
            print(f"  {name:28}: {sum(rates):6.2f} inferences/s{split}, "
                  f"last {last} ms, {skipped} sampled frames skipped while "
                  f"busy; CPU {cpu:.1f} s in {wall:.1f} s wall")
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--plugin-dir", help="folder of libgstclipclassify.so "
                   "(default: the installed one)")
    p.add_argument("--seconds", type=int, default=10, help="stream length")
    p.add_argument("--threads", default="0,1",
                   help="threads values for the idle cost (default 0,1)")
    p.add_argument("--element-threads", default="0",
                   help="threads property values for the 720p run, comma "
                   "separated (default 0)")
    p.add_argument("--processes", type=int, default=1,
                   help="720p pipelines run at once, a process each "
                   "(default 1)")
    p.add_argument("--demo", default=DEMO, help="model of the idle pipeline")
    p.add_argument("--model", default=os.path.join(
        tempfile.gettempdir(), "clipclassify-bench", "vit-b-32"),
        help="model of the 720p run (default: the random ViT-B/32)")
    p.add_argument("--precision", help="precision property values for the "
                   "720p run, comma separated (default: not set)")
    p.add_argument("--skip-idle", action="store_true")
    p.add_argument("--skip-hd", action="store_true")
    p.add_argument("--json", help="write the results to this file")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        live_worker(args.worker)
        return
    args.threads = [int(t) for t in args.threads.split(",")]
    args.element_threads = [int(t) for t in args.element_threads.split(",")]
    if args.processes < 1:
        p.error("--processes must be 1 or more")
    args.precisions = args.precision.split(",") if args.precision else None
    env = dict(os.environ)
    if args.plugin_dir:
        env["GST_PLUGIN_PATH_1_0"] = os.path.abspath(args.plugin_dir) + (
            ":" + env["GST_PLUGIN_PATH_1_0"] if env.get("GST_PLUGIN_PATH_1_0") else "")
    if not args.skip_hd and not os.path.exists(
            os.path.join(args.model, "model.safetensors")):
        subprocess.run([sys.executable,
                        os.path.join(SOURCE_ROOT, "tools", "make-random-checkpoint.py"),
                        "--out", args.model, "--preset", "vit-b-32"], check=True)
    load = os.getloadavg()[0]
    results = {"seconds": args.seconds, "cores": os.cpu_count()}
    if not args.skip_idle:
        results["idle"] = idle_cost(args, env)
    if not args.skip_hd:
        results["hd_async"] = hd_rate(args, env)
    loads = (load, os.getloadavg()[0])
    results["load_average"] = loads
    print(f"load average: {loads[0]:.2f} before, {loads[1]:.2f} after "
          f"({os.cpu_count()} cores)")
    # the load after includes this run's own threads
    if loads[0] > os.cpu_count():
        print("NOTE: the machine was busy with other work; CPU seconds and "
              "rates are unreliable")
    if args.json:
        with open(args.json + ".tmp", "w") as f:
            json.dump(results, f, indent=1)
        os.replace(args.json + ".tmp", args.json)


if __name__ == "__main__":
    main()
