/* tag-outputs.c: segments and the text outputs of clip-tag. */
#include "tag-outputs.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

static gdouble
seconds (GstClockTime t)
{
  return GST_CLOCK_TIME_IS_VALID (t) ? (gdouble) t / GST_SECOND : 0.0;
}

gdouble
tag_result_end (const TagResult * r)
{
  gdouble end = 0.0;

  if (GST_CLOCK_TIME_IS_VALID (r->duration))
    end = seconds (r->duration);
  if (GST_CLOCK_TIME_IS_VALID (r->last_pts))
    end = MAX (end, seconds (r->last_pts));
  return end;
}

static const TagRecord *
rec (const TagResult * r, guint i)
{
  return &g_array_index (r->records, TagRecord, i);
}

static guint
top_label (const TagRecord * record, guint n_labels)
{
  guint best = 0, i;

  for (i = 1; i < n_labels; i++)
    if (record->scores[i] > record->scores[best])
      best = i;
  return best;
}

static void
segment_score (const TagResult * r, TagSegment * seg)
{
  gdouble sum = 0.0;
  guint i;

  seg->max_score = 0.0;
  for (i = seg->first; i <= seg->last; i++) {
    gdouble s = rec (r, i)->scores[seg->label];
    sum += s;
    seg->max_score = MAX (seg->max_score, s);
  }
  seg->mean_score = sum / (seg->last - seg->first + 1);
}

static gdouble
record_end (const TagResult * r, guint i, gdouble video_end)
{
  return i + 1 < r->records->len ? seconds (rec (r, i + 1)->pts) :
      MAX (video_end, seconds (rec (r, i)->pts));
}

GArray *
tag_segments_build (const TagResult * r, gdouble min_length)
{
  GArray *segs = g_array_new (FALSE, FALSE, sizeof (TagSegment));
  gdouble video_end = tag_result_end (r);
  guint i;
  gboolean merged;

  for (i = 0; i < r->records->len; i++) {
    const TagRecord *record = rec (r, i);
    guint label = top_label (record, r->n_labels);
    TagSegment *last = segs->len ?
        &g_array_index (segs, TagSegment, segs->len - 1) : NULL;

    if (!record->matched)
      continue;
    if (last && last->label == label && last->last + 1 == i) {
      last->last = i;
      last->end = record_end (r, i, video_end);
    } else {
      TagSegment s = { label, i, i, seconds (record->pts),
        record_end (r, i, video_end), 0, 0
      };
      g_array_append_val (segs, s);
    }
  }

  /* merge the shortest too-short segment into its longer adjacent
   * neighbour until none is left */
  do {
    guint shortest = G_MAXUINT;

    merged = FALSE;
    for (i = 0; i < segs->len; i++) {
      TagSegment *s = &g_array_index (segs, TagSegment, i);
      if (s->end - s->start < min_length && segs->len > 1 &&
          (shortest == G_MAXUINT || s->end - s->start <
              g_array_index (segs, TagSegment, shortest).end -
              g_array_index (segs, TagSegment, shortest).start))
        shortest = i;
    }
    if (shortest != G_MAXUINT) {
      TagSegment *s = &g_array_index (segs, TagSegment, shortest);
      TagSegment *prev = shortest > 0 ? s - 1 : NULL;
      TagSegment *next = shortest + 1 < segs->len ? s + 1 : NULL;
      TagSegment *into = !prev ? next : !next ? prev :
          (prev->end - prev->start >= next->end - next->start ? prev : next);

      into->first = MIN (into->first, s->first);
      into->last = MAX (into->last, s->last);
      into->start = MIN (into->start, s->start);
      into->end = MAX (into->end, s->end);
      g_array_remove_index (segs, shortest);
      /* neighbours with the same label now touch: join them */
      for (i = 0; i + 1 < segs->len; i++) {
        TagSegment *a = &g_array_index (segs, TagSegment, i), *b = a + 1;
        if (a->label == b->label && b->start <= a->end + 1e-9) {
          a->last = b->last;
          a->end = b->end;
          g_array_remove_index (segs, i + 1);
          i--;
        }
      }
      merged = TRUE;
    }
  } while (merged);

  for (i = 0; i < segs->len; i++)
    segment_score (r, &g_array_index (segs, TagSegment, i));
  return segs;
}

