/* clip-embed: the engine's command-line face. Embeds images and texts with
 * a CLIP checkpoint and writes the results as .npy files.
 *
 *   clip-embed --model DIR --image cat.jpg --text "a cat" \
 *       --image-out img.npy --text-out txt.npy --normalize
 *
 * Its flags are a contract other test suites rely on (docs/clip-embed.md).
 * Every output is written only after all computation succeeded, and a
 * failure prints exactly one line on stderr and leaves no output file. */
#include "config.h"
#include "fileio.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "clip.h"
#include "cli-messages.h"
#include "gstcliplabels.h"
#include "image-file.h"
#include "model-options.h"
#include "jsondoc.h"
#include "npy.h"

#define PROG "clip-embed"
/* Images per vision forward pass: large enough for efficient GEMMs, small
 * enough that the workspace of a ViT-L stays modest. */
#define MAX_IMAGE_BATCH 8

typedef struct {
  char *model_path;
  char **image_paths;
  char *pixels_path;
  char *pixels_out;
  char **texts;
  char *texts_json;
  char *image_out;
  char *text_out;
  char *tokens_out;
  char *labels;
  char *labels_file;
  char *prompt;
  char *prompt_file;
  char *label_set_out;
  gboolean normalize;
  gboolean no_rotate;
  int threads;
  ModelOptions model;
  gboolean verbose;
} Options;

/* Everything computed, held until it is all there and can be saved. */
typedef struct {
  GPtrArray *texts;           /* const char *, borrowed from argv / JSON */
  GArray *text_lens;          /* size_t bytes of each */
  JsonNode *texts_doc;
  float *pixels;              /* [n_images, 3, R, R]: --pixels, or the
                                 --image files when --pixels-out wants them
                                 (filled as they are embedded) */
  size_t n_images;
  float *image_embeds;        /* [n_images, E] */
  float *text_embeds;         /* [n_texts, E] */
  int32_t *tokens;            /* [n_texts, context_length] */
} Results;

static void
options_clear (Options *o)
{
  g_free (o->model_path);
  g_strfreev (o->image_paths);
  g_free (o->pixels_path);
  g_free (o->pixels_out);
  g_strfreev (o->texts);
  g_free (o->texts_json);
  g_free (o->image_out);
  g_free (o->text_out);
  g_free (o->tokens_out);
  model_options_clear (&o->model);
  g_free (o->labels);
  g_free (o->labels_file);
  g_free (o->prompt);
  g_free (o->prompt_file);
  g_free (o->label_set_out);
}

static void
results_clear (Results *r)
{
  if (r->texts)
    g_ptr_array_unref (r->texts);
  if (r->text_lens)
    g_array_unref (r->text_lens);
  if (r->texts_doc)
    json_node_unref (r->texts_doc);
  g_free (r->pixels);
  g_free (r->image_embeds);
  g_free (r->text_embeds);
  g_free (r->tokens);
}

