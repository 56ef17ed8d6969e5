/* json.c: a strict RFC 8259 reader.
 *
 * A parsed document lives in one arena owned by its root value, so a
 * vocabulary of 50k members costs a handful of allocations and one free.
 * Objects keep their members in document order; objects with many members
 * also get a hash index, built while parsing (never lazily, so that a
 * parsed tree is read-only and can be shared between threads). */
#include "json.h"

#include "clip.h"
#include "fileio.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#define JSON_MAX_DEPTH 64
/* Objects with more members than this get a hash index. */
#define JSON_INDEX_MIN 16
#define ARENA_BLOCK (64 * 1024)

typedef struct _ArenaBlock ArenaBlock;
struct _ArenaBlock {
  ArenaBlock *next;
  size_t used, size;
  max_align_t data[];
};

typedef struct {
  const char *key;
  size_t key_len;
  guint32 hash;
  JsonValue *value;
} JsonMember;

struct _JsonValue {
  JsonType type;
  ArenaBlock *arena;          /* set on the root only */
  union {
    gboolean boolean;
    double number;
    struct { char *chars; size_t len; } string;
    struct { JsonValue **items; size_t n; } array;
    struct {
      JsonMember *members;
      guint32 *index;         /* open addressing: member number + 1, or 0 */
      size_t index_mask;
      size_t n;
    } object;
  } u;
};

typedef struct {
  const char *text, *p, *end;
  const char *origin;
  ArenaBlock *arena;
  int depth;
  /* Stack of values and members of the containers being parsed; a closed
   * container copies its slice into the arena. */
  GPtrArray *items;
  GArray *members;
  GError **error;
} Parser;

/* ------------------------------------------------------------ arena */

static void *
arena_alloc (ArenaBlock **arena, size_t size)
{
  size_t align = sizeof (max_align_t);
  size = (size + align - 1) / align * align;
  ArenaBlock *b = *arena;
  if (b == NULL || b->size - b->used < size) {
    size_t block_size = MAX (size, (size_t) ARENA_BLOCK);
    ArenaBlock *nb = g_malloc (sizeof (ArenaBlock) + block_size);
    nb->used = 0;
    nb->size = block_size;
    if (b != NULL && size > ARENA_BLOCK / 4) {
      /* A large slab goes behind the current block, which keeps its room. */
      nb->next = b->next;
      b->next = nb;
      nb->used = size;
      return nb->data;
    }
    nb->next = b;
    *arena = b = nb;
  }
  void *ptr = (char *) b->data + b->used;
  b->used += size;
  return ptr;
}

static void
arena_free (ArenaBlock *b)
{
  while (b != NULL) {
    ArenaBlock *next = b->next;
    g_free (b);
    b = next;
  }
}

/* ------------------------------------------------------------ errors */

