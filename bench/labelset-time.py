#!/usr/bin/python3
"""Times building a label set of 1,000 labels x 80 templates (80,000 prompts,
the size of CLIP's ImageNet zero-shot set) with clip-embed --label-set-out,
per precision, on a checkpoint. The templates are the 80 ImageNet templates
of the CLIP paper; the labels are 1,000 two-word names made from a fixed word
list (ImageNet's class names are not shipped here; what matters for the time
is the number of prompts and their length in tokens, which is alike).

The default checkpoint is the random ViT-B/32 of bench-anchors.py read with
OpenAI's tokenizer: a folder in the cache that links to its weights and to
the vocab.json and merges.txt of a golden model (../shared/golden). The
random checkpoint's own tokenizer has a few hundred merges and splits the
prompts into twice as many tokens as OpenAI's (18.8 against 9.5 on
average), which doubles the work of a real checkpoint's build.

Usage: bench/labelset-time.py --build BUILDDIR [--model DIR]
           [--precision bf16[,fp32,int8]] [--threads 2] [--golden DIR]
Prints seconds per build and prompts per second; asserts nothing."""
import argparse
import itertools
import os
import subprocess
import sys
import tempfile
import time

TEMPLATES = [
    "a bad photo of a {}.", "a photo of many {}.", "a sculpture of a {}.",
    "a photo of the hard to see {}.", "a low resolution photo of the {}.",
    "a rendering of a {}.", "graffiti of a {}.", "a bad photo of the {}.",
    "a cropped photo of the {}.", "a tattoo of a {}.", "the embroidered {}.",
    "a photo of a hard to see {}.", "a bright photo of a {}.",
    "a photo of a clean {}.", "a photo of a dirty {}.",
    "a dark photo of the {}.", "a drawing of a {}.", "a photo of my {}.",
    "the plastic {}.", "a photo of the cool {}.",
    "a close-up photo of a {}.", "a black and white photo of the {}.",
    "a painting of the {}.", "a painting of a {}.",
    "a pixelated photo of the {}.", "a sculpture of the {}.",
    "a bright photo of the {}.", "a cropped photo of a {}.",
    "a plastic {}.", "a photo of the dirty {}.",
    "a jpeg corrupted photo of a {}.", "a blurry photo of the {}.",
    "a photo of the {}.", "a good photo of the {}.",
    "a rendering of the {}.", "a {} in a video game.", "a photo of one {}.",
    "a doodle of a {}.", "a close-up photo of the {}.", "a photo of a {}.",
    "the origami {}.", "the {} in a video game.", "a sketch of a {}.",
    "a doodle of the {}.", "a origami {}.",
    "a low resolution photo of a {}.", "the toy {}.",
    "a rendition of the {}.", "a photo of the clean {}.",
    "a photo of a large {}.", "a rendition of a {}.",
    "a photo of a nice {}.", "a photo of a weird {}.",
    "a blurry photo of a {}.", "a cartoon {}.", "art of a {}.",
    "a sketch of the {}.", "a embroidered {}.",
    "a pixelated photo of a {}.", "itap of the {}.",
    "a jpeg corrupted photo of the {}.", "a good photo of a {}.",
    "a plushie {}.", "a photo of the nice {}.", "a photo of the small {}.",
    "a photo of the weird {}.", "the cartoon {}.", "art of the {}.",
    "a drawing of the {}.", "a photo of the large {}.",
    "a black and white photo of a {}.", "the plushie {}.",
    "a dark photo of a {}.", "itap of a {}.", "graffiti of the {}.",
    "a toy {}.", "itap of my {}.", "a photo of a cool {}.",
    "a photo of a small {}.", "a tattoo of the {}.",
]

FIRST = ("red green blue black white golden spotted striped tiny giant "
         "wild domestic mountain river desert arctic tropical wooden "
         "electric folding ancient velvet").split()