static const char description[] =
    "Inputs (at least one kind):\n"
    "  Images are decoded with GdkPixbuf (PNG, JPEG and the other formats it\n"
    "  reads; alpha is ignored, grayscale and palette images become RGB),\n"
    "  turned upright as a JPEG's EXIF or a TIFF's orientation tag says (not\n"
    "  with --no-rotate), resized and centre-cropped to the model's input\n"
    "  size and normalised. --pixels instead takes input already in that\n"
    "  form: a float32 array [N, 3, R, R] with R the model's image size\n"
    "  (float64 is accepted and converted to float32). --image and --pixels\n"
    "  cannot be combined. Texts from --text come first, in the order given,\n"
    "  then those of --texts-json; texts must be UTF-8.\n"
    "\n"
    "Outputs (.npy, little-endian, C order):\n"
    "  --image-out   float32 [N, E] image embeddings, one row per image\n"
    "  --text-out    float32 [M, E] text embeddings, one row per text\n"
    "  --tokens-out  int32 [M, 77] token ids: SOT, BPE ids, EOT, zero padding\n"
    "  --pixels-out  float32 [N, 3, R, R] the preprocessed --image input\n"
    "  --label-set-out  a label-set file (safetensors) of the --labels /\n"
    "                --labels-file labels with the --prompt / --prompt-file\n"
    "                templates, as the clipclassify element builds them, for\n"
    "                its text-embeddings property (docs/label-sets.md)\n"
    "  Embeddings are the projected features; --normalize makes each row unit\n"
    "  length. Outputs are written only once everything has been computed.\n"
    "  With no input at all, the model is loaded and described on stdout.\n"
    "\n"
    "Errors:\n"
    "  Any error prints one line on stderr, \"clip-embed: <file>: <problem>\",\n"
    "  exits with status 1 and leaves none of the output files behind.\n"
    "\n"
    "Examples:\n"
    "  clip-embed --model clip-vit-base-patch32 --image cat.jpg --image dog.png \\\n"
    "      --image-out images.npy --normalize\n"
    "  clip-embed --model clip-vit-base-patch32 --text \"a photo of a cat\" \\\n"
    "      --texts-json labels.json --text-out texts.npy --tokens-out ids.npy\n"
    "  clip-embed --model clip-vit-base-patch32 --pixels input.npy \\\n"
    "      --image-out images.npy --threads 4\n";

static gboolean
parse_options (int *argc, char ***argv, Options *o, GError **error)
{
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &o->model_path,
      "CLIP checkpoint: a Hugging Face CLIPModel directory, an OpenAI/OpenCLIP "
      "directory or a .safetensors file (required)", "PATH" },
    { "image", 'i', 0, G_OPTION_ARG_FILENAME_ARRAY, &o->image_paths,
      "Image to embed (8-bit PNG, JPEG, ...); repeat for several, kept in "
      "order", "FILE" },
    { "pixels", 0, 0, G_OPTION_ARG_FILENAME, &o->pixels_path,
      "Preprocessed images to embed instead of --image: float32 (or float64) "
      ".npy of shape [N, 3, R, R]", "FILE.npy" },
    { "pixels-out", 0, 0, G_OPTION_ARG_FILENAME, &o->pixels_out,
      "Write the preprocessed --image input, float32 [N, 3, R, R]",
      "FILE.npy" },
    { "text", 't', 0, G_OPTION_ARG_FILENAME_ARRAY, &o->texts,
      "Text to embed; repeat for several, kept in order", "TEXT" },
    { "texts-json", 0, 0, G_OPTION_ARG_FILENAME, &o->texts_json,
      "JSON file holding an array of strings, embedded after the --text ones",
      "FILE" },
    { "image-out", 0, 0, G_OPTION_ARG_FILENAME, &o->image_out,
      "Write the image embeddings, float32 [N, E]", "FILE.npy" },
    { "text-out", 0, 0, G_OPTION_ARG_FILENAME, &o->text_out,
      "Write the text embeddings, float32 [M, E]", "FILE.npy" },
    { "tokens-out", 0, 0, G_OPTION_ARG_FILENAME, &o->tokens_out,
      "Write the token ids, int32 [M, context length (77)]", "FILE.npy" },
    { "labels", 0, 0, G_OPTION_ARG_STRING, &o->labels,
      "Labels of --label-set-out, comma-separated as the element's labels "
      "property (\\, for a literal comma)", "LIST" },
    { "labels-file", 0, 0, G_OPTION_ARG_FILENAME, &o->labels_file,
      "Labels of --label-set-out, one per line (# comments), after --labels",
      "FILE" },
    { "prompt", 0, 0, G_OPTION_ARG_STRING, &o->prompt,
      "Template of --label-set-out, {} for the label (default \""
      GST_CLIP_DEFAULT_PROMPT "\")", "TEMPLATE" },
    { "prompt-file", 0, 0, G_OPTION_ARG_FILENAME, &o->prompt_file,
      "Templates of --label-set-out, one per line, ensembled; overrides "
      "--prompt", "FILE" },
    { "label-set-out", 0, 0, G_OPTION_ARG_FILENAME, &o->label_set_out,
      "Write the label set of --labels/--labels-file (text embeddings, "
      "labels, templates, model fingerprint) as a safetensors file",
      "FILE.safetensors" },
    { "no-rotate", 0, 0, G_OPTION_ARG_NONE, &o->no_rotate,
      "Take --image pixels as stored, ignoring an orientation tag (as "
      "PIL's Image.open reads them)", NULL },
    { "normalize", 'n', 0, G_OPTION_ARG_NONE, &o->normalize,
      "Write L2-normalised embeddings (unit-length rows)", NULL },
    { "threads", 'j', 0, G_OPTION_ARG_INT, &o->threads,
      "Threads for the forward passes (default 0: one for small models, all "
      "cores otherwise, halved while other work crowds the cores)", "N" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &o->verbose,
      "Describe the model and show the engine's log messages as they come",
      NULL },
    { NULL }
  };
  GOptionContext *context;
  gboolean ok;

  context = g_option_context_new ("- embed images and texts with CLIP");
  g_option_context_set_summary (context,
      "Computes CLIP image and text embeddings (and, on request, the token ids "
      "and the\npreprocessed pixels) and writes them as NumPy .npy files.");
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, NULL);
  model_options_add (context, &o->model);
  ok = g_option_context_parse (context, argc, argv, error);
  g_option_context_free (context);
  if (!ok)
    return FALSE;

  if (*argc > 1) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "unexpected argument \"%s\" (images go after --image, texts after "
        "--text)", (*argv)[1]);
    return FALSE;
  }
  return TRUE;
}

