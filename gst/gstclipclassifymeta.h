/* gstclipclassifymeta.h: the classification result that clipclassify
 * attaches to video buffers.
 *
 * Reading it from a pad probe:
 *
 *   #include <gstclipclassifymeta.h>
 *
 *   GstClipClassifyMeta *meta = gst_buffer_get_clip_classify_meta (buffer);
 *   if (meta && meta->matched)
 *     g_print ("%s %.3f\n", meta->labels[0], meta->scores[0]);
 *
 * Build with `pkg-config --cflags --libs clipclassify-1.0`.
 *
 * A meta is immutable once attached. Its arrays are shared between all the
 * buffers that carry the same result and stay valid while the buffer (and
 * so the meta) lives. The meta has no tags: queue, tee, videoconvert,
 * videoscale and other in-place or converting elements keep it.
 */
#ifndef __GST_CLIP_CLASSIFY_META_H__
#define __GST_CLIP_CLASSIFY_META_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#if defined(BUILDING_GST_CLIP_CLASSIFY_META)
#define GST_CLIP_CLASSIFY_META_API __attribute__ ((visibility ("default")))
#else
#define GST_CLIP_CLASSIFY_META_API
#endif

#define GST_CLIP_CLASSIFY_META_API_TYPE (gst_clip_classify_meta_api_get_type ())
#define GST_CLIP_CLASSIFY_META_INFO (gst_clip_classify_meta_get_info ())

typedef struct _GstClipClassifyMeta GstClipClassifyMeta;

/**
 * GstClipClassifyMeta:
 * @meta: the parent #GstMeta
 * @n_results: entries in @labels and @scores (the element's top-k, or
 *     fewer when the label set is smaller)
 * @labels: (array zero-terminated=1): label texts, most probable first
 *     (@n_results entries followed by a NULL)
 * @scores: (array length=n_results): their probabilities: the softmax over
 *     the whole label set, so with top-k = 0 they sum to 1; descending
 * @matched: FALSE when the top probability is below the element's
 *     threshold ("no match"); @labels and @scores are filled either way
 * @inferred_pts: PTS of the frame whose pixels produced this result
 *     (GST_CLOCK_TIME_NONE if that frame had none)
 * @inferred_frame: index of that frame, counted from 0 at the element's
 *     start (READY to PAUSED)
 * @from_this_frame: TRUE when the result was computed from this buffer's
 *     own pixels, FALSE when it was carried over from an earlier frame
 * @inference_ms: wall-clock time of that inference (preprocessing, vision
 *     tower and scoring), in milliseconds
 *
 * The result of one inference, attached to a video buffer. From Python
 * (through GObject introspection) get it with
 * GstClipClassify.buffer_get_meta() and read the arrays with
 * gst_clip_classify_meta_get_labels() and
 * gst_clip_classify_meta_get_scores().
 */
struct _GstClipClassifyMeta
{
  GstMeta meta;

  guint n_results;
  const gchar *const *labels;
  const gdouble *scores;
  gboolean matched;
  GstClockTime inferred_pts;
  guint64 inferred_frame;
  gboolean from_this_frame;
  gdouble inference_ms;

  /*< private >*/
  gpointer priv;
  gpointer _gst_reserved[GST_PADDING];
};

/**
 * gst_clip_classify_meta_api_get_type:
 *
 * The GType of the meta API ("GstClipClassifyMetaAPI").
 *
 * Returns: the API type
 */
GST_CLIP_CLASSIFY_META_API
GType gst_clip_classify_meta_api_get_type (void);

/**
 * gst_clip_classify_meta_get_info: (skip)
 *
 * The registered GstMetaInfo of the implementation.
 *
 * Returns: (transfer none): the meta info
 */
GST_CLIP_CLASSIFY_META_API
const GstMetaInfo *gst_clip_classify_meta_get_info (void);

