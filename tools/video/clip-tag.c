/* clip-tag: tag a library of videos offline with clipclassify.
 *
 *   clip-tag --labels "a dog,a cat,a car" --every 1 -o out/ holiday.mp4
 *
 * Each file goes through filesrc ! decodebin ! videoconvert ! clipclassify
 * ! fakesink as fast as it decodes (no clock); --jobs N files run at once.
 * Per file it writes FILE.jsonl, FILE.segments.json, FILE.vtt and
 * FILE.timeline.png, each to a temporary name renamed when complete, with
 * FILE.segments.json last: its settings make --resume possible. */
#include "config.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <string.h>
#include <unistd.h>

#include "tag-outputs.h"
#include "tag-run.h"
#include "tag-embeddings.h"
#include "model-fingerprint.h"

#define PROG "clip-tag"

typedef struct
{
  gchar *model, *labels, *labels_file, *prompt, *prompt_file;
  gchar *text_embeddings, *precision, *output_dir, *decode;
  gdouble threshold, every, min_segment;
  gint interval, threads, jobs;
  gboolean resume, embeddings, quiet, no_rotate;
  gchar **files;
} Options;

typedef struct
{
  const gchar *input;
  gchar *base;                  /* output path without the extension */
  TagProgress progress;
  gint state;                   /* 0 waiting, 1 running, 2 done */
  gint64 started_us;
} Job;

typedef struct
{
  Options *o;
  TagSettings settings;
  gchar *settings_json;
  gchar *fingerprint;           /* --embeddings: the model's */
  gchar *model_path;            /* --model or the element's default */
  GAsyncQueue *lines;           /* gchar *: finished-file lines for stderr */
  gint failed;                  /* atomic */
  gint finished;                /* atomic */
} Run;

static const gchar description[] =
    "Tags video files with clipclassify (CLIP zero-shot classification) and\n"
    "writes, per input FILE, into --output-dir (default: beside the input):\n"
    "  FILE.jsonl          one JSON object per inference: frame, timestamp (ns),\n"
    "                      pts (s), resolution, label, score, matched, labels,\n"
    "                      scores, tensors (DL Streamer style), inference_ms\n"
    "  FILE.segments.json  consecutive inferences with the same top label as\n"
    "                      segments: start, end (s), label, mean_score,\n"
    "                      max_score; plus the settings used (for --resume)\n"
    "  FILE.vtt            the segments as WebVTT subtitles\n"
    "  FILE.timeline.png   one row per label, time across, probability as\n"
    "                      intensity, segments outlined\n"
    "  FILE.embeddings.safetensors  with --embeddings: the normalised image\n"
    "                      embedding (float16) of every inferred frame, its\n"
    "                      pts and the model fingerprint, for clip-search\n"
    "FILE is the input's file name with its extension (clip.mp4.jsonl).\n"
    "\n"
    "Sampling: --every SECONDS of stream time (default 1) or --interval N\n"
    "frames. Files are decoded as fast as the machine allows (no clock).\n"
    "Decoding is the cost of offline tagging: --decode keyframes decodes key\n"
    "frames only (a key-unit trick-mode seek; about ten times less CPU on\n"
    "H.264, see docs/clip-tag.md), but then the sampling step is at least\n"
    "the key-frame spacing of the file; --decode all (the default) decodes\n"
    "every frame.\n"
    "\n"
    "Every output is written to a temporary file and renamed when complete.\n"
    "A file that cannot be tagged is reported (file and reason) and the\n"
    "others go on. Progress goes to stderr: a bar when it is a terminal, one\n"
    "line per finished file otherwise.\n"
    "\n"
    "Exit status: 0 all files tagged (or skipped by --resume), 1 some failed,\n"
    "2 bad options.\n"
    "\n"
    "Example:\n"
    "  clip-tag --model clip-vit-base-patch32/ --labels \"a dog,a cat,a car\" \\\n"
    "      --every 1 -o out/ holiday.mp4 dashcam/*.mkv";

