"""A CLIP model in PyTorch whose parameter names are exactly the Hugging
Face CLIPModel tensor names, plus safetensors and config.json writers, so
that the saved directory loads like any published CLIP checkpoint.

Pre-norm transformer blocks (x += attn(ln1(x)); x += mlp(ln2(x))), QuickGELU,
attention scaled by 1/sqrt(head_dim); vision: patch conv without bias,
class token, positions, pre_layrnorm, post_layernorm on the class token,
projection; text: causal mask, final_layer_norm, the row at the highest
token id (the end-of-text token), projection.
"""

import json
import math
import struct

import numpy as np
import torch
import torch.nn as nn

CONTEXT_LENGTH = 77


def quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(width, width)
        self.k_proj = nn.Linear(width, width)
        self.v_proj = nn.Linear(width, width)
        self.out_proj = nn.Linear(width, width)

    def forward(self, x, mask):
        b, t, d = x.shape
        hd = d // self.heads

        def split(y):
            return y.view(b, t, self.heads, hd).transpose(1, 2)

        q = split(self.q_proj(x)) * (1.0 / math.sqrt(hd))
        att = q @ split(self.k_proj(x)).transpose(-1, -2)
        if mask is not None:
            att = att + mask
        y = att.softmax(-1) @ split(self.v_proj(x))
        return self.out_proj(y.transpose(1, 2).reshape(b, t, d))


class Mlp(nn.Module):
    def __init__(self, width, hidden):
        super().__init__()
        self.fc1 = nn.Linear(width, hidden)
        self.fc2 = nn.Linear(hidden, width)

    def forward(self, x):
        return self.fc2(quick_gelu(self.fc1(x)))


class EncoderLayer(nn.Module):
    def __init__(self, width, heads, hidden):
        super().__init__()
        self.self_attn = Attention(width, heads)
        self.layer_norm1 = nn.LayerNorm(width, eps=1e-5)
        self.mlp = Mlp(width, hidden)
        self.layer_norm2 = nn.LayerNorm(width, eps=1e-5)

    def forward(self, x, mask=None):
        x = x + self.self_attn(self.layer_norm1(x), mask)
        return x + self.mlp(self.layer_norm2(x))


class Encoder(nn.Module):
    def __init__(self, width, layers, heads, hidden):
        super().__init__()
        self.layers = nn.ModuleList(
            [EncoderLayer(width, heads, hidden) for _ in range(layers)])

    def forward(self, x, mask=None):
        for layer in self.layers:
            x = layer(x, mask)
        return x


class VisionEmbeddings(nn.Module):
    def __init__(self, width, image_size, patch_size):
        super().__init__()
        n_pos = (image_size // patch_size) ** 2 + 1
        self.class_embedding = nn.Parameter(torch.randn(width) * width ** -0.5)
        self.patch_embedding = nn.Conv2d(3, width, patch_size, patch_size,
                                         bias=False)
        self.position_embedding = nn.Embedding(n_pos, width)
        nn.init.normal_(self.position_embedding.weight, std=width ** -0.5)

    def forward(self, pixels):
        x = self.patch_embedding(pixels).flatten(2).transpose(1, 2)
        cls = self.class_embedding.expand(x.shape[0], 1, -1)
        return torch.cat([cls, x], 1) + self.position_embedding.weight


class VisionTransformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        w = cfg["hidden_size"]
        self.embeddings = VisionEmbeddings(w, cfg["image_size"],
                                           cfg["patch_size"])
        self.pre_layrnorm = nn.LayerNorm(w, eps=1e-5)
        self.encoder = Encoder(w, cfg["num_hidden_layers"],
                               cfg["num_attention_heads"],
                               cfg["intermediate_size"])
        self.post_layernorm = nn.LayerNorm(w, eps=1e-5)

    def forward(self, pixels):
        x = self.encoder(self.pre_layrnorm(self.embeddings(pixels)))
        return self.post_layernorm(x[:, 0])


class TextEmbeddings(nn.Module):
    def __init__(self, width, vocab_size):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab_size, width)
        self.position_embedding = nn.Embedding(CONTEXT_LENGTH, width)
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        nn.init.normal_(self.position_embedding.weight, std=0.01)

    def forward(self, ids):
        t = ids.shape[1]
        return (self.token_embedding(ids)
                + self.position_embedding.weight[:t])


class TextTransformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        w = cfg["hidden_size"]
        self.embeddings = TextEmbeddings(w, cfg["vocab_size"])
        self.encoder = Encoder(w, cfg["num_hidden_layers"],
                               cfg["num_attention_heads"],
                               cfg["intermediate_size"])
        self.final_layer_norm = nn.LayerNorm(w, eps=1e-5)

    def forward(self, ids):
        """@ids [n, t] with t <= 77: the causal mask makes any prefix that
        holds the end-of-text token give the same result as all 77."""
        t = ids.shape[1]
        mask = torch.full((t, t), float("-inf")).triu(1)
        x = self.final_layer_norm(self.encoder(self.embeddings(ids), mask))
        return x[torch.arange(ids.shape[0]), ids.argmax(-1)]


class ClipModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        e = config["projection_dim"]
        vc, tc = config["vision_config"], config["text_config"]
        self.vision_model = VisionTransformer(vc)
        self.text_model = TextTransformer(tc)
        self.visual_projection = nn.Linear(vc["hidden_size"], e, bias=False)
        self.text_projection = nn.Linear(tc["hidden_size"], e, bias=False)
        nn.init.normal_(self.visual_projection.weight,
                        std=vc["hidden_size"] ** -0.5)
        nn.init.normal_(self.text_projection.weight,
                        std=tc["hidden_size"] ** -0.5)
        self.logit_scale = nn.Parameter(
            torch.tensor(config["logit_scale_init_value"]))

    def encode_image(self, pixels, normalize=True):
        z = self.visual_projection(self.vision_model(pixels))
        return nn.functional.normalize(z, dim=-1) if normalize else z

    def encode_text(self, ids, normalize=True):
        z = self.text_projection(self.text_model(ids))
        return nn.functional.normalize(z, dim=-1) if normalize else z


def make_config(vocab_size, sot_id, eot_id, image_size, patch_size,
                vision_width, vision_layers, text_width, text_layers,
                embed_dim, dtype):
    """config.json contents in Hugging Face's CLIPModel layout."""
    def sub(model_type, width, layers):
        return {"model_type": model_type, "hidden_size": width,
                "intermediate_size": 4 * width,
                "num_attention_heads": max(1, width // 64),
                "num_hidden_layers": layers, "hidden_act": "quick_gelu",
                "layer_norm_eps": 1e-5, "projection_dim": embed_dim,
                "dropout": 0.0, "attention_dropout": 0.0,
                "initializer_factor": 1.0, "initializer_range": 0.02}
    text = sub("clip_text_model", text_width, text_layers)
    text.update({"vocab_size": vocab_size,
                 "max_position_embeddings": CONTEXT_LENGTH,
                 "bos_token_id": sot_id, "eos_token_id": eot_id,
                 "pad_token_id": 0})
    vision = sub("clip_vision_model", vision_width, vision_layers)
    vision.update({"image_size": image_size, "patch_size": patch_size,
                   "num_channels": 3})
    return {"architectures": ["CLIPModel"], "model_type": "clip",
            "initializer_factor": 1.0, "logit_scale_init_value": 2.6592,
            "projection_dim": embed_dim, "torch_dtype": dtype,
            "text_config": text, "vision_config": vision}


def preprocessor_config(image_size, mean, std):
    """preprocessor_config.json contents (CLIPImageProcessor)."""
    return {"crop_size": {"height": image_size, "width": image_size},
            "do_center_crop": True, "do_convert_rgb": True,
            "do_normalize": True, "do_rescale": True, "do_resize": True,
            "image_mean": list(mean), "image_std": list(std),
            "image_processor_type": "CLIPImageProcessor", "resample": 3,
            "rescale_factor": 1 / 255, "size": {"shortest_edge": image_size}}


_DTYPES = {"F16": np.float16, "F32": np.float32}


def save_safetensors(state, path, dtype="F16"):
    """Writes a {name: tensor} dict: 8-byte little-endian header length, the
    JSON header (padded with spaces to a multiple of 8), then raw data."""
    header = {"__metadata__": {"format": "pt"}}
    blobs = []
    offset = 0
    for name in sorted(state):
        arr = state[name].detach().cpu().numpy().astype(_DTYPES[dtype])
        data = np.ascontiguousarray(arr).astype("<" + arr.dtype.str[1:])
        data = data.tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)


def load_safetensors(path):
    """Reads a safetensors file written by save_safetensors into float32
    torch tensors."""
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = "<" + np.dtype(_DTYPES[info["dtype"]]).str[1:]
        arr = np.frombuffer(raw[base + start:base + end], dtype=dtype)
        out[name] = torch.from_numpy(
            arr.astype(np.float32).reshape(info["shape"]))
    return out
