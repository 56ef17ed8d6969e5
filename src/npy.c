/* npy.c: NumPy .npy files.
 *
 * Layout: "\x93NUMPY", major, minor, header length (uint16 LE for 1.0,
 * uint32 LE for 2.0/3.0), then an ASCII (3.0: UTF-8) Python dict literal
 * such as "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"
 * padded with spaces and a newline, then the raw C-order data. */
#include "npy.h"
#include "clip.h"
#include "fileio.h"
#include "shape.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_MAX_HEADER (1u << 20)

size_t
npy_itemsize (NpyDtype dtype)
{
  switch (dtype) {
    case NPY_F32: case NPY_I32: return 4;
    case NPY_F64: case NPY_I64: return 8;
  }
  return 0;
}

/* Sets @count to the number of elements of @shape, unless the shape is too
 * large (shape.h), so that the loader and the saver accept the same
 * shapes. */
static gboolean
npy_shape_count (int ndim, const size_t *shape, size_t itemsize,
    size_t *count)
{
  guint64 n = 1, bytes = itemsize;

  for (int i = 0; i < ndim; i++)
    if (!clip_shape_mul (&n, &bytes, shape[i]))
      return FALSE;
  *count = (size_t) n;
  return TRUE;
}

static const char *
npy_descr (NpyDtype dtype)
{
  switch (dtype) {
    case NPY_F32: return "<f4";
    case NPY_F64: return "<f8";
    case NPY_I32: return "<i4";
    case NPY_I64: return "<i8";
  }
  return NULL;
}

/* ------------------------------------------------------- header parsing */

/* A cursor over the header dict; the dict is a Python literal, so quotes may
 * be single or double and whitespace may appear anywhere between tokens. */
typedef struct {
  const char *p, *end;
} Cursor;

static void
skip_space (Cursor *c)
{
  while (c->p < c->end && g_ascii_isspace (*c->p))
    c->p++;
}

static gboolean
accept (Cursor *c, char ch)
{
  skip_space (c);
  if (c->p < c->end && *c->p == ch) {
    c->p++;
    return TRUE;
  }
  return FALSE;
}

/* Reads a quoted string (no escapes are needed in a valid header). */
static char *
read_string (Cursor *c)
{
  skip_space (c);
  if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
    return NULL;
  char quote = *c->p++;
  const char *start = c->p;
  while (c->p < c->end && *c->p != quote)
    c->p++;
  if (c->p >= c->end)
    return NULL;
  char *s = g_strndup (start, c->p - start);
  c->p++;
  return s;
}

static gboolean
accept_word (Cursor *c, const char *word)
{
  skip_space (c);
  size_t n = strlen (word);
  if ((size_t) (c->end - c->p) >= n && memcmp (c->p, word, n) == 0) {
    c->p += n;
    return TRUE;
  }
  return FALSE;
}

static gboolean
parse_descr (const char *descr, NpyDtype *dtype, const char *path,
    GError **error)
{
  const char *d = descr;
  if (*d == '>') {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: big-endian data ('%s') is not supported; save it with "
        "numpy as little-endian (arr.astype('<%s'))", path, descr, d + 1);
    return FALSE;
  }
  if (*d == '<' || *d == '|' || *d == '=')
    d++;
  if (strcmp (d, "f4") == 0)
    *dtype = NPY_F32;
  else if (strcmp (d, "f8") == 0)
    *dtype = NPY_F64;
  else if (strcmp (d, "i4") == 0)
    *dtype = NPY_I32;
  else if (strcmp (d, "i8") == 0)
    *dtype = NPY_I64;
  else {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: unsupported dtype '%s' (expected float32, float64, int32 or "
        "int64)", path, descr);
    return FALSE;
  }
  return TRUE;
}

static gboolean
parse_shape (Cursor *c, NpyArray *a, const char *path, GError **error)
{
  if (!accept (c, '('))
    goto bad;
  a->ndim = 0;
  while (!accept (c, ')')) {
    skip_space (c);
    if (c->p >= c->end || !g_ascii_isdigit (*c->p))
      goto bad;
    guint64 dim = 0;
    while (c->p < c->end && g_ascii_isdigit (*c->p)) {
      if (dim > (G_MAXSIZE - 9) / 10)
        goto too_big;
      dim = dim * 10 + (guint64) (*c->p++ - '0');
    }
    /* Python 2 era files may write long dimensions as "3L". */
    if (c->p < c->end && (*c->p == 'L' || *c->p == 'l'))
      c->p++;
    if (a->ndim >= (int) G_N_ELEMENTS (a->shape)) {
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
          "%s: more than %d dimensions are not supported", path,
          (int) G_N_ELEMENTS (a->shape));
      return FALSE;
    }
    a->shape[a->ndim++] = (size_t) dim;
    if (!accept (c, ',')) {
      if (!accept (c, ')'))
        goto bad;
      break;
    }
  }
  return TRUE;

