#!/usr/bin/python3
"""Times the clipclassify engine against ONNX Runtime and PyTorch in the same
run, on the same random ViT-B/32 checkpoint, and prints the ratios.

Steps (caches in /tmp/clipclassify-bench unless told otherwise):
  1. make the random checkpoint (tools/make-random-checkpoint.py) and a test
     image; install onnxruntime-node into the cache with npm when missing;
     export both towers of the PyTorch reference (torch_clip.py) to ONNX;
  2. run clip-embed once: the preprocessed pixels, the token ids and the
     engine's embeddings of one image and eight prompts;
  3. for --rounds rounds, alternate: clip-bench (once per --precision),
     ONNX Runtime (ort-bench.js), PyTorch (torch_worker.py), each a process
     of its own under /usr/bin/time -v, fed the same pixels and token ids,
     timing vision batch 1, vision batch 8 and text batch 8 (--warmup passes,
     then --iterations timed ones, median);
  4. print ms per image / per text (median over rounds), the ratios engine /
     ORT and engine / torch (median of the per-round ratios, so that machine
     noise hits both sides of each ratio alike), peak RSS of each process,
     and the cosine similarity of ORT's and torch's embeddings with the
     engine's (below 0.999 is an error);
  5. with --targets, the target lines of the speed and precision issues.

Usage: bench/bench-anchors.py --build BUILDDIR [--threads 2] [--rounds 3]
           [--precision fp32,bf16,int8] [--backend auto|native|openblas]
           [--targets [--baseline-json OLD.json]] [--json OUT.json]
"""

import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import anchors_report  # noqa: E402

ORT_VERSION = "1.30.0"
PROMPTS = [f"a photo of object number {i}." for i in range(8)]  # as clip-bench
VISION_BATCHES, TEXT_BATCHES = (1, 8), (8,)
PRECISIONS = ("fp32", "bf16", "int8")


def fail(message):
    sys.exit(f"bench-anchors: {message}")


def find_tool(build_dir, name):
    path = os.path.join(build_dir, "tools", name)
    if not os.access(path, os.X_OK):
        fail(f"{path}: not built (give --build BUILDDIR)")
    return path


def ensure_checkpoint(model_dir, preset):
    if not os.path.exists(os.path.join(model_dir, "model.safetensors")):
        subprocess.run([sys.executable,
                        os.path.join(SOURCE_ROOT, "tools", "make-random-checkpoint.py"),
                        "--out", model_dir, "--preset", preset], check=True)


