#!/usr/bin/python3
"""The towers on checkpoints of shapes the golden models do not have.

Usage: test-shapes.py CLIP-EMBED SOURCE-ROOT NATIVE(yes|no) [GOLDEN-DIR]

The golden models are two; real and hidden checkpoints have other widths,
head sizes (80 in ViT-H/14, 104 in ViT-bigG/14), patches (14, 7), input
sizes (336 px: 577 tokens), MLP ratios (ViT-g/14's 4.3637) and file dtypes.
This test writes random checkpoints of such shapes with
tools/make-random-checkpoint.py, in Hugging Face's layout and OpenCLIP's,
and runs clip-embed on each layout, backend, precision and thread count,
on a batch of nine images with four texts and a label set of three
labels by three templates (the prefix path the element's labels take),
and on one image with one text. Each embedding is compared with
clip_reference.py's float64 towers; that reference is first held to the
golden float64 outputs of OpenAI's code (when GOLDEN-DIR is there).

Bounds: fp32 as the golden README's (cosine >= 0.99999, max |diff| <=
1e-3 x max |reference|), bf16 cosine >= 0.9995, int8 cosine >= 0.995.
"""

import itertools
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clip_reference  # noqa: E402

SHAPES = [
    # name, make-random-checkpoint.py arguments
    ("head80-patch14-f16-gelu",
     "--vision-width 160 --vision-heads 2 --vision-layers 2 --patch 14 "
     "--image-size 56 --text-width 80 --text-heads 1 --text-layers 2 "
     "--embed-dim 40 --act gelu --dtype f16"),
    ("head48-bf16-file",
     "--vision-width 144 --vision-heads 3 --vision-layers 2 --patch 32 "
     "--image-size 96 --text-width 96 --text-heads 2 --text-layers 2 "
     "--embed-dim 24 --dtype bf16"),
    ("head104-patch8",
     "--vision-width 104 --vision-heads 1 --vision-layers 2 --patch 8 "
     "--image-size 40 --text-width 104 --text-heads 2 --text-layers 2 "
     "--embed-dim 33"),
    ("odd-widths-patch7",
     "--vision-width 90 --vision-heads 3 --vision-layers 2 --patch 7 "
     "--image-size 49 --text-width 70 --text-heads 5 --text-layers 2 "
     "--embed-dim 17 --mlp-ratio 2.5"),
    ("mlp-ratio-g14",
     "--vision-width 176 --vision-heads 2 --vision-layers 2 --patch 16 "
     "--image-size 64 --text-width 128 --text-heads 2 --text-layers 2 "
     "--embed-dim 64 --mlp-ratio 4.3637 --act gelu"),
    ("patch14-336px",
     "--vision-width 64 --vision-heads 1 --vision-layers 1 --patch 14 "
     "--image-size 336 --text-width 64 --text-heads 1 --text-layers 1 "
     "--embed-dim 32"),
    ("h14-width-one-layer",
     "--vision-width 1280 --vision-heads 16 --vision-layers 1 --patch 14 "
     "--image-size 56 --text-width 1024 --text-heads 16 --text-layers 1 "
     "--embed-dim 1024 --act gelu --dtype f16 --vocab-size 1000"),
    ("minimal",
     "--vision-width 8 --vision-heads 1 --vision-layers 1 --patch 4 "
     "--image-size 8 --text-width 4 --text-heads 1 --text-layers 1 "
     "--embed-dim 3"),
]

TEXTS = ["a photo of a cat.", "x",
         "a diagram of many very long words " * 3, "two dogs"]
MIN_COSINE = {"fp32": 0.99999, "bf16": 0.9995, "int8": 0.995}
# A label set as the element builds one: the templates' shared first words
# run once per pass (the text tower's prefix path)
LABELS = ["cat", "big dog", "x"]
TEMPLATES = ["a photo of a {}.", "a photo of the {}.", "a blurry photo of {}"]
PROMPTS = [t.replace("{}", label) for label in LABELS for t in TEMPLATES]


def label_set_rows(path):
    """The F32 [N, E] embeddings tensor of a label-set file."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        info = json.loads(f.read(n))["embeddings"]
        start, end = info["data_offsets"]
        f.seek(8 + n + start)
        return np.frombuffer(f.read(end - start), "<f4").reshape(info["shape"])


def ensembled(prompt_rows):
    """Each label's templates: the mean of unit vectors, renormalised."""
    unit = prompt_rows / np.linalg.norm(prompt_rows, axis=1, keepdims=True)
    mean = unit.reshape(len(LABELS), len(TEMPLATES), -1).mean(1)
    return mean / np.linalg.norm(mean, axis=1, keepdims=True)


def cosines(a, b):
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(1)