/* Checks that the flags make sense together, before any work is done. */
static gboolean
check_options (const Options *o, GError **error)
{
  gboolean have_images = o->image_paths || o->pixels_path;
  gboolean have_texts = o->texts || o->texts_json;
  const char *outputs[] = { o->pixels_out, o->image_out, o->text_out,
    o->tokens_out, o->label_set_out };
  gboolean have_labels = o->labels || o->labels_file;
  const char *what = NULL;
  guint i, j;

  if (!o->model_path)
    what = "--model is required (a checkpoint directory or .safetensors file)";
  else if (o->image_paths && o->pixels_path)
    what = "--image and --pixels cannot be used together";
  else if (o->image_out && !have_images)
    what = "--image-out needs images (--image or --pixels)";
  else if (o->pixels_out && !o->image_paths)
    what = "--pixels-out needs --image";
  else if (o->no_rotate && !o->image_paths)
    what = "--no-rotate goes with --image (--pixels are taken as given)";
  else if (o->text_out && !have_texts)
    what = "--text-out needs texts (--text or --texts-json)";
  else if (o->tokens_out && !have_texts)
    what = "--tokens-out needs texts (--text or --texts-json)";
  else if (o->label_set_out && !have_labels)
    what = "--label-set-out needs labels (--labels or --labels-file)";
  else if ((have_labels || o->prompt || o->prompt_file) && !o->label_set_out)
    what = "--labels, --labels-file, --prompt and --prompt-file go with "
        "--label-set-out";
  else if (o->threads < 0)
    what = "--threads must be 0 (all cores) or more";
  if (what) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        what);
    return FALSE;
  }

  for (i = 0; i < G_N_ELEMENTS (outputs); i++)
    for (j = i + 1; j < G_N_ELEMENTS (outputs); j++)
      if (outputs[i] && outputs[j] && strcmp (outputs[i], outputs[j]) == 0) {
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
            "%s: given for two outputs", outputs[i]);
        return FALSE;
      }
  return TRUE;
}

/* Gathers the --text strings, then the --texts-json array, into r->texts. */
/* Removes every \u0000 escape from the strings of a JSON text, in place;
 * returns the new length. */
static gsize
drop_nul_escapes (char *json, gsize len)
{
  gsize in = 0, out = 0;
  gboolean in_string = FALSE;

  while (in < len) {
    char ch = json[in];
    if (in_string && ch == '\\' && in + 1 < len) {
      if (json[in + 1] == 'u' && in + 6 <= len
          && memcmp (json + in + 2, "0000", 4) == 0) {
        in += 6;
        continue;
      }
      json[out++] = json[in++];
      json[out++] = json[in++];
      continue;
    }
    if (ch == '"')
      in_string = !in_string;
    json[out++] = json[in++];
  }
  return out;
}

