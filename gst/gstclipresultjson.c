/* gstclipresultjson.c: one classification result as one line of JSON.
 *
 * Field names follow DL Streamer's gvametaconvert where there is an
 * equivalent ("timestamp" in ns, "resolution", "source", "tensors" with
 * "label" and "confidence"), and the element's bus message otherwise. */
#include "gstclipresultjson.h"

#include <json-glib/json-glib.h>

gchar *
gst_clip_result_to_json (const GstClipClassifyMeta * meta,
    const GstClipResultJsonContext * ctx)
{
  JsonBuilder *b = json_builder_new ();
  JsonGenerator *gen;
  JsonNode *root;
  gchar *text;
  guint i;

  json_builder_begin_object (b);
  if (GST_CLOCK_TIME_IS_VALID (meta->inferred_pts)) {
    json_builder_set_member_name (b, "timestamp");
    json_builder_add_int_value (b, (gint64) meta->inferred_pts);
    json_builder_set_member_name (b, "pts");
    json_builder_add_double_value (b,
        (gdouble) meta->inferred_pts / GST_SECOND);
  }
  if (ctx && GST_CLOCK_TIME_IS_VALID (ctx->stream_time)) {
    json_builder_set_member_name (b, "stream_time");
    json_builder_add_double_value (b,
        (gdouble) ctx->stream_time / GST_SECOND);
  }
  json_builder_set_member_name (b, "frame");
  json_builder_add_int_value (b, (gint64) meta->inferred_frame);
  if (ctx && ctx->source) {
    json_builder_set_member_name (b, "source");
    json_builder_add_string_value (b, ctx->source);
  }
  if (ctx && ctx->width > 0 && ctx->height > 0) {
    json_builder_set_member_name (b, "resolution");
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "width");
    json_builder_add_int_value (b, ctx->width);
    json_builder_set_member_name (b, "height");
    json_builder_add_int_value (b, ctx->height);
    json_builder_end_object (b);
  }
  json_builder_set_member_name (b, "label");
  if (meta->matched && meta->n_results > 0)
    json_builder_add_string_value (b, meta->labels[0]);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "score");
  json_builder_add_double_value (b, meta->n_results ? meta->scores[0] : 0.0);
  json_builder_set_member_name (b, "matched");
  json_builder_add_boolean_value (b, meta->matched);
  json_builder_set_member_name (b, "labels");
  json_builder_begin_array (b);
  for (i = 0; i < meta->n_results; i++)
    json_builder_add_string_value (b, meta->labels[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "scores");
  json_builder_begin_array (b);
  for (i = 0; i < meta->n_results; i++)
    json_builder_add_double_value (b, meta->scores[i]);
  json_builder_end_array (b);
  /* DL Streamer's place for a full-frame classification */
  json_builder_set_member_name (b, "tensors");
  json_builder_begin_array (b);
  if (meta->n_results > 0) {
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, "clipclassify");
    json_builder_set_member_name (b, "label");
    json_builder_add_string_value (b, meta->labels[0]);
    json_builder_set_member_name (b, "confidence");
    json_builder_add_double_value (b, meta->scores[0]);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "inference_ms");
  json_builder_add_double_value (b, meta->inference_ms);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  gen = json_generator_new ();
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (b);
  return text;
}
