/* clip-search: find moments in tagged videos by text or by a picture.
 *
 *   clip-search --model M "a red car at night" out/CLIP.embeddings.safetensors
 *   clip-search --model M --image car.jpg out/CLIP.embeddings.safetensors
 *
 * Embeds the query with the model's text tower (through the same prompt
 * template as the element), or the picture with its vision tower, ranks
 * every sampled frame of every file by cosine similarity with it, merges
 * neighbouring frames into moments and prints the best. Files made with
 * another model are refused. */
#include "config.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "clip.h"
#include "image-file.h"
#include "model-fingerprint.h"
#include "safetensors.h"
#include "png-file.h"
#include "search-sheet.h"
#include "search-thumbnail.h"
#include "tag-embeddings.h"

#define PROG "clip-search"

typedef struct
{
  gchar *path, *video;
  gint n;
  gdouble duration;
  gint64 *pts;
  float *scores;                /* cosine with the query, [n] */
  gboolean *used;
} EmbFile;

typedef struct
{
  EmbFile *file;
  gint first, last, peak;
  gdouble score;
} Moment;

static const gchar description[] =
    "Ranks the frames sampled by `clip-tag --embeddings` by their cosine\n"
    "similarity to QUERY, merges neighbouring frames whose similarity is\n"
    "within --merge of the best of them into one moment, and prints the\n"
    "best --top moments, best first, as\n"
    "  VIDEO  START-END  SCORE\n"
    "(times in seconds; SCORE is the best frame's cosine similarity, -1..1).\n"
    "With --json, a JSON array of {video, embeddings, start, end, peak,\n"
    "score} instead. The query is embedded as the element embeds a label:\n"
    "through --prompt (default \"a photo of a {}.\").\n"
    "\n"
    "--image FILE takes a picture as the query instead (PNG, JPEG, ...;\n"
    "turned upright as its orientation tag says, then preprocessed as the\n"
    "element preprocesses a frame): every argument is then an embeddings\n"
    "file, and the moments are those that look most like the picture.\n"
    "\n"
    "Every file must have been made with the same model as --model (their\n"
    "fingerprints are compared); a file made with another model is an error\n"
    "naming both.\n"
    "\n"
    "--thumbnails DIR writes a PNG of each moment's best frame (seek and\n"
    "decode that one frame of the video) as DIR/RANK-VIDEO-SECONDS.png.\n"
    "--sheet FILE.png puts those frames side by side in one picture, four\n"
    "to a row, best first, each captioned with its rank, video, score and\n"
    "times. Pictures are written before anything is printed.\n"
    "\n"
    "Exit status: 0 on success, 1 on an error, 2 for bad options.\n"
    "\n"
    "Example:\n"
    "  clip-tag --model clip-vit-base-patch32/ --labels person,car --embeddings \\\n"
    "      -o out/ *.mp4\n"
    "  clip-search --model clip-vit-base-patch32/ \"a red car at night\" \\\n"
    "      out/*.embeddings.safetensors\n"
    "  clip-search --model clip-vit-base-patch32/ --image our-van.jpg \\\n"
    "      out/*.embeddings.safetensors";

static void
emb_file_free (EmbFile * f)
{
  g_free (f->path);
  g_free (f->video);
  g_free (f->pts);
  g_free (f->scores);
  g_free (f->used);
  g_free (f);
}

/* The __metadata__ object of a safetensors file (st_open validated the
 * file; the header is read again here for its metadata). */
static JsonObject *
read_metadata (const gchar * path, JsonParser * parser, GError ** error)
{
  gchar *data = NULL;
  gsize len;
  guint64 hlen;
  JsonNode *root;
  JsonObject *meta = NULL;

  if (!g_file_get_contents (path, &data, &len, error))
    return NULL;
  memcpy (&hlen, data, 8);
  hlen = GUINT64_FROM_LE (hlen);
  if (json_parser_load_from_data (parser, data + 8, (gssize) hlen, error)) {
    root = json_parser_get_root (parser);
    if (JSON_NODE_HOLDS_OBJECT (root) &&
        json_object_has_member (json_node_get_object (root), "__metadata__"))
      meta = json_object_get_object_member (json_node_get_object (root),
          "__metadata__");
  }
  g_free (data);
  if (!meta && error && !*error)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%s: no metadata: not made by clip-tag --embeddings", path);
  return meta;
}

static const gchar *
meta_string (JsonObject * meta, const gchar * name)
{
  JsonNode *n = json_object_get_member (meta, name);

  return n && JSON_NODE_HOLDS_VALUE (n) &&
      json_node_get_value_type (n) == G_TYPE_STRING ?
      json_node_get_string (n) : NULL;
}