static gboolean
collect_texts (const Options *o, Results *r, GError **error)
{
  size_t i;

  r->texts = g_ptr_array_new ();
  r->text_lens = g_array_new (FALSE, FALSE, sizeof (size_t));
  for (i = 0; o->texts && o->texts[i]; i++) {
    size_t len = strlen (o->texts[i]);

    if (!g_utf8_validate (o->texts[i], -1, NULL)) {
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
          "--text number %zu is not valid UTF-8", i + 1);
      return FALSE;
    }
    g_ptr_array_add (r->texts, o->texts[i]);
    g_array_append_val (r->text_lens, len);
  }
  if (!o->texts_json)
    return TRUE;

  if (!g_file_test (o->texts_json, G_FILE_TEST_EXISTS)) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_IO, "%s: no such file",
        o->texts_json);
    return FALSE;
  }

  /* JSON strings may hold U+0000, json-glib's cannot: drop the escapes
   * first. OpenAI's tokenizer removes U+0000 (ftfy's control characters),
   * so the ids are the same. */
  char *json;
  gsize json_len;
  if (!clip_file_read_io (o->texts_json, &json, &json_len, error))
    return FALSE;
  json_len = drop_nul_escapes (json, json_len);
  r->texts_doc = jsondoc_parse (json, json_len, o->texts_json, NULL, error);
  g_free (json);
  if (!r->texts_doc)
    return FALSE;
  JsonArray *array = jsondoc_array (r->texts_doc);
  if (!array) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: expected a JSON array of strings", o->texts_json);
    return FALSE;
  }
  for (i = 0; i < json_array_get_length (array); i++) {
    const char *text = jsondoc_string (json_array_get_element (array, i));

    if (!text) {
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
          "%s: element %zu of the array is not a string", o->texts_json, i);
      return FALSE;
    }
    size_t len = strlen (text);
    g_ptr_array_add (r->texts, (gpointer) text);
    g_array_append_val (r->text_lens, len);
  }
  return TRUE;
}

static const char *
dtype_name (NpyDtype dtype)
{
  switch (dtype) {
    case NPY_F32: return "float32";
    case NPY_F64: return "float64";
    case NPY_I32: return "int32";
    case NPY_I64: return "int64";
  }
  return "unknown";
}

/* Loads --pixels and checks it is [N, 3, R, R] for this model. */
static gboolean
load_pixels (const ClipModel *model, const char *path, Results *r,
    GError **error)
{
  size_t side = (size_t) clip_model_image_size (model);
  NpyArray *a = npy_load (path, error);
  GString *shape;
  int d;

  if (!a)
    return FALSE;
  if (a->dtype != NPY_F32 && a->dtype != NPY_F64) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "%s: dtype %s, expected float32 (or float64)", path,
        dtype_name (a->dtype));
    npy_free (a);
    return FALSE;
  }
  if (a->ndim != 4 || a->shape[1] != 3 || a->shape[2] != side
      || a->shape[3] != side || a->shape[0] == 0) {
    shape = g_string_new ("[");
    for (d = 0; d < a->ndim; d++)
      g_string_append_printf (shape, "%s%zu", d ? ", " : "", a->shape[d]);
    g_string_append (shape, "]");
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "%s: shape %s, expected [N, 3, %zu, %zu] with N >= 1 for this model",
        path, shape->str, side, side);
    g_string_free (shape, TRUE);
    npy_free (a);
    return FALSE;
  }

  r->n_images = a->shape[0];
  if (a->dtype == NPY_F32) {
    r->pixels = a->data;
    a->data = NULL;
  } else {
    const double *src = a->data;
    size_t i;

    r->pixels = g_new (float, a->count);
    for (i = 0; i < a->count; i++)
      r->pixels[i] = (float) src[i];
  }
  npy_free (a);
  return TRUE;
}

