"""Exports the two towers of the PyTorch reference (torch_clip.py) to ONNX,
so ONNX Runtime runs exactly the arithmetic the engine is checked against.

  vision.onnx: pixel_values float32 [batch, 3, R, R] -> image_embeds [batch, E]
  text.onnx:   input_ids int64 [batch, seq] -> text_embeds [batch, E]

Batch is a dynamic axis in both, and so is the sequence length of the text
tower (full 77-token sequences or sequences cut after the last end-of-text
token). The outputs are the projected features before normalisation, as
clip-embed writes them. Files are cached in a directory keyed on the
checkpoint's path, size and modification time, and written atomically.

Usage: onnx_export.py MODEL_DIR OUT_DIR   (prints the two paths as JSON)
"""

import hashlib
import json
import os
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from torch_clip import TorchClip  # noqa: E402

# 17 has LayerNormalization as one operator; older torch falls back to 14.
OPSETS = (17, 14)


class _Tower(torch.nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


def cache_key(model_dir):
    """A short name that changes whenever the checkpoint file does."""
    st = os.stat(os.path.join(model_dir, "model.safetensors"))
    ident = f"{os.path.abspath(model_dir)}:{st.st_size}:{st.st_mtime_ns}"
    return hashlib.sha256(ident.encode()).hexdigest()[:16]


def _export(module, example, path, input_name, output_name, axes):
    """torch.onnx.export to a temporary file, then rename over @path."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".onnx.tmp")
    os.close(fd)
    try:
        for i, opset in enumerate(OPSETS):
            try:
                torch.onnx.export(module, (example,), tmp,
                                  input_names=[input_name],
                                  output_names=[output_name],
                                  dynamic_axes={input_name: axes,
                                                output_name: {0: "batch"}},
                                  opset_version=opset,
                                  do_constant_folding=True)
                break
            except Exception:  # an opset this torch cannot write
                if i == len(OPSETS) - 1:
                    raise
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def export(model_dir, cache_root):
    """Returns {"vision": path, "text": path}, exporting when not cached."""
    out_dir = os.path.join(cache_root, cache_key(model_dir))
    paths = {"vision": os.path.join(out_dir, "vision.onnx"),
             "text": os.path.join(out_dir, "text.onnx")}
    if all(os.path.exists(p) for p in paths.values()):
        return paths
    os.makedirs(out_dir, exist_ok=True)
    model = TorchClip(model_dir)
    side = model.vision["image_size"]
    context = model.text.get("max_position_embeddings", 77)
    # An example sequence whose end-of-text token (the highest id) is not at
    # the end, so that the traced graph does not pool at a fixed position.
    ids = torch.zeros(2, context, dtype=torch.int64)
    ids[:, 0] = 1
    ids[:, 5] = model.text["vocab_size"] - 1
    with torch.inference_mode(False), torch.no_grad():
        if not os.path.exists(paths["vision"]):
            _export(_Tower(model.encode_image), torch.zeros(2, 3, side, side),
                    paths["vision"], "pixel_values", "image_embeds",
                    {0: "batch"})
        if not os.path.exists(paths["text"]):
            _export(_Tower(model.encode_text), ids, paths["text"],
                    "input_ids", "text_embeds", {0: "batch", 1: "sequence"})
    with open(os.path.join(out_dir, "source.txt"), "w") as f:
        f.write(os.path.abspath(model_dir) + "\n")
    return paths


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(json.dumps(export(sys.argv[1], sys.argv[2])))
