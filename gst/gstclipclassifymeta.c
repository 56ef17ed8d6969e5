/* gstclipclassifymeta.c: the classification buffer meta.
 *
 * The label and score arrays live in a reference-counted block shared by
 * every buffer that carries the same result, so attaching the newest result
 * to each frame costs one small allocation, not a copy of the labels. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstclipclassifymeta.h"

#include <string.h>

/* The result of one region (roi-list mode). */
typedef struct
{
  gint id;
  GQuark roi_type;
  guint x, y, width, height;
  guint n_results;
  gchar **labels;               /* n_results + 1, NULL-terminated */
  gdouble *scores;              /* n_results */
  gboolean matched;
} RegionEntry;

typedef struct
{
  guint n_results;
  gchar **labels;               /* n_results + 1, NULL-terminated */
  gdouble *scores;              /* n_results */
  GArray *regions;              /* RegionEntry; NULL until the first */
  gfloat *embedding;            /* embed_dim; NULL unless asked for */
  guint embed_dim;
} ResultBlock;

static void
region_entry_clear (gpointer data)
{
  RegionEntry *r = data;

  g_strfreev (r->labels);
  g_free (r->scores);
}

static void
result_block_clear (gpointer data)
{
  ResultBlock *block = data;

  g_strfreev (block->labels);
  g_free (block->scores);
  if (block->regions)
    g_array_unref (block->regions);
  g_free (block->embedding);
}

static ResultBlock *
result_block_new (guint n_results, const gchar * const *labels,
    const gdouble * scores)
{
  ResultBlock *block = g_atomic_rc_box_new0 (ResultBlock);
  guint i;

  block->n_results = n_results;
  block->labels = g_new0 (gchar *, n_results + 1);
  block->scores = g_new0 (gdouble, MAX (n_results, 1));
  for (i = 0; i < n_results; i++) {
    block->labels[i] = g_strdup (labels[i]);
    block->scores[i] = scores[i];
  }
  return block;
}

static void
result_block_unref (ResultBlock * block)
{
  g_atomic_rc_box_release_full (block, result_block_clear);
}

static void
meta_set_block (GstClipClassifyMeta * meta, ResultBlock * block)
{
  meta->priv = block;
  meta->n_results = block->n_results;
  meta->labels = (const gchar * const *) block->labels;
  meta->scores = block->scores;
}

static gboolean
gst_clip_classify_meta_init (GstMeta * meta, gpointer params,
    GstBuffer * buffer)
{
  GstClipClassifyMeta *cmeta = (GstClipClassifyMeta *) meta;

  cmeta->n_results = 0;
  cmeta->labels = NULL;
  cmeta->scores = NULL;
  cmeta->matched = FALSE;
  cmeta->inferred_pts = GST_CLOCK_TIME_NONE;
  cmeta->inferred_frame = 0;
  cmeta->from_this_frame = FALSE;
  cmeta->inference_ms = 0.0;
  cmeta->priv = NULL;
  memset (cmeta->_gst_reserved, 0, sizeof (cmeta->_gst_reserved));
  return TRUE;
}

static void
gst_clip_classify_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  GstClipClassifyMeta *cmeta = (GstClipClassifyMeta *) meta;

  if (cmeta->priv)
    result_block_unref (cmeta->priv);
  cmeta->priv = NULL;
}

/* The result describes the picture's content, not its geometry or
 * samples, so it stays valid through copies, scaling and conversion. */
static gboolean
gst_clip_classify_meta_transform (GstBuffer * dest, GstMeta * meta,
    GstBuffer * buffer, GQuark type, gpointer data)
{
  GstClipClassifyMeta *src = (GstClipClassifyMeta *) meta;

  return gst_buffer_add_clip_classify_meta_from (dest, src,
      src->from_this_frame) != NULL;
}

GType
gst_clip_classify_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { NULL };

  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstClipClassifyMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

const GstMetaInfo *
gst_clip_classify_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *mi = gst_meta_register (GST_CLIP_CLASSIFY_META_API_TYPE,
        "GstClipClassifyMeta", sizeof (GstClipClassifyMeta),
        gst_clip_classify_meta_init, gst_clip_classify_meta_free,
        gst_clip_classify_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) mi);
  }
  return info;
}