static gboolean G_GNUC_PRINTF (3, 4)
fail_at (Parser *ps, const char *where, const char *fmt, ...)
{
  int line = 1, column = 1;
  for (const char *q = ps->text; q < where && q < ps->end; q++) {
    if (*q == '\n') {
      line++;
      column = 1;
    } else if (((unsigned char) *q & 0xC0) != 0x80) {
      column++;               /* columns count characters, not bytes */
    }
  }
  va_list ap;
  va_start (ap, fmt);
  char *what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (ps->origin != NULL)
    g_set_error (ps->error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: %s at line %d, column %d", ps->origin, what, line, column);
  else
    g_set_error (ps->error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s at line %d, column %d", what, line, column);
  g_free (what);
  return FALSE;
}

static gboolean
fail_unexpected (Parser *ps, const char *expected)
{
  if (ps->p >= ps->end)
    return fail_at (ps, ps->p, "unexpected end of input, expected %s",
        expected);
  unsigned char c = (unsigned char) *ps->p;
  if (c >= 0x20 && c < 0x7F)
    return fail_at (ps, ps->p, "unexpected '%c', expected %s", c, expected);
  return fail_at (ps, ps->p, "unexpected byte 0x%02X, expected %s", c,
      expected);
}

/* ------------------------------------------------------------ scanner */

static void
skip_space (Parser *ps)
{
  while (ps->p < ps->end
      && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
    ps->p++;
}

static JsonValue *
new_value (Parser *ps, JsonType type)
{
  JsonValue *v = arena_alloc (&ps->arena, sizeof (JsonValue));
  memset (v, 0, sizeof (*v));
  v->type = type;
  return v;
}

static int
hex_digit (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Reads the four hex digits after "\u" at @q. */
static gboolean
read_hex4 (Parser *ps, const char *q, gunichar *out)
{
  gunichar v = 0;
  for (int i = 0; i < 4; i++) {
    int d = q + i < ps->end ? hex_digit (q[i]) : -1;
    if (d < 0)
      return fail_at (ps, q + i < ps->end ? q + i : ps->end,
          "invalid \\u escape: expected four hex digits");
    v = v * 16 + (gunichar) d;
  }
  *out = v;
  return TRUE;
}

/* Parses a string whose opening quote is at ps->p into arena memory
 * (NUL-terminated; may also hold NULs from \u0000). */
static gboolean
parse_string (Parser *ps, char **out, size_t *out_len)
{
  const char *start = ++ps->p;
  const char *q = start;
  gboolean plain = TRUE;

  /* First pass: find the closing quote and check every byte, so the copy
   * below can size its buffer exactly (escapes never grow the text). */
  while (TRUE) {
    const char *run = q;
    while (q < ps->end && *q != '"' && *q != '\\'
        && (unsigned char) *q >= 0x20)
      q++;
    const char *bad = NULL;
    if (q > run && !g_utf8_validate_len (run, q - run, &bad))
      return fail_at (ps, bad, "invalid UTF-8 in string");
    if (q >= ps->end)
      return fail_at (ps, q, "unterminated string");
    if (*q == '"')
      break;
    if (*q != '\\')
      return fail_at (ps, q, "control character 0x%02X in string "
          "(must be escaped)", (unsigned char) *q);
    plain = FALSE;
    if (q + 1 >= ps->end)
      return fail_at (ps, q + 1, "unterminated string");
    switch (q[1]) {
      case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r':
      case 't':
        q += 2;
        break;
      case 'u': {
        gunichar cp;
        if (!read_hex4 (ps, q + 2, &cp))
          return FALSE;
        if (cp >= 0xDC00 && cp <= 0xDFFF)
          return fail_at (ps, q, "lone low surrogate \\u%04X in string", cp);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          gunichar lo;
          if (q + 7 >= ps->end || q[6] != '\\' || q[7] != 'u')
            return fail_at (ps, q, "high surrogate \\u%04X not followed by "
                "a low surrogate", cp);
          if (!read_hex4 (ps, q + 8, &lo))
            return FALSE;
          if (lo < 0xDC00 || lo > 0xDFFF)
            return fail_at (ps, q, "high surrogate \\u%04X not followed by "
                "a low surrogate", cp);
          q += 12;
        } else {
          q += 6;
        }
        break;
      }
      default:
        return fail_at (ps, q, "invalid escape '\\%c' in string",
            (unsigned char) q[1] >= 0x20 && (unsigned char) q[1] < 0x7F
            ? q[1] : '?');
    }
  }

  size_t raw_len = q - start;
  char *dst = arena_alloc (&ps->arena, raw_len + 1);
  size_t n = 0;
  if (plain) {
    memcpy (dst, start, raw_len);
    n = raw_len;
  } else {
    const char *s = start;
    while (s < q) {
      if (*s != '\\') {
        dst[n++] = *s++;
        continue;
      }
      char e = s[1];
      s += 2;
      switch (e) {
        case 'b': dst[n++] = '\b'; break;
        case 'f': dst[n++] = '\f'; break;
        case 'n': dst[n++] = '\n'; break;
        case 'r': dst[n++] = '\r'; break;
        case 't': dst[n++] = '\t'; break;
        case 'u': {
          gunichar cp = 0, lo = 0;
          read_hex4 (ps, s, &cp);
          s += 4;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            read_hex4 (ps, s + 2, &lo);
            s += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          n += g_unichar_to_utf8 (cp, dst + n);
          break;
        }
        default: dst[n++] = e; break;
      }
    }
  }
  dst[n] = '\0';
  *out = dst;
  *out_len = n;
  ps->p = q + 1;
  return TRUE;
}

static gboolean
is_digit (const char *q, const char *end)
{
  return q < end && *q >= '0' && *q <= '9';
}

static JsonValue *
parse_number (Parser *ps)
{
  const char *start = ps->p, *q = ps->p, *end = ps->end;
  if (q < end && *q == '-')
    q++;
  if (!is_digit (q, end)) {
    fail_at (ps, q, "invalid number: expected a digit");
    return NULL;
  }
  if (*q == '0') {
    q++;
    if (is_digit (q, end)) {
      fail_at (ps, q, "invalid number: leading zero");
      return NULL;
    }
  } else {
    while (is_digit (q, end))
      q++;
  }
  if (q < end && *q == '.') {
    q++;
    if (!is_digit (q, end)) {
      fail_at (ps, q, "invalid number: expected a digit after '.'");
      return NULL;
    }
    while (is_digit (q, end))
      q++;
  }
  if (q < end && (*q == 'e' || *q == 'E')) {
    q++;
    if (q < end && (*q == '+' || *q == '-'))
      q++;
    if (!is_digit (q, end)) {
      fail_at (ps, q, "invalid number: expected a digit in the exponent");
      return NULL;
    }
    while (is_digit (q, end))
      q++;
  }

  size_t len = q - start;
  JsonValue *v = new_value (ps, JSON_NUMBER);
  ps->p = q;
  /* Integers below 2^53 are exact as doubles: skip strtod for the ids of a
   * vocabulary and the offsets of a checkpoint header. */
  if (len <= 15) {
    const char *d = *start == '-' ? start + 1 : start;
    gint64 i = 0;
    while (d < q && *d >= '0' && *d <= '9')
      i = i * 10 + (*d++ - '0');
    if (d == q) {
      v->u.number = *start == '-' ? -(double) i : (double) i;
      return v;
    }
  }

  /* The input need not be NUL-terminated: convert a copy. */
  char small[64];
  char *buf = len < sizeof (small) ? small : g_malloc (len + 1);
  memcpy (buf, start, len);
  buf[len] = '\0';
  double d = g_ascii_strtod (buf, NULL);
  if (buf != small)
    g_free (buf);
  if (!isfinite (d)) {
    fail_at (ps, start, "number out of range");
    return NULL;
  }
  v->u.number = d;
  return v;
}

static gboolean
match_literal (Parser *ps, const char *word)
{
  size_t n = strlen (word);
  if ((size_t) (ps->end - ps->p) < n || memcmp (ps->p, word, n) != 0)
    return FALSE;
  ps->p += n;
  return TRUE;
}

/* FNV-1a: keys may hold NUL bytes, so hash by length. */
static guint32
key_hash (const char *key, size_t len)
{
  guint32 h = 2166136261u;
  for (size_t i = 0; i < len; i++)
    h = (h ^ (guint8) key[i]) * 16777619u;
  return h;
}

static gboolean
member_is (const JsonMember *m, const char *key, size_t len, guint32 hash)
{
  return m->hash == hash && m->key_len == len
      && memcmp (m->key, key, len) == 0;
}

/* Indexes the @n members of an object; a repeated key keeps its first. */
static void
build_index (Parser *ps, JsonValue *v)
{
  size_t n = v->u.object.n, capacity = 32;
  while (capacity < 2 * n)
    capacity *= 2;
  size_t mask = capacity - 1;
  guint32 *index = arena_alloc (&ps->arena, capacity * sizeof (guint32));
  memset (index, 0, capacity * sizeof (guint32));
  for (size_t i = 0; i < n; i++) {
    const JsonMember *m = &v->u.object.members[i];
    for (size_t slot = m->hash & mask;; slot = (slot + 1) & mask) {
      if (index[slot] == 0) {
        index[slot] = (guint32) i + 1;
        break;
      }
      if (member_is (&v->u.object.members[index[slot] - 1], m->key,
              m->key_len, m->hash))
        break;
    }
  }
  v->u.object.index = index;
  v->u.object.index_mask = mask;
}

static JsonValue *parse_value (Parser *ps);

static JsonValue *
parse_array (Parser *ps)
{
  guint base = ps->items->len;
  ps->p++;
  skip_space (ps);
  if (ps->p < ps->end && *ps->p == ']') {
    ps->p++;
  } else {
    while (TRUE) {
      JsonValue *item = parse_value (ps);
      if (item == NULL)
        return NULL;
      g_ptr_array_add (ps->items, item);
      skip_space (ps);
      if (ps->p < ps->end && *ps->p == ',') {
        ps->p++;
        continue;
      }
      if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        break;
      }
      fail_unexpected (ps, "',' or ']' in array");
      return NULL;
    }
  }
  JsonValue *v = new_value (ps, JSON_ARRAY);
  size_t n = ps->items->len - base;
  v->u.array.n = n;
  if (n > 0) {
    v->u.array.items = arena_alloc (&ps->arena, n * sizeof (JsonValue *));
    memcpy (v->u.array.items, ps->items->pdata + base,
        n * sizeof (JsonValue *));
  }
  g_ptr_array_set_size (ps->items, base);
  return v;
}

static JsonValue *
parse_object (Parser *ps)
{
  guint base = ps->members->len;
  ps->p++;
  skip_space (ps);
  if (ps->p < ps->end && *ps->p == '}') {
    ps->p++;
  } else {
    while (TRUE) {
      JsonMember m;
      char *key;
      skip_space (ps);
      if (ps->p >= ps->end || *ps->p != '"') {
        fail_unexpected (ps, "a string key in object");
        return NULL;
      }
      if (!parse_string (ps, &key, &m.key_len))
        return NULL;
      m.key = key;
      m.hash = key_hash (key, m.key_len);
      skip_space (ps);
      if (ps->p >= ps->end || *ps->p != ':') {
        fail_unexpected (ps, "':' after object key");
        return NULL;
      }
      ps->p++;
      m.value = parse_value (ps);
      if (m.value == NULL)
        return NULL;
      g_array_append_val (ps->members, m);
      skip_space (ps);
      if (ps->p < ps->end && *ps->p == ',') {
        ps->p++;
        continue;
      }
      if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        break;
      }
      fail_unexpected (ps, "',' or '}' in object");
      return NULL;
    }
  }
  JsonValue *v = new_value (ps, JSON_OBJECT);
  size_t n = ps->members->len - base;
  v->u.object.n = n;
  if (n > 0) {
    JsonMember *members = arena_alloc (&ps->arena, n * sizeof (JsonMember));
    memcpy (members, &g_array_index (ps->members, JsonMember, base),
        n * sizeof (JsonMember));
    v->u.object.members = members;
    if (n > JSON_INDEX_MIN)
      build_index (ps, v);
  }
  g_array_set_size (ps->members, base);
  return v;
}

static JsonValue *
parse_value (Parser *ps)
{
  skip_space (ps);
  if (ps->p >= ps->end) {
    fail_unexpected (ps, "a value");
    return NULL;
  }
  JsonValue *v = NULL;
  switch (*ps->p) {
    case '{':
    case '[':
      if (ps->depth >= JSON_MAX_DEPTH) {
        fail_at (ps, ps->p, "nesting deeper than %d levels", JSON_MAX_DEPTH);
        return NULL;
      }
      ps->depth++;
      v = *ps->p == '{' ? parse_object (ps) : parse_array (ps);
      ps->depth--;
      return v;
    case '"': {
      char *s;
      size_t len;
      if (!parse_string (ps, &s, &len))
        return NULL;
      v = new_value (ps, JSON_STRING);
      v->u.string.chars = s;
      v->u.string.len = len;
      return v;
    }
    case 't':
    case 'f':
      if (match_literal (ps, "true")) {
        v = new_value (ps, JSON_BOOL);
        v->u.boolean = TRUE;
        return v;
      }
      if (match_literal (ps, "false"))
        return new_value (ps, JSON_BOOL);
      break;
    case 'n':
      if (match_literal (ps, "null"))
        return new_value (ps, JSON_NULL);
      break;
    default:
      if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
        return parse_number (ps);
      break;
  }
  fail_unexpected (ps, "a value");
  return NULL;
}

/* ------------------------------------------------------------ public */

/* Parses @len bytes of @text into a tree owned by the returned root. */
JsonValue *
json_parse (const char *text, size_t len, const char *origin, GError **error)
{
  g_return_val_if_fail (text != NULL || len == 0, NULL);
  Parser ps = {
    .text = text ? text : "", .p = text ? text : "",
    .end = (text ? text : "") + len, .origin = origin, .error = error,
    .items = g_ptr_array_new (),
    .members = g_array_new (FALSE, FALSE, sizeof (JsonMember)),
  };
  JsonValue *v = parse_value (&ps);
  if (v != NULL) {
    skip_space (&ps);
    if (ps.p < ps.end) {
      fail_unexpected (&ps, "end of input");
      v = NULL;
    }
  }
  g_ptr_array_free (ps.items, TRUE);
  g_array_free (ps.members, TRUE);
  if (v == NULL) {
    arena_free (ps.arena);
    return NULL;
  }
  /* The root is a block of its own that owns the arena, so that leak
   * checkers see the whole tree reachable from the pointer returned. */
  JsonValue *root = g_new (JsonValue, 1);
  *root = *v;
  root->arena = ps.arena;
  return root;
}

/* Reads @path whole and parses it; errors are prefixed by @path. */
JsonValue *
json_parse_file (const char *path, GError **error)
{
  char *contents = NULL;
  gsize len = 0;
  GError *io_error = NULL;
  if (!clip_file_get_contents (path, &contents, &len, &io_error)) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_IO, "%s", io_error->message);
    g_error_free (io_error);
    return NULL;
  }
  JsonValue *v = json_parse (contents, len, path, error);
  g_free (contents);
  return v;
}