static gboolean
parse_options (Options * o, int *argc, char ***argv, GError ** error)
{
  GOptionEntry entries[] = {
    {"model", 'm', 0, G_OPTION_ARG_FILENAME, &o->model,
        "CLIP checkpoint directory or .safetensors (default: the element's, "
          "the installed demo model)", "PATH"},
    {"labels", 'l', 0, G_OPTION_ARG_STRING, &o->labels,
        "Comma-separated labels (\\, for a comma in a label)", "A,B,C"},
    {"labels-file", 0, 0, G_OPTION_ARG_FILENAME, &o->labels_file,
        "File with one label per line", "FILE"},
    {"prompt", 'p', 0, G_OPTION_ARG_STRING, &o->prompt,
          "Prompt template, {} standing for the label (element default: "
          "\"a photo of a {}.\")", "TEMPLATE"},
    {"prompt-file", 0, 0, G_OPTION_ARG_FILENAME, &o->prompt_file,
        "File with one prompt template per line, ensembled", "FILE"},
    {"text-embeddings", 0, 0, G_OPTION_ARG_FILENAME, &o->text_embeddings,
          "Precomputed label-set file (needs an element with the "
          "text-embeddings property)", "FILE"},
    {"threshold", 't', 0, G_OPTION_ARG_DOUBLE, &o->threshold,
          "Top probability below which an inference is \"no match\" "
          "(element default 0)", "P"},
    {"precision", 0, 0, G_OPTION_ARG_STRING, &o->precision,
          "fp32, bf16 or int8 (needs an element with the precision "
          "property)", "NAME"},
    {"threads", 'T', 0, G_OPTION_ARG_INT, &o->threads,
        "Inference threads per file (default: the element's)", "N"},
    {"every", 'e', 0, G_OPTION_ARG_DOUBLE, &o->every,
        "One inference per SECONDS of stream time (default 1)", "SECONDS"},
    {"interval", 'i', 0, G_OPTION_ARG_INT, &o->interval,
        "One inference every N frames instead of --every", "N"},
    {"no-rotate", 0, 0, G_OPTION_ARG_NONE, &o->no_rotate,
          "Classify frames as stored, not turned by the file's orientation "
          "tag (a phone's portrait video is stored sideways)", NULL},
    {"decode", 0, 0, G_OPTION_ARG_STRING, &o->decode,
          "all (default) or keyframes (key frames only; with --every)",
        "MODE"},
    {"min-segment", 0, 0, G_OPTION_ARG_DOUBLE, &o->min_segment,
          "Merge segments shorter than SECONDS into their neighbour "
          "(default 0)", "SECONDS"},
    {"output-dir", 'o', 0, G_OPTION_ARG_FILENAME, &o->output_dir,
        "Directory for the outputs (made if missing)", "DIR"},
    {"jobs", 'j', 0, G_OPTION_ARG_INT, &o->jobs,
        "Files tagged at once (default 1)", "N"},
    {"resume", 'r', 0, G_OPTION_ARG_NONE, &o->resume,
          "Skip files whose outputs are complete and were made with the "
          "same settings", NULL},
    {"embeddings", 'E', 0, G_OPTION_ARG_NONE, &o->embeddings,
          "Also write FILE.embeddings.safetensors (for clip-search)", NULL},
    {"quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet,
        "Print errors only", NULL},
    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->files,
        NULL, "VIDEO..."},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- tag video files with "
      "CLIP");
  gboolean ok;

  o->threshold = -1;
  o->jobs = 1;
  g_option_context_set_description (ctx, description);
  g_option_context_add_main_entries (ctx, entries, NULL);
  ok = g_option_context_parse (ctx, argc, argv, error);
  g_option_context_free (ctx);
  if (!ok)
    return FALSE;
  if (!o->files || !o->files[0]) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
        "no video files given (see --help)");
    return FALSE;
  }
  if (!o->labels && !o->labels_file && !o->text_embeddings) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
        "say what to look for: --labels, --labels-file or --text-embeddings");
    return FALSE;
  }
  if (o->every != 0 && o->interval != 0) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
        "--every and --interval are alternatives; give one");
    return FALSE;
  }
  if (o->every < 0 || o->interval < 0 || o->jobs < 1 || o->threads < 0 ||
      o->min_segment < 0) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
        "--every, --interval, --threads and --min-segment cannot be "
        "negative, --jobs must be at least 1");
    return FALSE;
  }
  if (o->every == 0 && o->interval == 0)
    o->every = 1.0;
  if (o->decode && strcmp (o->decode, "all") &&
      strcmp (o->decode, "keyframes")) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
        "--decode %s: expected all or keyframes", o->decode);
    return FALSE;
  }
  if (o->decode && strcmp (o->decode, "all") && o->interval) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
        "--decode %s skips frames, so frame counts (--interval) would "
        "mean nothing: use --every", o->decode);
    return FALSE;
  }
  return TRUE;
}

