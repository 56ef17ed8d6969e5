/* clip-bench: times the engine's forward passes. Loads a checkpoint once,
 * then runs the vision tower on batches of one image (repeated) and the
 * text tower on batches of prompts, each for a number of iterations after
 * warm-up, and reports milliseconds per pass, per item and items/s.
 *
 *   clip-bench --model DIR --batch 1 --batch 8 --iterations 20 --threads 2
 */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "clip.h"
#include "cli-messages.h"
#include "image-file.h"
#include "model-options.h"
#include "bench-preprocess.h"

#define PROG "clip-bench"

typedef struct {
  char *model_path;
  char *image_path;
  char **batches;             /* vision batch sizes, as given */
  char **text_batches;        /* text batch sizes, as given */
  int iterations;
  int warmup;
  int threads;
  gboolean json;
  ModelOptions model;
  char **preprocess;          /* WxH:FORMAT frames to preprocess */
} Options;

typedef struct {
  const char *tower;          /* "vision" or "text" */
  int batch;
  double median_ms, min_ms;   /* per forward pass */
} Timing;

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Parses a list of positive batch sizes given as repeated string flags. */
static GArray *
parse_batches (char **values, const char *flag, int fallback_a,
    int fallback_b, GError **error)
{
  GArray *sizes = g_array_new (FALSE, FALSE, sizeof (int));
  int i;

  if (!values) {
    g_array_append_val (sizes, fallback_a);
    g_array_append_val (sizes, fallback_b);
    return sizes;
  }
  for (i = 0; values[i]; i++) {
    guint64 n;
    int size;

    if (!g_ascii_string_to_unsigned (values[i], 10, 1, 4096, &n, NULL)) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
          "%s %s: expected a batch size from 1 to 4096", flag, values[i]);
      g_array_unref (sizes);
      return NULL;
    }
    size = (int) n;
    g_array_append_val (sizes, size);
  }
  return sizes;
}

/* Runs the vision tower (when @pixels) or the text tower on @batch items,
 * warm-up plus timed iterations, and records the median and minimum. */
static gboolean
time_passes (ClipWorkspace *ws, const Options *o, const float *pixels,
    const int32_t *ids, int batch, float *out, Timing *t, GError **error)
{
  double *ms = g_new (double, o->iterations);
  int i;

  for (i = -o->warmup; i < o->iterations; i++) {
    gint64 start = g_get_monotonic_time ();
    gboolean ok = pixels
        ? clip_vision_encode (ws, pixels, batch, out, TRUE, error)
        : clip_text_encode_tokens (ws, ids, batch, out, TRUE, error);

    if (!ok) {
      g_free (ms);
      return FALSE;
    }
    if (i >= 0)
      ms[i] = (g_get_monotonic_time () - start) / 1000.0;
  }
  qsort (ms, o->iterations, sizeof (double), compare_doubles);
  t->batch = batch;
  t->median_ms = ms[o->iterations / 2];
  t->min_ms = ms[0];
  g_free (ms);
  return TRUE;
}

/* A smooth deterministic test card, when no --image is given. */
static void
synthetic_input (const ClipModel *model, float *out, GError **error)
{
  int side = clip_model_image_size (model), x, y;
  guint8 *rgb = g_new (guint8, (size_t) side * side * 3);
  ClipImage image;

  for (y = 0; y < side; y++)
    for (x = 0; x < side; x++) {
      guint8 *p = rgb + ((size_t) y * side + x) * 3;

      p[0] = (guint8) (255 * x / side);
      p[1] = (guint8) (255 * y / side);
      p[2] = (guint8) ((x * y) & 255);
    }
  image = clip_image_rgb (rgb, side, side, side * 3);
  clip_preprocess (model, &image, out, error);
  g_free (rgb);
}

