"""CLIP's two towers in float64 NumPy, over a Hugging Face CLIPModel folder.

An independent reference for the engine on checkpoints of any shape: it
reads model.safetensors (F32, F16 or BF16) and config.json itself and
follows transformers' CLIPModel (pre-LayerNorm blocks, q scaled by
head_dim ** -0.5, causal mask in the text tower, pooling at the class token
and at the end-of-text token). test-shapes.py first holds it to the golden
float64 outputs of OpenAI's code. Needs only NumPy.
"""

import json
import math
import os
import struct

import numpy as np

_erf = np.vectorize(math.erf, otypes=[np.float64])


def load_safetensors(path, dtype=np.float64):
    """Name -> array of @dtype (float32 or float64, either exact) for every
    floating-point tensor in @path."""
    with open(path, "rb") as f:
        header_len = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(header_len))
        base = 8 + header_len
        tensors = {}
        for name, info in header.items():
            if name == "__metadata__" or info["dtype"] not in ("F32", "F16", "BF16"):
                continue
            start, end = info["data_offsets"]
            f.seek(base + start)
            raw = np.frombuffer(f.read(end - start), dtype=np.uint8)
            if info["dtype"] == "F32":
                x = raw.view("<f4")
            elif info["dtype"] == "F16":
                x = raw.view("<f2")
            else:
                x = (raw.view("<u2").astype(np.uint32) << 16).view(np.float32)
            tensors[name] = x.astype(dtype).reshape(info["shape"])
    return tensors


def layer_norm(x, gain, bias, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gain + bias


def activate(x, name):
    if name == "quick_gelu":
        return x / (1.0 + np.exp(-1.702 * x))
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))  # exact GELU


def softmax(x):
    x = x - x.max(-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(-1, keepdims=True)


class Checkpoint:
    """A Hugging Face CLIPModel folder as the towers read it: the two
    towers' configs, the end-of-text id and every floating-point weight as
    an array of @dtype. (bench/torch_clip.py reads it as float32.)"""

    def __init__(self, model_dir, dtype=np.float64):
        with open(os.path.join(model_dir, "config.json")) as f:
            config = json.load(f)
        self.vision = config["vision_config"]
        self.text = config["text_config"]
        self.w = load_safetensors(os.path.join(model_dir, "model.safetensors"),
                                  dtype)
        self.eos_token_id = self.text.get("eos_token_id", 2)


class Clip(Checkpoint):
    """The towers of the checkpoint in @model_dir, in float64."""

    def _linear(self, x, name, bias=True):
        y = x @ self.w[name + ".weight"].T
        return y + self.w[name + ".bias"] if bias else y

    def _attention(self, x, prefix, heads, mask):
        b, t, d = x.shape
        hd = d // heads

        def split(y):
            return y.reshape(b, t, heads, hd).transpose(0, 2, 1, 3)

        q = split(self._linear(x, prefix + ".q_proj") * hd ** -0.5)
        k = split(self._linear(x, prefix + ".k_proj"))
        v = split(self._linear(x, prefix + ".v_proj"))
        scores = q @ k.transpose(0, 1, 3, 2)
        if mask is not None:
            scores = scores + mask
        out = (softmax(scores) @ v).transpose(0, 2, 1, 3).reshape(b, t, d)
        return self._linear(out, prefix + ".out_proj")

    def _encoder(self, x, tower, cfg, mask=None):
        w, eps = self.w, cfg.get("layer_norm_eps", 1e-5)
        for i in range(cfg["num_hidden_layers"]):
            p = f"{tower}.encoder.layers.{i}"
            h = layer_norm(x, w[p + ".layer_norm1.weight"],
                           w[p + ".layer_norm1.bias"], eps)
            x = x + self._attention(h, p + ".self_attn",
                                    cfg["num_attention_heads"], mask)
            h = layer_norm(x, w[p + ".layer_norm2.weight"],
                           w[p + ".layer_norm2.bias"], eps)
            h = activate(self._linear(h, p + ".mlp.fc1"),
                         cfg.get("hidden_act", "quick_gelu"))
            x = x + self._linear(h, p + ".mlp.fc2")
        return x

    def encode_image(self, pixels):
        """[B, 3, R, R] -> [B, E] projected image features."""
        w, cfg = self.w, self.vision
        eps, p = cfg.get("layer_norm_eps", 1e-5), cfg["patch_size"]
        pe = "vision_model.embeddings"
        b, c, r, _ = pixels.shape
        g = r // p
        patches = (np.asarray(pixels, np.float64)[:, :, :g * p, :g * p]
                   .reshape(b, c, g, p, g, p).transpose(0, 2, 4, 1, 3, 5)
                   .reshape(b, g * g, c * p * p))
        kernel = w[pe + ".patch_embedding.weight"]
        x = patches @ kernel.reshape(kernel.shape[0], -1).T
        cls = np.broadcast_to(w[pe + ".class_embedding"], (b, 1, x.shape[2]))
        x = np.concatenate([cls, x], axis=1) + w[pe + ".position_embedding.weight"]
        x = layer_norm(x, w["vision_model.pre_layrnorm.weight"],
                       w["vision_model.pre_layrnorm.bias"], eps)
        x = self._encoder(x, "vision_model", cfg)
        pooled = layer_norm(x[:, 0], w["vision_model.post_layernorm.weight"],
                            w["vision_model.post_layernorm.bias"], eps)
        return self._linear(pooled, "visual_projection", bias=False)

    def encode_text(self, ids):
        """[B, T] token ids -> [B, E] projected text features."""
        w, cfg = self.w, self.text
        eps = cfg.get("layer_norm_eps", 1e-5)
        ids = np.asarray(ids, np.int64)
        b, t = ids.shape
        pe = "text_model.embeddings"
        x = (w[pe + ".token_embedding.weight"][ids]
             + w[pe + ".position_embedding.weight"][:t])
        mask = np.triu(np.full((t, t), -np.inf), 1)
        x = self._encoder(x, "text_model", cfg, mask)
        x = layer_norm(x, w["text_model.final_layer_norm.weight"],
                       w["text_model.final_layer_norm.bias"], eps)
        if self.eos_token_id == 2:
            # Legacy configs: the end-of-text token has the highest id.
            eot = ids.argmax(-1)
        else:
            eot = (ids == self.eos_token_id).argmax(-1)
        return self._linear(x[np.arange(b), eot], "text_projection", bias=False)
