/* labelset-file.c: label sets saved as safetensors, so that a restart (or
 * another machine) skips the text tower.
 *
 *   u64 N | N bytes of JSON header | N*E float32 (little-endian)
 *
 *   { "__metadata__": { "format": "clipclassify-label-set",
 *                       "format_version": "1",
 *                       "labels": "[\"cat\", \"dog\"]",
 *                       "templates": "[\"a photo of a {}.\"]",
 *                       "precision": "fp32", "embed_dim": "512",
 *                       "model_fingerprint": "<64 hex digits>",
 *                       "embeddings_sha256": "<64 hex digits>" },
 *     "embeddings": { "dtype": "F32", "shape": [N, E],
 *                     "data_offsets": [0, N*E*4] } }
 *
 * Safetensors metadata values are strings, so lists are JSON text inside
 * them. The header is padded with spaces to a multiple of 8 bytes. The
 * tensor layout is validated by the engine's safetensors reader; the
 * metadata is read here with json-glib. */
#include "labelset_internal.h"
#include "fileio.h"
#include "safetensors.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#define FORMAT_NAME "clipclassify-label-set"
#define FORMAT_VERSION "1"

/* A JSON array of strings as text. */
static char *
strv_to_json (const char *const *items, int n)
{
  JsonBuilder *b = json_builder_new ();
  JsonGenerator *gen = json_generator_new ();
  JsonNode *root;
  char *text;

  json_builder_begin_array (b);
  for (int i = 0; i < n; i++)
    json_builder_add_string_value (b, items[i]);
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (b);
  return text;
}

static char *
build_header (const ClipLabelSet *set, const guint8 *data, size_t data_bytes)
{
  int n = clip_label_set_size (set), nt = clip_label_set_n_templates (set);
  const char **labels = g_new (const char *, n);
  const char **templates = g_new (const char *, nt);
  JsonBuilder *b = json_builder_new ();
  JsonGenerator *gen = json_generator_new ();
  JsonNode *root;
  char *text, *dim;

  for (int i = 0; i < n; i++)
    labels[i] = clip_label_set_label (set, i);
  for (int i = 0; i < nt; i++)
    templates[i] = clip_label_set_template (set, i);
  dim = g_strdup_printf ("%d", clip_label_set_embed_dim (set));

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "__metadata__");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, FORMAT_NAME);
  json_builder_set_member_name (b, "format_version");
  json_builder_add_string_value (b, FORMAT_VERSION);
  json_builder_set_member_name (b, "labels");
  text = strv_to_json (labels, n);
  json_builder_add_string_value (b, text);
  g_free (text);
  json_builder_set_member_name (b, "templates");
  text = strv_to_json (templates, nt);
  json_builder_add_string_value (b, text);
  g_free (text);
  json_builder_set_member_name (b, "precision");
  json_builder_add_string_value (b,
      clip_precision_name (clip_label_set_precision (set)));
  json_builder_set_member_name (b, "embed_dim");
  json_builder_add_string_value (b, dim);
  json_builder_set_member_name (b, "model_fingerprint");
  json_builder_add_string_value (b, clip_label_set_fingerprint (set));
  json_builder_set_member_name (b, "embeddings_sha256");
  text = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, data_bytes);
  json_builder_add_string_value (b, text);
  g_free (text);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "embeddings");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "dtype");
  json_builder_add_string_value (b, "F32");
  json_builder_set_member_name (b, "shape");
  json_builder_begin_array (b);
  json_builder_add_int_value (b, n);
  json_builder_add_int_value (b, clip_label_set_embed_dim (set));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "data_offsets");
  json_builder_begin_array (b);
  json_builder_add_int_value (b, 0);
  json_builder_add_int_value (b, (gint64) data_bytes);
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (b);
  g_free (dim);
  g_free (templates);
  g_free (labels);
  return text;
}