def make_test_image(path, size=224):
    """A deterministic picture with edges, gradients and texture."""
    from PIL import Image
    rng = np.random.default_rng(1)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    img = np.stack([x, y, 0.5 + 0.5 * np.sin(12 * x * y)], axis=-1) * 200
    img[size // 4: size // 2, size // 3: 2 * size // 3] = [220, 40, 30]
    img += rng.normal(0, 12, img.shape)
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(path)


def ensure_ort(cache_dir):
    """Path of the onnxruntime-node package, installed with npm when missing.

    Its install script only fetches GPU extras, so --ignore-scripts leaves an
    offline install that needs nothing but the npm registry; the CPU binary
    is inside the package. Installed in a temporary folder, then renamed.
    """
    package = os.path.join(cache_dir, "node_modules", "onnxruntime-node")
    try:
        with open(os.path.join(package, "package.json")) as f:
            if json.load(f)["version"] == ORT_VERSION:
                return package
    except (OSError, ValueError, KeyError):
        pass
    for tool in ("node", "npm"):
        if subprocess.run(["sh", "-c", f"command -v {tool}"],
                          capture_output=True).returncode != 0:
            fail(f"{tool} not found (apt-get install nodejs npm)")
    os.makedirs(os.path.dirname(cache_dir), exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="ort.", dir=os.path.dirname(cache_dir))
    print(f"installing onnxruntime-node@{ORT_VERSION} into {cache_dir} ...",
          file=sys.stderr)
    p = subprocess.run(["npm", "install", "--ignore-scripts", "--no-audit",
                        "--no-fund", "--prefix", tmp,
                        f"onnxruntime-node@{ORT_VERSION}"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        subprocess.run(["rm", "-rf", tmp])
        fail(f"npm install onnxruntime-node@{ORT_VERSION} failed:\n{p.stderr}")
    if os.path.exists(cache_dir):
        subprocess.run(["rm", "-rf", cache_dir], check=True)
    os.replace(tmp, cache_dir)
    return package


def host_steal_s():
    """Seconds the host has kept this (virtual) machine's CPUs from
    running it since boot, from /proc/stat's steal column; None where
    there is no such column."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def core_trip_ns(tool):
    """A cache line's round trip between processors 0 and 1 in ns, from
    bench/core-trip (@tool, None when not built): on a virtual machine
    whose two CPUs move between one core complex and two, which one a
    run saw (bench/README.md). None when it cannot tell."""
    if not tool:
        return None
    p = subprocess.run([tool, "--rounds", "50000"], capture_output=True,
                       text=True)
    m = re.search(r"(\d+) ns a round trip", p.stdout)
    return int(m.group(1)) if p.returncode == 0 and m else None


def timed_run(cmd, env, trip_tool=None):
    """Runs @cmd under /usr/bin/time -v: (returncode, stdout, stderr,
    peak RSS MB, seconds the host stole from this machine's CPUs meanwhile
    or None, [core_trip_ns() before, after])."""
    trips = [core_trip_ns(trip_tool)]
    steal = host_steal_s()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, env=env,
                       capture_output=True, text=True)
    after = host_steal_s()
    trips.append(core_trip_ns(trip_tool))
    stolen = after - steal if steal is not None and after is not None else None
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    # The command's own messages come before time's report.
    own = "".join(line for line in
                  p.stderr.split("\tCommand being timed:")[0].splitlines(True)
                  if not line.startswith(("Command exited with",
                                          "Command terminated by")))
    return (p.returncode, p.stdout, own,
            int(rss.group(1)) / 1024.0 if rss else float("nan"), stolen,
            trips)


def tool_flags(tool):
    """The long options @tool lists in its --help."""
    p = subprocess.run([tool, "--help"], capture_output=True, text=True)
    return set(re.findall(r"--[a-z][a-z-]*", p.stdout))


def engine_options(flags, args, precision):
    """--precision/--backend for clip-bench or clip-embed: passed when the
    tool knows them, and otherwise only when they differ from what the tool
    does without them (then the tool's error says what is missing)."""
    opts = []
    if "--precision" in flags or precision != "fp32":
        opts += ["--precision", precision]
    if args.backend:
        opts += ["--backend", args.backend]
    return opts


def cosines(a, b):
    a, b = a.astype(np.float64), b.astype(np.float64)
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def prepare_inputs(args, clip_embed, model, image, work, env):
    """clip-embed once: pixels, token ids and the engine's fp32 embeddings;
    raw copies of the inputs for ort-bench.js."""
    f = lambda name: os.path.join(work, name)  # noqa: E731
    cmd = [clip_embed, "--model", model, "--image", image, "--threads",
           str(args.threads), "--pixels-out", f("pixels.npy"),
           "--image-out", f("engine-image.npy"), "--text-out",
           f("engine-text.npy"), "--tokens-out", f("tokens.npy")]
    for prompt in PROMPTS:
        cmd += ["--text", prompt]
    cmd += engine_options(tool_flags(clip_embed), args, "fp32")
    rc, _, err, rss, _, _ = timed_run(cmd, env)
    if rc != 0:
        fail(f"clip-embed failed:\n{err}")
    pixels, tokens = np.load(f("pixels.npy")), np.load(f("tokens.npy"))
    pixels.astype("<f4").tofile(f("pixels.f32"))
    tokens.astype("<i8").tofile(f("tokens.i64"))
    return pixels.shape, tokens.shape, rss


def precision_cosines(args, clip_embed, model, work, env, precision):
    """The engine's embeddings at @precision against torch's (float32):
    how far reduced precision moves them. None when clip-embed cannot."""
    flags = tool_flags(clip_embed)
    if "--precision" not in flags:
        return None
    f = lambda name: os.path.join(work, name)  # noqa: E731
    cmd = [clip_embed, "--model", model, "--pixels", f("pixels.npy"),
           "--threads", str(args.threads),
           "--image-out", f(f"engine-image-{precision}.npy"),
           "--text-out", f(f"engine-text-{precision}.npy")]
    for prompt in PROMPTS:
        cmd += ["--text", prompt]
    rc, _, _, _, _, _ = timed_run(
        cmd + engine_options(flags, args, precision), env)
    if rc != 0:
        return None
    return {"image_min": float(cosines(np.load(f(f"engine-image-{precision}.npy")),
                                       np.load(f("torch-image.npy"))).min()),
            "text_min": float(cosines(np.load(f(f"engine-text-{precision}.npy")),
                                      np.load(f("torch-text.npy"))).min())}


def run_engine(args, clip_bench, flags, model, image, env, precision,
               extra=(), iterations=None, warmup=None):
    cmd = [clip_bench, "--model", model, "--image", image, "--json",
           "--threads", str(args.threads), "--iterations",
           str(iterations or args.iterations), "--warmup",
           str(warmup or args.warmup)]
    for b in VISION_BATCHES:
        cmd += ["--batch", str(b)]
    for b in TEXT_BATCHES:
        cmd += ["--text-batch", str(b)]
    rc, out, err, rss, stolen, trips = timed_run(
        cmd + engine_options(flags, args, precision) + list(extra), env,
        args.core_trip)
    if rc != 0:
        return None, err.strip().splitlines()[-1] if err.strip() else f"exit {rc}"
    result = json.loads(out)
    result["rss_mb"], result["steal_s"], result["trip_ns"] = rss, stolen, trips
    return result, None


def run_ort(args, package, onnx, shapes, work, env):
    spec = {"ort": package, "vision": onnx["vision"], "text": onnx["text"],
            "pixels": os.path.join(work, "pixels.f32"),
            "pixels_shape": list(shapes[0]),
            "tokens": os.path.join(work, "tokens.i64"),
            "tokens_shape": list(shapes[1]), "threads": args.threads,
            "warmup": args.warmup, "iterations": args.iterations,
            "vision_batches": list(VISION_BATCHES),
            "text_batches": list(TEXT_BATCHES), "out": work}
    spec_path = os.path.join(work, "ort-spec.json")
    with open(spec_path, "w") as f:
        json.dump(spec, f)
    rc, out, err, rss, stolen, trips = timed_run(
        ["node", os.path.join(HERE, "ort-bench.js"), spec_path], env,
        args.core_trip)
    if rc != 0:
        fail(f"ONNX Runtime run failed:\n{err}")
    result = json.loads(out)
    result["rss_mb"], result["steal_s"], result["trip_ns"] = rss, stolen, trips
    for t in result["timings"]:
        if t.get("trimmed_rel_diff", 0) > 1e-4:
            fail(f"ONNX Runtime: text embeddings of the sequences cut at EOT "
                 f"differ from the full ones by {t['trimmed_rel_diff']:.2e} "
                 f"(relative): the exported graph is wrong")
    return result


def run_torch(args, model, work, env):
    cmd = [sys.executable, os.path.join(HERE, "torch_worker.py"),
           "--model", model, "--pixels", os.path.join(work, "pixels.npy"),
           "--tokens", os.path.join(work, "tokens.npy"), "--out", work,
           "--threads", str(args.threads), "--iterations",
           str(args.iterations), "--warmup", str(args.warmup)]
    for b in VISION_BATCHES:
        cmd += ["--vision-batch", str(b)]
    for b in TEXT_BATCHES:
        cmd += ["--text-batch", str(b)]
    rc, out, err, rss, stolen, trips = timed_run(cmd, env, args.core_trip)
    if rc != 0:
        fail(f"PyTorch run failed:\n{err}")
    result = json.loads(out)
    result["rss_mb"], result["steal_s"], result["trip_ns"] = rss, stolen, trips
    return result


def parse_args():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default=os.environ.get(
        "CLIP_BUILD_DIR", os.path.join(SOURCE_ROOT, "build")),
        help="meson build directory with tools/clip-embed and tools/clip-bench")
    p.add_argument("--model", help="checkpoint directory (default: a random "
                   "ViT-B/32 made once in CACHE/vit-b-32)")
    p.add_argument("--image", help="test image (default: a synthetic 224x224 PNG)")
    p.add_argument("--cache", default=os.path.join(tempfile.gettempdir(),
                                                   "clipclassify-bench"),
                   help="folder for the checkpoint, ONNX files and "
                   "onnxruntime-node (default /tmp/clipclassify-bench)")
    p.add_argument("--threads", type=int, default=2,
                   help="threads for engine, ORT (intra-op) and torch (default 2)")
    p.add_argument("--rounds", type=int, default=3,
                   help="alternating rounds; medians over rounds are reported")
    p.add_argument("--iterations", type=int, default=10,
                   help="timed passes per measurement and round (median)")
    p.add_argument("--warmup", type=int, default=2, help="untimed passes first")
    p.add_argument("--precision", help="engine precision(s), comma separated: "
                   "fp32, bf16, int8 (default fp32; with --targets all three, "
                   "skipping those the engine refuses)")
    p.add_argument("--backend", choices=("auto", "native", "openblas"),
                   help="engine backend, passed to clip-bench and clip-embed "
                   "(default: not passed, the engine's own default)")
    p.add_argument("--no-torch", action="store_true",
                   help="leave PyTorch out (its OpenMP threads crawl on a "
                   "loaded machine); ORT stays")
    p.add_argument("--targets", action="store_true",
                   help="print the target lines of the speed and precision "
                   "issues after the table")
    p.add_argument("--baseline-json", help="--json output of an earlier run "
                   "(the engine before a change), for the text-tower target")
    p.add_argument("--json", help="write the results to this file")
    args = p.parse_args()
    if args.threads < 1 or args.rounds < 1 or args.iterations < 1 or args.warmup < 0:
        p.error("--threads, --rounds and --iterations must be at least 1, "
                "--warmup at least 0")
    names = args.precision.split(",") if args.precision else (
        list(PRECISIONS) if args.targets else ["fp32"])
    for name in names:
        if name not in PRECISIONS:
            p.error(f"--precision {name}: expected fp32, bf16 or int8")
    args.precisions = list(dict.fromkeys(names))
    return args


def main():
    args = parse_args()
    clip_embed = find_tool(args.build, "clip-embed")
    clip_bench = find_tool(args.build, "clip-bench")
    trip = os.path.join(args.build, "bench", "core-trip")
    args.core_trip = trip if (os.access(trip, os.X_OK)
                              and (os.cpu_count() or 1) >= 2) else None
    baseline = None
    if args.baseline_json:
        with open(args.baseline_json) as f:
            baseline = json.load(f)
    model = args.model or os.path.join(args.cache, "vit-b-32")
    if not args.model:
        ensure_checkpoint(model, "vit-b-32")
    package = ensure_ort(os.path.join(args.cache, "ort"))
    import onnx_export
    print("exporting the towers to ONNX (cached) ...", file=sys.stderr)
    onnx = onnx_export.export(model, os.path.join(args.cache, "onnx"))

    work = tempfile.mkdtemp(prefix="bench-anchors.")
    image = args.image or os.path.join(work, "test-224.png")
    if not args.image:
        make_test_image(image)
    # Every side gets the same number of BLAS / OpenMP threads.
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads),
               OMP_NUM_THREADS=str(args.threads))
    loads = [os.getloadavg()[0]]
    shapes = prepare_inputs(args, clip_embed, model, image, work, env)[:2]

    flags = tool_flags(clip_bench)
    precisions = list(args.precisions)
    runs = []           # one dict per round: runner name -> result
    skipped = {}        # precision -> why the engine refused it
    for r in range(args.rounds):
        print(f"round {r + 1}/{args.rounds} ...", file=sys.stderr)
        results = {}
        for precision in list(precisions):
            res, err = run_engine(args, clip_bench, flags, model, image, env,
                                  precision)
            if res is None:
                # Explicitly asked for, or fp32: an error. Under --targets
                # a precision the engine does not offer (yet) is skipped.
                if args.precision or precision == "fp32" or r > 0:
                    fail(f"clip-bench --precision {precision} failed: {err}")
                skipped[precision] = err
                precisions.remove(precision)
                continue
            results[f"engine {precision}"] = res
        results["ort"] = run_ort(args, package, onnx, shapes, work, env)
        if not args.no_torch:
            results["torch"] = run_torch(args, model, work, env)
        runs.append(results)
        loads.append(os.getloadavg()[0])
    # fp32 keeps sums of the vision weights for batches in Strassen's
    # blocks (docs/engine.md): the weights alone, for bf16's and int8's
    # memory to be measured against, from one more short run without them
    lean = None
    if "--no-kept-sums" in flags and "fp32" in precisions:
        res, err = run_engine(args, clip_bench, flags, model, image, env,
                              "fp32", ["--no-kept-sums"], 2, 1)
        if res is None:
            fail(f"clip-bench --no-kept-sums failed: {err}")
        lean = res["rss_mb"]

    engine_img = np.load(os.path.join(work, "engine-image.npy"))
    engine_txt = np.load(os.path.join(work, "engine-text.npy"))
    anchor_out = {
        "ort": (np.fromfile(os.path.join(work, "ort-image.f32"), "<f4")
                .reshape(shapes[0][0], -1),
                np.fromfile(os.path.join(work, "ort-text.f32"), "<f4")
                .reshape(shapes[1][0], -1)),
    }
    if not args.no_torch:
        anchor_out["torch"] = (np.load(os.path.join(work, "torch-image.npy")),
                               np.load(os.path.join(work, "torch-text.npy")))
    cos = {name: {"image_min": float(cosines(engine_img, img).min()),
                  "text_min": float(cosines(engine_txt, txt).min())}
           for name, (img, txt) in anchor_out.items()}
    precision_cos = {p: precision_cosines(args, clip_embed, model, work, env, p)
                     for p in precisions if p != "fp32" and not args.no_torch}

    report = anchors_report.summarise(runs, precisions, VISION_BATCHES,
                                      TEXT_BATCHES)
    results = {
        "command": " ".join(sys.argv),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu": anchors_report.cpu_name(), "cores": os.cpu_count(),
        "model": model, "threads": args.threads, "rounds": args.rounds,
        "iterations": args.iterations, "warmup": args.warmup,
        "backend_asked": args.backend, "precisions": precisions,
        "skipped_precisions": skipped,
        "engine_backend": {p: runs[0][f"engine {p}"].get("backend")
                           for p in precisions},
        "versions": {"onnxruntime-node": runs[0]["ort"]["version"],
                     "torch": runs[0]["torch"]["version"]
                     if not args.no_torch else None},
        "load_average": loads, "summary": report,
        "fp32_rss_mb_without_kept_sums": lean,
        "cosine_with_engine_fp32": cos, "cosine_precision_vs_torch": precision_cos,
        "raw_rounds": runs,
    }
    results["targets"] = anchors_report.targets(results, baseline)
    anchors_report.print_report(results, show_targets=args.targets)
    if args.json:
        tmp = args.json + ".tmp"
        with open(tmp, "w") as f:
            json.dump(results, f, indent=1)
        os.replace(tmp, args.json)
    shutil.rmtree(work)
    worst = min(min(c.values()) for c in cos.values())
    if worst < 0.999:
        print(f"ERROR: the engine (fp32) and an anchor disagree: cosine "
              f"{worst:.6f} < 0.999")
        sys.exit(1)


if __name__ == "__main__":
    main()