static EmbFile *
load_file (const gchar * path, const gchar * fingerprint,
    const gchar * model_path, const float *query, gint E, GError ** error)
{
  JsonParser *parser = json_parser_new ();
  JsonObject *meta;
  StFile *st = NULL;
  const StTensor *emb, *pts;
  EmbFile *f = NULL;
  const gchar *format, *theirs;
  float *rows = NULL;
  gint i, j;

  st = st_open (path, error);
  if (!st)
    goto out;
  meta = read_metadata (path, parser, error);
  if (!meta)
    goto out;
  format = meta_string (meta, "format");
  if (!format || strcmp (format, TAG_EMBEDDINGS_FORMAT) != 0) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%s: not an embeddings file of clip-tag (format %s, want %s)",
        path, format ? format : "missing", TAG_EMBEDDINGS_FORMAT);
    goto out;
  }
  theirs = meta_string (meta, "model_fingerprint");
  if (!theirs || strcmp (theirs, fingerprint) != 0) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%s was made with model %s (%s), not with %s (%s): re-tag it with "
        "this model or search with that one", path,
        meta_string (meta, "model") ? meta_string (meta, "model") : "?",
        theirs ? theirs : "no fingerprint", model_path, fingerprint);
    goto out;
  }
  emb = st_find (st, "embeddings");
  pts = st_find (st, "pts");
  if (!emb || !pts || emb->ndim != 2 || emb->shape[1] != E ||
      pts->dtype != ST_I64 || pts->ndim != 1 ||
      pts->shape[0] != emb->shape[0] || (emb->dtype != ST_F16 &&
          emb->dtype != ST_F32)) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%s: expected tensors embeddings [N, %d] and pts [N] (I64)", path, E);
    goto out;
  }
  f = g_new0 (EmbFile, 1);
  f->path = g_strdup (path);
  f->video = g_strdup (meta_string (meta, "video"));
  f->duration = meta_string (meta, "duration") ?
      g_ascii_strtod (meta_string (meta, "duration"), NULL) : 0;
  f->n = (gint) emb->shape[0];
  f->pts = g_new0 (gint64, MAX (f->n, 1));
  f->scores = g_new0 (float, MAX (f->n, 1));
  f->used = g_new0 (gboolean, MAX (f->n, 1));
  rows = g_new (float, (gsize) f->n * E + 1);
  st_to_f32 (emb, rows);
  for (i = 0; i < f->n; i++) {
    gint64 v;
    double dot = 0;

    memcpy (&v, pts->data + 8 * i, 8);
    f->pts[i] = GINT64_FROM_LE (v);
    for (j = 0; j < E; j++)
      dot += (double) rows[(gsize) i * E + j] * query[j];
    /* a damaged row (inf/nan) ranks last instead of poisoning the order */
    f->scores[i] = isfinite (dot) ? (float) dot : -G_MAXFLOAT;
  }
out:
  g_free (rows);
  if (st)
    st_close (st);
  g_object_unref (parser);
  return f;
}

/* The best frame not yet in a moment, grown to its unused neighbours
 * whose score is within @merge of it. */
static gboolean
next_moment (GPtrArray * files, gdouble merge, Moment * m)
{
  guint k;
  gint i;

  m->file = NULL;
  for (k = 0; k < files->len; k++) {
    EmbFile *f = files->pdata[k];

    for (i = 0; i < f->n; i++)
      if (!f->used[i] && (!m->file || f->scores[i] > m->score)) {
        m->file = f;
        m->peak = i;
        m->score = f->scores[i];
      }
  }
  if (!m->file)
    return FALSE;
  m->first = m->last = m->peak;
  while (m->first > 0 && !m->file->used[m->first - 1] &&
      m->file->scores[m->first - 1] >= m->score - merge)
    m->first--;
  while (m->last + 1 < m->file->n && !m->file->used[m->last + 1] &&
      m->file->scores[m->last + 1] >= m->score - merge)
    m->last++;
  for (i = m->first; i <= m->last; i++)
    m->file->used[i] = TRUE;
  return TRUE;
}

static gdouble
moment_end (const Moment * m)
{
  const EmbFile *f = m->file;

  if (m->last + 1 < f->n)
    return f->pts[m->last + 1] / 1e9;
  return MAX (f->duration, f->pts[m->last] / 1e9);
}

static const gchar *
moment_video (const Moment * m)
{
  return m->file->video ? m->file->video : m->file->path;
}

