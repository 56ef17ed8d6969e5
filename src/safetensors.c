/* safetensors.c: mapping and validating .safetensors checkpoints. */
#include "safetensors.h"

#include "clip.h"
#include "fileio.h"
#include "jsondoc.h"
#include "shape.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

struct _StFile {
  char *path;
  GMappedFile *map;            /* NULL for st_open_bytes() */
  StTensor *tensors;
  size_t n_tensors;
  GHashTable *index;           /* name -> StTensor* */
  char *names;                 /* the tensor names, one block */
};

static const struct {
  const char *name;
  StDtype dtype;
  size_t size;
} dtypes[] = {
  { "F32", ST_F32, 4 }, { "F16", ST_F16, 2 }, { "BF16", ST_BF16, 2 },
  { "F64", ST_F64, 8 }, { "I64", ST_I64, 8 }, { "I32", ST_I32, 4 },
  { "I16", ST_I16, 2 }, { "I8", ST_I8, 1 }, { "U8", ST_U8, 1 },
  { "BOOL", ST_BOOL, 1 }, { "U16", ST_OTHER, 2 }, { "U32", ST_OTHER, 4 },
  { "U64", ST_OTHER, 8 }, { "F8_E4M3", ST_OTHER, 1 },
  { "F8_E5M2", ST_OTHER, 1 },
};

const char *
st_dtype_name (StDtype dtype)
{
  for (size_t i = 0; i < G_N_ELEMENTS (dtypes); i++)
    if (dtypes[i].dtype == dtype)
      return dtypes[i].name;
  return "?";
}

static gboolean
parse_dtype (const char *s, StDtype *dtype, size_t *size)
{
  for (size_t i = 0; i < G_N_ELEMENTS (dtypes); i++) {
    if (strcmp (s, dtypes[i].name) == 0) {
      *dtype = dtypes[i].dtype;
      *size = dtypes[i].size;
      return TRUE;
    }
  }
  return FALSE;
}

/* A JSON integer in [0, 2^53]. */
static gboolean
json_uint (JsonNode *v, uint64_t *out)
{
  gint64 i;
  if (!jsondoc_integer (v, &i) || i < 0)
    return FALSE;
  *out = (uint64_t) i;
  return TRUE;
}

static gboolean
parse_tensor (const char *origin, const char *name, JsonNode *v,
    size_t data_len, const uint8_t *data, StTensor *t, uint64_t range[2],
    GError **error)
{
  const char *dt = jsondoc_string (jsondoc_member (v, "dtype"));
  JsonArray *shape = jsondoc_array (jsondoc_member (v, "shape"));
  JsonArray *offs = jsondoc_array (jsondoc_member (v, "data_offsets"));
  size_t esize;

  if (!dt || !shape || !offs || json_array_get_length (offs) != 2) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: tensor %s: header entry needs \"dtype\", \"shape\" and "
        "\"data_offsets\" [begin, end]", origin, name);
    return FALSE;
  }
  if (!parse_dtype (dt, &t->dtype, &esize)) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: tensor %s: unknown dtype \"%s\"", origin, name, dt);
    return FALSE;
  }
  size_t ndim = json_array_get_length (shape);
  if (ndim > G_N_ELEMENTS (t->shape)) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: tensor %s: %zu dimensions (at most %zu supported)", origin, name,
        ndim, G_N_ELEMENTS (t->shape));
    return FALSE;
  }
  t->name = name;
  t->ndim = (int) ndim;
  uint64_t numel = 1, bytes = esize;
  for (int i = 0; i < t->ndim; i++) {
    uint64_t d;
    if (!json_uint (json_array_get_element (shape, i), &d)) {
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
          "%s: tensor %s: shape entries must be non-negative integers",
          origin, name);
      return FALSE;
    }
    if (!clip_shape_mul (&numel, &bytes, d)) {
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
          "%s: tensor %s: shape too large", origin, name);
      return FALSE;
    }
    t->shape[i] = (int64_t) d;
  }
  if (!json_uint (json_array_get_element (offs, 0), &range[0])
      || !json_uint (json_array_get_element (offs, 1), &range[1])
      || range[1] < range[0]) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: tensor %s: data_offsets must be two integers, begin <= end",
        origin, name);
    return FALSE;
  }
  if (range[1] > data_len) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: tensor %s: data_offsets [%" G_GUINT64_FORMAT ", %"
        G_GUINT64_FORMAT "] run past the end of the file (data area is %zu "
        "bytes): truncated file?", origin, name, range[0], range[1], data_len);
    return FALSE;
  }
  if (range[1] - range[0] != numel * esize) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: tensor %s: %" G_GUINT64_FORMAT " bytes of data but shape x "
        "dtype %s needs %" G_GUINT64_FORMAT, origin, name,
        range[1] - range[0], dt, numel * esize);
    return FALSE;
  }
  t->numel = (size_t) numel;
  t->nbytes = (size_t) (range[1] - range[0]);
  t->data = data + range[0];
  return TRUE;
}