gboolean
tag_write_atomic (const gchar * path, const gchar * text, gssize len,
    GError ** error)
{
  /* g_file_set_contents writes PATH.XXXXXX, fsyncs, and renames */
  return g_file_set_contents (path, text, len, error);
}

gboolean
tag_write_jsonl (const gchar * path, const TagResult * r, GError ** error)
{
  GString *s = g_string_new (NULL);
  gboolean ok;
  guint i;

  for (i = 0; i < r->records->len; i++) {
    g_string_append (s, rec (r, i)->json);
    g_string_append_c (s, '\n');
  }
  ok = tag_write_atomic (path, s->str, s->len, error);
  g_string_free (s, TRUE);
  return ok;
}

gboolean
tag_write_segments_json (const gchar * path, const gchar * video,
    const TagResult * r, const GArray * segs, const gchar * settings_json,
    GError ** error)
{
  JsonBuilder *b = json_builder_new ();
  JsonGenerator *gen = json_generator_new ();
  JsonNode *root, *settings;
  gchar *text;
  gboolean ok;
  guint i;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "video");
  json_builder_add_string_value (b, video);
  json_builder_set_member_name (b, "duration");
  json_builder_add_double_value (b, tag_result_end (r));
  json_builder_set_member_name (b, "labels");
  json_builder_begin_array (b);
  for (i = 0; i < r->n_labels; i++)
    json_builder_add_string_value (b, r->labels[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "inferences");
  json_builder_add_int_value (b, r->records->len);
  json_builder_set_member_name (b, "segments");
  json_builder_begin_array (b);
  for (i = 0; i < segs->len; i++) {
    const TagSegment *s = &g_array_index (segs, TagSegment, i);

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "start");
    json_builder_add_double_value (b, s->start);
    json_builder_set_member_name (b, "end");
    json_builder_add_double_value (b, s->end);
    json_builder_set_member_name (b, "label");
    json_builder_add_string_value (b, r->labels[s->label]);
    json_builder_set_member_name (b, "mean_score");
    json_builder_add_double_value (b, s->mean_score);
    json_builder_set_member_name (b, "max_score");
    json_builder_add_double_value (b, s->max_score);
    json_builder_set_member_name (b, "inferences");
    json_builder_add_int_value (b, s->last - s->first + 1);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "settings");
  settings = json_from_string (settings_json, NULL);
  json_builder_add_value (b, settings ? settings : json_node_new
      (JSON_NODE_NULL));
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  ok = tag_write_atomic (path, text, -1, error);
  g_free (text);
  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (b);
  return ok;
}

static void
vtt_time (GString * s, gdouble t)
{
  gint64 ms = (gint64) (t * 1000.0 + 0.5);

  g_string_append_printf (s, "%02d:%02d:%02d.%03d", (int) (ms / 3600000),
      (int) (ms / 60000 % 60), (int) (ms / 1000 % 60), (int) (ms % 1000));
}

gboolean
tag_write_vtt (const gchar * path, const TagResult * r, const GArray * segs,
    GError ** error)
{
  GString *s = g_string_new ("WEBVTT\n");
  gboolean ok;
  guint i;

  for (i = 0; i < segs->len; i++) {
    const TagSegment *seg = &g_array_index (segs, TagSegment, i);
    gchar *label = g_strdup (r->labels[seg->label]);

    /* a cue's text cannot hold "-->" or a blank line; & and < are
     * escaped as in HTML */
    GString *esc = g_string_new (NULL);
    const gchar *p;

    for (p = label; *p; p++) {
      if (*p == '&')
        g_string_append (esc, "&amp;");
      else if (*p == '<')
        g_string_append (esc, "&lt;");
      else if (*p == '>')
        g_string_append (esc, "&gt;");
      else if (*p == '\n' || *p == '\r')
        g_string_append_c (esc, ' ');
      else
        g_string_append_c (esc, *p);
    }
    g_string_append_printf (s, "\n%u\n", i + 1);
    vtt_time (s, seg->start);
    g_string_append (s, " --> ");
    vtt_time (s, seg->end);
    g_string_append_printf (s, "\n%s (%.2f)\n", esc->str, seg->mean_score);
    g_string_free (esc, TRUE);
    g_free (label);
  }
  ok = tag_write_atomic (path, s->str, s->len, error);
  g_string_free (s, TRUE);
  return ok;
}
