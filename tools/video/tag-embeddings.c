/* tag-embeddings.c: writes FILE.embeddings.safetensors (layout in
 * tag-embeddings.h; the file format in src/safetensors.h). */
#include "tag-embeddings.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "tag-outputs.h"

guint16
tag_float_to_half (float f)
{
  guint32 x;
  guint32 sign, exp, mant;

  memcpy (&x, &f, 4);
  sign = (x >> 16) & 0x8000;
  exp = (x >> 23) & 0xff;
  mant = x & 0x7fffff;
  if (exp == 0xff)              /* inf, nan */
    return sign | 0x7c00 | (mant ? 0x200 : 0);
  if (exp > 142)                /* overflow: >= 2^16 */
    return sign | 0x7c00;
  if (exp < 113) {              /* subnormal half or zero */
    guint32 shift;
    guint32 m, half, rest;

    if (exp < 102)
      return sign;
    m = mant | 0x800000;
    shift = 126 - exp;          /* 14..24 */
    half = m >> shift;
    rest = m & ((1u << shift) - 1);
    if (rest > (1u << (shift - 1)) ||
        (rest == (1u << (shift - 1)) && (half & 1)))
      half++;
    return sign | half;
  }
  {
    guint32 h = ((exp - 112) << 10) | (mant >> 13);
    guint32 rest = mant & 0x1fff;

    if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
      h++;                      /* may carry into the exponent: correct */
    return sign | h;
  }
}

static void
add_tensor (JsonBuilder * b, const gchar * name, const gchar * dtype,
    gint64 d0, gint64 d1, gsize begin, gsize end)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "dtype");
  json_builder_add_string_value (b, dtype);
  json_builder_set_member_name (b, "shape");
  json_builder_begin_array (b);
  json_builder_add_int_value (b, d0);
  if (d1 >= 0)
    json_builder_add_int_value (b, d1);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "data_offsets");
  json_builder_begin_array (b);
  json_builder_add_int_value (b, begin);
  json_builder_add_int_value (b, end);
  json_builder_end_array (b);
  json_builder_end_object (b);
}

static void
add_meta (JsonBuilder * b, const gchar * name, const gchar * value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value ? value : "");
}

gboolean
tag_write_embeddings (const gchar * path, const gchar * video,
    const TagResult * r, const gchar * fingerprint, const gchar * model,
    const gchar * settings_json, GError ** error)
{
  gint E = r->embed_dim;
  GArray *rows = g_array_new (FALSE, FALSE, sizeof (guint));
  JsonBuilder *b = json_builder_new ();
  JsonGenerator *gen = json_generator_new ();
  JsonNode *root;
  GByteArray *out = g_byte_array_new ();
  gchar *header, duration[G_ASCII_DTOSTR_BUF_SIZE];
  gsize n, emb_bytes, i, hlen, padded;
  guint64 hlen_le;
  gboolean ok;
  gint j;

  for (i = 0; i < r->records->len; i++)
    if (g_array_index (r->records, TagRecord, i).embedding)
      g_array_append_val (rows, i);
  n = rows->len;
  emb_bytes = n * E * 2;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "__metadata__");
  json_builder_begin_object (b);
  add_meta (b, "format", TAG_EMBEDDINGS_FORMAT);
  add_meta (b, "model_fingerprint", fingerprint);
  add_meta (b, "model", model);
  add_meta (b, "video", video);
  g_ascii_dtostr (duration, sizeof duration, tag_result_end (r));
  add_meta (b, "duration", duration);
  add_meta (b, "settings", settings_json);
  json_builder_end_object (b);
  add_tensor (b, "embeddings", "F16", n, E, 0, emb_bytes);
  add_tensor (b, "pts", "I64", n, -1, emb_bytes, emb_bytes + 8 * n);
  add_tensor (b, "frame", "I64", n, -1, emb_bytes + 8 * n,
      emb_bytes + 16 * n);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  header = json_generator_to_data (gen, &hlen);

  /* the header is padded with spaces so that the data area is aligned */
  padded = (hlen + 7) / 8 * 8;
  hlen_le = GUINT64_TO_LE ((guint64) padded);
  g_byte_array_append (out, (guint8 *) & hlen_le, 8);
  g_byte_array_append (out, (guint8 *) header, hlen);
  for (i = hlen; i < padded; i++)
    g_byte_array_append (out, (const guint8 *) " ", 1);
  for (i = 0; i < n; i++) {
    const TagRecord *rec = &g_array_index (r->records, TagRecord,
        g_array_index (rows, guint, i));
    for (j = 0; j < E; j++) {
      guint16 h = GUINT16_TO_LE (tag_float_to_half (rec->embedding[j]));
      g_byte_array_append (out, (guint8 *) & h, 2);
    }
  }
  for (i = 0; i < n; i++) {
    gint64 v = GINT64_TO_LE ((gint64) g_array_index (r->records, TagRecord,
            g_array_index (rows, guint, i)).pts);
    g_byte_array_append (out, (guint8 *) & v, 8);
  }
  for (i = 0; i < n; i++) {
    gint64 v = GINT64_TO_LE ((gint64) g_array_index (r->records, TagRecord,
            g_array_index (rows, guint, i)).frame);
    g_byte_array_append (out, (guint8 *) & v, 8);
  }
  ok = tag_write_atomic (path, (const gchar *) out->data, out->len, error);

  g_byte_array_unref (out);
  g_free (header);
  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (b);
  g_array_unref (rows);
  return ok;
}
