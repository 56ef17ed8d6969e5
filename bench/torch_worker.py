#!/usr/bin/python3
"""Times the PyTorch reference (torch_clip.py) in its own process, fed the
engine's preprocessed pixels and token ids, the way clip-bench times the
engine: warm-up passes, then timed passes, median per forward pass. Writes
the embeddings of all the pixels and texts to OUT/torch-image.npy and
OUT/torch-text.npy and prints one JSON object on stdout.

Usage: torch_worker.py --model DIR --pixels P.npy --tokens T.npy --out DIR
           [--threads N] [--warmup N] [--iterations N]
           [--vision-batch N ...] [--text-batch N ...]
"""

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from torch_clip import TorchClip  # noqa: E402


def bench(fn, warmup, iterations):
    for _ in range(warmup):
        fn()
    ms = []
    for _ in range(iterations):
        t0 = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": statistics.median(ms), "min_ms": min(ms)}


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True)
    p.add_argument("--pixels", required=True)
    p.add_argument("--tokens", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--iterations", type=int, default=10)
    p.add_argument("--vision-batch", type=int, action="append")
    p.add_argument("--text-batch", type=int, action="append")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    model = TorchClip(args.model)
    load_ms = (time.perf_counter() - start) * 1000
    pixels = torch.from_numpy(np.load(args.pixels))
    ids = torch.from_numpy(np.load(args.tokens).astype(np.int64))
    timings = []
    run = lambda fn: bench(fn, args.warmup, args.iterations)  # noqa: E731

    with torch.inference_mode():
        for b in args.vision_batch or (1, 8):
            x = pixels[:1].repeat(b, 1, 1, 1)
            timings.append(dict(tower="vision", batch=b,
                                **run(lambda: model.encode_image(x))))
        for b in args.text_batch or (1, 8):
            t = ids[:1].repeat(b, 1) if len(ids) < b else ids[:b]
            # The same positions the engine runs: up to the last EOT.
            length = int(t.argmax(dim=-1).max()) + 1
            trimmed = t[:, :length]
            full = run(lambda: model.encode_text(t))
            short = run(lambda: model.encode_text(trimmed))
            timings.append(dict(tower="text", batch=b, **full,
                                trimmed_median_ms=short["median_ms"],
                                trimmed_length=length))
        np.save(os.path.join(args.out, "torch-image.npy"),
                model.encode_image(pixels).numpy())
        np.save(os.path.join(args.out, "torch-text.npy"),
                model.encode_text(ids).numpy())
    print(json.dumps({"version": torch.__version__, "load_ms": load_ms,
                      "timings": timings}))


if __name__ == "__main__":
    main()