static gchar *
file_checksum (const gchar * path)
{
  gchar *data = NULL, *sum = NULL;
  gsize len;

  if (path && g_file_get_contents (path, &data, &len, NULL))
    sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *) data,
        len);
  g_free (data);
  return sum;
}

static void
add_string (JsonBuilder * b, const gchar * name, const gchar * value)
{
  json_builder_set_member_name (b, name);
  if (value)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

/* Everything that changes the outputs, as JSON (stored in
 * FILE.segments.json and compared by --resume). */
static gchar *
settings_json (const Options * o)
{
  JsonBuilder *b = json_builder_new ();
  JsonGenerator *gen = json_generator_new ();
  JsonNode *root;
  gchar *text, *model = o->model ? g_canonicalize_filename (o->model, NULL)
      : NULL;
  gchar *sums[3] = { file_checksum (o->labels_file),
    file_checksum (o->prompt_file), file_checksum (o->text_embeddings)
  };

  json_builder_begin_object (b);
  add_string (b, "model", model);
  add_string (b, "labels", o->labels);
  add_string (b, "labels_file_sha256", sums[0]);
  add_string (b, "prompt", o->prompt);
  add_string (b, "prompt_file_sha256", sums[1]);
  add_string (b, "text_embeddings_sha256", sums[2]);
  add_string (b, "precision", o->precision);
  add_string (b, "decode", o->decode);
  json_builder_set_member_name (b, "threshold");
  json_builder_add_double_value (b, o->threshold);
  json_builder_set_member_name (b, "every");
  json_builder_add_double_value (b, o->every);
  json_builder_set_member_name (b, "interval");
  json_builder_add_int_value (b, o->interval);
  json_builder_set_member_name (b, "min_segment");
  json_builder_add_double_value (b, o->min_segment);
  json_builder_set_member_name (b, "embeddings");
  json_builder_add_boolean_value (b, o->embeddings);
  json_builder_set_member_name (b, "upright");
  json_builder_add_boolean_value (b, !o->no_rotate);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (b);
  g_free (model);
  g_free (sums[0]);
  g_free (sums[1]);
  g_free (sums[2]);
  return text;
}

static gchar *
out_path (const Job * job, const gchar * ext)
{
  return g_strconcat (job->base, ext, NULL);
}

/* --resume: the outputs are all there and FILE.segments.json (written
 * last) holds the same settings. */
static gboolean
outputs_complete (const Run * run, const Job * job)
{
  const gchar *exts[] = { ".jsonl", ".vtt", ".timeline.png",
    ".embeddings.safetensors"
  };
  gchar *path = out_path (job, ".segments.json");
  JsonParser *parser = json_parser_new ();
  gboolean same = FALSE;
  guint i;

  if (json_parser_load_from_file (parser, path, NULL)) {
    JsonNode *root = json_parser_get_root (parser);
    JsonObject *obj = JSON_NODE_HOLDS_OBJECT (root) ?
        json_node_get_object (root) : NULL;
    JsonNode *stored = obj ? json_object_get_member (obj, "settings") : NULL;
    JsonNode *want = json_from_string (run->settings_json, NULL);

    same = stored && want && json_node_equal (stored, want);
    if (want)
      json_node_unref (want);
  }
  g_object_unref (parser);
  g_free (path);
  for (i = 0; same && i < G_N_ELEMENTS (exts); i++) {
    if (i == 3 && !run->o->embeddings)
      break;
    path = out_path (job, exts[i]);
    same = g_file_test (path, G_FILE_TEST_IS_REGULAR);
    g_free (path);
  }
  return same;
}

static gboolean
write_outputs (Run * run, Job * job, TagResult * res, GError ** error)
{
  GArray *segs = tag_segments_build (res, run->o->min_segment);
  gchar *p[5] = { out_path (job, ".jsonl"), out_path (job, ".vtt"),
    out_path (job, ".timeline.png"), out_path (job, ".segments.json"),
    out_path (job, ".embeddings.safetensors")
  };
  gchar *title = g_path_get_basename (job->input);
  gboolean ok = tag_write_jsonl (p[0], res, error) &&
      tag_write_vtt (p[1], res, segs, error) &&
      tag_write_timeline (p[2], title, res, segs, error) &&
      (!run->fingerprint || tag_write_embeddings (p[4], job->input, res,
          run->fingerprint, run->model_path,
          run->settings_json, error)) &&
      tag_write_segments_json (p[3], job->input, res, segs,
      run->settings_json, error);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (p); i++)
    g_free (p[i]);
  g_free (title);
  g_array_unref (segs);
  return ok;
}

