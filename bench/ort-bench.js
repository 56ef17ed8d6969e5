// Times ONNX Runtime (npm onnxruntime-node, CPU) on the towers exported by
// onnx_export.py, fed the engine's own preprocessed pixels and token ids,
// the way clip-bench times the engine: warm-up passes, then timed passes,
// median per forward pass. Prints one JSON object on stdout.
//
//   node ort-bench.js SPEC.json
//
// SPEC.json: {"ort": path of the onnxruntime-node package,
//   "vision": vision.onnx, "text": text.onnx,
//   "pixels": raw float32 file, "pixels_shape": [N, 3, R, R],
//   "tokens": raw int64 file, "tokens_shape": [M, 77],
//   "threads": N, "warmup": N, "iterations": N,
//   "vision_batches": [1, 8], "text_batches": [8],
//   "out": directory for ort-image.f32 / ort-text.f32}
'use strict';

const fs = require('fs');
const path = require('path');

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const ort = require(spec.ort);

const options = {
  intraOpNumThreads: spec.threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
};

function readArray(file, Type) {
  const buf = fs.readFileSync(file);
  // Copy: a Buffer's offset need not be aligned for the typed array.
  return new Type(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// The first @rows rows of @data (shape @shape), repeating row 0 when the
// input holds fewer rows than asked for.
function rowsOf(data, shape, rows, Type) {
  const row = shape.slice(1).reduce((a, b) => a * b, 1);
  const out = new Type(rows * row);
  for (let i = 0; i < rows; i++) {
    const src = i < shape[0] ? i : 0;
    out.set(data.subarray(src * row, (src + 1) * row), i * row);
  }
  return out;
}

// Token ids cut after the last end-of-text token of the batch (the highest
// id of each row, as CLIP pools), as the engine runs the text tower.
function trimmed(ids, rows, context) {
  let last = 0;
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let t = 1; t < context; t++)
      if (ids[r * context + t] > ids[r * context + best]) best = t;
    last = Math.max(last, best);
  }
  const len = last + 1;
  const out = new BigInt64Array(rows * len);
  for (let r = 0; r < rows; r++)
    out.set(ids.subarray(r * context, r * context + len), r * len);
  return { data: out, len };
}

async function bench(session, feeds) {
  const ms = [];
  for (let i = -spec.warmup; i < spec.iterations; i++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    const dt = Number(process.hrtime.bigint() - t0) / 1e6;
    if (i >= 0) ms.push(dt);
  }
  return { median_ms: median(ms), min_ms: Math.min(...ms) };
}

async function main() {
  const timings = [];
  const pixels = readArray(spec.pixels, Float32Array);
  const ids = readArray(spec.tokens, BigInt64Array);
  const [, c, h, w] = spec.pixels_shape;
  const [nTexts, context] = spec.tokens_shape;

  // Both towers loaded at once, as the engine and torch hold them: the
  // peak RSS is that of the whole model.
  const t0 = process.hrtime.bigint();
  const vision = await ort.InferenceSession.create(spec.vision, options);
  const text = await ort.InferenceSession.create(spec.text, options);
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  for (const b of spec.vision_batches) {
    // Batches of the first image repeated, as clip-bench does.
    const x = new ort.Tensor('float32',
        rowsOf(pixels, [1, c, h, w], b, Float32Array), [b, c, h, w]);
    timings.push({ tower: 'vision', batch: b,
                   ...(await bench(vision, { pixel_values: x })) });
  }
  const all = new ort.Tensor('float32', pixels, spec.pixels_shape);
  const imageOut = (await vision.run({ pixel_values: all })).image_embeds;
  fs.writeFileSync(path.join(spec.out, 'ort-image.f32'),
                   Buffer.from(imageOut.data.buffer, imageOut.data.byteOffset,
                               imageOut.data.byteLength));
  for (const b of spec.text_batches) {
    const full = rowsOf(ids, spec.tokens_shape, b, BigInt64Array);
    const cut = trimmed(full, b, context);
    const fullFeed = { input_ids: new ort.Tensor('int64', full, [b, context]) };
    const cutFeed = { input_ids: new ort.Tensor('int64', cut.data, [b, cut.len]) };
    const f = await bench(text, fullFeed);
    const s = await bench(text, cutFeed);
    // The causal mask makes the cut sequences give the same embeddings;
    // the largest difference shows the exported graph honours that.
    const a = (await text.run(fullFeed)).text_embeds.data;
    const c = (await text.run(cutFeed)).text_embeds.data;
    let diff = 0, scale = 0;
    for (let i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - c[i]));
      scale = Math.max(scale, Math.abs(a[i]));
    }
    timings.push({ tower: 'text', batch: b, ...f,
                   trimmed_median_ms: s.median_ms, trimmed_length: cut.len,
                   trimmed_rel_diff: diff / scale });
  }
  const textOut = (await text.run({
    input_ids: new ort.Tensor('int64', ids, [nTexts, context]) })).text_embeds;
  fs.writeFileSync(path.join(spec.out, 'ort-text.f32'),
                   Buffer.from(textOut.data.buffer, textOut.data.byteOffset,
                               textOut.data.byteLength));
  await vision.release();
  await text.release();

  const pkg = JSON.parse(fs.readFileSync(path.join(spec.ort, 'package.json')));
  console.log(JSON.stringify({ version: pkg.version,
                               load_ms: loadMs, timings }));
}

main().catch((e) => {
  console.error(`ort-bench: ${e.message}`);
  process.exit(1);
});