gboolean
clip_label_set_save (const ClipLabelSet *set, const char *path,
    GError **error)
{
  size_t n_floats = (size_t) clip_label_set_size (set) *
      clip_label_set_embed_dim (set);
  size_t data_bytes = n_floats * sizeof (float);
  guint8 *data = g_malloc (MAX (data_bytes, 1));
  const float *embeds = clip_label_set_embeddings (set);
  char *header;
  size_t header_len, padded, total;
  guint8 *bytes;
  guint64 len_le;
  GError *err = NULL;
  gboolean ok;

  for (size_t i = 0; i < n_floats; i++) {
    guint32 v;
    memcpy (&v, &embeds[i], 4);
    v = GUINT32_TO_LE (v);
    memcpy (data + i * 4, &v, 4);
  }
  header = build_header (set, data, data_bytes);
  header_len = strlen (header);
  padded = (header_len + 7) & ~(size_t) 7;
  total = 8 + padded + data_bytes;
  bytes = g_malloc (total);
  len_le = GUINT64_TO_LE ((guint64) padded);
  memcpy (bytes, &len_le, 8);
  memcpy (bytes + 8, header, header_len);
  memset (bytes + 8 + header_len, ' ', padded - header_len);
  memcpy (bytes + 8 + padded, data, data_bytes);
  g_free (data);
  /* CONSISTENT: written to a temporary file, synced, renamed over @path. */
  ok = g_file_set_contents_full (path, (const char *) bytes, (gssize) total,
      G_FILE_SET_CONTENTS_CONSISTENT, 0644, &err);
  if (!ok) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_IO, "%s: %s", path,
        err->message);
    g_error_free (err);
  }
  g_free (bytes);
  g_free (header);
  return ok;
}

/* ------------------------------------------------------------- loading */

static const char *
meta_string (JsonObject *meta, const char *key)
{
  JsonNode *node = json_object_get_member (meta, key);

  if (!node || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* Parses the metadata value @key, a JSON array of non-empty UTF-8 strings
 * without NUL, into a NULL-terminated vector. */
static char **
meta_strv (JsonObject *meta, const char *key, const char *path,
    GError **error)
{
  const char *text = meta_string (meta, key);
  JsonParser *parser;
  JsonNode *root;
  JsonArray *array;
  GPtrArray *out;
  GError *err = NULL;

  if (!text) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: metadata \"%s\" missing", path, key);
    return NULL;
  }
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, text, -1, &err)) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: metadata \"%s\" is not JSON: %s", path, key, err->message);
    g_error_free (err);
    g_object_unref (parser);
    return NULL;
  }
  root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_ARRAY (root)
      || json_array_get_length (json_node_get_array (root)) == 0) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: metadata \"%s\" is not a non-empty array of strings", path, key);
    g_object_unref (parser);
    return NULL;
  }
  array = json_node_get_array (root);
  out = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < json_array_get_length (array); i++) {
    JsonNode *item = json_array_get_element (array, i);
    const char *s;

    if (!JSON_NODE_HOLDS_VALUE (item)
        || json_node_get_value_type (item) != G_TYPE_STRING
        || !(s = json_node_get_string (item)) || !*s
        || !g_utf8_validate (s, -1, NULL)) {
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
          "%s: metadata \"%s\": item %u is not a non-empty string", path,
          key, i + 1);
      g_ptr_array_unref (out);
      g_object_unref (parser);
      return NULL;
    }
    g_ptr_array_add (out, g_strdup (s));
  }
  g_ptr_array_add (out, NULL);
  g_object_unref (parser);
  return (char **) g_ptr_array_free (out, FALSE);
}

/* The "__metadata__" object of the header at the start of @data. */
static JsonParser *
parse_header (const guint8 *data, size_t len, const char *path,
    JsonObject **meta, GError **error)
{
  guint64 n;
  JsonParser *parser;
  JsonNode *root, *node;

  memcpy (&n, data, 8);
  n = GUINT64_FROM_LE (n);
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, (const char *) data + 8,
          (gssize) n, NULL)
      || !(root = json_parser_get_root (parser))
      || !JSON_NODE_HOLDS_OBJECT (root)
      || !(node = json_object_get_member (json_node_get_object (root),
              "__metadata__"))
      || !JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: not a label-set file (no metadata in the header)", path);
    g_object_unref (parser);
    return NULL;
  }
  *meta = json_node_get_object (node);
  return parser;
}

