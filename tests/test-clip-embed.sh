#!/bin/bash
# test-clip-embed.sh: contract tests of the clip-embed tool against the
# golden reference data (../shared/golden): embeddings, tokens and
# preprocessed pixels of every model and layout listed in manifest.json, and
# the error behaviour (non-zero exit, exactly one stderr line, no output
# file left behind).
#
#   test-clip-embed.sh PATH/TO/clip-embed
#
# The golden folder is $CLIP_GOLDEN_DIR, else $CLIP_GOLDEN_DEFAULT (set by
# meson), else ../shared/golden beside the source tree. Without it the test
# is skipped (exit 77), or fails when CI=true. Numbers are checked with
# /usr/bin/python3 and numpy.

set -u

clip_embed=${1:?usage: test-clip-embed.sh PATH/TO/clip-embed}
python=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)

skip_or_fail () {
  if [ "${CI:-}" = true ]; then
    echo "FAIL: $1 (CI=true: the golden data is required)" >&2
    exit 1
  fi
  echo "SKIP: $1"
  exit 77
}

golden=${CLIP_GOLDEN_DIR:-${CLIP_GOLDEN_DEFAULT:-$here/../../shared/golden}}
[ -f "$golden/manifest.json" ] \
  || skip_or_fail "no golden data: $golden/manifest.json not found (set CLIP_GOLDEN_DIR)"
"$python" -c 'import numpy' 2>/dev/null \
  || skip_or_fail "$python with numpy is needed to compare outputs"