static gboolean
tokenize_texts (const ClipModel *model, Results *r, GError **error)
{
  size_t context = (size_t) clip_model_context_length (model);
  guint i;

  r->tokens = g_new0 (int32_t, MAX (r->texts->len, 1) * context);
  for (i = 0; i < r->texts->len; i++) {
    GError *err = NULL;

    if (!clip_tokenize_len (model, g_ptr_array_index (r->texts, i),
            g_array_index (r->text_lens, size_t, i),
            r->tokens + i * context, &err)) {
      g_set_error (error, err->domain, err->code, "text %u: %s", i + 1,
          err->message);
      g_error_free (err);
      return FALSE;
    }
  }
  return TRUE;
}

/* Decodes, preprocesses and embeds the --image files a batch at a time,
 * so that memory does not grow with their number (unless --pixels-out
 * keeps every file's pixels in r->pixels); with --verbose, says how far
 * it has got about once a second. */
static gboolean
encode_image_files (const ClipModel *model, ClipWorkspace *ws,
    const Options *o, Results *r, GError **error)
{
  size_t input_size = clip_model_input_size (model);
  size_t embed_dim = (size_t) clip_model_embed_dim (model);
  size_t batch = MIN (r->n_images, MAX_IMAGE_BATCH);
  float *scratch = NULL, *pixels;
  gint64 said = g_get_monotonic_time ();
  gboolean ok = TRUE;
  size_t i, j, k;

  if (o->pixels_out)
    r->pixels = g_new (float, r->n_images * input_size);
  else
    scratch = g_new (float, batch * input_size);
  for (i = 0; ok && i < r->n_images; i += k) {
    k = MIN (batch, r->n_images - i);
    pixels = scratch ? scratch : r->pixels + i * input_size;
    for (j = 0; ok && j < k; j++)
      ok = image_file_preprocess (model, o->image_paths[i + j],
          !o->no_rotate, pixels + j * input_size, error);
    if (ok)
      ok = clip_vision_encode (ws, pixels, (int) k,
          r->image_embeds + i * embed_dim, o->normalize, error);
    if (ok && o->verbose && (i + k == r->n_images ||
            g_get_monotonic_time () - said >= G_USEC_PER_SEC)) {
      g_printerr ("%s: %zu of %zu images embedded\n", PROG, i + k,
          r->n_images);
      said = g_get_monotonic_time ();
    }
  }
  g_free (scratch);
  return ok;
}

static gboolean
encode_all (ClipModel *model, const Options *o, Results *r, GError **error)
{
  int embed_dim = clip_model_embed_dim (model);
  int max_batch = (int) CLAMP (r->n_images, 1, MAX_IMAGE_BATCH);
  ClipWorkspace *ws;
  gboolean ok = TRUE;

  ws = clip_workspace_new (model, max_batch, error);
  if (!ws)
    return FALSE;
  clip_workspace_set_threads (ws, o->threads);

  if (r->n_images > 0) {
    r->image_embeds = g_new (float, r->n_images * embed_dim);
    if (o->image_paths)
      ok = encode_image_files (model, ws, o, r, error);
    else
      ok = clip_vision_encode (ws, r->pixels, (int) r->n_images,
          r->image_embeds, o->normalize, error);
  }
  /* An empty --texts-json array still gives a (0, E) output. */
  r->text_embeds = g_new0 (float, (size_t) MAX (r->texts->len, 1) * embed_dim);
  /* From the tokens run () made, which kept each text's length. */
  if (ok && r->texts->len > 0) {
    ok = clip_text_encode_tokens (ws, r->tokens, (int) r->texts->len,
        r->text_embeds, o->normalize, error);
  }
  clip_workspace_free (ws);
  return ok;
}

/* Saves every requested output; if one fails, removes those already
 * written so that a failed run leaves nothing behind. */