static void
print_report (const Options *o, const ClipModel *model, double load_ms,
    GArray *timings)
{
  struct rusage usage;
  double rss_mb;
  guint i;

  getrusage (RUSAGE_SELF, &usage);
  rss_mb = usage.ru_maxrss / 1024.0;   /* kilobytes on Linux */

  if (!o->json) {
    g_print ("model: %s\nload: %.1f ms\n", clip_model_describe (model),
        load_ms);
    for (i = 0; i < timings->len; i++) {
      Timing *t = &g_array_index (timings, Timing, i);

      g_print ("%-6s batch %3d: %9.2f ms/pass (min %.2f), %8.2f ms/item, "
          "%8.2f items/s\n", t->tower, t->batch, t->median_ms, t->min_ms,
          t->median_ms / t->batch, 1000.0 * t->batch / t->median_ms);
    }
    g_print ("peak RSS: %.1f MB\n", rss_mb);
    return;
  }

  g_print ("{\"load_ms\": %.3f, \"threads\": %d, \"backend\": \"%s\", "
      "\"precision\": \"%s\", \"iterations\": %d, \"peak_rss_mb\": %.1f, "
      "\"timings\": [", load_ms, o->threads,
      clip_backend_name (clip_model_backend (model)),
      clip_precision_name (clip_model_precision (model)), o->iterations,
      rss_mb);
  for (i = 0; i < timings->len; i++) {
    Timing *t = &g_array_index (timings, Timing, i);

    g_print ("%s{\"tower\": \"%s\", \"batch\": %d, \"median_ms\": %.3f, "
        "\"min_ms\": %.3f, \"ms_per_item\": %.3f, \"items_per_s\": %.3f}",
        i ? ", " : "", t->tower, t->batch, t->median_ms, t->min_ms,
        t->median_ms / t->batch, 1000.0 * t->batch / t->median_ms);
  }
  g_print ("]}\n");
}

static gboolean
run (const Options *o, GArray *batches, GArray *text_batches, GError **error)
{
  ClipModel *model = NULL;
  ClipWorkspace *ws = NULL;
  GArray *timings = g_array_new (FALSE, FALSE, sizeof (Timing));
  float *pixels = NULL, *out = NULL;
  int32_t *ids = NULL;
  int max_batch = 1, max_text = 1, context, i;
  size_t input_size;
  double load_ms;
  gint64 start;
  gboolean ok = FALSE;
  guint b;

  ClipModelParams params = clip_model_default_params ();
  if (!model_options_apply (&o->model, &params, error))
    goto out;
  start = g_get_monotonic_time ();
  model = clip_model_load (o->model_path, &params, error);
  if (!model)
    goto out;
  for (b = 0; b < batches->len; b++)
    max_batch = MAX (max_batch, g_array_index (batches, int, b));
  for (b = 0; b < text_batches->len; b++)
    max_text = MAX (max_text, g_array_index (text_batches, int, b));

  ws = clip_workspace_new (model, max_batch, error);
  if (!ws)
    goto out;
  clip_workspace_set_threads (ws, o->threads);
  load_ms = (g_get_monotonic_time () - start) / 1000.0;

  input_size = clip_model_input_size (model);
  pixels = g_new (float, input_size * max_batch);
  if (o->image_path) {
    if (!image_file_preprocess (model, o->image_path, TRUE, pixels, error))
      goto out;
  } else {
    synthetic_input (model, pixels, NULL);
  }
  for (i = 1; i < max_batch; i++)
    memcpy (pixels + i * input_size, pixels, input_size * sizeof (float));

  context = clip_model_context_length (model);
  ids = g_new (int32_t, (size_t) context * max_text);
  for (i = 0; i < max_text; i++) {
    char *prompt = g_strdup_printf ("a photo of object number %d.", i);
    gboolean tokenized = clip_tokenize (model, prompt, ids + i * context,
        error);

    g_free (prompt);
    if (!tokenized)
      goto out;
  }

  out = g_new (float, (size_t) clip_model_embed_dim (model)
      * MAX (max_batch, max_text));
  for (b = 0; b < batches->len; b++) {
    Timing t = { .tower = "vision" };

    if (!time_passes (ws, o, pixels, NULL, g_array_index (batches, int, b),
            out, &t, error))
      goto out;
    g_array_append_val (timings, t);
  }
  for (b = 0; b < text_batches->len; b++) {
    Timing t = { .tower = "text" };

    if (!time_passes (ws, o, NULL, ids, g_array_index (text_batches, int, b),
            out, &t, error))
      goto out;
    g_array_append_val (timings, t);
  }
  print_report (o, model, load_ms, timings);
  ok = TRUE;

out:
  g_free (pixels);
  g_free (ids);
  g_free (out);
  g_array_unref (timings);
  if (ws)
    clip_workspace_free (ws);
  if (model)
    clip_model_unref (model);
  return ok;
}