static void
run_job (gpointer data, gpointer user_data)
{
  Job *job = data;
  Run *run = user_data;
  GError *error = NULL;
  TagResult *res;
  gchar *line = NULL;

  job->started_us = g_get_monotonic_time ();
  if (run->o->resume && outputs_complete (run, job)) {
    line = g_strdup_printf ("%s: outputs complete, skipped (--resume)",
        job->input);
  } else {
    g_atomic_int_set (&job->state, 1);
    res = tag_run_file (job->input, &run->settings, &job->progress, &error);
    if (res && write_outputs (run, job, res, &error)) {
      gdouble secs = (g_get_monotonic_time () - job->started_us) / 1e6;
      GArray *segs = tag_segments_build (res, run->o->min_segment);

      line = g_strdup_printf ("%s: %" G_GUINT64_FORMAT " frames decoded, %u "
          "inferences, %u segments in %.1f s (%.0f frames/s)", job->input,
          res->frames_decoded, res->records->len, segs->len, secs,
          res->frames_decoded / MAX (secs, 1e-3));
      g_array_unref (segs);
    } else {
      line = g_strdup_printf ("error: %s", error->message);
      g_atomic_int_inc (&run->failed);
      g_clear_error (&error);
    }
    tag_result_free (res);
  }
  g_atomic_int_set (&job->state, 2);
  g_atomic_int_inc (&run->finished);
  g_async_queue_push (run->lines, line);
}

static void
print_line (const gchar * line, gboolean tty, gboolean quiet)
{
  gboolean is_error = g_str_has_prefix (line, "error: ");

  if (quiet && !is_error)
    return;
  if (tty)
    g_printerr ("\r\033[K");
  if (is_error)
    g_printerr ("%s: %s\n", PROG, line + 7);
  else
    g_printerr ("%s\n", line);
}

/* One line: files done, each running file's percentage, frames/s over
 * all running files, and the time left for the slowest. */