/* "__metadata__" is a map of strings to strings, as the format says. */
static gboolean
check_metadata (const char *origin, JsonNode *v, GError **error)
{
  JsonObject *o = jsondoc_object (v);
  GList *names = o ? json_object_get_members (o) : NULL;
  const char *bad = NULL;
  for (GList *l = names; l != NULL && bad == NULL; l = l->next)
    if (!jsondoc_string (json_object_get_member (o, l->data)))
      bad = l->data;
  if (o == NULL || bad != NULL) {
    if (bad != NULL)
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
          "%s: __metadata__.%s is not a string", origin, bad);
    else
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
          "%s: __metadata__ is not an object of strings", origin);
  }
  g_list_free (names);
  return o != NULL && bad == NULL;
}

static int
compare_ranges (const void *a, const void *b)
{
  const uint64_t *ra = a, *rb = b;
  return ra[0] < rb[0] ? -1 : ra[0] > rb[0] ? 1 : 0;
}

StFile *
st_open_bytes (const uint8_t *bytes, size_t len, const char *origin,
    GError **error)
{
  StFile *f = g_new0 (StFile, 1);
  uint64_t *ranges = NULL;
  uint64_t hlen = 0;
  JsonNode *header = NULL;
  GList *names = NULL;

  f->path = g_strdup (origin);
  if (len < 8) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: file is %zu bytes, too short for a safetensors header",
        origin, len);
    goto fail;
  }
  for (int i = 7; i >= 0; i--)
    hlen = (hlen << 8) | bytes[i];
  if (hlen < 2 || hlen > len - 8) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: header length %" G_GUINT64_FORMAT " does not fit in the %zu-byte "
        "file: not a safetensors file, or truncated", origin, hlen, len);
    goto fail;
  }
  header = jsondoc_parse ((const char *) bytes + 8, (size_t) hlen, origin,
      "tensor", error);
  if (!header)
    goto fail;
  JsonObject *obj = jsondoc_object (header);
  if (!obj) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: header is not a JSON object", origin);
    goto fail;
  }

  /* Document order; the names are copied into one block so that the
   * parsed header can go right away. */
  const uint8_t *data = bytes + 8 + hlen;
  size_t data_len = len - 8 - (size_t) hlen;
  names = json_object_get_members (obj);
  size_t n = 0, names_len = 0;
  for (GList *l = names; l != NULL; l = l->next, n++)
    names_len += strlen (l->data) + 1;
  f->names = g_malloc (MAX (names_len, 1));
  f->tensors = g_new0 (StTensor, n ? n : 1);
  ranges = g_new (uint64_t, 2 * (n ? n : 1));
  f->index = g_hash_table_new (g_str_hash, g_str_equal);
  char *name = f->names;
  for (GList *l = names; l != NULL; l = l->next) {
    JsonNode *value = json_object_get_member (obj, l->data);
    if (strcmp (l->data, "__metadata__") == 0) {
      if (!check_metadata (origin, value, error))
        goto fail;
      continue;
    }
    strcpy (name, l->data);
    StTensor *t = &f->tensors[f->n_tensors];
    if (!parse_tensor (origin, name, value, data_len, data, t,
            &ranges[2 * f->n_tensors], error))
      goto fail;
    g_hash_table_insert (f->index, name, t);
    name += strlen (name) + 1;
    f->n_tensors++;
  }
  g_list_free (names);
  names = NULL;
  json_node_unref (header);
  header = NULL;

  qsort (ranges, f->n_tensors, 2 * sizeof (uint64_t), compare_ranges);
  for (size_t i = 1; i < f->n_tensors; i++) {
    if (ranges[2 * i] < ranges[2 * i - 1]) {
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
          "%s: tensor data ranges overlap at byte %" G_GUINT64_FORMAT
          " of the data area", origin, ranges[2 * i]);
      goto fail;
    }
  }
  g_free (ranges);
  return f;