int
main (int argc, char **argv)
{
  Options o = { .iterations = 10, .warmup = 2 };
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &o.model_path,
      "CLIP checkpoint directory or .safetensors file (required)", "PATH" },
    { "image", 'i', 0, G_OPTION_ARG_FILENAME, &o.image_path,
      "Image to feed the vision tower (default: a synthetic test card)",
      "FILE" },
    { "batch", 'b', 0, G_OPTION_ARG_STRING_ARRAY, &o.batches,
      "Vision batch size to time; repeat for several (default 1 and 8)",
      "N" },
    { "text-batch", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.text_batches,
      "Text batch size to time; repeat for several (default 1 and 8)", "N" },
    { "iterations", 'n', 0, G_OPTION_ARG_INT, &o.iterations,
      "Timed passes per batch size; the median is reported (default 10)",
      "N" },
    { "warmup", 'w', 0, G_OPTION_ARG_INT, &o.warmup,
      "Untimed passes first, to settle caches and thread pools (default 2)",
      "N" },
    { "threads", 'j', 0, G_OPTION_ARG_INT, &o.threads,
      "Threads for the forward passes (default 0: one for small models, all "
      "cores otherwise, halved while other work crowds the cores)", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &o.json,
      "Print the results as one JSON object", NULL },
    { "preprocess", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.preprocess,
      "Time preprocessing of a synthetic WIDTHxHEIGHT:FORMAT frame (e.g. "
      "1920x1080:nv12) over 10 x --iterations frames instead of the towers "
      "(unless --batch or --text-batch is given too); repeat for several",
      "SPEC" },
    { NULL }
  };
  GOptionContext *context;
  GArray *batches = NULL, *text_batches = NULL;
  GError *error = NULL;
  gboolean ok;

  setlocale (LC_ALL, "");
  g_set_prgname (PROG);
  context = g_option_context_new ("- time the CLIP engine's forward passes");
  g_option_context_set_summary (context,
      "Loads a checkpoint once, then times the vision tower on batches of one "
      "image\nrepeated and the text tower on batches of prompts. Times are "
      "medians over\n--iterations passes after --warmup passes; peak RSS is "
      "that of this process.");
  g_option_context_set_description (context,
      "Example:\n"
      "  clip-bench --model clip-vit-base-patch32 --batch 1 --batch 8 "
      "--threads 2 --json\n");
  g_option_context_add_main_entries (context, entries, NULL);
  model_options_add (context, &o.model);
  ok = g_option_context_parse (context, &argc, &argv, &error);
  g_option_context_free (context);

  if (ok && !o.model_path) {
    g_set_error_literal (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "--model is required");
    ok = FALSE;
  }
  if (ok && (o.iterations < 1 || o.warmup < 0 || o.threads < 0)) {
    g_set_error_literal (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "--iterations must be at least 1, --warmup and --threads at least 0");
    ok = FALSE;
  }
  if (ok)
    ok = (batches = parse_batches (o.batches, "--batch", 1, 8, &error))
        && (text_batches = parse_batches (o.text_batches, "--text-batch", 1,
                8, &error));
  if (ok && o.preprocess) {
    /* preprocessing reads the model's sizes only: nothing to pack */
    ClipModelParams params = clip_model_default_params ();
    ClipModel *model;

    params.backend = CLIP_BACKEND_OPENBLAS;
    cli_log_begin (FALSE);
    ok = (model = clip_model_load (o.model_path, &params, &error))
        && bench_preprocess (model, o.preprocess, 10 * o.iterations,
        10 * o.warmup, o.threads, o.json, &error);
    if (model)
      clip_model_unref (model);
  }
  if (ok && (!o.preprocess || o.batches || o.text_batches)) {
    cli_log_begin (FALSE);
    ok = run (&o, batches, text_batches, &error);
  }

  if (ok)
    cli_log_flush ();
  else {
    cli_print_error (PROG, NULL, error->message);
    g_error_free (error);
  }
  if (batches)
    g_array_unref (batches);
  if (text_batches)
    g_array_unref (text_batches);
  g_free (o.model_path);
  g_free (o.image_path);
  g_strfreev (o.batches);
  g_strfreev (o.text_batches);
  model_options_clear (&o.model);
  g_strfreev (o.preprocess);
  return ok ? 0 : 1;
}