/* Frees a tree returned by json_parse(); sub-values are freed with it. */
void
json_free (JsonValue *v)
{
  /* Only a root owns an arena; other values are freed with it. */
  if (v != NULL && v->arena != NULL) {
    arena_free (v->arena);
    g_free (v);
  }
}

/* The kind of @v (JSON_NULL for NULL). */
JsonType
json_type (const JsonValue *v)
{
  return v ? v->type : JSON_NULL;
}

/* The boolean held by @v, or @fallback. */
gboolean
json_bool (const JsonValue *v, gboolean fallback)
{
  return v && v->type == JSON_BOOL ? v->u.boolean : fallback;
}

/* The number held by @v, or @fallback. */
double
json_number (const JsonValue *v, double fallback)
{
  return v && v->type == JSON_NUMBER ? v->u.number : fallback;
}

/* The NUL-terminated string held by @v, or NULL. */
const char *
json_string (const JsonValue *v)
{
  return v && v->type == JSON_STRING ? v->u.string.chars : NULL;
}

/* The length in bytes of the string held by @v (0 if not a string). */
size_t
json_string_len (const JsonValue *v)
{
  return v && v->type == JSON_STRING ? v->u.string.len : 0;
}

/* Elements of an array or members of an object (0 otherwise). */
size_t
json_length (const JsonValue *v)
{
  if (v && v->type == JSON_ARRAY)
    return v->u.array.n;
  if (v && v->type == JSON_OBJECT)
    return v->u.object.n;
  return 0;
}