bad:
  g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
      "%s: malformed 'shape' in the .npy header", path);
  return FALSE;
too_big:
  g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
      "%s: the shape in the .npy header is too large", path);
  return FALSE;
}

static gboolean
parse_header (const char *text, size_t len, NpyArray *a, const char *path,
    GError **error)
{
  Cursor c = { text, text + len };
  gboolean have_descr = FALSE, have_order = FALSE, have_shape = FALSE;
  gboolean fortran = FALSE;

  if (!accept (&c, '{'))
    goto bad;
  while (!accept (&c, '}')) {
    g_autofree char *key = read_string (&c);
    if (!key || !accept (&c, ':'))
      goto bad;
    if (strcmp (key, "descr") == 0) {
      g_autofree char *descr = read_string (&c);
      if (!descr) {
        g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
            "%s: 'descr' must be a simple dtype string (structured arrays "
            "are not supported)", path);
        return FALSE;
      }
      if (!parse_descr (descr, &a->dtype, path, error))
        return FALSE;
      have_descr = TRUE;
    } else if (strcmp (key, "fortran_order") == 0) {
      if (accept_word (&c, "True"))
        fortran = TRUE;
      else if (accept_word (&c, "False"))
        fortran = FALSE;
      else
        goto bad;
      have_order = TRUE;
    } else if (strcmp (key, "shape") == 0) {
      if (!parse_shape (&c, a, path, error))
        return FALSE;
      have_shape = TRUE;
    } else {
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
          "%s: unexpected key '%s' in the .npy header", path, key);
      return FALSE;
    }
    if (!accept (&c, ',')) {
      if (!accept (&c, '}'))
        goto bad;
      break;
    }
  }
  if (!have_descr || !have_order || !have_shape) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: the .npy header lacks '%s'", path,
        !have_descr ? "descr" : !have_order ? "fortran_order" : "shape");
    return FALSE;
  }
  if (fortran && a->ndim > 1) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: Fortran-ordered arrays are not supported; save a C-ordered "
        "copy (numpy.ascontiguousarray)", path);
    return FALSE;
  }
  return TRUE;

bad:
  g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
      "%s: malformed .npy header dictionary", path);
  return FALSE;
}

/* ------------------------------------------------------------- loading */

static gboolean
read_exact (FILE *f, void *buf, size_t n, const char *path, const char *what,
    GError **error)
{
  if (n == 0 || fread (buf, 1, n, f) == n)
    return TRUE;
  if (ferror (f))
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_IO, "%s: read error: %s",
        path, g_strerror (errno));
  else
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: file truncated in the %s", path, what);
  return FALSE;
}

NpyArray *
npy_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);

  GError *open_error = NULL;
  int fd = clip_open_regular (path, &open_error);
  FILE *f = fd >= 0 ? fdopen (fd, "rb") : NULL;
  if (!f) {
    int saved = errno;
    if (fd >= 0)
      close (fd);
    if (open_error)
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_IO, "%s: cannot open: %s",
          path, open_error->message);
    else
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_IO, "%s: cannot open: %s",
          path, g_strerror (saved));
    g_clear_error (&open_error);
    return NULL;
  }

  NpyArray *a = g_new0 (NpyArray, 1);
  char *header = NULL;
  guint8 pre[NPY_MAGIC_LEN + 2];

  if (!read_exact (f, pre, sizeof pre, path, "preamble", error))
    goto fail;
  if (memcmp (pre, NPY_MAGIC, NPY_MAGIC_LEN) != 0) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: not a .npy file (bad magic)", path);
    goto fail;
  }
  int major = pre[NPY_MAGIC_LEN];
  size_t header_len;
  if (major == 1) {
    guint8 l[2];
    if (!read_exact (f, l, 2, path, "preamble", error))
      goto fail;
    header_len = l[0] | (size_t) l[1] << 8;
  } else if (major == 2 || major == 3) {
    guint8 l[4];
    if (!read_exact (f, l, 4, path, "preamble", error))
      goto fail;
    header_len = l[0] | (size_t) l[1] << 8 | (size_t) l[2] << 16
        | (size_t) l[3] << 24;
  } else {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: unsupported .npy format version %d.%d", path, major,
        pre[NPY_MAGIC_LEN + 1]);
    goto fail;
  }
  if (header_len > NPY_MAX_HEADER) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: implausibly long .npy header (%zu bytes)", path, header_len);
    goto fail;
  }
  header = g_malloc (header_len + 1);
  if (!read_exact (f, header, header_len, path, "header", error))
    goto fail;
  header[header_len] = '\0';
  if (!parse_header (header, header_len, a, path, error))
    goto fail;

  size_t itemsize = npy_itemsize (a->dtype);
  if (!npy_shape_count (a->ndim, a->shape, itemsize, &a->count)) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: the shape in the .npy header is too large", path);
    goto fail;
  }
  size_t nbytes = a->count * itemsize;

  /* Compare with the size of the file opened (not of whatever the path
   * names by now) before allocating, so that a corrupt shape cannot make us
   * allocate gigabytes. */
  struct stat st;
  if (fstat (fileno (f), &st) == 0 && S_ISREG (st.st_mode)) {
    long pos = ftell (f);
    guint64 avail = pos >= 0 && (guint64) st.st_size >= (guint64) pos
        ? (guint64) st.st_size - (guint64) pos : 0;
    if (avail != nbytes) {
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
          "%s: data size %" G_GUINT64_FORMAT " bytes does not match the "
          "shape in the header (%zu bytes expected)", path, avail, nbytes);
      goto fail;
    }
  }
  a->data = g_malloc (nbytes ? nbytes : 1);
  if (!read_exact (f, a->data, nbytes, path, "data", error))
    goto fail;

  g_free (header);
  fclose (f);
  return a;