/* The classification meta of @buffer, or NULL when it carries none. */
#define gst_buffer_get_clip_classify_meta(buffer) \
  ((GstClipClassifyMeta *) gst_buffer_get_meta ((buffer), \
      GST_CLIP_CLASSIFY_META_API_TYPE))

/**
 * gst_clip_classify_buffer_get_meta:
 * @buffer: a #GstBuffer
 *
 * The classification meta of @buffer, as gst_buffer_get_clip_classify_meta()
 * (a function, so that bindings can call it).
 *
 * Returns: (transfer none) (nullable): the meta, or %NULL when @buffer
 *     carries none
 */
GST_CLIP_CLASSIFY_META_API
GstClipClassifyMeta *gst_clip_classify_buffer_get_meta (GstBuffer * buffer);

/**
 * gst_clip_classify_meta_get_labels:
 * @meta: a #GstClipClassifyMeta
 *
 * The reported labels, most probable first.
 *
 * Returns: (transfer none) (array zero-terminated=1): @n_results labels
 */
GST_CLIP_CLASSIFY_META_API
const gchar *const *gst_clip_classify_meta_get_labels (const
    GstClipClassifyMeta * meta);

/**
 * gst_clip_classify_meta_get_scores:
 * @meta: a #GstClipClassifyMeta
 * @n_scores: (out): where to store the number of scores (@n_results)
 *
 * The probabilities of the reported labels, in the order of
 * gst_clip_classify_meta_get_labels().
 *
 * Returns: (transfer none) (array length=n_scores): @n_results scores
 */
GST_CLIP_CLASSIFY_META_API
const gdouble *gst_clip_classify_meta_get_scores (const GstClipClassifyMeta *
    meta, guint * n_scores);

/**
 * gst_buffer_add_clip_classify_meta: (skip)
 * @buffer: a writable #GstBuffer
 * @n_results: entries in @labels and @scores
 * @labels: (array length=n_results): label texts, most probable first
 * @scores: (array length=n_results): their probabilities
 * @matched: whether the top probability reached the threshold
 * @inferred_pts: PTS of the inferred frame
 * @inferred_frame: index of the inferred frame
 * @from_this_frame: whether the result comes from @buffer's pixels
 * @inference_ms: time of the inference in milliseconds
 *
 * Attaches a new meta to the writable @buffer, copying @n_results entries
 * of @labels and @scores (which the caller orders, most probable first).
 *
 * Returns: (transfer none): the new meta
 */
GST_CLIP_CLASSIFY_META_API
GstClipClassifyMeta *gst_buffer_add_clip_classify_meta (GstBuffer * buffer,
    guint n_results, const gchar * const *labels, const gdouble * scores,
    gboolean matched, GstClockTime inferred_pts, guint64 inferred_frame,
    gboolean from_this_frame, gdouble inference_ms);

/**
 * gst_buffer_add_clip_classify_meta_from: (skip)
 * @buffer: a writable #GstBuffer
 * @source: the meta whose result to share
 * @from_this_frame: whether the result comes from @buffer's pixels
 *
 * Attaches to the writable @buffer a meta with the same result as @source
 * (the arrays are shared, not copied) and its own @from_this_frame.
 *
 * Returns: (transfer none): the new meta
 */
GST_CLIP_CLASSIFY_META_API
GstClipClassifyMeta *gst_buffer_add_clip_classify_meta_from (GstBuffer *
    buffer, const GstClipClassifyMeta * source, gboolean from_this_frame);

/**
 * gst_clip_classify_meta_get_top_label:
 * @meta: a #GstClipClassifyMeta
 *
 * The top label, or NULL when there is no result or no match.
 *
 * Returns: (transfer none) (nullable): the top label
 */
GST_CLIP_CLASSIFY_META_API
const gchar *gst_clip_classify_meta_get_top_label (const GstClipClassifyMeta *
    meta);

/**
 * gst_clip_classify_meta_get_score:
 * @meta: a #GstClipClassifyMeta
 * @label: a label text
 *
 * The probability of @label among the reported results, or -1 when
 * @label is not among them.
 *
 * Returns: the probability, or -1
 */
