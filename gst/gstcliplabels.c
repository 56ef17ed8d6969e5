/* gstcliplabels.c: parsing of the labels, labels-file, prompt and
 * prompt-file properties, and building the label set they describe. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstcliplabels.h"
#include "fileio.h"

#include <string.h>

GstClipLabelSpec *
gst_clip_label_spec_copy (const GstClipLabelSpec * spec)
{
  GstClipLabelSpec *copy = g_new0 (GstClipLabelSpec, 1);

  copy->labels = g_strdup (spec->labels);
  copy->labels_file = g_strdup (spec->labels_file);
  copy->prompt = g_strdup (spec->prompt);
  copy->prompt_file = g_strdup (spec->prompt_file);
  copy->text_embeddings = g_strdup (spec->text_embeddings);
  copy->cache_dir = g_strdup (spec->cache_dir);
  return copy;
}

void
gst_clip_label_spec_clear (GstClipLabelSpec * spec)
{
  g_clear_pointer (&spec->labels, g_free);
  g_clear_pointer (&spec->labels_file, g_free);
  g_clear_pointer (&spec->prompt, g_free);
  g_clear_pointer (&spec->prompt_file, g_free);
  g_clear_pointer (&spec->text_embeddings, g_free);
  g_clear_pointer (&spec->cache_dir, g_free);
}

void
gst_clip_label_spec_free (GstClipLabelSpec * spec)
{
  if (!spec)
    return;
  gst_clip_label_spec_clear (spec);
  g_free (spec);
}

/* Appends @item trimmed, unless it is empty. */
static void
push_trimmed (GPtrArray * out, GString * item)
{
  gchar *text = g_strstrip (g_strdup (item->str));

  if (*text)
    g_ptr_array_add (out, text);
  else
    g_free (text);
  g_string_truncate (item, 0);
}

gchar **
gst_clip_labels_parse_list (const gchar * text)
{
  GPtrArray *out = g_ptr_array_new ();
  GString *item = g_string_new (NULL);
  const gchar *p;

  for (p = text; p && *p; p++) {
    if (*p == '\\' && (p[1] == ',' || p[1] == '\\')) {
      g_string_append_c (item, p[1]);
      p++;
    } else if (*p == ',') {
      push_trimmed (out, item);
    } else {
      g_string_append_c (item, *p);
    }
  }
  push_trimmed (out, item);
  g_string_free (item, TRUE);
  g_ptr_array_add (out, NULL);
  return (gchar **) g_ptr_array_free (out, FALSE);
}

gchar **
gst_clip_labels_read_lines (const gchar * path, GError ** error)
{
  gchar *contents = NULL;
  gsize length = 0;
  gchar **lines;
  GPtrArray *out;
  guint i;

  if (!clip_file_get_contents (path, &contents, &length, error))
    return NULL;
  /* With its length, so that a NUL byte (a binary file) is refused rather
   * than ending the text early. */
  if (!g_utf8_validate_len (contents, length, NULL)) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%s: not valid UTF-8 text (or holds a NUL byte)", path);
    g_free (contents);
    return NULL;
  }

  out = g_ptr_array_new ();
  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i]; i++) {
    gchar *line = g_strstrip (lines[i]);

    if (*line == '\0' || *line == '#')
      continue;
    g_ptr_array_add (out, g_strdup (line));
  }
  g_ptr_array_add (out, NULL);
  g_strfreev (lines);
  g_free (contents);
  return (gchar **) g_ptr_array_free (out, FALSE);
}

/* Appends the items of @items not yet in @seen to @out (takes @items). */
static void
append_unique (GPtrArray * out, GHashTable * seen, gchar ** items)
{
  guint i;

  for (i = 0; items[i]; i++) {
    if (g_hash_table_contains (seen, items[i])) {
      g_free (items[i]);
      continue;
    }
    g_hash_table_add (seen, items[i]);
    g_ptr_array_add (out, items[i]);
  }
  g_free (items);
}

gchar **
gst_clip_label_spec_get_labels (const GstClipLabelSpec * spec, GError ** error)
{
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  append_unique (out, seen, gst_clip_labels_parse_list (spec->labels));
  if (spec->labels_file && *spec->labels_file) {
    gchar **lines = gst_clip_labels_read_lines (spec->labels_file, error);

    if (!lines)
      goto failed;
    append_unique (out, seen, lines);
  }
  if (out->len == 0) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "no labels to classify into: set labels=\"a,b,...\" or "
        "labels-file=<file with one label per line>%s",
        spec->labels_file ? " (the labels file has none)" : "");
    goto failed;
  }

  g_hash_table_unref (seen);
  g_ptr_array_set_free_func (out, NULL);
  g_ptr_array_add (out, NULL);
  return (gchar **) g_ptr_array_free (out, FALSE);

failed:
  g_hash_table_unref (seen);
  g_ptr_array_free (out, TRUE);
  return NULL;
}

gchar **
gst_clip_label_spec_get_templates (const GstClipLabelSpec * spec,
    GError ** error)
{
  gchar **templates;

  if (spec->prompt_file && *spec->prompt_file) {
    templates = gst_clip_labels_read_lines (spec->prompt_file, error);
    if (templates && !templates[0]) {
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
          "%s: no prompt templates in the file (one per line, with {} "
          "where the label goes)", spec->prompt_file);
      g_strfreev (templates);
      return NULL;
    }
    return templates;
  }

  templates = g_new0 (gchar *, 2);
  if (spec->prompt && *spec->prompt)
    templates[0] = g_strdup (spec->prompt);
  else if (spec->prompt)
    templates[0] = g_strdup ("{}");     /* an empty prompt: the bare label */
  else
    templates[0] = g_strdup (GST_CLIP_DEFAULT_PROMPT);
  return templates;
}

static gboolean
not_cancelled (int done, int total, void *user_data)
{
  return !g_atomic_int_get ((const gint *) user_data);
}

ClipLabelSet *
gst_clip_label_spec_build (const GstClipLabelSpec * spec, ClipModel * model,
    ClipWorkspace * ws, const gint * cancel, GError ** error)
{
  ClipLabelSetParams params = clip_label_set_default_params ();
  gchar **labels, **templates;
  ClipLabelSet *set;

  if (spec->text_embeddings && *spec->text_embeddings)
    return clip_label_set_load (model, spec->text_embeddings, error);

  labels = gst_clip_label_spec_get_labels (spec, error);
  if (!labels)
    return NULL;
  templates = gst_clip_label_spec_get_templates (spec, error);
  if (!templates) {
    g_strfreev (labels);
    return NULL;
  }

  params.templates = (const char *const *) templates;
  params.n_templates = (int) g_strv_length (templates);
  if (cancel) {
    params.progress = not_cancelled;
    params.progress_data = (void *) cancel;
  }
  set = clip_label_set_new_cached (model, ws, (const char *const *) labels,
      (int) g_strv_length (labels), &params, spec->cache_dir, NULL, error);

  g_strfreev (templates);
  g_strfreev (labels);
  return set;
}