[ -x "$clip_embed" ] || { echo "FAIL: $clip_embed is not executable" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-clip-embed.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0
n_checks=0

pass () { n_checks=$((n_checks + 1)); echo "ok $n_checks - $1"; }
fail () { n_checks=$((n_checks + 1)); failures=$((failures + 1)); echo "not ok $n_checks - $1"; }

# ------------------------------------------------------------ numeric checks
# The tolerances are those of the golden README.
cat > "$tmp/check.py" <<'EOF'
import json, os, sys
import numpy as np

CLIP_STD = [0.26862954, 0.26130258, 0.27577711]

def load(path, dtype):
    a = np.load(path)
    if a.dtype != np.dtype(dtype):
        sys.exit(f"{path}: dtype {a.dtype}, expected {dtype}")
    return a

def same_shape(a, ref, what):
    if a.shape != ref.shape:
        sys.exit(f"{what}: shape {a.shape}, expected {ref.shape}")

def embeds(out, ref_path, unit):
    a = load(out, "float32").astype(np.float64)
    ref = np.load(ref_path)
    same_shape(a, ref, out)
    cos = (a * ref).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(ref, axis=1)
    diff = np.abs(a - ref).max() / np.abs(ref).max()
    if cos.min() < 0.99999:
        sys.exit(f"row {cos.argmin()}: cosine {cos.min():.7f} < 0.99999")
    if diff > 1e-3:
        sys.exit(f"max |diff| {diff:.2e} x max |ref| > 1e-3")
    if unit:
        norms = np.linalg.norm(a, axis=1)
        if np.abs(norms - 1).max() > 1e-4:
            sys.exit(f"row norms from {norms.min()} to {norms.max()}, expected 1")
    print(f"min cosine {cos.min():.8f}, max |diff| {diff:.1e} of max |ref|")

def end_to_end(out, ref_path, repeat="1"):
    a = load(out, "float32").astype(np.float64)
    ref = np.tile(np.load(ref_path), (int(repeat), 1))
    same_shape(a, ref, out)
    cos = (a * ref).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(ref, axis=1)
    if cos.min() < 0.999:
        sys.exit(f"row {cos.argmin()}: cosine {cos.min():.6f} < 0.999")
    print(f"min cosine {cos.min():.6f}")

def tokens(out, ref_path, first, count):
    a = load(out, "int32")
    first, count = int(first), int(count)
    ref = np.load(ref_path)[first:first + count]
    same_shape(a, ref, out)
    bad = np.nonzero((a != ref).any(1))[0]
    if len(bad):
        sys.exit(f"text {first + bad[0]}: ids {a[bad[0]].tolist()} != {ref[bad[0]].tolist()}")
    print(f"{len(a)} texts identical")

def same_rows(out):
    a = load(out, "int32")
    if not (a[1:] == a[0]).all():
        sys.exit(f"rows differ: {a.tolist()}")
    print(f"{len(a)} rows identical")

def pixels(out, ref_path, model_dir):
    std = CLIP_STD
    pre = os.path.join(model_dir, "preprocessor_config.json")
    if os.path.exists(pre):
        std = json.load(open(pre)).get("image_std", std)
    a = load(out, "float32").astype(np.float64)
    ref = np.load(ref_path).astype(np.float64)
    same_shape(a, ref, out)
    levels = np.abs(a - ref) * np.array(std).reshape(1, 3, 1, 1) * 255
    within_one = (levels <= 1 + 1e-3).mean()
    if levels.max() > 3 + 1e-3:
        sys.exit(f"a value is {levels.max():.2f} levels off (limit 3)")
    if within_one < 0.99:
        sys.exit(f"only {100 * within_one:.2f}% of values within one level")
    print(f"max {levels.max():.2f} levels, {100 * within_one:.3f}% within one")

def make_pixels(out, dtype, *shape):
    np.save(out, np.zeros([int(s) for s in shape], dtype=dtype))

def manifest(golden, tmp):
    m = json.load(open(os.path.join(golden, "manifest.json")))
    texts = m["texts"]
    # The first texts go on the command line, the rest through JSON, so
    # the order of the two sources is checked too.
    with open(os.path.join(tmp, "texts-cli"), "wb") as f:
        for t in texts[:3]:
            f.write(t.encode() + b"\0")
    json.dump(texts[3:], open(os.path.join(tmp, "texts.json"), "w"))
    with open(os.path.join(tmp, "images"), "wb") as f:
        for name in m["images"]:
            f.write(os.path.join(golden, "images", name).encode() + b"\0")
    with open(os.path.join(tmp, "models"), "w") as f:
        for model in m["models"]:
            for layout, rel in model["layouts"].items():
                f.write(f"{model['name']}\t{layout}\t{rel}\t{model['pixels']}\t"
                        f"{model['image_embeds']}\t{model['image_embeds_norm']}\t"
                        f"{model['text_embeds']}\t{model['text_embeds_norm']}\t"
                        f"{m['token_ids']}\n")

def oriented_files(tmp, side):
    """The same random picture, (side + 16) x side, as eight JPEG files that
    differ only in their EXIF orientation tag (1 to 8), and as eight TIFF
    files with that tag."""
    from PIL import Image
    side = int(side)
    rng = np.random.default_rng(3)
    im = Image.fromarray(rng.integers(0, 256, (side, side + 16, 3), np.uint8))
    for o in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = o
        im.save(os.path.join(tmp, f"o{o}.jpg"), quality=95, subsampling=0,
                exif=exif.tobytes())
        im.save(os.path.join(tmp, f"o{o}.tif"), tiffinfo={0x0112: o})

def orientation(upright, stored):
    """Each orientation's picture is shown at least side on its short side,
    so resizing leaves it alone and the centre square is what is kept: the
    upright pixels of tag o must be the stored centre square moved as
    PIL's ImageOps.exif_transpose moves a picture with that tag. Without
    stored (TIFF: libtiff itself mirrors some orientations as it decodes),
    tag 1 stands for the stored pixels."""
    from PIL import Image, ImageOps
    up = load(upright, "float32")
    st = load(stored, "float32") if stored else up[:1]
    if not (st == st[0]).all():
        sys.exit("--no-rotate: the tags changed the pixels")
    if not (up[0] == st[0]).all():
        sys.exit("orientation 1 changed the pixels")
    side = up.shape[-1]
    for o in range(2, 9):
        # A new picture each time: PIL keeps the EXIF it has read.
        index = Image.fromarray(np.arange(side * side, dtype=np.int32).reshape(side, side))
        exif = Image.Exif()
        exif[0x0112] = o
        index.info["exif"] = exif.tobytes()
        moved = np.asarray(ImageOps.exif_transpose(index)).reshape(-1)
        want = st[0].reshape(3, -1)[:, moved].reshape(st[0].shape)
        if (up[o - 1] == st[0]).all():
            sys.exit(f"orientation {o}: pixels as stored")
        if not (up[o - 1] == want).all():
            sys.exit(f"orientation {o}: not the picture exif_transpose shows")
    print("tags 2-8 turn or mirror the picture as PIL's exif_transpose does"
          + ("; --no-rotate keeps it as stored" if stored else ""))

def image_size(pixels_path):
    print(np.load(pixels_path, mmap_mode="r").shape[-1])

globals()[sys.argv[1].replace("-", "_")](*sys.argv[2:])
EOF

check () {  # description, check.py arguments...
  local what=$1 result
  shift
  if result=$("$python" "$tmp/check.py" "$@" 2>&1); then
    pass "$what: $result"
  else
    fail "$what: $result"
  fi
}

run_ok () {  # description, clip-embed arguments...
  local what=$1
  shift
  if "$clip_embed" "$@" > "$tmp/stdout" 2> "$tmp/stderr"; then
    return 0
  fi
  fail "$what: clip-embed exited with status $?: $(head -c 500 "$tmp/stderr")"
  return 1
}

"$python" "$tmp/check.py" manifest "$golden" "$tmp" || exit 1
mapfile -d '' cli_texts < "$tmp/texts-cli"
mapfile -d '' images < "$tmp/images"
text_args=()
for t in "${cli_texts[@]}"; do
  text_args+=(--text "$t")
done
image_args=()
for i in "${images[@]}"; do
  image_args+=(--image "$i")
done

# ------------------------------------------------- every model and layout
while IFS=$'\t' read -r name layout rel pixels img img_norm txt txt_norm ids; do
  model="$golden/$rel"
  label="$name/$layout"
  out="$tmp/out-$name-$layout"
  mkdir -p "$out"

  if run_ok "$label raw" --model "$model" --pixels "$golden/$pixels" \
      "${text_args[@]}" --texts-json "$tmp/texts.json" \
      --image-out "$out/img.npy" --text-out "$out/txt.npy" \
      --tokens-out "$out/ids.npy"; then
    check "$label image embeddings from pixels.npy" embeds "$out/img.npy" "$golden/$img" ""
    check "$label text embeddings" embeds "$out/txt.npy" "$golden/$txt" ""
    check "$label tokens (--text then --texts-json)" tokens "$out/ids.npy" "$golden/$ids" 0 1000000
  fi

  if run_ok "$label normalized" --model "$model" --pixels "$golden/$pixels" \
      "${text_args[@]}" --texts-json "$tmp/texts.json" --normalize \
      --image-out "$out/img-norm.npy" --text-out "$out/txt-norm.npy"; then
    check "$label normalized image embeddings" embeds "$out/img-norm.npy" "$golden/$img_norm" unit
    check "$label normalized text embeddings" embeds "$out/txt-norm.npy" "$golden/$txt_norm" unit
  fi

  if run_ok "$label images" --model "$model" "${image_args[@]}" --normalize \
      --pixels-out "$out/pixels.npy" --image-out "$out/img-png.npy" --threads 1; then
    check "$label --pixels-out from the PNGs" pixels "$out/pixels.npy" "$golden/$pixels" "$model"
    check "$label PNG to normalized embedding" end-to-end "$out/img-png.npy" "$golden/$img_norm"
  fi
  # Without --pixels-out the files are read a batch at a time as they are
  # embedded: twice the list, so that batches straddle its end.
  if run_ok "$label images, streamed" --model "$model" "${image_args[@]}" \
      "${image_args[@]}" --normalize --image-out "$out/img-stream.npy"; then
    check "$label PNGs read batch by batch" end-to-end "$out/img-stream.npy" "$golden/$img_norm" 2
  fi

  # Only --text: the tokens of those texts alone.
  if run_ok "$label --text only" --model "$model" "${text_args[@]}" \
      --tokens-out "$out/ids-cli.npy"; then
    check "$label tokens of --text alone" tokens "$out/ids-cli.npy" "$golden/$ids" 0 "${#cli_texts[@]}"
  fi
done < "$tmp/models"

# ------------------------------------------- text cleaning, U+0000 in JSON
IFS=$'\t' read -r name layout rel _ < "$tmp/models"
# The ids of OpenAI's tokenizer with the real ftfy 6.3.1.
if run_ok "texts-ftfy" --model "$golden/$rel" \
    --texts-json "$golden/texts-ftfy/texts.json" --tokens-out "$tmp/ftfy.npy"; then
  check "texts-ftfy tokens" tokens "$tmp/ftfy.npy" "$golden/texts-ftfy/token_ids.npy" 0 1000000
fi
# A JSON string may hold U+0000; ftfy removes it like the other controls.
printf '["a\\u0000 cat", "a cat", "a \\u0000cat\\u0000"]' > "$tmp/nul.json"
if run_ok "--texts-json holding U+0000" --model "$golden/$rel" \
    --texts-json "$tmp/nul.json" --tokens-out "$tmp/nul.npy" \
    --text-out "$tmp/nul-text.npy"; then
  check "U+0000 tokenized as OpenAI does (removed)" same-rows "$tmp/nul.npy"
fi

# ---------------------------------------------------------------- errors
IFS=$'\t' read -r name layout rel pixels _ < "$tmp/models"
model="$golden/$rel"
side=$("$python" "$tmp/check.py" image-size "$golden/$pixels")

# ------------------------------------------------------ EXIF orientation
"$python" "$tmp/check.py" oriented-files "$tmp" "$side" || exit 1
oriented=()
tiffs=()
for o in 1 2 3 4 5 6 7 8; do
  oriented+=(--image "$tmp/o$o.jpg")
  tiffs+=(--image "$tmp/o$o.tif")
done
if run_ok "JPEGs with orientation tags" --model "$model" "${oriented[@]}" \
      --pixels-out "$tmp/upright.npy" \
    && run_ok "JPEGs with orientation tags, --no-rotate" --model "$model" \
      "${oriented[@]}" --no-rotate --pixels-out "$tmp/stored.npy"; then
  check "EXIF orientation" orientation "$tmp/upright.npy" "$tmp/stored.npy"
fi
if run_ok "TIFFs with orientation tags" --model "$model" "${tiffs[@]}" \
      --pixels-out "$tmp/upright-tiff.npy"; then
  check "TIFF orientation" orientation "$tmp/upright-tiff.npy" ""
fi
E="$tmp/error-out"    # where failing runs are asked to write; must stay empty

expect_error () {  # description, text the message must hold, arguments...
  local what=$1 needle=$2 status lines
  shift 2
  rm -rf "$E"
  mkdir "$E"
  "$clip_embed" "$@" > "$tmp/stdout" 2> "$tmp/stderr"
  status=$?
  lines=$(wc -l < "$tmp/stderr")
  if [ "$status" -eq 0 ]; then
    fail "$what: exit status 0"
  elif [ "$status" -ge 128 ]; then
    fail "$what: killed by signal $((status - 128))"
  elif [ "$lines" -ne 1 ]; then
    fail "$what: $lines lines on stderr, expected 1: $(head -c 500 "$tmp/stderr")"
  elif ! grep -q '^clip-embed: ' "$tmp/stderr"; then
    fail "$what: stderr does not start with 'clip-embed: ': $(cat "$tmp/stderr")"
  elif ! grep -qF -- "$needle" "$tmp/stderr"; then
    fail "$what: message does not name '$needle': $(cat "$tmp/stderr")"
  elif [ -n "$(ls -A "$E")" ]; then
    fail "$what: left files behind: $(ls -A "$E" | tr '\n' ' ')"
  else
    pass "$what: $(cat "$tmp/stderr")"
  fi
}

printf 'this is not an image\n' > "$tmp/not-an-image.png"
: > "$tmp/empty.jpg"
printf '[ "a cat", ' > "$tmp/truncated.json"
printf '{ "texts": [ "a cat" ] }' > "$tmp/object.json"
printf '[ "a cat", 3 ]' > "$tmp/number.json"
"$python" "$tmp/check.py" make-pixels "$tmp/big.npy" float32 1 3 $((side + 1)) $((side + 1))
"$python" "$tmp/check.py" make-pixels "$tmp/3d.npy" float32 3 "$side" "$side"
"$python" "$tmp/check.py" make-pixels "$tmp/gray.npy" float32 1 1 "$side" "$side"
"$python" "$tmp/check.py" make-pixels "$tmp/int.npy" int32 1 3 "$side" "$side"
printf 'not npy' > "$tmp/garbage.npy"

expect_error "missing model directory" "$tmp/no-such-model" \
  --model "$tmp/no-such-model" --text "a cat" --text-out "$E/t.npy"
expect_error "model directory without a checkpoint" "$tmp" \
  --model "$tmp" --text "a cat" --text-out "$E/t.npy"
expect_error "missing image file" "$tmp/no-such-image.png" \
  --model "$model" --image "${images[0]}" --image "$tmp/no-such-image.png" \
  --image-out "$E/i.npy" --pixels-out "$E/p.npy"
expect_error "a file that is not an image" "$tmp/not-an-image.png" \
  --model "$model" --image "$tmp/not-an-image.png" --image-out "$E/i.npy"
# Read as they are embedded: the bad file comes after whole batches, and
# the label set, computed by then, must not be written either.
expect_error "a bad image after whole batches" "$tmp/not-an-image.png" \
  --model "$model" "${image_args[@]}" "${image_args[@]}" \
  --image "$tmp/not-an-image.png" --image-out "$E/i.npy" \
  --labels "cat" --label-set-out "$E/set.safetensors"
expect_error "an empty image file" "$tmp/empty.jpg" \
  --model "$model" --image "$tmp/empty.jpg" --image-out "$E/i.npy"
expect_error "a directory as image" "$tmp" \
  --model "$model" --image "$tmp" --image-out "$E/i.npy"
expect_error "--pixels of the wrong size" "big.npy" \
  --model "$model" --pixels "$tmp/big.npy" --image-out "$E/i.npy"
expect_error "--pixels without a batch axis" "3d.npy" \
  --model "$model" --pixels "$tmp/3d.npy" --image-out "$E/i.npy"
expect_error "--pixels with one channel" "gray.npy" \
  --model "$model" --pixels "$tmp/gray.npy" --image-out "$E/i.npy"
expect_error "--pixels of int32" "int.npy" \
  --model "$model" --pixels "$tmp/int.npy" --image-out "$E/i.npy"
expect_error "--pixels not in npy format" "garbage.npy" \
  --model "$model" --pixels "$tmp/garbage.npy" --image-out "$E/i.npy"
expect_error "truncated --texts-json" "truncated.json" \
  --model "$model" --texts-json "$tmp/truncated.json" --text-out "$E/t.npy"
expect_error "--texts-json holding an object" "object.json" \
  --model "$model" --texts-json "$tmp/object.json" --text-out "$E/t.npy"
expect_error "--texts-json with a number" "number.json" \
  --model "$model" --texts-json "$tmp/number.json" --text-out "$E/t.npy"
expect_error "missing --texts-json" "$tmp/no-such.json" \
  --model "$model" --texts-json "$tmp/no-such.json" --text-out "$E/t.npy"
expect_error "--image with --pixels" "--pixels" \
  --model "$model" --image "${images[0]}" --pixels "$golden/$pixels" --image-out "$E/i.npy"
expect_error "--no-rotate without --image" "--no-rotate" \
  --model "$model" --pixels "$golden/$pixels" --no-rotate --image-out "$E/i.npy"
expect_error "--image-out without images" "--image-out" \
  --model "$model" --text "a cat" --image-out "$E/i.npy" --text-out "$E/t.npy"
expect_error "no --model" "--model" \
  --text "a cat" --text-out "$E/t.npy"
expect_error "unknown option" "--frobnicate" \
  --model "$model" --frobnicate --text "a cat" --text-out "$E/t.npy"
# The image embeddings are saved first; the failing text output must take
# them away again.
expect_error "a later output that cannot be written" "$tmp/no-such-dir" \
  --model "$model" --pixels "$golden/$pixels" --text "a cat" \
  --image-out "$E/i.npy" --tokens-out "$E/ids.npy" \
  --text-out "$tmp/no-such-dir/t.npy"

# ------------------------------------------------------- label-set files
# Read back here with a plain safetensors parser and compared with OpenAI's
# embeddings of golden texts 0 and 1 ("a photo of a cat", "... dog").
cat > "$tmp/check_labelset.py" <<'EOF'
import json, struct, sys
import numpy as np
path, ref_path = sys.argv[1:3]
raw = open(path, "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
meta = header["__metadata__"]
t = header["embeddings"]
a, b = t["data_offsets"]
emb = np.frombuffer(raw[8 + n + a:8 + n + b], "<f4").reshape(t["shape"])
ref = np.load(ref_path)[:2]
ref = ref / np.linalg.norm(ref, axis=1, keepdims=True)
assert json.loads(meta["labels"]) == ["cat", "dog"], meta["labels"]
assert json.loads(meta["templates"]) == ["a photo of a {}"], meta["templates"]
assert meta["precision"] == "fp32" and meta["embed_dim"] == str(ref.shape[1])
assert len(meta["model_fingerprint"]) == 64
cos = (emb * ref).sum(1) / np.linalg.norm(emb, axis=1)
assert cos.min() >= 0.99999, cos
print(f"labels {json.loads(meta['labels'])}, min cosine {cos.min():.7f}")
EOF
ls_model=$golden/tiny-quickgelu-p32-f32/hf
if "$clip_embed" --model "$ls_model" --labels "cat, dog" \
    --prompt "a photo of a {}" --label-set-out "$tmp/set.safetensors" \
    && "$python" "$tmp/check_labelset.py" "$tmp/set.safetensors" \
      "$golden/tiny-quickgelu-p32-f32/text_embeds_norm.npy"; then
  pass "--label-set-out holds the golden text embeddings and the metadata"
else
  fail "--label-set-out"
fi
expect_error "--label-set-out without labels" "needs labels" \
  --model "$ls_model" --label-set-out "$E/set.safetensors"
expect_error "--labels without --label-set-out" "go with --label-set-out" \
  --model "$ls_model" --labels "cat" --text-out "$E/t.npy" --text "a"

# ------------------------------------------------------------------ help
if "$clip_embed" --help > "$tmp/help" 2>&1; then
  missing=""
  for flag in --model --image --pixels --pixels-out --text --texts-json \
      --image-out --text-out --tokens-out --normalize --threads --no-rotate \
      --labels --labels-file --prompt --prompt-file --label-set-out; do
    grep -q -- "$flag" "$tmp/help" || missing="$missing $flag"
  done
  if [ -z "$missing" ]; then pass "--help explains every flag"; else fail "--help lacks$missing"; fi
else
  fail "--help exited with status $?"
fi

echo "1..$n_checks"
if [ "$failures" -gt 0 ]; then
  echo "$failures of $n_checks checks failed"
  exit 1
fi
exit 0