/* Element @i of an array, or NULL. */
const JsonValue *
json_array_get (const JsonValue *v, size_t i)
{
  if (v && v->type == JSON_ARRAY && i < v->u.array.n)
    return v->u.array.items[i];
  return NULL;
}

/* The value of the first member named @key, or NULL. */
const JsonValue *
json_object_get (const JsonValue *v, const char *key)
{
  if (v == NULL || v->type != JSON_OBJECT || key == NULL)
    return NULL;
  size_t key_len = strlen (key);
  if (v->u.object.index == NULL) {
    for (size_t i = 0; i < v->u.object.n; i++) {
      const JsonMember *m = &v->u.object.members[i];
      if (m->key_len == key_len && memcmp (m->key, key, key_len) == 0)
        return m->value;
    }
    return NULL;
  }
  guint32 hash = key_hash (key, key_len);
  const guint32 *index = v->u.object.index;
  size_t mask = v->u.object.index_mask;
  for (size_t slot = hash & mask; index[slot] != 0; slot = (slot + 1) & mask) {
    const JsonMember *m = &v->u.object.members[index[slot] - 1];
    if (member_is (m, key, key_len, hash))
      return m->value;
  }
  return NULL;
}

/* The key of member @i of an object, in document order, or NULL. */
const char *
json_object_key_at (const JsonValue *v, size_t i)
{
  if (v && v->type == JSON_OBJECT && i < v->u.object.n)
    return v->u.object.members[i].key;
  return NULL;
}

/* The value of member @i of an object, in document order, or NULL. */
const JsonValue *
json_object_value_at (const JsonValue *v, size_t i)
{
  if (v && v->type == JSON_OBJECT && i < v->u.object.n)
    return v->u.object.members[i].value;
  return NULL;
}

/* Follows a NULL-terminated list of object keys from @v. */
const JsonValue *
json_get_path (const JsonValue *v, ...)
{
  va_list ap;
  va_start (ap, v);
  const char *key;
  while (v != NULL && (key = va_arg (ap, const char *)) != NULL)
    v = json_object_get (v, key);
  va_end (ap);
  return v;
}
