#!/bin/sh
# Builds the libFuzzer targets with clang and runs each for a while
# (FUZZ_SECONDS, default 30) from a small seed corpus made in a temporary
# directory. Exits non-zero when a target finds a crash, leak or UB.
set -u
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-30}
if ! command -v clang >/dev/null 2>&1; then
  echo "run-fuzz: clang is not installed; skipping the fuzz targets"
  exit 0
fi
if [ ! -d build-fuzz ]; then
  # the parsers need neither the native backend nor clang's OpenMP runtime
  # (libomp), which a fresh machine does not have
  CC=clang meson setup build-fuzz -Dfuzz=true -Dgst=disabled -Dtests=false \
    -Ddnnl=disabled -Dintrospection=disabled >/dev/null || exit 1
fi
meson compile -C build-fuzz >/dev/null || exit 1

corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
/usr/bin/python3 - "$corpus" <<'PY'
import json, os, struct, sys
root = sys.argv[1]
for name in ("safetensors", "config", "vocab", "tokenizer", "npy"):
    os.makedirs(os.path.join(root, name))
def put(kind, name, data):
    with open(os.path.join(root, kind, name), "wb") as f:
        f.write(data)
# config.json NUL preprocessor_config.json; the first part is also read as
# open_clip_config.json.
put("config", "hf", json.dumps({"vision_config": {"hidden_size": 768,
    "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5, "image_size": 224,
    "num_hidden_layers": 12, "num_attention_heads": 12}, "text_config": {
    "hidden_act": "gelu", "num_attention_heads": 8}, "a": [1, -2.5e3, True,
    None, "\u00e9\ud83d\ude80"]}).encode() + b"\0" + json.dumps({
    "image_mean": [0.5, 0.5, 0.5], "image_std": [0.25, 0.25, 0.25]}).encode())
put("config", "openclip", json.dumps({"model_cfg": {"quick_gelu": True,
    "vision_cfg": {"layers": 12, "image_size": 224, "head_width": 64},
    "text_cfg": {"layers": 12, "heads": 8}}, "preprocess_cfg": {
    "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]}}).encode())
hdr = json.dumps({"__metadata__": {"format": "pt"},
    "w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
    "b": {"dtype": "F16", "shape": [2], "data_offsets": [16, 20]},
    "s": {"dtype": "BF16", "shape": [], "data_offsets": [20, 22]}}).encode()
put("safetensors", "small", struct.pack("<Q", len(hdr)) + hdr + bytes(22))
# empty tensors, one of them too large in its other dimensions
hdr = json.dumps({"e": {"dtype": "U8", "shape": [0, 2**53],
    "data_offsets": [0, 0]}, "h": {"dtype": "F64", "shape": [2**53, 128, 0],
    "data_offsets": [0, 0]}}).encode()
put("safetensors", "empty", struct.pack("<Q", len(hdr)) + hdr)
vocab = {}
for i, c in enumerate("abcdefghijklmnopqrstuvwxyz"):
    vocab[c] = i
    vocab[c + "</w>"] = 26 + i
vocab.update({"ca": 52, "cat</w>": 53, "<|startoftext|>": 54,
              "<|endoftext|>": 55, "\u00e9": 56, "\"\\\n": 57})
merges = "#version: 0.2\nc a\nca t</w>\n"
put("vocab", "small", json.dumps(vocab, ensure_ascii=False).encode())
put("vocab", "escaped", json.dumps(vocab).encode())
put("tokenizer", "small", json.dumps(vocab).encode() + b"\0"
    + merges.encode() + b"\0" + "a cat &amp; 2 cats!".encode())
# .npy files as numpy writes them: format 1.0, 2.0 and 3.0, padded headers.
def npy(major, descr, shape, fortran, body):
    d = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
        descr, fortran, shape)
    lenfmt = "<H" if major == 1 else "<I"
    pre = 6 + 2 + struct.calcsize(lenfmt)
    d += " " * (-(pre + len(d) + 1) % 64) + "\n"
    return (b"\x93NUMPY" + bytes([major, 0]) + struct.pack(lenfmt, len(d))
            + d.encode() + body)
put("npy", "f4", npy(1, "<f4", "(2, 3)", False,
                     struct.pack("<6f", 0, 1, -2, 3.5, 1e-3, 6)))
put("npy", "i8", npy(2, "<i8", "()", False, struct.pack("<q", -7)))
put("npy", "f8", npy(3, "<f8", "(2,)", True, struct.pack("<2d", 0.5, -1)))
put("npy", "i4", npy(1, "|i4", "(1, 0, 3L)", False, b""))
# empty, but too large in its other dimension (numpy refuses it, as must we)
put("npy", "huge", npy(1, "<i8", "(%d, 0)" % 2**62, False, b""))
PY
# A valid label-set file for the first golden model in Hugging Face layout,
# whichever models the golden folder holds, when clip-embed and the golden
# data are there (fuzz-labelset loads the same model).
mkdir -p "$corpus/labelset"
embed=build-tests/tools/clip-embed
[ -x "$embed" ] || embed=build/tools/clip-embed
model=$(ls -d ../shared/golden/*/hf 2>/dev/null | head -n 1)
if [ -x "$embed" ] && [ -n "$model" ]; then
  "$embed" --model "$model" \
    --labels "cat, dog" --prompt "a photo of a {}" \
    --label-set-out "$corpus/labelset/valid" || exit 1
  CLIP_FUZZ_MODEL=$model
  export CLIP_FUZZ_MODEL
  targets="safetensors config vocab tokenizer npy labelset"
else
  echo "run-fuzz: no clip-embed built or no golden data: fuzz-labelset skipped"
  targets="safetensors config vocab tokenizer npy"
fi
status=0
for t in $targets; do
  echo "run-fuzz: fuzz-$t for ${seconds}s"
  build-fuzz/tests/fuzz/fuzz-$t -max_total_time="$seconds" -max_len=4096 \
    -print_final_stats=1 "$corpus/$t" 2>"$corpus/$t.log" || {
      status=1
      tail -40 "$corpus/$t.log"
    }
  grep -E "stat::number_of_executed_units" "$corpus/$t.log" || true
done
exit $status