static void
draw_progress (Job * jobs, guint n, guint finished)
{
  GString *s = g_string_new (NULL);
  gdouble fps = 0, eta = 0;
  guint i;

  g_string_append_printf (s, "[%u/%u]", finished, n);
  for (i = 0; i < n; i++) {
    gint64 pos, dur;
    guint64 frames;
    gdouble secs, pct;
    gchar *name;

    if (g_atomic_int_get (&jobs[i].state) != 1)
      continue;
    frames = tag_progress_get (&jobs[i].progress, &pos, &dur);
    secs = (g_get_monotonic_time () - jobs[i].started_us) / 1e6;
    pct = dur > 0 ? CLAMP (100.0 * pos / dur, 0, 100) : 0;
    fps += frames / MAX (secs, 1e-3);
    if (pct > 0)
      eta = MAX (eta, secs * (100 - pct) / pct);
    name = g_path_get_basename (jobs[i].input);
    if (strlen (name) > 24)
      strcpy (name + 21, "...");
    g_string_append_printf (s, " %s %3.0f%%", name, pct);
    g_free (name);
  }
  g_string_append_printf (s, " | %.0f frames/s | ETA %d:%02d", fps,
      (int) eta / 60, (int) eta % 60);
  g_printerr ("\r\033[K%s", s->str);
  g_string_free (s, TRUE);
}

/* Whether @element's property @name takes @value as tag-run sets it
 * (gst_util_set_object_arg, which only logs a warning for a value it cannot
 * parse); if not, says so, naming an enum's values. */
static gboolean
property_accepts (GstElement * element, const gchar * name,
    const gchar * value)
{
  GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS (element),
      name);
  GValue v = G_VALUE_INIT;
  GString *nicks;
  GEnumClass *ec;
  gboolean ok;
  guint i;

  g_value_init (&v, ps->value_type);
  ok = gst_value_deserialize_with_pspec (&v, value, ps);
  g_value_unset (&v);
  if (ok)
    return TRUE;
  if (!G_IS_PARAM_SPEC_ENUM (ps)) {
    g_printerr ("%s: --%s: \"%s\" is not a valid value\n", PROG, name,
        value);
    return FALSE;
  }
  ec = G_PARAM_SPEC_ENUM (ps)->enum_class;
  nicks = g_string_new (NULL);
  for (i = 0; i < ec->n_values; i++)
    g_string_append_printf (nicks, "%s%s", i ? ", " : "",
        ec->values[i].value_nick);
  g_printerr ("%s: --%s: \"%s\" is not one of %s\n", PROG, name, value,
      nicks->str);
  g_string_free (nicks, TRUE);
  return FALSE;
}