static gboolean
save_outputs (const ClipModel *model, const Options *o, const Results *r,
    GError **error)
{
  size_t side = (size_t) clip_model_image_size (model);
  size_t embed_dim = (size_t) clip_model_embed_dim (model);
  size_t n_texts = r->texts->len;
  struct {
    const char *path;
    NpyDtype dtype;
    const void *data;
    int ndim;
    size_t shape[4];
  } out[] = {
    { o->pixels_out, NPY_F32, r->pixels, 4, { r->n_images, 3, side, side } },
    { o->image_out, NPY_F32, r->image_embeds, 2, { r->n_images, embed_dim } },
    { o->text_out, NPY_F32, r->text_embeds, 2, { n_texts, embed_dim } },
    { o->tokens_out, NPY_I32, r->tokens, 2,
      { n_texts, (size_t) clip_model_context_length (model) } },
  };
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (out); i++) {
    if (!out[i].path)
      continue;
    if (!npy_save (out[i].path, out[i].dtype, out[i].data, out[i].ndim,
            out[i].shape, error)) {
      for (j = 0; j < i; j++)
        if (out[j].path)
          g_unlink (out[j].path);
      return FALSE;
    }
  }
  return TRUE;
}

/* Builds the label set the element would build from the same label
 * settings and saves it (atomically). */
static gboolean
write_label_set (ClipModel *model, const Options *o, GError **error)
{
  GstClipLabelSpec spec = { o->labels, o->labels_file, o->prompt,
    o->prompt_file, NULL, NULL };
  ClipWorkspace *ws = clip_workspace_new (model, 1, error);
  ClipLabelSet *set;
  gboolean ok;

  if (!ws)
    return FALSE;
  clip_workspace_set_threads (ws, o->threads);
  set = gst_clip_label_spec_build (&spec, model, ws, NULL, error);
  clip_workspace_free (ws);
  if (!set)
    return FALSE;
  ok = clip_label_set_save (set, o->label_set_out, error);
  clip_label_set_unref (set);
  return ok;
}

/* Runs everything after option checking; @file_at_fault receives the file
 * an error is about, when there is one. */
static gboolean
run (const Options *o, const char **file_at_fault, GError **error)
{
  ClipModel *model = NULL;
  Results r = { 0 };
  gboolean have_inputs, ok = FALSE;

  *file_at_fault = o->texts_json;
  if (!collect_texts (o, &r, error))
    goto out;

  ClipModelParams params = clip_model_default_params ();
  if (!model_options_apply (&o->model, &params, error))
    goto out;
  *file_at_fault = o->model_path;
  model = clip_model_load (o->model_path, &params, error);
  if (!model)
    goto out;
  if (o->verbose)
    g_printerr ("%s: %s\n", PROG, clip_model_describe (model));

  *file_at_fault = NULL;
  if (o->pixels_path && !load_pixels (model, o->pixels_path, &r, error))
    goto out;
  /* The files are read as they are embedded (encode_image_files). */
  if (o->image_paths)
    r.n_images = g_strv_length (o->image_paths);
  if (!tokenize_texts (model, &r, error))
    goto out;

  have_inputs = r.n_images > 0 || o->texts || o->texts_json;
  if (have_inputs && !encode_all (model, o, &r, error))
    goto out;
  /* Only once everything is computed is anything written. */
  if (o->label_set_out && !write_label_set (model, o, error))
    goto out;
  if (!have_inputs) {
    if (!o->label_set_out)
      g_print ("%s\n", clip_model_describe (model));
    ok = TRUE;
    goto out;
  }
  ok = save_outputs (model, o, &r, error);
  if (!ok && o->label_set_out)
    g_unlink (o->label_set_out);

out:
  results_clear (&r);
  if (model)
    clip_model_unref (model);
  return ok;
}

int
main (int argc, char **argv)
{
  Options options = { 0 };
  const char *file_at_fault = NULL;
  GError *error = NULL;
  int status = 0;

  setlocale (LC_ALL, "");
  g_set_prgname (PROG);

  if (!parse_options (&argc, &argv, &options, &error)
      || !check_options (&options, &error)) {
    cli_print_error (PROG, NULL, error->message);
    g_error_free (error);
    options_clear (&options);
    return 1;
  }

  cli_log_begin (options.verbose);
  if (run (&options, &file_at_fault, &error)) {
    cli_log_flush ();
  } else {
    cli_print_error (PROG, file_at_fault, error->message);
    g_error_free (error);
    status = 1;
  }
  options_clear (&options);
  return status;
}