GST_CLIP_CLASSIFY_META_API
gdouble gst_clip_classify_meta_get_score (const GstClipClassifyMeta * meta,
    const gchar * label);

/* Regions (inference-region=roi-list). A meta then holds one entry per
 * classified GstVideoRegionOfInterestMeta of the frame, in the order of
 * those metas, read through the accessors below (n_results is 0 and the
 * frame-level fields describe no label). */

/* Appends a region result to @meta. Only for a meta just made by
 * gst_buffer_add_clip_classify_meta() and not yet shared with another
 * buffer (metas are immutable once attached and passed on). Copies
 * @labels and @scores (@n_results entries, most probable first). Returns
 * the index of the new region. */
GST_CLIP_CLASSIFY_META_API
guint gst_clip_classify_meta_add_region (GstClipClassifyMeta * meta,
    gint id, const gchar * roi_type, guint x, guint y, guint width,
    guint height, guint n_results, const gchar * const *labels,
    const gdouble * scores, gboolean matched);

/* The number of region entries (0 in full-frame mode). */
GST_CLIP_CLASSIFY_META_API
guint gst_clip_classify_meta_get_n_regions (const GstClipClassifyMeta * meta);

/* Region @index: the ROI meta's @id and @roi_type (NULL when it had none),
 * its rectangle in the frame's pixels, and whether its top probability
 * passed the threshold. Any out-parameter may be NULL. FALSE when @index
 * is out of range. */
GST_CLIP_CLASSIFY_META_API
gboolean gst_clip_classify_meta_get_region (const GstClipClassifyMeta * meta,
    guint index, gint * id, const gchar ** roi_type, guint * x, guint * y,
    guint * width, guint * height, gboolean * matched);

/* The number of labels reported for region @index (the element's top-k). */
GST_CLIP_CLASSIFY_META_API
guint gst_clip_classify_meta_get_region_n_results (const GstClipClassifyMeta *
    meta, guint index);

/* The label at @rank (0: most probable) of region @index and its
 * probability in @score; NULL when either is out of range. */
GST_CLIP_CLASSIFY_META_API
const gchar *gst_clip_classify_meta_get_region_result (const
    GstClipClassifyMeta * meta, guint index, guint rank, gdouble * score);

/* The top label of region @index, or NULL when it is no match. */
GST_CLIP_CLASSIFY_META_API
const gchar *gst_clip_classify_meta_get_region_top_label (const
    GstClipClassifyMeta * meta, guint index);

/**
 * gst_clip_classify_meta_set_embedding: (skip)
 * @meta: a #GstClipClassifyMeta just made by
 *     gst_buffer_add_clip_classify_meta() and not yet passed on
 * @embedding: (array length=dim): the image embedding
 * @dim: its length
 *
 * Keeps a copy of the L2-normalised image embedding the result was scored
 * from (clipclassify attach-embedding=true), replacing one set before.
 */
GST_CLIP_CLASSIFY_META_API
void gst_clip_classify_meta_set_embedding (GstClipClassifyMeta * meta,
    const gfloat * embedding, guint dim);

/**
 * gst_clip_classify_meta_get_embedding:
 * @meta: a #GstClipClassifyMeta
 * @dim: (out): the length of the embedding (0 when there is none)
 *
 * The L2-normalised image embedding of the inferred frame, in the space
 * of the model's text embeddings, when the element was asked for it
 * (attach-embedding=true, full-frame mode): for search indexes,
 * near-duplicate detection or labels added later. It is shared, like the
 * scores, by every frame that carries the same result.
 *
 * Returns: (array length=dim) (transfer none) (nullable): the embedding,
 *     or %NULL
 */
GST_CLIP_CLASSIFY_META_API
const gfloat *gst_clip_classify_meta_get_embedding (const GstClipClassifyMeta *
    meta, guint * dim);

G_END_DECLS

#endif /* __GST_CLIP_CLASSIFY_META_H__ */