fail:
  g_list_free (names);
  if (header)
    json_node_unref (header);
  g_free (ranges);
  st_close (f);
  return NULL;
}

StFile *
st_open (const char *path, GError **error)
{
  GError *err = NULL;
  int fd = clip_open_regular (path, &err);
  GMappedFile *map = fd >= 0 ? g_mapped_file_new_from_fd (fd, FALSE, &err)
      : NULL;
  if (fd >= 0)
    close (fd);                 /* the mapping keeps the pages */
  if (!map) {
    /* clip_open_regular's messages already name the path. */
    if (fd < 0)
      g_set_error_literal (error, CLIP_ERROR, CLIP_ERROR_IO, err->message);
    else
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_IO, "%s: %s", path,
          err->message);
    g_error_free (err);
    return NULL;
  }
  /* An empty file maps to NULL contents; st_open_bytes reports it. */
  static const uint8_t empty[1];
  const uint8_t *bytes = (const uint8_t *) g_mapped_file_get_contents (map);
  StFile *f = st_open_bytes (bytes ? bytes : empty,
      g_mapped_file_get_length (map), path, error);
  if (!f) {
    g_mapped_file_unref (map);
    return NULL;
  }
  f->map = map;
  return f;
}

void
st_close (StFile *f)
{
  if (!f)
    return;
  if (f->index)
    g_hash_table_destroy (f->index);
  g_free (f->tensors);
  g_free (f->names);
  if (f->map)
    g_mapped_file_unref (f->map);
  g_free (f->path);
  g_free (f);
}

const char *
st_path (const StFile *f)
{
  return f->path;
}

size_t
st_n_tensors (const StFile *f)
{
  return f->n_tensors;
}

const StTensor *
st_tensor_at (const StFile *f, size_t i)
{
  return i < f->n_tensors ? &f->tensors[i] : NULL;
}

const StTensor *
st_find (const StFile *f, const char *name)
{
  return g_hash_table_lookup (f->index, name);
}

static float
half_to_float (uint16_t h)
{
  uint32_t sign = (uint32_t) (h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;

  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {
      /* subnormal: renormalise */
      exp = 127 - 15 + 1;
      while (!(mant & 0x400)) {
        mant <<= 1;
        exp--;
      }
      bits = sign | (exp << 23) | ((mant & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  memcpy (&f, &bits, 4);
  return f;
}

void
st_to_f32 (const StTensor *t, float *out)
{
  const uint8_t *p = t->data;
  for (size_t i = 0; i < t->numel; i++) {
    switch (t->dtype) {
      case ST_F32:
        memcpy (&out[i], p + 4 * i, 4);
        break;
      case ST_F16:{
        uint16_t h;
        memcpy (&h, p + 2 * i, 2);
        out[i] = half_to_float (GUINT16_FROM_LE (h));
        break;
      }
      case ST_BF16:{
        uint16_t h;
        memcpy (&h, p + 2 * i, 2);
        uint32_t bits = (uint32_t) GUINT16_FROM_LE (h) << 16;
        memcpy (&out[i], &bits, 4);
        break;
      }
      case ST_F64:{
        double d;
        memcpy (&d, p + 8 * i, 8);
        out[i] = (float) d;
        break;
      }
      default:
        out[i] = 0;
        break;
    }
  }
}
