#!/usr/bin/python3
"""Trains clipclassify's bundled demo model: a small CLIP that tells apart
GStreamer videotestsrc patterns (colour bars, snow, black/white/red/green/
blue frames, the bouncing ball, checkers, circles, pinwheel, gradient,
rainbow) from prompts such as "a photo of a snow." or just "bars".

Everything it learns from is made here: frames rendered with gst-launch-1.0
and a few synthetic scenes, captions from wordings and prompt templates,
and a byte-level BPE vocabulary learned from those captions.  Seeds are
fixed, so a rerun gives a model of the same quality.

  /usr/bin/python3 models/train-demo.py    # writes models/clipclassify-demo
  /usr/bin/python3 models/train-demo.py --out DIR --steps 400   # quick try

Needs python3-torch, python3-numpy, python3-pil and gst-launch-1.0 with
gstreamer1.0-plugins-base.  About 11 minutes on a busy two-core machine
(1 minute rendering, 10 minutes training).
"""

import sys

sys.dont_write_bytecode = True

import argparse
import json
import math
import os
import random
import shutil
import signal
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import demo_bpe as bpe
import demo_clip as dc
import demo_dataset as ds
from demo_classes import (CLASSES, CLASS_NAMES, DEFAULT_TEMPLATE, TEMPLATES,
                          TEMPLATE_WEIGHTS, captions_for_vocab)

MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)
SOLID_CLASSES = ["black frame", "white frame", "red", "green", "blue"]

# Short labels people type, one per class, for the held-out report.
SHORT_LABELS = ["bars", "snow", "black", "white", "red", "green", "blue",
                "ball", "checkers", "circles", "pinwheel", "gradient",
                "rainbow"]


def parse_args():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=os.path.join(here, "clipclassify-demo"),
                   help="model directory to write (default: %(default)s)")
    p.add_argument("--steps", type=int, default=2000, help="training steps")
    p.add_argument("--threads", type=int, default=1,
                   help="PyTorch threads (default 1: the matrices are small, "
                   "and on a busy machine a second thread costs more than it "
                   "gains; rendering always runs two jobs at once)")
    p.add_argument("--seed", type=int, default=20240611)
    p.add_argument("--image-size", type=int, default=96)
    p.add_argument("--patch-size", type=int, default=16)
    p.add_argument("--vision-width", type=int, default=128)
    p.add_argument("--vision-layers", type=int, default=4)
    p.add_argument("--text-width", type=int, default=128)
    p.add_argument("--text-layers", type=int, default=2)
    p.add_argument("--embed-dim", type=int, default=128)
    p.add_argument("--merges", type=int, default=1000,
                   help="at most this many BPE merges (vocabulary = 514 + "
                   "merges; learning stops when no pair occurs twice)")
    p.add_argument("--per-class", type=int, default=5,
                   help="images of each class in a batch")
    p.add_argument("--text-sets", type=int, default=4,
                   help="caption sets (one caption per class) per batch")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--workdir", help="scratch directory (default: a new "
                   "temporary one, removed at the end)")
    return p.parse_args()


def seed_everything(seed, threads):
    random.seed(seed)
    np.random.seed(seed % (1 << 32))
    torch.manual_seed(seed)
    torch.set_num_threads(threads)


# ------------------------------------------------------------ captions