/* Checks the format, width, precision and model of the metadata. */
static gboolean
check_metadata (JsonObject *meta, const ClipModel *model, const char *path,
    GError **error)
{
  const char *format = meta_string (meta, "format");
  const char *version = meta_string (meta, "format_version");
  const char *precision = meta_string (meta, "precision");
  const char *dim = meta_string (meta, "embed_dim");
  const char *fingerprint = meta_string (meta, "model_fingerprint");
  const char *want_precision = clip_precision_name (model->precision);
  char dim_text[32];
  char *mine;
  gboolean same;

  g_snprintf (dim_text, sizeof dim_text, "%d", model->embed_dim);
  if (g_strcmp0 (format, FORMAT_NAME) != 0) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: not a label-set file (metadata \"format\" is not \"%s\")",
        path, FORMAT_NAME);
    return FALSE;
  }
  if (g_strcmp0 (version, FORMAT_VERSION) != 0) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: label-set format version %s, this build reads %s", path,
        version ? version : "(missing)", FORMAT_VERSION);
    return FALSE;
  }
  if (g_strcmp0 (dim, dim_text) != 0) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "%s: made for embedding width %s, the model's is %d", path,
        dim ? dim : "(missing)", model->embed_dim);
    return FALSE;
  }
  if (g_strcmp0 (precision, want_precision) != 0) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "%s: made at precision %s, the model runs at %s", path,
        precision ? precision : "(missing)", want_precision);
    return FALSE;
  }
  mine = clip_model_fingerprint (model);
  same = g_strcmp0 (fingerprint, mine) == 0;
  if (!same)
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "%s: made for another model (fingerprint %.12s..., this model's "
        "is %.12s...)", path, fingerprint ? fingerprint : "(missing)", mine);
  g_free (mine);
  return same;
}

/* Copies the [N, E] tensor out, checking that every row is finite and of
 * unit length (a damaged data area is caught here). */
static float *
read_embeddings (const StFile *st, JsonObject *meta, int n_labels, int dim,
    const char *path, GError **error)
{
  const StTensor *t = st_find (st, "embeddings");
  const char *want_sum = meta_string (meta, "embeddings_sha256");
  char *sum;
  gboolean same;
  float *out;

  if (!t || st_n_tensors (st) != 1 || t->dtype != ST_F32 || t->ndim != 2
      || t->shape[0] != n_labels || t->shape[1] != dim) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_TENSOR,
        "%s: expected one F32 tensor \"embeddings\" of shape [%d, %d] (%d "
        "labels in the metadata)", path, n_labels, dim, n_labels);
    return NULL;
  }
  sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, t->data, t->nbytes);
  same = g_strcmp0 (sum, want_sum) == 0;
  g_free (sum);
  if (!same) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_TENSOR,
        "%s: the embeddings do not match their checksum (damaged file)",
        path);
    return NULL;
  }
  out = g_new (float, (size_t) n_labels * dim);
  st_to_f32 (t, out);
  for (int i = 0; i < n_labels; i++) {
    double norm = 0;
    for (int d = 0; d < dim; d++) {
      float v = out[(size_t) i * dim + d];
      norm += isfinite (v) ? (double) v * v : INFINITY;
    }
    if (!(fabs (sqrt (norm) - 1.0) < 1e-3)) {
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_TENSOR,
          "%s: embedding of label %d is not a unit vector (damaged file?)",
          path, i + 1);
      g_free (out);
      return NULL;
    }
  }
  return out;
}

ClipLabelSet *
clip_label_set_load (const ClipModel *model, const char *path,
    GError **error)
{
  char *data = NULL;
  gsize len = 0;
  ClipLabelSet *set;

  if (!clip_file_read_io (path, &data, &len, error))
    return NULL;
  set = clip_label_set_load_bytes (model, (const guint8 *) data, len, path,
      error);
  g_free (data);
  return set;
}

ClipLabelSet *
clip_label_set_load_bytes (const ClipModel *model, const guint8 *data,
    size_t len, const char *path, GError **error)
{
  StFile *st = NULL;
  JsonParser *parser = NULL;
  JsonObject *meta;
  char **labels = NULL, **templates = NULL;
  float *embeds = NULL;
  ClipLabelSet *set = NULL;

  /* The reader checks the length, the header and the tensor's byte range
   * (a truncated file fails here). */
  st = st_open_bytes (data, len, path, error);
  if (!st)
    goto out;
  parser = parse_header (data, len, path, &meta, error);
  if (!parser || !check_metadata (meta, model, path, error))
    goto out;
  labels = meta_strv (meta, "labels", path, error);
  if (!labels)
    goto out;
  templates = meta_strv (meta, "templates", path, error);
  if (!templates)
    goto out;
  embeds = read_embeddings (st, meta, (int) g_strv_length (labels),
      model->embed_dim, path, error);
  if (!embeds)
    goto out;
  set = clip_label_set_new_take (model, labels, templates, embeds);
  labels = templates = NULL;

out:
  g_strfreev (labels);
  g_strfreev (templates);
  if (parser)
    g_object_unref (parser);
  if (st)
    st_close (st);
  return set;
}
