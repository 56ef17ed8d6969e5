#!/usr/bin/python3
"""Benchmarks the clipclassify engine against PyTorch on a ViT-B/32-sized
CLIP with random weights, and checks that both compute the same thing.

Steps (all in /tmp unless told otherwise):
  1. make a random ViT-B/32 checkpoint with tools/make-random-checkpoint.py
     (kept between runs) and a 224x224 test image;
  2. run clip-embed once under /usr/bin/time -v: embeddings of the image and
     of 8 prompts, the preprocessed pixels and the token ids, peak RSS;
  3. run clip-bench: the engine's vision tower at batch 1 and 8 and its text
     tower at batch 1 and 8, timed after warm-up, model loaded once;
  4. run the same architecture in PyTorch float32 (bench/torch_clip.py) in
     a separate process with the same thread count, on the same weights and
     on the engine's own pixels and token ids, timed the same way;
  5. print ms per image / per text, the ratios engine / torch, peak RSS, and
     the cosine similarity between the engine's and torch's embeddings.

Usage: bench/bench-engine.py --build BUILDDIR [--threads N] [--iterations N]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(HERE)
# The prompts clip-bench times the text tower with.
PROMPTS = [f"a photo of object number {i}." for i in range(8)]


def find_tool(build_dir, name):
    path = os.path.join(build_dir, "tools", name)
    if not os.access(path, os.X_OK):
        sys.exit(f"bench-engine: {path}: not built (give --build BUILDDIR)")
    return path


def ensure_checkpoint(model_dir, preset, vocab_from):
    if os.path.exists(os.path.join(model_dir, "model.safetensors")):
        return
    cmd = [sys.executable, os.path.join(SOURCE_ROOT, "tools",
                                        "make-random-checkpoint.py"),
           "--out", model_dir, "--preset", preset]
    if vocab_from:
        cmd += ["--vocab-from", vocab_from]
    subprocess.run(cmd, check=True)


def make_test_image(path, size=224):
    """A deterministic picture with edges, gradients and texture."""
    from PIL import Image
    rng = np.random.default_rng(1)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    img = np.stack([x, y, 0.5 + 0.5 * np.sin(12 * x * y)], axis=-1) * 200
    img[size // 4: size // 2, size // 3: 2 * size // 3] = [220, 40, 30]
    img += rng.normal(0, 12, img.shape)
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(path)


def timed_run(cmd, env):
    """Runs @cmd under /usr/bin/time -v: (stdout, peak RSS MB, wall s)."""
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, env=env,
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"bench-engine: {' '.join(cmd[:2])} failed:\n{p.stderr}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)",
                     p.stderr)
    seconds = (int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60
               + float(wall.group(3)))
    return p.stdout, int(rss.group(1)) / 1024.0, seconds


def cosines(a, b):
    a, b = a.astype(np.float64), b.astype(np.float64)
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default=os.environ.get("CLIP_BUILD_DIR",
                                                     os.path.join(SOURCE_ROOT, "build")),
                   help="meson build directory holding tools/clip-embed and "
                   "tools/clip-bench (default $CLIP_BUILD_DIR or ./build)")
    p.add_argument("--model", help="checkpoint directory (default: a random "
                   "one made in /tmp/clipclassify-bench/PRESET)")
    p.add_argument("--preset", default="vit-b-32",
                   help="architecture of the random checkpoint (default vit-b-32)")
    p.add_argument("--vocab-from", help="folder whose vocab.json/merges.txt the "
                   "random checkpoint uses (default: a synthetic tokenizer)")
    p.add_argument("--image", help="test image (default: a synthetic 224x224 PNG)")
    p.add_argument("--threads", type=int, default=os.cpu_count(),
                   help="threads for both engine and torch (default: all cores)")
    p.add_argument("--iterations", type=int, default=10,
                   help="timed passes per measurement; medians are reported")
    p.add_argument("--warmup", type=int, default=2, help="untimed passes first")
    p.add_argument("--json", help="also write the results to this file")
    args = p.parse_args()

    clip_embed = find_tool(args.build, "clip-embed")
    clip_bench = find_tool(args.build, "clip-bench")
    model = args.model or os.path.join(tempfile.gettempdir(),
                                       "clipclassify-bench", args.preset)
    if not args.model:
        ensure_checkpoint(model, args.preset, args.vocab_from)
    work = tempfile.mkdtemp(prefix="bench-engine.")
    image = args.image or os.path.join(work, "test-224.png")
    if not args.image:
        make_test_image(image)

    load_before = os.getloadavg()[0]
    # Both sides get exactly the same number of BLAS / OpenMP threads.
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads),
               OMP_NUM_THREADS=str(args.threads))
    threads = ["--threads", str(args.threads)]
    f = lambda name: os.path.join(work, name)

    cmd = [clip_embed, "--model", model, "--image", image,
           "--pixels-out", f("pixels.npy"), "--image-out", f("engine-image.npy"),
           "--text-out", f("engine-text.npy"), "--tokens-out", f("tokens.npy")]
    for prompt in PROMPTS:
        cmd += ["--text", prompt]
    _, embed_rss, embed_wall = timed_run(cmd + threads, env)

    out, bench_rss, _ = timed_run(
        [clip_bench, "--model", model, "--image", image, "--json",
         "--iterations", str(args.iterations), "--warmup", str(args.warmup),
         "--batch", "1", "--batch", "8", "--text-batch", "1",
         "--text-batch", "8"] + threads, env)
    engine = json.loads(out)

    out, torch_rss, _ = timed_run(
        [sys.executable, os.path.join(HERE, "torch_worker.py"),
         "--model", model, "--pixels", f("pixels.npy"),
         "--tokens", f("tokens.npy"), "--out", work,
         "--iterations", str(args.iterations), "--warmup", str(args.warmup)]
        + threads, env)
    torch_res = json.loads(out)

    load_after = os.getloadavg()[0]
    image_cos = cosines(np.load(f("engine-image.npy")), np.load(f("torch-image.npy")))
    text_cos = cosines(np.load(f("engine-text.npy")), np.load(f("torch-text.npy")))

    rows = []
    for e, t in zip(engine["timings"], torch_res["timings"]):
        assert (e["tower"], e["batch"]) == (t["tower"], t["batch"])
        e_ms = e["median_ms"] / e["batch"]
        t_ms = t["median_ms"] / t["batch"]
        row = {"tower": e["tower"], "batch": e["batch"],
               "engine_ms_per_item": e_ms, "torch_ms_per_item": t_ms,
               "ratio": e_ms / t_ms, "engine_items_per_s": 1000 / e_ms,
               "torch_items_per_s": 1000 / t_ms}
        if "trimmed_median_ms" in t:
            row["torch_trimmed_ms_per_item"] = t["trimmed_median_ms"] / t["batch"]
            row["ratio_trimmed"] = e_ms / row["torch_trimmed_ms_per_item"]
        rows.append(row)

    with open(os.path.join(model, "config.json")) as cf:
        config = json.load(cf)
    v, t = config["vision_config"], config["text_config"]
    print(f"model: {model} (vision {v['hidden_size']}x{v['num_hidden_layers']} "
          f"patch {v['patch_size']} {v['image_size']}px, text "
          f"{t['hidden_size']}x{t['num_hidden_layers']}, {v['hidden_act']}, "
          f"{config.get('torch_dtype', '?')})")
    print(f"threads: {args.threads}; medians of {args.iterations} passes after "
          f"{args.warmup} warm-up; torch {torch_res['version']} float32")
    print()
    print(f"{'':18}{'engine ms':>11}{'torch ms':>11}{'ratio':>8}"
          f"{'engine/s':>10}{'torch/s':>10}")
    for r in rows:
        unit = "image" if r["tower"] == "vision" else "text"
        print(f"{r['tower']:6} batch {r['batch']:<2} /{unit:5}"
              f"{r['engine_ms_per_item']:9.2f}{r['torch_ms_per_item']:11.2f}"
              f"{r['ratio']:8.2f}{r['engine_items_per_s']:10.1f}"
              f"{r['torch_items_per_s']:10.1f}")
    for r in rows:
        if "ratio_trimmed" in r:
            print(f"  text batch {r['batch']}: torch on the positions up to EOT "
                  f"only (as the engine): {r['torch_trimmed_ms_per_item']:.2f} "
                  f"ms/text, ratio {r['ratio_trimmed']:.2f}")
    print()
    print(f"model load: engine {engine['load_ms']:.0f} ms, torch "
          f"{torch_res['load_ms']:.0f} ms")
    print(f"peak RSS: clip-embed (1 image, {len(PROMPTS)} texts, load + run) "
          f"{embed_rss:.0f} MB in {embed_wall:.2f} s; clip-bench (batch 8) "
          f"{bench_rss:.0f} MB; torch {torch_rss:.0f} MB")
    print(f"cosine engine vs torch: image {image_cos.min():.7f}, texts min "
          f"{text_cos.min():.7f}")
    print(f"load average: {load_before:.2f} before, {load_after:.2f} after "
          f"({os.cpu_count()} cores)")
    if max(load_before, load_after) > os.cpu_count():
        print("NOTE: the machine was busy with other work; times are "
              "unreliable (OpenMP threads in torch suffer most)")

    if args.json:
        with open(args.json, "w") as jf:
            json.dump({"model": model, "threads": args.threads, "rows": rows,
                       "load_average": [load_before, load_after],
                       "engine_load_ms": engine["load_ms"],
                       "torch_load_ms": torch_res["load_ms"],
                       "peak_rss_mb": {"clip_embed": embed_rss,
                                       "clip_bench": bench_rss,
                                       "torch": torch_rss},
                       "clip_embed_wall_s": embed_wall,
                       "cosine": {"image_min": float(image_cos.min()),
                                  "text_min": float(text_cos.min())}},
                      jf, indent=2)
    if min(image_cos.min(), text_cos.min()) < 0.999:
        print("WARNING: engine and torch disagree (cosine < 0.999)")
        sys.exit(1)


if __name__ == "__main__":
    main()