/* One picture of every moment's best frame (@frames, in rank order). */
static gboolean
write_sheet (GArray * moments, GPtrArray * frames, const gchar * path,
    GError ** error)
{
  SearchSheetCell *cells = g_new0 (SearchSheetCell, MAX (moments->len, 1));
  gboolean ok;
  guint i;

  for (i = 0; i < moments->len; i++) {
    const Moment *mo = &g_array_index (moments, Moment, i);
    gchar *base = g_path_get_basename (moment_video (mo));

    cells[i].frame = frames->pdata[i];
    cells[i].title = g_strdup_printf ("%u. %s", i + 1, base);
    /* the score first: narrow cells cut the end of the line */
    cells[i].detail = g_strdup_printf ("%.3f   %.2f-%.2f s", mo->score,
        mo->file->pts[mo->first] / 1e9, moment_end (mo));
    g_free (base);
  }
  ok = search_write_sheet (cells, moments->len, path, error);
  for (i = 0; i < moments->len; i++) {
    g_free ((gchar *) cells[i].title);
    g_free ((gchar *) cells[i].detail);
  }
  g_free (cells);
  return ok;
}

int
main (int argc, char **argv)
{
  gchar *model_path = NULL, *prompt = NULL, *thumbs = NULL, *image = NULL;
  gchar *sheet = NULL;
  gint top = 5, thumb_width = 320;
  gdouble merge = 0.05;
  gboolean json = FALSE;
  gchar **rest = NULL;
  GOptionEntry entries[] = {
    {"model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path,
        "The checkpoint the files were tagged with (default: the "
          "installed demo model)", "PATH"},
    {"prompt", 'p', 0, G_OPTION_ARG_STRING, &prompt,
        "Prompt template, {} standing for the query (default \"a photo of "
          "a {}.\", as the element)", "TEMPLATE"},
    {"image", 'i', 0, G_OPTION_ARG_FILENAME, &image,
        "Search for frames that look like this picture instead of a text "
          "query", "FILE"},
    {"top", 'n', 0, G_OPTION_ARG_INT, &top, "Moments printed (default 5)",
        "N"},
    {"merge", 0, 0, G_OPTION_ARG_DOUBLE, &merge,
          "Neighbouring frames within this much similarity of a moment's "
          "best frame join it (default 0.05)", "DELTA"},
    {"json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL},
    {"thumbnails", 0, 0, G_OPTION_ARG_FILENAME, &thumbs,
        "Write a PNG of each moment's best frame into DIR", "DIR"},
    {"sheet", 0, 0, G_OPTION_ARG_FILENAME, &sheet,
        "Write one PNG of all the moments, best first, each best frame "
          "captioned with its rank, video, score and times", "FILE.png"},
    {"thumbnail-width", 0, 0, G_OPTION_ARG_INT, &thumb_width,
        "Width of the thumbnails in pixels (default 320)", "PIXELS"},
    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL,
        "QUERY FILE.embeddings.safetensors... (no QUERY with --image)"},
    {NULL}
  };
  GOptionContext *ctx;
  GError *error = NULL;
  ClipModel *model = NULL;
  ClipWorkspace *ws = NULL;
  ClipLabelSet *set = NULL;
  ClipLabelSetParams lp = clip_label_set_default_params ();
  float *pixels = NULL, *picture = NULL;
  const float *target;
  GPtrArray *files = g_ptr_array_new_with_free_func ((GDestroyNotify)
      emb_file_free);
  GArray *moments = g_array_new (FALSE, FALSE, sizeof (Moment));
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify)
      cairo_surface_destroy);
  GPtrArray *pngs = g_ptr_array_new_with_free_func (g_free);
  gchar *fingerprint = NULL, *canon;
  const gchar *query, *templates[1];
  Moment m;
  int status = 1;
  guint i, first_file;

  setlocale (LC_ALL, "");
  gst_init (&argc, &argv);
  ctx = g_option_context_new ("- find moments in tagged videos by text or "
      "by a picture");
  g_option_context_set_description (ctx, description);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("%s: %s\n", PROG, error->message);
    return 2;
  }
  g_option_context_free (ctx);
  first_file = image ? 0 : 1;
  if (!rest || g_strv_length (rest) <= first_file) {
    g_printerr ("%s: give %s at least one embeddings file (see --help)\n",
        PROG, image ? "--image and" : "a query and");
    return 2;
  }
  if (image && prompt) {
    g_printerr ("%s: --prompt shapes a text query; --image takes none\n",
        PROG);
    return 2;
  }
  if (top < 1 || merge < 0 || thumb_width < 16) {
    g_printerr ("%s: --top must be at least 1, --merge not negative, "
        "--thumbnail-width at least 16\n", PROG);
    return 2;
  }
  query = image ? NULL : rest[0];
  canon = g_canonicalize_filename (model_path ? model_path :
      CLIP_DEFAULT_MODEL_DIR, NULL);

  fingerprint = tools_model_fingerprint (canon, &error);
  if (!fingerprint || !(model = clip_model_load (canon, NULL, &error)) ||
      !(ws = clip_workspace_new (model, 1, &error)))
    goto failed;
  if (image) {
    /* Normalised, as clip-tag's frame embeddings are. */
    pixels = g_new (float, clip_model_input_size (model));
    picture = g_new (float, clip_model_embed_dim (model));
    if (!image_file_preprocess (model, image, TRUE, pixels, &error) ||
        !clip_vision_encode (ws, pixels, 1, picture, TRUE, &error))
      goto failed;
    target = picture;
  } else {
    templates[0] = prompt ? prompt : "a photo of a {}.";
    lp.templates = templates;
    lp.n_templates = 1;
    set = clip_label_set_new (model, ws, &query, 1, &lp, &error);
    if (!set)
      goto failed;
    target = clip_label_set_embeddings (set);
  }

  for (i = first_file; rest[i]; i++) {
    EmbFile *f = load_file (rest[i], fingerprint, canon, target,
        clip_model_embed_dim (model), &error);
    if (!f)
      goto failed;
    g_ptr_array_add (files, f);
  }
  while ((gint) moments->len < top && next_moment (files, merge, &m))
    g_array_append_val (moments, m);

  if (thumbs && g_mkdir_with_parents (thumbs, 0755) != 0) {
    g_set_error (&error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "%s: cannot make the directory: %s", thumbs, g_strerror (errno));
    goto failed;
  }
  /* Pictures first, so that nothing is printed when one fails. */
  for (i = 0; (thumbs || sheet) && i < moments->len; i++) {
    Moment *mo = &g_array_index (moments, Moment, i);
    gdouble peak = mo->file->pts[mo->peak] / 1e9;
    cairo_surface_t *frame = search_grab_frame (moment_video (mo),
        (GstClockTime) mo->file->pts[mo->peak], thumb_width, &error);

    if (!frame) {
      g_prefix_error (&error, "%s: frame at %.3f s: ", moment_video (mo),
          peak);
      goto failed;
    }
    /* held for the sheet only: thumbnails alone need one at a time */
    g_ptr_array_add (frames, frame);
    if (thumbs) {
      gchar *base = g_path_get_basename (moment_video (mo));
      gchar *name = g_strdup_printf ("%u-%s-%.3f.png", i + 1, base, peak);
      gchar *png = g_build_filename (thumbs, name, NULL);

      g_free (name);
      g_free (base);
      g_ptr_array_add (pngs, png);
      if (!png_file_write (frame, png, &error))
        goto failed;
    }
    if (!sheet)
      g_ptr_array_remove_index (frames, frames->len - 1);
  }
  if (sheet && !write_sheet (moments, frames, sheet, &error))
    goto failed;

  if (json)
    g_print ("[");
  for (i = 0; i < moments->len; i++) {
    Moment *mo = &g_array_index (moments, Moment, i);
    gdouble start = mo->file->pts[mo->first] / 1e9, end = moment_end (mo);
    gdouble peak = mo->file->pts[mo->peak] / 1e9;
    const gchar *video = moment_video (mo);
    const gchar *png = thumbs ? pngs->pdata[i] : NULL;

    if (json) {
      JsonBuilder *b = json_builder_new ();
      JsonGenerator *gen = json_generator_new ();
      JsonNode *root;
      gchar *text;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "video");
      json_builder_add_string_value (b, video);
      json_builder_set_member_name (b, "embeddings");
      json_builder_add_string_value (b, mo->file->path);
      json_builder_set_member_name (b, "start");
      json_builder_add_double_value (b, start);
      json_builder_set_member_name (b, "end");
      json_builder_add_double_value (b, end);
      json_builder_set_member_name (b, "peak");
      json_builder_add_double_value (b, peak);
      json_builder_set_member_name (b, "score");
      json_builder_add_double_value (b, mo->score);
      if (png) {
        json_builder_set_member_name (b, "thumbnail");
        json_builder_add_string_value (b, png);
      }
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      json_generator_set_root (gen, root);
      text = json_generator_to_data (gen, NULL);
      g_print ("%s%s", i ? ",\n " : "", text);
      g_free (text);
      json_node_unref (root);
      g_object_unref (gen);
      g_object_unref (b);
    } else {
      g_print ("%s  %.2f-%.2f  %.3f%s%s\n", video, start, end, mo->score,
          png ? "  " : "", png ? png : "");
    }
  }
  if (json)
    g_print ("]\n");
  status = 0;
  goto done;

failed:
  g_printerr ("%s: %s\n", PROG, error->message);
  g_clear_error (&error);
done:
  if (set)
    clip_label_set_unref (set);
  if (ws)
    clip_workspace_free (ws);
  if (model)
    clip_model_unref (model);
  g_free (fingerprint);
  g_free (canon);
  g_ptr_array_unref (files);
  g_array_unref (moments);
  g_ptr_array_unref (frames);
  g_ptr_array_unref (pngs);
  g_free (sheet);
  g_strfreev (rest);
  g_free (model_path);
  g_free (prompt);
  g_free (thumbs);
  g_free (image);
  g_free (pixels);
  g_free (picture);
  return status;
}