def check_reference(golden):
    """Holds clip_reference.py to the golden outputs; returns failures."""
    manifest = os.path.join(golden, "manifest.json")
    if not os.path.isfile(manifest):
        print(f"# {golden}: no golden data, reference not checked")
        return 0
    ids = np.load(os.path.join(golden, "token_ids.npy"))
    failures = 0
    with open(manifest) as f:
        models = [m["name"] for m in json.load(f)["models"]]
    for name in models:
        hf = os.path.join(golden, name, "hf")
        if not os.path.isdir(hf):
            continue
        ref = clip_reference.Clip(hf)
        for kind, out in (("image", ref.encode_image(
                np.load(os.path.join(golden, name, "pixels.npy")))),
                          ("text", ref.encode_text(ids))):
            want = np.load(os.path.join(golden, name, kind + "_embeds.npy"))
            err = np.abs(out - want).max() / np.abs(want).max()
            ok = err <= 1e-9
            failures += not ok
            print(f"{'ok' if ok else 'FAIL'}: reference {name} {kind}: "
                  f"max |diff| {err:.1e} of max |golden|")
    return failures


def run_embed(embed, model, pixels, texts, backend, precision, threads, tmp,
              label_set):
    """clip-embed's image, text and token arrays, and with @label_set the
    label set of LABELS x TEMPLATES (the PROMPTS come after @texts)."""
    args = [embed, "-m", model, "--pixels", pixels,
            "--image-out", os.path.join(tmp, "img.npy"),
            "--text-out", os.path.join(tmp, "txt.npy"),
            "--tokens-out", os.path.join(tmp, "tok.npy"),
            "--backend", backend, "--precision", precision,
            "-j", str(threads)]
    if label_set:
        templates = os.path.join(tmp, "templates.txt")
        with open(templates, "w") as f:
            f.write("\n".join(TEMPLATES) + "\n")
        texts = texts + PROMPTS
        args += ["--labels", ",".join(LABELS), "--prompt-file", templates,
                 "--label-set-out", os.path.join(tmp, "labels.safetensors")]
    for t in texts:
        args += ["-t", t]
    for n in ("img.npy", "txt.npy", "tok.npy", "labels.safetensors"):
        if os.path.exists(os.path.join(tmp, n)):  # no stale outputs read
            os.unlink(os.path.join(tmp, n))
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode:
        return None, p.stderr.strip()
    out = [np.load(os.path.join(tmp, n))
           for n in ("img.npy", "txt.npy", "tok.npy")]
    out.append(label_set_rows(os.path.join(tmp, "labels.safetensors"))
               if label_set else None)
    return out, None


def check_shape(embed, root, name, gen_args, runs, tmp):
    model = os.path.join(tmp, name, "hf")
    layouts = (("hf", model), ("openclip", os.path.join(tmp, name, "openclip")))
    subprocess.run([sys.executable,
                    os.path.join(root, "tools", "make-random-checkpoint.py"),
                    "--out", model, "--openclip-out", layouts[1][1]]
                   + gen_args.split(), check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(model, "config.json")) as f:
        size = json.load(f)["vision_config"]["image_size"]
    pixels = np.random.default_rng(7).standard_normal(
        (9, 3, size, size)).astype(np.float32)
    np.save(os.path.join(tmp, "pix9.npy"), pixels)
    np.save(os.path.join(tmp, "pix1.npy"), pixels[:1])
    ref = clip_reference.Clip(model)
    ref_image = ref.encode_image(pixels)
    ref_text = {}
    failures = 0
    for (layout, path), (backend, precision, threads), (batch, texts) in (
            itertools.product(layouts, runs, (("pix9", TEXTS),
                                              ("pix1", TEXTS[:1])))):
        what = (f"{name} {layout} {backend} {precision} {threads} "
                f"thread(s), {9 if batch == 'pix9' else 1} image(s)")
        out, err = run_embed(embed, path,
                             os.path.join(tmp, batch + ".npy"), texts,
                             backend, precision, threads, tmp,
                             batch == "pix9")
        if out is None:
            print(f"FAIL: {what}: clip-embed failed: {err}")
            failures += 1
            continue
        image, text, ids, labels = out
        key = tuple(map(tuple, ids))
        if key not in ref_text:
            ref_text[key] = ref.encode_text(ids)
        pairs = [(image, ref_image[:len(image)]), (text, ref_text[key])]
        if labels is not None:
            pairs.append((labels, ensembled(ref_text[key][-len(PROMPTS):])))
        worst = 1.0
        ok = True
        for got, want in pairs:
            c = cosines(got.astype(np.float64), want).min()
            worst = min(worst, c)
            ok &= bool(c >= MIN_COSINE[precision])
            if precision == "fp32":
                ok &= bool(np.abs(got - want).max()
                           <= 1e-3 * np.abs(want).max())
        failures += not ok
        print(f"{'ok' if ok else 'FAIL'}: {what}: min cosine "
              f"{worst:.7f} (bound {MIN_COSINE[precision]})")
    return failures


def main(argv):
    if len(argv) not in (4, 5):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    embed, root, native = argv[1], argv[2], argv[3] == "yes"
    golden = argv[4] if len(argv) == 5 else os.path.join(root, "..", "shared",
                                                        "golden")
    runs = [("openblas", "fp32", 1)]
    if native:
        runs += [("native", p, j) for p in ("fp32", "bf16", "int8")
                 for j in (1, 2)]
    failures = check_reference(golden)
    with tempfile.TemporaryDirectory(prefix="clip-shapes-") as tmp:
        for name, gen_args in SHAPES:
            failures += check_shape(embed, root, name, gen_args, runs, tmp)
            shutil.rmtree(os.path.join(tmp, name))  # the disk, shape by shape
    print(f"# {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
