#!/usr/bin/python3
"""How often the engine's top-1 answer over the golden images and texts
differs from the float64 reference, per precision.

For every model of ../shared/golden (each layout), clip-embed embeds the
golden preprocessed pixels and texts (--precision and --backend passed when
given); then, from the cosine similarities of the normalised embeddings:
  - per image, the best-matching text (argmax over texts), and
  - per text, the best-matching image (argmax over images)
are compared with the same choices made on the reference logits
(logits_per_image.npy, float64 from OpenAI's code). Also printed: the lowest
cosine similarity of any image or text embedding with the reference.

Usage: bench/top1-golden.py --build BUILDDIR [--precision fp32,bf16,int8]
           [--backend auto|native|openblas] [--golden DIR] [--json OUT]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(HERE)


def normalise(x):
    x = x.astype(np.float64)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def embed(clip_embed, model_dir, pixels, texts_json, precision, backend, work):
    img, txt = os.path.join(work, "img.npy"), os.path.join(work, "txt.npy")
    cmd = [clip_embed, "--model", model_dir, "--pixels", pixels,
           "--texts-json", texts_json, "--image-out", img, "--text-out", txt,
           "--threads", "2"]
    if precision:
        cmd += ["--precision", precision]
    if backend:
        cmd += ["--backend", backend]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return None, None, p.stderr.strip()
    return np.load(img), np.load(txt), None


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default=os.environ.get(
        "CLIP_BUILD_DIR", os.path.join(SOURCE_ROOT, "build")))
    p.add_argument("--golden", default=os.path.join(SOURCE_ROOT, "..", "shared",
                                                    "golden"))
    p.add_argument("--precision", help="comma separated (default: not passed, "
                   "the engine's default, fp32)")
    p.add_argument("--backend", choices=("auto", "native", "openblas"))
    p.add_argument("--json", help="write the results to this file")
    args = p.parse_args()

    clip_embed = os.path.join(args.build, "tools", "clip-embed")
    if not os.access(clip_embed, os.X_OK):
        sys.exit(f"top1-golden: {clip_embed}: not built (give --build)")
    with open(os.path.join(args.golden, "manifest.json")) as f:
        manifest = json.load(f)
    g = lambda rel: os.path.join(args.golden, rel)  # noqa: E731
    work = tempfile.mkdtemp(prefix="top1-golden.")
    texts_json = os.path.join(work, "texts.json")
    with open(texts_json, "w") as f:
        json.dump(manifest["texts"], f)

    precisions = args.precision.split(",") if args.precision else [None]
    rows = []
    print(f"{'model / layout':34}{'precision':>10}{'images':>9}{'texts':>9}"
          f"{'min cos img':>13}{'min cos txt':>13}")
    for m in manifest["models"]:
        ref_logits = np.load(g(m["logits_per_image"]))
        ref_img_top = ref_logits.argmax(axis=1)     # per image: best text
        ref_txt_top = ref_logits.argmax(axis=0)     # per text: best image
        ref_img = normalise(np.load(g(m["image_embeds"])))
        ref_txt = normalise(np.load(g(m["text_embeds"])))
        for layout, rel in m["layouts"].items():
            for precision in precisions:
                name = f"{m['name']} / {layout}"
                img, txt, err = embed(clip_embed, g(rel), g(m["pixels"]),
                                      texts_json, precision, args.backend, work)
                label = precision or "default"
                if err:
                    print(f"{name:34}{label:>10}  failed: {err.splitlines()[-1]}")
                    rows.append({"model": m["name"], "layout": layout,
                                 "precision": label, "error": err})
                    continue
                img, txt = normalise(img), normalise(txt)
                logits = img @ txt.T
                img_diff = int((logits.argmax(axis=1) != ref_img_top).sum())
                txt_diff = int((logits.argmax(axis=0) != ref_txt_top).sum())
                cos_img = float((img * ref_img).sum(1).min())
                cos_txt = float((txt * ref_txt).sum(1).min())
                rows.append({"model": m["name"], "layout": layout,
                             "precision": label,
                             "images_top1_differ": img_diff,
                             "images": len(img), "texts_top1_differ": txt_diff,
                             "texts": len(txt), "min_cos_image": cos_img,
                             "min_cos_text": cos_txt})
                print(f"{name:34}{label:>10}{img_diff:>5}/{len(img):<3}"
                      f"{txt_diff:>5}/{len(txt):<3}{cos_img:13.7f}{cos_txt:13.7f}")
    print("images: images whose best text differs from float64's; texts: "
          "texts whose best image differs")
    if args.json:
        with open(args.json + ".tmp", "w") as f:
            json.dump(rows, f, indent=1)
        os.replace(args.json + ".tmp", args.json)
    for name in os.listdir(work):
        os.unlink(os.path.join(work, name))
    os.rmdir(work)


if __name__ == "__main__":
    main()
