/* bench-preprocess.h: clip-bench's --preprocess: times the preprocessing
 * of synthetic frames of given sizes and pixel formats. */
#ifndef CLIP_TOOLS_BENCH_PREPROCESS_H
#define CLIP_TOOLS_BENCH_PREPROCESS_H

#include "clip.h"

/* Times clip_preprocess() on a synthetic frame for each of @specs
 * ("WIDTHxHEIGHT:FORMAT", e.g. "1920x1080:nv12") and prints the median and
 * minimum wall milliseconds per frame over @iterations frames after
 * @warmup, and the CPU milliseconds per frame; with @threads other than 1,
 * the same for a ClipPreprocessor with that many threads (0: one per
 * core). FALSE with @error set on a bad spec. */
gboolean bench_preprocess (ClipModel *model, char **specs, int iterations,
    int warmup, int threads, gboolean json, GError **error);

#endif