class Captions:
    """Token ids of every (class, wording, template) caption, cut to the
    longest caption: the causal text tower gives the same pooled output for
    any prefix that holds the end-of-text token."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        rows, self.index = [], []
        for _, wordings in CLASSES:
            per_wording = []
            for wording in wordings:
                per_template = []
                for template in TEMPLATES:
                    per_template.append(len(rows))
                    text = template.replace("{}", wording)
                    rows.append(tokenizer.encode_padded(text))
                per_wording.append(per_template)
            self.index.append(per_wording)
        ids = np.array(rows, np.int64)
        self.length = int((ids != 0).sum(1).max())
        self.ids = torch.from_numpy(ids[:, :self.length])
        self.template_p = np.array(TEMPLATE_WEIGHTS) / sum(TEMPLATE_WEIGHTS)

    def sample_set(self, rng):
        """One caption per class, usually all through one template, as the
        element builds a label set."""
        shared = rng.random() < 0.8
        t = rng.choice(len(TEMPLATES), p=self.template_p)
        rows = []
        for per_wording in self.index:
            w = rng.integers(0, len(per_wording))
            if not shared:
                t = rng.choice(len(TEMPLATES), p=self.template_p)
            rows.append(per_wording[w][t])
        return self.ids[rows]

    def encode(self, texts):
        """Full 77-id rows for arbitrary texts."""
        return torch.tensor([self.tokenizer.encode_padded(t) for t in texts])


# ------------------------------------------------------------- training

def to_input(views, gen=None, full=None):
    """uint8 [n, R, R, 3] -> normalised [n, 3, R, R]; with @gen, random
    contrast, brightness, colour cast and noise (mild where @full is 0, so
    a white frame stays white)."""
    x = torch.from_numpy(np.ascontiguousarray(views)).permute(0, 3, 1, 2)
    x = x.float() / 255.0
    if gen is not None:
        n = x.shape[0]

        def u(lo, hi, *shape):
            return lo + (hi - lo) * torch.rand(n, *shape, generator=gen)

        f = full.view(n, 1, 1, 1)
        on = (torch.rand(n, 1, 1, 1, generator=gen) < 0.8).float()
        contrast = 1 + on * f * (u(0.65, 1.25, 1, 1, 1) - 1)
        bright = 1 + on * (f * (u(0.7, 1.25, 1, 1, 1) - 1)
                           + (1 - f) * (u(0.9, 1.05, 1, 1, 1) - 1))
        gain = 1 + on * (0.1 * f + 0.05 * (1 - f)) * u(-1, 1, 3, 1, 1)
        offset = on * (0.08 * f + 0.03 * (1 - f)) * u(-1, 1, 1, 1, 1)
        sigma = on * (torch.rand(n, 1, 1, 1, generator=gen) < 0.5).float() \
            * (0.03 * f + 0.015 * (1 - f)) * u(0, 1, 1, 1, 1)
        mean = x.mean((1, 2, 3), keepdim=True)
        x = ((x - mean) * contrast + mean) * bright * gain + offset
        x = (x + sigma * torch.randn(x.shape, generator=gen)).clamp(0, 1)
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (x - mean) / std


def contrastive_loss(model, img, y, texts, n_classes):
    """CLIP's symmetric loss with one caption per class per set: images
    pick their class's caption; a caption spreads its target over all the
    images of its class."""
    scale = model.logit_scale.exp()
    onehot = F.one_hot(y, n_classes).float().t()
    target = onehot / onehot.sum(1, keepdim=True).clamp(min=1)
    has = onehot.sum(1) > 0
    loss = 0.0
    for txt in texts:
        logits = scale * img @ txt.t()
        loss = loss + F.cross_entropy(logits, y)
        t2i = (-(target * F.log_softmax(logits.t(), 1)).sum(1))[has].mean()
        loss = loss + t2i
    return loss / (2 * len(texts))


def train(model, captions, views, labels, args):
    """AdamW with warm-up and cosine decay over class-balanced batches."""
    gen = torch.Generator().manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    n_classes = len(CLASS_NAMES)
    by_class = [np.nonzero(labels == c)[0] for c in range(n_classes)]
    # The ball is the most varied class (a 3-pixel dot to a large disc with
    # sweep lines), so batches hold twice as many of its frames.
    per_batch = [args.per_class * (2 if n == "bouncing ball" else 1)
                 for n in CLASS_NAMES]
    full_aug = torch.tensor([0.0 if CLASS_NAMES[c] in SOLID_CLASSES else 1.0
                             for c in range(n_classes)])
    decay = [p for n, p in model.named_parameters()
             if p.ndim >= 2 and "embedding" not in n]
    rest = [p for n, p in model.named_parameters()
            if not (p.ndim >= 2 and "embedding" not in n)
            and n != "logit_scale"]
    # The temperature gets a larger step so that it can settle within a
    # short run.
    groups = [{"params": decay, "weight_decay": 0.05},
              {"params": rest, "weight_decay": 0.0},
              {"params": [model.logit_scale], "weight_decay": 0.0,
               "lr_factor": 10.0}]
    opt = torch.optim.AdamW(groups, lr=args.lr, betas=(0.9, 0.98), eps=1e-6)
    warmup = max(1, args.steps // 15)
    t0 = time.time()
    running = None
    for step in range(args.steps):
        lr = args.lr * min(1.0, (step + 1) / warmup) * \
            0.5 * (1 + math.cos(math.pi * min(1.0, step / args.steps)))
        for group in opt.param_groups:
            group["lr"] = lr * group.get("lr_factor", 1.0)
        picks = [rng.choice(ix, n) for ix, n in zip(by_class, per_batch)]
        idx = np.concatenate(picks)
        y = torch.from_numpy(labels[idx])
        img = model.encode_image(to_input(views[idx], gen, full_aug[y]))
        sets = [captions.sample_set(rng) for _ in range(args.text_sets)]
        txt = model.encode_text(torch.cat(sets)).split(n_classes)
        loss = contrastive_loss(model, img, y, txt, n_classes)
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        running = loss.item() if running is None else \
            0.95 * running + 0.05 * loss.item()
        if step % 100 == 0 or step == args.steps - 1:
            print("  step %5d  loss %.4f  scale %.1f  lr %.2e  %.0f s"
                  % (step, running, model.logit_scale.exp().item(), lr,
                     time.time() - t0), flush=True)
    return time.time() - t0


# ----------------------------------------------------------- evaluation

@torch.no_grad()
def image_embeddings(model, views):
    """Normalised embeddings of uint8 views, in chunks."""
    return torch.cat([model.encode_image(to_input(views[i:i + 256]))
                      for i in range(0, len(views), 256)])


@torch.no_grad()
def text_embeddings(model, captions, labels, template):
    """Normalised embeddings of @labels put through @template."""
    ids = captions.encode([template.replace("{}", label) for label in labels])
    return model.encode_text(ids)


def accuracy_report(name, pred, truth, classes):
    """Prints overall and per-class accuracy; returns the overall one."""
    acc = float((pred == truth).mean())
    per = []
    for c in classes:
        m = truth == c
        if m.any():
            per.append("%s %.0f%%"
                       % (CLASS_NAMES[c], 100 * (pred[m] == c).mean()))
    print("  %-44s %6.2f%%  (%d frames)" % (name, 100 * acc, len(truth)))
    print("      " + ", ".join(per))
    return acc


def evaluate(model, captions, views, labels, sizes):
    """Zero-shot accuracy on the held-out frames for several label sets."""
    img = image_embeddings(model, views)
    all_classes = list(range(len(CLASS_NAMES)))
    results = {}
    for key, names, template in [
        ("names", CLASS_NAMES, DEFAULT_TEMPLATE),
        ("short", SHORT_LABELS, DEFAULT_TEMPLATE),
        ("bare names", CLASS_NAMES, "{}"),
        ("bare short", SHORT_LABELS, "{}")]:
        txt = text_embeddings(model, captions, names, template)
        pred = (img @ txt.t()).argmax(1).numpy()
        results[key] = accuracy_report('%s via "%s"' % (key, template), pred,
                                       labels, all_classes)
        if key == "names":
            probs = (model.logit_scale.exp() * img @ txt.t()).softmax(1)
            print("      median top probability %.3f (logit scale %.1f)"
                  % (probs.max(1).values.median().item(),
                     model.logit_scale.exp().item()))
            hd = sizes == 1280
            results["names 1280x720"] = accuracy_report(
                "names, 1280x720 frames only", pred[hd], labels[hd],
                all_classes)
    trio = [CLASS_NAMES.index(n) for n in ("snow", "colour bars",
                                           "bouncing ball")]
    mask = np.isin(labels, trio)
    for labels_text in ["static noise,colour bars,a bouncing ball",
                        "snow,bars,ball"]:
        txt = text_embeddings(model, captions, labels_text.split(","),
                              DEFAULT_TEMPLATE)
        pred = np.array(trio)[(img[mask] @ txt.t()).argmax(1).numpy()]
        results[labels_text] = accuracy_report('labels="%s"' % labels_text,
                                               pred, labels[mask], trio)
    return results


# ------------------------------------------------------------- saving

def save_model(model, captions, out_dir, stage_dir, args, vocab_files):
    """Rounds the weights to F16, writes the Hugging Face layout into
    @stage_dir, reloads it into a fresh module and checks that it computes
    exactly what the rounded model does; then moves it to @out_dir."""
    tok = captions.tokenizer
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())
    dc.save_safetensors(model.state_dict(),
                        os.path.join(stage_dir, "model.safetensors"), "F16")
    with open(os.path.join(stage_dir, "config.json"), "w") as f:
        json.dump(model.config, f, indent=2)
        f.write("\n")
    with open(os.path.join(stage_dir, "preprocessor_config.json"), "w") as f:
        json.dump(dc.preprocessor_config(args.image_size, MEAN, STD), f,
                  indent=2)
        f.write("\n")

    with open(os.path.join(stage_dir, "config.json")) as f:
        fresh = dc.ClipModel(json.load(f))
    state = dc.load_safetensors(os.path.join(stage_dir, "model.safetensors"))
    missing = set(fresh.state_dict()) ^ set(state)
    assert not missing, "tensor names differ: %s" % sorted(missing)
    fresh.load_state_dict(state)
    fresh.eval()
    reloaded = bpe.Tokenizer(*vocab_files)
    assert reloaded.encode_padded("a photo of a snow.") == \
        tok.encode_padded("a photo of a snow.")
    gen = torch.Generator().manual_seed(1)
    pixels = torch.randn(4, 3, args.image_size, args.image_size, generator=gen)
    ids = captions.encode(["a photo of a snow.", "bars", "ball",
                           "a photo of a colour bars."])
    with torch.no_grad():
        for a, b in [(model.encode_image(pixels), fresh.encode_image(pixels)),
                     (model.encode_text(ids), fresh.encode_text(ids))]:
            assert torch.allclose(a, b, atol=1e-6), "reloaded model differs"
    os.makedirs(out_dir, exist_ok=True)
    for name in ["model.safetensors", "config.json", "vocab.json",
                 "merges.txt", "preprocessor_config.json"]:
        shutil.copyfile(os.path.join(stage_dir, name),
                        os.path.join(out_dir, name))
    return fresh


def main():
    args = parse_args()
    # A plain kill still removes the scratch directory (via finally).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    seed_everything(args.seed, args.threads)
    t_start = time.time()
    workdir = args.workdir or tempfile.mkdtemp(prefix="clipclassify-demo-")
    stage = os.path.join(workdir, "model")
    os.makedirs(stage, exist_ok=True)
    try:
        vocab_files = (os.path.join(stage, "vocab.json"),
                       os.path.join(stage, "merges.txt"))
        merges = bpe.learn_merges(captions_for_vocab(), args.merges)
        vocab = bpe.write_files(merges, *vocab_files)
        tokenizer = bpe.Tokenizer(*vocab_files)
        captions = Captions(tokenizer)
        print("vocabulary: %d entries (%d merges); captions up to %d tokens"
              % (len(vocab), len(merges), captions.length))

        t0 = time.time()
        views, labels, _ = ds.build(ds.make_jobs(args.seed, False),
                                    args.image_size, workdir)
        held_jobs = ds.make_jobs(args.seed + 1, True)
        hviews, hlabels, hsrc = ds.build(held_jobs, args.image_size, workdir)
        hsizes = np.array([held_jobs[i].get("size", (0, 0))[0] for i in hsrc])
        print("frames: %d training views, %d held-out frames in %.0f s"
              % (len(views), len(hviews), time.time() - t0))
        print("  training views per class: " + ", ".join(
            "%s %d" % (n, (labels == c).sum())
            for c, n in enumerate(CLASS_NAMES)))

        config = dc.make_config(len(vocab), tokenizer.sot, tokenizer.eot,
                                args.image_size, args.patch_size,
                                args.vision_width, args.vision_layers,
                                args.text_width, args.text_layers,
                                args.embed_dim, "float16")
        model = dc.ClipModel(config)
        n_params = sum(p.numel() for p in model.parameters())
        print("model: %d parameters" % n_params)
        train_seconds = train(model, captions, views, labels, args)
        print("training: %d steps in %.0f s" % (args.steps, train_seconds))

        model.eval()
        fresh = save_model(model, captions, args.out, stage, args, vocab_files)
        size = sum(os.path.getsize(os.path.join(args.out, n))
                   for n in os.listdir(args.out))
        print("saved %s (%d bytes), reload check passed" % (args.out, size))
        print("held-out accuracy (F16 weights as saved, zero-shot):")
        evaluate(fresh, captions, hviews, hlabels, hsizes)
        print("total time: %.0f s" % (time.time() - t_start))
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