int
main (int argc, char **argv)
{
  Options o = { 0, };
  GError *error = NULL;
  Run run = { 0, };
  GThreadPool *pool;
  GHashTable *bases;
  Job *jobs;
  guint n, i, printed = 0;
  gboolean tty = isatty (2);
  int status;

  setlocale (LC_ALL, "");
  gst_init (&argc, &argv);
  if (!parse_options (&o, &argc, &argv, &error)) {
    g_printerr ("%s: %s\n", PROG, error->message);
    return 2;
  }
  if (!gst_element_factory_find ("clipclassify")) {
    g_printerr ("%s: the clipclassify element is not installed (or not on "
        "GST_PLUGIN_PATH)\n", PROG);
    return 1;
  }
  /* options that map to properties newer elements have */
  {
    GstElement *probe = gst_element_factory_make ("clipclassify", NULL);
    const gchar *flags[] = { "text-embeddings", "precision", "embeddings" };
    const gchar *names[] = { "text-embeddings", "precision",
      "attach-embedding"
    };
    const gboolean given[] = { o.text_embeddings != NULL, o.precision != NULL,
      o.embeddings
    };
    guint k;

    for (k = 0; k < G_N_ELEMENTS (names); k++) {
      if (given[k] && !g_object_class_find_property (G_OBJECT_GET_CLASS
              (probe), names[k])) {
        g_printerr ("%s: --%s: this clipclassify has no %s property "
            "(too old)\n", PROG, flags[k], names[k]);
        gst_object_unref (probe);
        return 2;
      }
    }
    /* found above: checked as the element will parse it */
    if (o.precision && !property_accepts (probe, "precision", o.precision)) {
      gst_object_unref (probe);
      return 2;
    }
    gst_object_unref (probe);
  }
  if (o.output_dir && g_mkdir_with_parents (o.output_dir, 0755) != 0) {
    g_printerr ("%s: %s: cannot make the output directory: %s\n", PROG,
        o.output_dir, g_strerror (errno));
    return 1;
  }

  run.o = &o;
  run.model_path = g_canonicalize_filename (o.model ? o.model :
      CLIP_DEFAULT_MODEL_DIR, NULL);
  if (o.embeddings) {
    run.fingerprint = tools_model_fingerprint (run.model_path, &error);
    if (!run.fingerprint) {
      g_printerr ("%s: %s\n", PROG, error->message);
      return 1;
    }
  }
  run.settings = (TagSettings) {
  .model = o.model,.labels = o.labels,.labels_file = o.labels_file,
        .prompt = o.prompt,.prompt_file = o.prompt_file,
        .text_embeddings = o.text_embeddings,.precision = o.precision,
        .threshold = o.threshold,.threads = o.threads,.every = o.every,
        .interval = (guint) o.interval,.embed = o.embeddings,
        .upright = !o.no_rotate,
        .decode = o.decode && !strcmp (o.decode, "keyframes") ?
        TAG_DECODE_KEYFRAMES : TAG_DECODE_ALL,};
  run.settings_json = settings_json (&o);
  run.lines = g_async_queue_new_full (g_free);

  n = g_strv_length (o.files);
  jobs = g_new0 (Job, n);
  bases = g_hash_table_new (g_str_hash, g_str_equal);
  for (i = 0; i < n; i++) {
    gchar *name = g_path_get_basename (o.files[i]);
    gchar *dir = o.output_dir ? g_strdup (o.output_dir) :
        g_path_get_dirname (o.files[i]);
    const gchar *other;

    jobs[i].input = o.files[i];
    jobs[i].base = g_build_filename (dir, name, NULL);
    g_mutex_init (&jobs[i].progress.lock);
    g_free (name);
    g_free (dir);
    if ((other = g_hash_table_lookup (bases, jobs[i].base))) {
      g_printerr ("%s: %s and %s would write the same outputs (%s.*)\n",
          PROG, other, o.files[i], jobs[i].base);
      return 2;
    }
    g_hash_table_insert (bases, jobs[i].base, (gpointer) o.files[i]);
  }

  pool = g_thread_pool_new (run_job, &run, o.jobs, TRUE, NULL);
  for (i = 0; i < n; i++)
    g_thread_pool_push (pool, &jobs[i], NULL);
  while (printed < n) {
    gchar *line = g_async_queue_timeout_pop (run.lines, 200000);

    if (line) {
      print_line (line, tty, o.quiet);
      g_free (line);
      printed++;
    }
    if (tty && !o.quiet && printed < n)
      draw_progress (jobs, n, g_atomic_int_get (&run.finished));
  }
  g_thread_pool_free (pool, FALSE, TRUE);
  if (tty && !o.quiet)
    g_printerr ("\r\033[K");

  status = g_atomic_int_get (&run.failed) ? 1 : 0;
  if (status)
    g_printerr ("%s: %d of %u files failed\n", PROG,
        g_atomic_int_get (&run.failed), n);
  for (i = 0; i < n; i++) {
    g_free (jobs[i].base);
    g_mutex_clear (&jobs[i].progress.lock);
  }
  g_free (jobs);
  g_hash_table_unref (bases);
  g_async_queue_unref (run.lines);
  g_free (run.settings_json);
  g_free (run.model_path);
  g_free (run.fingerprint);
  return status;
}
