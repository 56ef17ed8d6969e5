"""A compact PyTorch CLIP forward pass over a Hugging Face CLIPModel
directory, for benchmarking and cross-checking the engine.

Weights are read from model.safetensors by tests/clip_reference.py's
reader (F32, F16 and BF16 become float32), so nothing beyond torch and
numpy is needed. The arithmetic follows transformers' CLIPModel:
pre-LayerNorm residual blocks, q scaled by head_dim**-0.5 before the
product, causal mask in the text tower, pooling at the class token
(vision) and at the end-of-text token (text).
"""

import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests"))
from clip_reference import Checkpoint  # noqa: E402


class TorchClip(Checkpoint):
    """CLIP's two towers as plain functions over a dict of weights."""

    def __init__(self, model_dir):
        super().__init__(model_dir, np.float32)
        self.w = {name: torch.from_numpy(x) for name, x in self.w.items()}

    def _act(self, x, name):
        if name == "quick_gelu":
            return x * torch.sigmoid(1.702 * x)
        return F.gelu(x)  # exact (erf) GELU

    def _attention(self, x, prefix, heads, mask):
        w = self.w
        b, t, d = x.shape
        hd = d // heads

        def proj(name):
            return F.linear(x, w[f"{prefix}.{name}.weight"],
                            w[f"{prefix}.{name}.bias"])

        q = (proj("q_proj") * hd ** -0.5).view(b, t, heads, hd).transpose(1, 2)
        k = proj("k_proj").view(b, t, heads, hd).transpose(1, 2)
        v = proj("v_proj").view(b, t, heads, hd).transpose(1, 2)
        scores = q @ k.transpose(-1, -2)
        if mask is not None:
            scores = scores + mask
        out = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d)
        return F.linear(out, w[f"{prefix}.out_proj.weight"],
                        w[f"{prefix}.out_proj.bias"])

    def _encoder(self, x, tower, cfg, mask=None):
        w = self.w
        d, eps = cfg["hidden_size"], cfg.get("layer_norm_eps", 1e-5)
        for i in range(cfg["num_hidden_layers"]):
            p = f"{tower}.encoder.layers.{i}"
            h = F.layer_norm(x, (d,), w[f"{p}.layer_norm1.weight"],
                             w[f"{p}.layer_norm1.bias"], eps)
            x = x + self._attention(h, f"{p}.self_attn",
                                    cfg["num_attention_heads"], mask)
            h = F.layer_norm(x, (d,), w[f"{p}.layer_norm2.weight"],
                             w[f"{p}.layer_norm2.bias"], eps)
            h = F.linear(h, w[f"{p}.mlp.fc1.weight"], w[f"{p}.mlp.fc1.bias"])
            h = self._act(h, cfg.get("hidden_act", "quick_gelu"))
            x = x + F.linear(h, w[f"{p}.mlp.fc2.weight"], w[f"{p}.mlp.fc2.bias"])
        return x

    def encode_image(self, pixels):
        """[B, 3, R, R] float32 -> [B, E] projected image features."""
        w, cfg = self.w, self.vision
        d, eps = cfg["hidden_size"], cfg.get("layer_norm_eps", 1e-5)
        pe = "vision_model.embeddings"
        x = F.conv2d(pixels, w[f"{pe}.patch_embedding.weight"],
                     stride=cfg["patch_size"])
        x = x.flatten(2).transpose(1, 2)
        cls = w[f"{pe}.class_embedding"].expand(x.shape[0], 1, d)
        x = torch.cat([cls, x], dim=1) + w[f"{pe}.position_embedding.weight"]
        x = F.layer_norm(x, (d,), w["vision_model.pre_layrnorm.weight"],
                         w["vision_model.pre_layrnorm.bias"], eps)
        x = self._encoder(x, "vision_model", cfg)
        pooled = F.layer_norm(x[:, 0], (d,),
                              w["vision_model.post_layernorm.weight"],
                              w["vision_model.post_layernorm.bias"], eps)
        return F.linear(pooled, w["visual_projection.weight"])

    def encode_text(self, ids):
        """[B, T] int64 token ids -> [B, E] projected text features."""
        w, cfg = self.w, self.text
        d, eps = cfg["hidden_size"], cfg.get("layer_norm_eps", 1e-5)
        b, t = ids.shape
        pe = "text_model.embeddings"
        x = (w[f"{pe}.token_embedding.weight"][ids]
             + w[f"{pe}.position_embedding.weight"][:t])
        mask = torch.full((t, t), -math.inf).triu(1)
        x = self._encoder(x, "text_model", cfg, mask)
        x = F.layer_norm(x, (d,), w["text_model.final_layer_norm.weight"],
                         w["text_model.final_layer_norm.bias"], eps)
        if self.eos_token_id == 2:
            # Legacy configs: the end-of-text token has the highest id.
            eot = ids.argmax(dim=-1)
        else:
            eot = (ids == self.eos_token_id).int().argmax(dim=-1)
        pooled = x[torch.arange(b), eot]
        return F.linear(pooled, w["text_projection.weight"])