SECOND = ("fox heron beetle lizard salmon owl terrier spaniel tabby lynx "
          "canoe tractor kettle violin lantern umbrella bicycle teapot "
          "locomotive sailboat ambulance keyboard mailbox backpack cactus "
          "mushroom volcano lighthouse windmill scooter harmonica hammock "
          "parachute pelican flamingo hedgehog tortoise jellyfish walrus "
          "peacock pretzel waffle anemone barracuda gondola tricycle "
          "snorkel sombrero").split()


SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = "/tmp/clipclassify-bench"


def openai_vocab(golden):
    """A golden model's folder holding OpenAI's vocab.json and merges.txt."""
    for root, _, files in sorted(os.walk(golden)):
        if "vocab.json" in files and "merges.txt" in files:
            with open(os.path.join(root, "merges.txt"), encoding="utf-8") as f:
                if sum(1 for _ in f) > 40000:
                    return root
    sys.exit("labelset-time: no OpenAI vocab.json/merges.txt under %s "
             "(give --golden or --model)" % golden)


def default_model(golden):
    """The random ViT-B/32 with OpenAI's tokenizer, made once in CACHE."""
    weights = os.path.join(CACHE, "vit-b-32")
    if not os.path.exists(os.path.join(weights, "model.safetensors")):
        subprocess.run([sys.executable, os.path.join(
            SOURCE_ROOT, "tools", "make-random-checkpoint.py"),
            "--out", weights, "--preset", "vit-b-32"], check=True)
    vocab = openai_vocab(golden)
    model = os.path.join(CACHE, "vit-b-32-openai-vocab")
    os.makedirs(model, exist_ok=True)
    links = [(weights, n) for n in ("model.safetensors", "config.json",
                                    "preprocessor_config.json")]
    links += [(vocab, n) for n in ("vocab.json", "merges.txt")]
    for folder, name in links:
        link = os.path.join(model, name)
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(os.path.join(folder, name), link)
    return model


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", required=True)
    p.add_argument("--model", help="checkpoint (default: the random ViT-B/32 "
                   "with OpenAI's tokenizer, made in %s)" % CACHE)
    p.add_argument("--golden", default=os.path.join(SOURCE_ROOT, "..",
                                                    "shared", "golden"),
                   help="where OpenAI's tokenizer files are found")
    p.add_argument("--precision", default="bf16")
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    if not a.model:
        a.model = default_model(a.golden)
    print("model: %s" % a.model)
    assert len(TEMPLATES) == 80
    labels = [" ".join(w) for w in itertools.product(FIRST, SECOND)][:1000]
    assert len(labels) == 1000
    embed = os.path.join(a.build, "tools", "clip-embed")
    with tempfile.TemporaryDirectory() as tmp:
        lf = os.path.join(tmp, "labels.txt")
        pf = os.path.join(tmp, "templates.txt")
        with open(lf, "w") as f:
            f.write("\n".join(labels) + "\n")
        with open(pf, "w") as f:
            f.write("\n".join(TEMPLATES) + "\n")
        for prec in a.precision.split(","):
            out = os.path.join(tmp, "set-%s.safetensors" % prec)
            t0 = time.monotonic()
            r = subprocess.run([embed, "--model", a.model, "--labels-file",
                                lf, "--prompt-file", pf, "--precision", prec,
                                "--threads", str(a.threads),
                                "--label-set-out", out],
                               env=dict(os.environ, G_MESSAGES_DEBUG="clip"),
                               capture_output=True, text=True)
            dt = time.monotonic() - t0
            if r.returncode != 0:
                print("%s: clip-embed failed: %s" % (prec, r.stderr.strip()))
                return 1
            progress = [l for l in r.stderr.splitlines() if "texts embedded"
                        in l]
            print("%s: 1,000 labels x 80 templates = 80,000 prompts in "
                  "%.1f s (%.0f prompts/s, model load included), %d progress "
                  "lines in the log%s" % (
                      prec, dt, 80000 / dt, len(progress),
                      (", last: " + progress[-1].split(": ", 1)[-1])
                      if progress else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