GstClipClassifyMeta *
gst_buffer_add_clip_classify_meta (GstBuffer * buffer, guint n_results,
    const gchar * const *labels, const gdouble * scores, gboolean matched,
    GstClockTime inferred_pts, guint64 inferred_frame,
    gboolean from_this_frame, gdouble inference_ms)
{
  GstClipClassifyMeta *meta;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (gst_buffer_is_writable (buffer), NULL);
  g_return_val_if_fail (n_results == 0 || (labels && scores), NULL);

  meta = (GstClipClassifyMeta *) gst_buffer_add_meta (buffer,
      GST_CLIP_CLASSIFY_META_INFO, NULL);
  if (!meta)
    return NULL;

  meta_set_block (meta, result_block_new (n_results, labels, scores));
  meta->matched = matched;
  meta->inferred_pts = inferred_pts;
  meta->inferred_frame = inferred_frame;
  meta->from_this_frame = from_this_frame;
  meta->inference_ms = inference_ms;
  return meta;
}

GstClipClassifyMeta *
gst_buffer_add_clip_classify_meta_from (GstBuffer * buffer,
    const GstClipClassifyMeta * source, gboolean from_this_frame)
{
  GstClipClassifyMeta *meta;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (gst_buffer_is_writable (buffer), NULL);
  g_return_val_if_fail (source != NULL && source->priv != NULL, NULL);

  meta = (GstClipClassifyMeta *) gst_buffer_add_meta (buffer,
      GST_CLIP_CLASSIFY_META_INFO, NULL);
  if (!meta)
    return NULL;

  meta_set_block (meta, g_atomic_rc_box_acquire (source->priv));
  meta->matched = source->matched;
  meta->inferred_pts = source->inferred_pts;
  meta->inferred_frame = source->inferred_frame;
  meta->from_this_frame = from_this_frame;
  meta->inference_ms = source->inference_ms;
  return meta;
}

const gchar *
gst_clip_classify_meta_get_top_label (const GstClipClassifyMeta * meta)
{
  g_return_val_if_fail (meta != NULL, NULL);

  if (!meta->matched || meta->n_results == 0)
    return NULL;
  return meta->labels[0];
}

gdouble
gst_clip_classify_meta_get_score (const GstClipClassifyMeta * meta,
    const gchar * label)
{
  guint i;

  g_return_val_if_fail (meta != NULL, -1.0);
  g_return_val_if_fail (label != NULL, -1.0);

  for (i = 0; i < meta->n_results; i++) {
    if (strcmp (meta->labels[i], label) == 0)
      return meta->scores[i];
  }
  return -1.0;
}

GstClipClassifyMeta *
gst_clip_classify_buffer_get_meta (GstBuffer * buffer)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);

  return gst_buffer_get_clip_classify_meta (buffer);
}

const gchar *const *
gst_clip_classify_meta_get_labels (const GstClipClassifyMeta * meta)
{
  static const gchar *const none[] = { NULL };

  g_return_val_if_fail (meta != NULL, NULL);

  return meta->labels ? meta->labels : none;
}

const gdouble *
gst_clip_classify_meta_get_scores (const GstClipClassifyMeta * meta,
    guint * n_scores)
{
  g_return_val_if_fail (meta != NULL, NULL);

  if (n_scores)
    *n_scores = meta->n_results;
  return meta->scores;
}

/* ------------------------------------------------------------ regions */

