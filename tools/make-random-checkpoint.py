#!/usr/bin/python3
"""Writes a random-weight CLIP checkpoint in the Hugging Face CLIPModel layout.

The directory holds model.safetensors (with real HF tensor names, including
the int64 position_ids buffers of older published files), config.json,
preprocessor_config.json, vocab.json and merges.txt. Weights are scaled like
trained ones (linear weights with std ~0.02, LayerNorm gains near 1, small
random biases) so activations stay in the same range as a real model's;
the embeddings are meaningless but every code path is exercised.

The tokenizer is a small synthetic byte-level BPE (256 byte symbols, the same
with '</w>', a few hundred merges learned from a built-in word list, then
<|startoftext|> and <|endoftext|> as the last two ids), unless --vocab-from
names a folder whose vocab.json and merges.txt are copied instead.

With --openclip-out the same weights are also written in OpenCLIP's
layout (open_clip_model.safetensors, with Q, K and V joined and the
projections transposed, and open_clip_config.json), as the golden models'
openai/ folders hold them.

Needs only numpy. Examples:

  make-random-checkpoint.py --out /tmp/vit-b-32 --preset vit-b-32
  make-random-checkpoint.py --out /tmp/odd --vision-width 192 --vision-layers 3 \\
      --patch 16 --image-size 112 --text-width 64 --text-layers 2 \\
      --embed-dim 96 --act gelu --dtype f16
  make-random-checkpoint.py --out /tmp/h14/hf --openclip-out /tmp/h14/openclip \\
      --vision-width 1280 --vision-heads 16 --vision-layers 1 --patch 14 \\
      --image-size 224
"""

import argparse
import json
import math
import os
import shutil
import struct
import sys

import numpy as np

PRESETS = {
    # name: vision width, layers, patch, image size; text width, layers;
    # embed dim; activation
    "tiny": dict(vision_width=128, vision_layers=2, patch=16, image_size=64,
                 text_width=128, text_layers=2, embed_dim=64,
                 act="quick_gelu"),
    "vit-b-32": dict(vision_width=768, vision_layers=12, patch=32,
                     image_size=224, text_width=512, text_layers=12,
                     embed_dim=512, act="quick_gelu"),
    "vit-b-16": dict(vision_width=768, vision_layers=12, patch=16,
                     image_size=224, text_width=512, text_layers=12,
                     embed_dim=512, act="quick_gelu"),
    "vit-l-14": dict(vision_width=1024, vision_layers=24, patch=14,
                     image_size=224, text_width=768, text_layers=12,
                     embed_dim=768, act="quick_gelu"),
}

CONTEXT_LENGTH = 77
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]

# Text the synthetic merges are learned from: frequent English words, so the
# resulting vocabulary splits ordinary captions into plausible pieces.
WORDS = """
a an the of and to in is on for with at by from as that this it its be are
was were photo picture image of a cat dog car person man woman child people
bird horse boat plane train bus truck bicycle motorcycle street road city
house building room kitchen table chair bed window door tree flower grass
water sea beach mountain sky cloud snow rain night day light dark red green
blue yellow black white orange brown small large big little old young new
running walking sitting standing playing eating holding looking riding
rocket launch pad astronaut space coffee cup camera food pizza sandwich
group close up view there their they them these those into over under
between near behind front top side left right one two three four five many
""".split()