fail:
  g_free (header);
  fclose (f);
  npy_free (a);
  return NULL;
}

void
npy_free (NpyArray *a)
{
  if (!a)
    return;
  g_free (a->data);
  g_free (a);
}

double *
npy_to_f64 (const NpyArray *a)
{
  g_return_val_if_fail (a != NULL, NULL);
  double *out = g_new (double, a->count ? a->count : 1);
  for (size_t i = 0; i < a->count; i++) {
    switch (a->dtype) {
      case NPY_F32: out[i] = ((const float *) a->data)[i]; break;
      case NPY_F64: out[i] = ((const double *) a->data)[i]; break;
      case NPY_I32: out[i] = ((const int32_t *) a->data)[i]; break;
      case NPY_I64: out[i] = (double) ((const int64_t *) a->data)[i]; break;
    }
  }
  return out;
}

/* ------------------------------------------------------------- saving */

gboolean
npy_save (const char *path, NpyDtype dtype, const void *data, int ndim,
    const size_t *shape, GError **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (ndim >= 0 && ndim <= 8, FALSE);
  g_return_val_if_fail (ndim == 0 || shape != NULL, FALSE);

  size_t itemsize = npy_itemsize (dtype);
  size_t count;
  if (!npy_shape_count (ndim, shape, itemsize, &count)) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "%s: array too large to save", path);
    return FALSE;
  }
  g_return_val_if_fail (count == 0 || data != NULL, FALSE);

  GString *dict = g_string_new (NULL);
  g_string_append_printf (dict, "{'descr': '%s', 'fortran_order': False, "
      "'shape': (", npy_descr (dtype));
  for (int i = 0; i < ndim; i++)
    g_string_append_printf (dict, "%s%zu", i ? ", " : "", shape[i]);
  g_string_append (dict, ndim == 1 ? ",), }" : "), }");

  /* Version 1.0: 10-byte preamble; pad so the data starts 64-byte aligned,
   * the header ending in '\n' as numpy writes it. */
  size_t total_header = NPY_MAGIC_LEN + 4 + dict->len + 1;
  size_t padded = (total_header + 63) / 64 * 64;
  while (dict->len < padded - NPY_MAGIC_LEN - 4 - 1)
    g_string_append_c (dict, ' ');
  g_string_append_c (dict, '\n');

  size_t nbytes = count * itemsize;
  size_t file_len = NPY_MAGIC_LEN + 4 + dict->len + nbytes;
  char *buf = g_malloc (file_len);
  memcpy (buf, NPY_MAGIC, NPY_MAGIC_LEN);
  buf[6] = 1;
  buf[7] = 0;
  buf[8] = (char) (dict->len & 0xff);
  buf[9] = (char) (dict->len >> 8);
  memcpy (buf + 10, dict->str, dict->len);
  if (nbytes)
    memcpy (buf + 10 + dict->len, data, nbytes);
  g_string_free (dict, TRUE);

  GError *local = NULL;
  gboolean ok = g_file_set_contents (path, buf, (gssize) file_len, &local);
  g_free (buf);
  if (!ok) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_IO, "%s: cannot write: %s",
        path, local->message);
    g_error_free (local);
  }
  return ok;
}