guint
gst_clip_classify_meta_add_region (GstClipClassifyMeta * meta, gint id,
    const gchar * roi_type, guint x, guint y, guint width, guint height,
    guint n_results, const gchar * const *labels, const gdouble * scores,
    gboolean matched)
{
  ResultBlock *block;
  RegionEntry r = { 0, };
  guint i;

  g_return_val_if_fail (meta != NULL && meta->priv != NULL, G_MAXUINT);
  g_return_val_if_fail (n_results == 0 || (labels && scores), G_MAXUINT);

  block = meta->priv;
  if (!block->regions) {
    block->regions = g_array_new (FALSE, FALSE, sizeof (RegionEntry));
    g_array_set_clear_func (block->regions, region_entry_clear);
  }
  r.id = id;
  r.roi_type = roi_type ? g_quark_from_string (roi_type) : 0;
  r.x = x;
  r.y = y;
  r.width = width;
  r.height = height;
  r.n_results = n_results;
  r.labels = g_new0 (gchar *, n_results + 1);
  r.scores = g_new0 (gdouble, MAX (n_results, 1));
  for (i = 0; i < n_results; i++) {
    r.labels[i] = g_strdup (labels[i]);
    r.scores[i] = scores[i];
  }
  r.matched = matched;
  g_array_append_val (block->regions, r);
  return block->regions->len - 1;
}

static const RegionEntry *
region_at (const GstClipClassifyMeta * meta, guint index)
{
  const ResultBlock *block = meta->priv;

  if (!block || !block->regions || index >= block->regions->len)
    return NULL;
  return &g_array_index (block->regions, RegionEntry, index);
}

guint
gst_clip_classify_meta_get_n_regions (const GstClipClassifyMeta * meta)
{
  const ResultBlock *block;

  g_return_val_if_fail (meta != NULL, 0);
  block = meta->priv;
  return block && block->regions ? block->regions->len : 0;
}

gboolean
gst_clip_classify_meta_get_region (const GstClipClassifyMeta * meta,
    guint index, gint * id, const gchar ** roi_type, guint * x, guint * y,
    guint * width, guint * height, gboolean * matched)
{
  const RegionEntry *r;

  g_return_val_if_fail (meta != NULL, FALSE);
  r = region_at (meta, index);
  if (!r)
    return FALSE;
  if (id)
    *id = r->id;
  if (roi_type)
    *roi_type = r->roi_type ? g_quark_to_string (r->roi_type) : NULL;
  if (x)
    *x = r->x;
  if (y)
    *y = r->y;
  if (width)
    *width = r->width;
  if (height)
    *height = r->height;
  if (matched)
    *matched = r->matched;
  return TRUE;
}

guint
gst_clip_classify_meta_get_region_n_results (const GstClipClassifyMeta *
    meta, guint index)
{
  const RegionEntry *r;

  g_return_val_if_fail (meta != NULL, 0);
  r = region_at (meta, index);
  return r ? r->n_results : 0;
}

const gchar *
gst_clip_classify_meta_get_region_result (const GstClipClassifyMeta * meta,
    guint index, guint rank, gdouble * score)
{
  const RegionEntry *r;

  g_return_val_if_fail (meta != NULL, NULL);
  r = region_at (meta, index);
  if (!r || rank >= r->n_results)
    return NULL;
  if (score)
    *score = r->scores[rank];
  return r->labels[rank];
}

const gchar *
gst_clip_classify_meta_get_region_top_label (const GstClipClassifyMeta *
    meta, guint index)
{
  const RegionEntry *r;

  g_return_val_if_fail (meta != NULL, NULL);
  r = region_at (meta, index);
  if (!r || !r->matched || r->n_results == 0)
    return NULL;
  return r->labels[0];
}

/* ---------------------------------------------------------- embedding */

void
gst_clip_classify_meta_set_embedding (GstClipClassifyMeta * meta,
    const gfloat * embedding, guint dim)
{
  ResultBlock *block;

  g_return_if_fail (meta != NULL && meta->priv != NULL);
  g_return_if_fail (dim == 0 || embedding != NULL);

  block = meta->priv;
  g_free (block->embedding);
  block->embedding = dim ? g_memdup2 (embedding, dim * sizeof (gfloat)) : NULL;
  block->embed_dim = dim;
}

const gfloat *
gst_clip_classify_meta_get_embedding (const GstClipClassifyMeta * meta,
    guint * dim)
{
  const ResultBlock *block;

  g_return_val_if_fail (meta != NULL, NULL);

  block = meta->priv;
  if (dim)
    *dim = block ? block->embed_dim : 0;
  return block ? block->embedding : NULL;
}