def bytes_to_unicode():
    """The reversible byte -> printable character map of CLIP's tokenizer."""
    bs = (list(range(ord("!"), ord("~") + 1))
          + list(range(ord("\u00a1"), ord("\u00ac") + 1))
          + list(range(ord("\u00ae"), ord("\u00ff") + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def learn_merges(n_merges):
    """Greedy BPE on WORDS: the most frequent adjacent pair first."""
    byte_map = bytes_to_unicode()
    words = {}
    for w in WORDS:
        symbols = [byte_map[b] for b in w.encode("utf-8")]
        symbols[-1] += "</w>"
        words[tuple(symbols)] = words.get(tuple(symbols), 0) + 1
    merges = []
    while len(merges) < n_merges:
        pairs = {}
        for symbols, freq in words.items():
            for pair in zip(symbols, symbols[1:]):
                pairs[pair] = pairs.get(pair, 0) + freq
        if not pairs:
            break
        # Ties broken by the pair itself so the result is reproducible.
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        merged = {}
        for symbols, freq in words.items():
            out, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                    out.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            merged[tuple(out)] = merged.get(tuple(out), 0) + freq
        words = merged
    return merges


def write_synthetic_tokenizer(out_dir, n_merges):
    """Writes vocab.json and merges.txt; returns the vocabulary size."""
    byte_chars = list(bytes_to_unicode().values())
    vocab_list = byte_chars + [c + "</w>" for c in byte_chars]
    merges = learn_merges(n_merges)
    vocab_list += ["".join(m) for m in merges]
    vocab_list += ["<|startoftext|>", "<|endoftext|>"]
    vocab = {tok: i for i, tok in enumerate(vocab_list)}
    with open(os.path.join(out_dir, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(out_dir, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")
    # Two merges may spell the same token; ids still run to len(vocab_list).
    return len(vocab_list)


def copy_tokenizer(src_dir, out_dir):
    """Copies vocab.json and merges.txt; returns the vocabulary size."""
    for name in ("vocab.json", "merges.txt"):
        src = os.path.join(src_dir, name)
        if not os.path.isfile(src):
            raise SystemExit(f"make-random-checkpoint: {src}: no such file")
        shutil.copyfile(src, os.path.join(out_dir, name))
    with open(os.path.join(out_dir, "vocab.json"), encoding="utf-8") as f:
        return max(json.load(f).values()) + 1


def mlp_width(a, width):
    """The MLP's hidden width of a tower @width wide (--mlp-ratio)."""
    return max(1, round(a.mlp_ratio * width))


def tensor_plan(a):
    """(name, shape, kind) for every tensor, in file order.

    kind says how to draw the values: "linear" (std 0.02), "bias" (std
    0.02), "gain" (1 + 0.1 noise), "embed:<std>", "proj:<std>",
    "position_ids:<n>" or "logit_scale".
    """
    plan = []

    def layers(prefix, width, n_layers):
        mlp = mlp_width(a, width)
        for i in range(n_layers):
            p = f"{prefix}.encoder.layers.{i}"
            for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
                plan.append((f"{p}.self_attn.{proj}.weight", [width, width], "linear"))
                plan.append((f"{p}.self_attn.{proj}.bias", [width], "bias"))
            for ln in ("layer_norm1", "layer_norm2"):
                plan.append((f"{p}.{ln}.weight", [width], "gain"))
                plan.append((f"{p}.{ln}.bias", [width], "bias"))
            plan.append((f"{p}.mlp.fc1.weight", [mlp, width], "linear"))
            plan.append((f"{p}.mlp.fc1.bias", [mlp], "bias"))
            plan.append((f"{p}.mlp.fc2.weight", [width, mlp], "linear"))
            plan.append((f"{p}.mlp.fc2.bias", [width], "bias"))

    vw, tw, e = a.vision_width, a.text_width, a.embed_dim
    n_pos = (a.image_size // a.patch) ** 2 + 1
    plan.append(("vision_model.embeddings.class_embedding", [vw], f"embed:{vw ** -0.5}"))
    plan.append(("vision_model.embeddings.patch_embedding.weight",
                 [vw, 3, a.patch, a.patch], "linear"))
    plan.append(("vision_model.embeddings.position_embedding.weight",
                 [n_pos, vw], f"embed:{vw ** -0.5}"))
    plan.append(("vision_model.embeddings.position_ids", [1, n_pos], f"position_ids:{n_pos}"))
    plan.append(("vision_model.pre_layrnorm.weight", [vw], "gain"))
    plan.append(("vision_model.pre_layrnorm.bias", [vw], "bias"))
    layers("vision_model", vw, a.vision_layers)
    plan.append(("vision_model.post_layernorm.weight", [vw], "gain"))
    plan.append(("vision_model.post_layernorm.bias", [vw], "bias"))
    plan.append(("visual_projection.weight", [e, vw], f"proj:{vw ** -0.5}"))
    plan.append(("text_model.embeddings.token_embedding.weight",
                 [a.vocab_size, tw], "embed:0.02"))
    plan.append(("text_model.embeddings.position_embedding.weight",
                 [CONTEXT_LENGTH, tw], "embed:0.01"))
    plan.append(("text_model.embeddings.position_ids", [1, CONTEXT_LENGTH],
                 f"position_ids:{CONTEXT_LENGTH}"))
    layers("text_model", tw, a.text_layers)
    plan.append(("text_model.final_layer_norm.weight", [tw], "gain"))
    plan.append(("text_model.final_layer_norm.bias", [tw], "bias"))
    plan.append(("text_projection.weight", [e, tw], f"proj:{tw ** -0.5}"))
    plan.append(("logit_scale", [], "logit_scale"))
    return plan


def draw(rng, shape, kind):
    """Float32 values for one tensor (or int64 for position_ids)."""
    if kind.startswith("position_ids:"):
        return np.arange(int(kind.split(":")[1]), dtype=np.int64).reshape(shape)
    if kind == "logit_scale":
        return np.array(math.log(100.0), dtype=np.float32)
    x = rng.standard_normal(size=shape, dtype=np.float32)
    if kind in ("linear", "bias"):
        x *= 0.02
    elif kind == "gain":
        x *= 0.1
        x += 1.0
    else:
        x *= float(kind.split(":")[1])
    return x


def encode(x, dtype):
    """The raw little-endian bytes of @x in safetensors @dtype."""
    if x.dtype == np.int64:
        return x.astype("<i8").tobytes()
    if dtype == "F32":
        return x.astype("<f4").tobytes()
    if dtype == "F16":
        return x.astype("<f2").tobytes()
    # BF16: round to nearest even on the upper 16 bits of the float32.
    u = x.astype("<f4").view("<u4").astype(np.uint64)
    u = (u + np.uint64(0x7FFF) + ((u >> np.uint64(16)) & np.uint64(1))) >> np.uint64(16)
    return u.astype("<u2").tobytes()


def write_safetensors(path, plan, dtype, seed):
    """Streams the tensors to @path so even ViT-L fits in little memory."""
    elem = {"F32": 4, "F16": 2, "BF16": 2}[dtype]
    header, offset = {}, 0
    for name, shape, kind in plan:
        is_ids = kind.startswith("position_ids:")
        size = int(np.prod(shape, dtype=np.int64)) * (8 if is_ids else elem)
        header[name] = {"dtype": "I64" if is_ids else dtype, "shape": shape,
                        "data_offsets": [offset, offset + size]}
        offset += size
    header["__metadata__"] = {"format": "pt"}
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    blob += b" " * (-len(blob) % 8)  # keeps the data 8-byte aligned
    rng = np.random.default_rng(seed)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for name, shape, kind in plan:
            f.write(encode(draw(rng, shape, kind), dtype))
    os.replace(tmp, path)
    return offset


# Hugging Face names -> OpenCLIP's, for the tensors that are only renamed.
OPENCLIP_NAMES = {
    "vision_model.embeddings.class_embedding": "visual.class_embedding",
    "vision_model.embeddings.patch_embedding.weight": "visual.conv1.weight",
    "vision_model.embeddings.position_embedding.weight":
        "visual.positional_embedding",
    "vision_model.pre_layrnorm.weight": "visual.ln_pre.weight",
    "vision_model.pre_layrnorm.bias": "visual.ln_pre.bias",
    "vision_model.post_layernorm.weight": "visual.ln_post.weight",
    "vision_model.post_layernorm.bias": "visual.ln_post.bias",
    "text_model.embeddings.token_embedding.weight": "token_embedding.weight",
    "text_model.embeddings.position_embedding.weight": "positional_embedding",
    "text_model.final_layer_norm.weight": "ln_final.weight",
    "text_model.final_layer_norm.bias": "ln_final.bias",
    "logit_scale": "logit_scale",
}
OPENCLIP_BLOCK = {
    "self_attn.out_proj": "attn.out_proj", "layer_norm1": "ln_1",
    "layer_norm2": "ln_2", "mlp.fc1": "mlp.c_fc", "mlp.fc2": "mlp.c_proj",
}


def openclip_tensors(hf, a):
    """OpenCLIP's (name, array) list from the Hugging Face arrays @hf."""
    out = [(new, hf[old]) for old, new in OPENCLIP_NAMES.items()]
    out.append(("visual.proj", hf["visual_projection.weight"].T))
    out.append(("text_projection", hf["text_projection.weight"].T))
    for tower, prefix, n in (("vision_model", "visual.transformer",
                              a.vision_layers),
                             ("text_model", "transformer", a.text_layers)):
        for i in range(n):
            src = f"{tower}.encoder.layers.{i}."
            dst = f"{prefix}.resblocks.{i}."
            for part in ("weight", "bias"):
                out.append((dst + "attn.in_proj_" + part, np.concatenate(
                    [hf[f"{src}self_attn.{x}_proj.{part}"] for x in "qkv"])))
                for old, new in OPENCLIP_BLOCK.items():
                    out.append((f"{dst}{new}.{part}",
                                hf[f"{src}{old}.{part}"]))
    return out


def write_openclip(hf_dir, out_dir, a, dtype):
    """The same weights in OpenCLIP's layout: open_clip_model.safetensors,
    open_clip_config.json and the tokenizer files, in @out_dir."""
    path = os.path.join(hf_dir, "model.safetensors")
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    raw_dtype = {"F32": "<f4", "F16": "<f2", "BF16": "<u2"}[dtype]
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    hf = {}
    for name, info in header.items():
        if name != "__metadata__" and info["dtype"] == dtype:
            start, end = info["data_offsets"]
            hf[name] = data[start:end].view(raw_dtype).reshape(info["shape"])
    tensors = openclip_tensors(hf, a)
    header, offset = {}, 0
    for name, x in tensors:
        header[name] = {"dtype": dtype, "shape": list(x.shape),
                        "data_offsets": [offset, offset + x.nbytes]}
        offset += x.nbytes
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    blob += b" " * (-len(blob) % 8)
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, "open_clip_model.safetensors")
    with open(out + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for _, x in tensors:
            f.write(np.ascontiguousarray(x).tobytes())
    os.replace(out + ".tmp", out)
    config = {
        "model_cfg": {
            "embed_dim": a.embed_dim,
            "quick_gelu": a.act == "quick_gelu",
            "vision_cfg": {
                "image_size": a.image_size, "layers": a.vision_layers,
                "width": a.vision_width, "patch_size": a.patch,
                "head_width": a.vision_width // a.vision_heads,
                "mlp_ratio": mlp_width(a, a.vision_width) / a.vision_width},
            "text_cfg": {
                "context_length": CONTEXT_LENGTH,
                "vocab_size": a.vocab_size, "width": a.text_width,
                "heads": a.text_heads, "layers": a.text_layers,
                "mlp_ratio": mlp_width(a, a.text_width) / a.text_width},
        },
        "preprocess_cfg": {"mean": CLIP_MEAN, "std": CLIP_STD,
                           "interpolation": "bicubic",
                           "resize_mode": "shortest"},
    }
    with open(os.path.join(out_dir, "open_clip_config.json"), "w") as f:
        json.dump(config, f, indent=2)
    for name in ("vocab.json", "merges.txt"):
        shutil.copyfile(os.path.join(hf_dir, name),
                        os.path.join(out_dir, name))


def write_configs(out_dir, a, dtype):
    torch_dtype = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}[dtype]
    common = dict(hidden_act=a.act, layer_norm_eps=1e-5,
                  projection_dim=a.embed_dim, dropout=0.0,
                  attention_dropout=0.0)
    config = {
        "architectures": ["CLIPModel"],
        "model_type": "clip",
        "initializer_factor": 1.0,
        "logit_scale_init_value": 2.6592,
        "projection_dim": a.embed_dim,
        "torch_dtype": torch_dtype,
        "text_config": dict(
            model_type="clip_text_model", hidden_size=a.text_width,
            intermediate_size=mlp_width(a, a.text_width),
            num_attention_heads=a.text_heads,
            num_hidden_layers=a.text_layers,
            max_position_embeddings=CONTEXT_LENGTH,
            vocab_size=a.vocab_size,
            # The legacy ids of the released configs: the text tower then
            # pools at the highest token id, which is <|endoftext|>.
            bos_token_id=0, eos_token_id=2, pad_token_id=1, **common),
        "vision_config": dict(
            model_type="clip_vision_model", hidden_size=a.vision_width,
            intermediate_size=mlp_width(a, a.vision_width),
            num_attention_heads=a.vision_heads,
            num_hidden_layers=a.vision_layers, image_size=a.image_size,
            patch_size=a.patch, num_channels=3, **common),
    }
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    pre = {
        "crop_size": {"height": a.image_size, "width": a.image_size},
        "do_center_crop": True, "do_convert_rgb": True,
        "do_normalize": True, "do_rescale": True, "do_resize": True,
        "image_mean": CLIP_MEAN, "image_std": CLIP_STD,
        "image_processor_type": "CLIPImageProcessor",
        "resample": 3, "rescale_factor": 1 / 255,
        "size": {"shortest_edge": a.image_size},
    }
    with open(os.path.join(out_dir, "preprocessor_config.json"), "w") as f:
        json.dump(pre, f, indent=2)


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Write a random-weight CLIP checkpoint (Hugging Face "
        "CLIPModel layout) of any size.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
        "  %(prog)s --out /tmp/vit-b-32 --preset vit-b-32\n"
        "  %(prog)s --out /tmp/tiny --preset tiny --dtype bf16 --seed 7\n"
        "  %(prog)s --out /tmp/m --preset vit-b-16 --vocab-from DIR")
    p.add_argument("--out", required=True, help="output directory (created)")
    p.add_argument("--preset", choices=sorted(PRESETS),
                   help="start from a released architecture; other flags override")
    p.add_argument("--vision-width", type=int, help="vision hidden size")
    p.add_argument("--vision-layers", type=int, help="vision transformer layers")
    p.add_argument("--vision-heads", type=int, help="default: width / 64")
    p.add_argument("--patch", type=int, help="patch size in pixels")
    p.add_argument("--image-size", type=int, help="input side in pixels")
    p.add_argument("--text-width", type=int, help="text hidden size")
    p.add_argument("--text-layers", type=int, help="text transformer layers")
    p.add_argument("--text-heads", type=int, help="default: width / 64")
    p.add_argument("--embed-dim", type=int, help="joint embedding width")
    p.add_argument("--mlp-ratio", type=float, default=4.0,
                   help="MLP hidden width over the tower's width; default 4 "
                   "(ViT-g/14's is 4.3637)")
    p.add_argument("--act", choices=["quick_gelu", "gelu"], help="MLP activation")
    p.add_argument("--dtype", choices=["f32", "f16", "bf16"], default="f32",
                   help="weight dtype (position_ids stay int64); default f32")
    p.add_argument("--vocab-size", type=int, default=49408,
                   help="rows of the token embedding; default 49408")
    p.add_argument("--merges", type=int, default=400,
                   help="merges of the synthetic tokenizer; default 400")
    p.add_argument("--vocab-from", metavar="DIR",
                   help="copy vocab.json and merges.txt from DIR instead of "
                   "generating a synthetic tokenizer")
    p.add_argument("--seed", type=int, default=0, help="random seed; default 0")
    p.add_argument("--openclip-out", metavar="DIR",
                   help="also write the same weights in OpenCLIP's layout "
                   "(open_clip_model.safetensors, open_clip_config.json) "
                   "into DIR")
    a = p.parse_args(argv)

    base = dict(PRESETS[a.preset or "tiny"])
    for key, value in base.items():
        if getattr(a, key) is None:
            setattr(a, key, value)
    for key in ("vision_width", "vision_layers", "patch", "image_size",
                "text_width", "text_layers", "embed_dim"):
        if getattr(a, key) < 1:
            p.error(f"--{key.replace('_', '-')} must be positive")
    if a.mlp_ratio <= 0:
        p.error("--mlp-ratio must be positive")
    if a.image_size % a.patch:
        p.error(f"--image-size {a.image_size} is not a multiple of --patch {a.patch}")
    for tower in ("vision", "text"):
        width = getattr(a, f"{tower}_width")
        if getattr(a, f"{tower}_heads") is None:
            if width % 64:
                p.error(f"--{tower}-width {width} is not a multiple of 64; "
                        f"give --{tower}-heads")
            setattr(a, f"{tower}_heads", width // 64)
        if width % getattr(a, f"{tower}_heads"):
            p.error(f"--{tower}-width is not a multiple of --{tower}-heads")
    return a


def main(argv):
    a = parse_args(argv)
    dtype = {"f32": "F32", "f16": "F16", "bf16": "BF16"}[a.dtype]
    os.makedirs(a.out, exist_ok=True)
    if a.vocab_from:
        n_vocab = copy_tokenizer(a.vocab_from, a.out)
    else:
        n_vocab = write_synthetic_tokenizer(a.out, a.merges)
    if n_vocab > a.vocab_size:
        raise SystemExit(f"make-random-checkpoint: the tokenizer has {n_vocab} "
                         f"ids but --vocab-size is {a.vocab_size}")
    write_configs(a.out, a, dtype)
    plan = tensor_plan(a)
    size = write_safetensors(os.path.join(a.out, "model.safetensors"), plan,
                             dtype, a.seed)
    if a.openclip_out:
        write_openclip(a.out, a.openclip_out, a, dtype)
    n_params = sum(int(np.prod(s, dtype=np.int64)) for _, s, k in plan
                   if not k.startswith("position_ids:"))
    print(f"{a.out}: vision {a.vision_width}x{a.vision_layers} patch {a.patch} "
          f"{a.image_size}px, text {a.text_width}x{a.text_layers}, embed "
          f"{a.embed_dim}, {a.act}, {dtype}, {n_params / 1e6:.1f}M parameters, "
          f"{size / 2**20:.0f} MiB, tokenizer {n_vocab} ids")


if __name__ == "__main__":
    main(sys.argv[1:])
