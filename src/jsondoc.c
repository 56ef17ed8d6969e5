/* jsondoc.c: json-glib, plus one pass over the bytes for what json-glib
 * would let through.
 *
 * json-glib builds the tree. What it does not do is refuse input that is
 * not RFC 8259 JSON, and with some input it silently gives other values than
 * the file holds. Measured with json-glib 1.6.6 (Debian 12):
 *   - integers beyond 2^64 - 1 saturate and those beyond 2^63 - 1 wrap, so
 *     "-18446744073709551615" reads as 1;
 *   - "\u0000" cuts a string short ("a\u0000b" reads as "a");
 *   - a repeated key keeps the last value, each repeat costing a walk of
 *     the object's member list (20,000 repeats: 5 s);
 *   - nesting has no limit: 100,000 '[' overflow the stack;
 *   - "{}{}", comments, 'single quotes', 0x10, 01, .5, "\x", raw control
 *     characters in strings and a byte-order mark are accepted.
 * check_document() finds all of these in one linear pass (a lexer: it
 * tracks strings, numbers, nesting and the keys of each object; the
 * grammar is json-glib's), and words each error as the engine does:
 * "<file>: <what> at line L, column C". */
#include "jsondoc.h"
#include "fileio.h"

#include "clip.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* More digits could overflow json-glib's 64-bit integers. */
#define MAX_INTEGER_DIGITS 18

typedef struct {
  const char *key;             /* not NUL-terminated */
  size_t len;
  guint32 hash;
  guint32 object;              /* which object the key belongs to */
} KeySlot;

typedef struct {
  const char *text, *end;
  const char *origin;
  const char *root_member;
  GError **error;
  /* The keys seen so far, of all objects: open addressing. */
  KeySlot *keys;
  size_t keys_used, keys_mask;
  GPtrArray *decoded;          /* keys that held escapes, decoded */
  guint32 n_objects;
} Check;

static gboolean G_GNUC_PRINTF (3, 4)
fail_at (Check *c, const char *where, const char *fmt, ...)
{
  int line = 1, column = 1;
  for (const char *q = c->text; q < where && q < c->end; q++) {
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
  g_set_error (c->error, CLIP_ERROR, CLIP_ERROR_FORMAT,
      "%s: %s at line %d, column %d", c->origin, what, line, column);
  g_free (what);
  return FALSE;
}

static gboolean
fail_unexpected (Check *c, const char *where, const char *expected)
{
  if (where >= c->end)
    return fail_at (c, where, "unexpected end of input, expected %s",
        expected);
  unsigned char ch = (unsigned char) *where;
  if (ch > 0x20 && ch < 0x7F)
    return fail_at (c, where, "unexpected '%c', expected %s", ch, expected);
  return fail_at (c, where, "unexpected byte 0x%02X, expected %s", ch,
      expected);
}

/* ------------------------------------------------------------ strings */

static int
hex_digit (char ch)
{
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  return -1;
}

/* The code unit of the four hex digits at @q, or -1. */
static int
read_hex4 (const Check *c, const char *q)
{
  int v = 0;
  for (int i = 0; i < 4; i++) {
    int d = q + i < c->end ? hex_digit (q[i]) : -1;
    if (d < 0)
      return -1;
    v = v * 16 + d;
  }
  return v;
}

/* Checks the string whose opening quote is at @p; sets *next past its
 * closing quote and *escaped when it holds a backslash. */
static gboolean
check_string (Check *c, const char *p, const char **next, gboolean *escaped)
{
  const char *q = p + 1;
  *escaped = FALSE;
  while (TRUE) {
    while (q < c->end && *q != '"' && *q != '\\'
        && (unsigned char) *q >= 0x20)
      q++;
    if (q >= c->end)
      return fail_at (c, q, "unterminated string");
    if (*q == '"')
      break;
    if (*q != '\\')
      return fail_at (c, q, "control character 0x%02X in string "
          "(must be escaped)", (unsigned char) *q);
    *escaped = TRUE;
    if (q + 1 >= c->end)
      return fail_at (c, q + 1, "unterminated string");
    if (strchr ("\"\\/bfnrt", q[1]) != NULL && q[1] != '\0') {
      q += 2;
      continue;
    }
    if (q[1] != 'u')
      return fail_at (c, q, "invalid escape '\\%c' in string",
          (unsigned char) q[1] > 0x20 && (unsigned char) q[1] < 0x7F
          ? q[1] : '?');
    int cp = read_hex4 (c, q + 2);
    if (cp < 0)
      return fail_at (c, q, "invalid \\u escape: expected four hex digits");
    /* json-glib's strings end at the first NUL. */
    if (cp == 0)
      return fail_at (c, q, "\\u0000 in a string is not supported");
    if (cp >= 0xDC00 && cp <= 0xDFFF)
      return fail_at (c, q, "lone low surrogate \\u%04X in string", cp);
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      int lo = q + 7 < c->end && q[6] == '\\' && q[7] == 'u'
          ? read_hex4 (c, q + 8) : -1;
      if (lo < 0xDC00 || lo > 0xDFFF)
        return fail_at (c, q, "high surrogate \\u%04X not followed by a low "
            "surrogate", cp);
      q += 12;
    } else {
      q += 6;
    }
  }
  *next = q + 1;
  return TRUE;
}

/* Decodes the (checked) string between @s and @e, for comparing keys. */
static char *
decode_string (const char *s, const char *e, size_t *len)
{
  char *out = g_malloc (e - s + 1), *o = out;
  while (s < e) {
    if (*s != '\\') {
      *o++ = *s++;
      continue;
    }
    char esc = s[1];
    s += 2;
    switch (esc) {
      case 'b': *o++ = '\b'; break;
      case 'f': *o++ = '\f'; break;
      case 'n': *o++ = '\n'; break;
      case 'r': *o++ = '\r'; break;
      case 't': *o++ = '\t'; break;
      case 'u': {
        gunichar cp = 0;
        for (int i = 0; i < 4; i++)
          cp = cp * 16 + (gunichar) hex_digit (s[i]);
        s += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          gunichar lo = 0;
          for (int i = 2; i < 6; i++)
            lo = lo * 16 + (gunichar) hex_digit (s[i]);
          s += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        o += g_unichar_to_utf8 (cp, o);
        break;
      }
      default: *o++ = esc; break;
    }
  }
  *len = o - out;
  return out;
}

/* ------------------------------------------------------------ keys */

static guint32
key_hash (guint32 object, const char *key, size_t len)
{
  guint32 h = 2166136261u ^ object;
  for (size_t i = 0; i < len; i++)
    h = (h ^ (guint8) key[i]) * 16777619u;
  return h;
}

/* Adds a key of @object; FALSE if the object already has it. */
static gboolean
add_key (Check *c, guint32 object, const char *key, size_t len)
{
  if (2 * (c->keys_used + 1) > c->keys_mask + 1) {
    size_t old_size = c->keys ? c->keys_mask + 1 : 0;
    size_t size = MAX (old_size * 2, (size_t) 256);
    KeySlot *old = c->keys;
    c->keys = g_new0 (KeySlot, size);
    c->keys_mask = size - 1;
    for (size_t i = 0; i < old_size; i++) {
      if (old[i].key == NULL)
        continue;
      size_t s = old[i].hash & c->keys_mask;
      while (c->keys[s].key != NULL)
        s = (s + 1) & c->keys_mask;
      c->keys[s] = old[i];
    }
    g_free (old);
  }
  guint32 hash = key_hash (object, key, len);
  size_t s = hash & c->keys_mask;
  for (; c->keys[s].key != NULL; s = (s + 1) & c->keys_mask) {
    const KeySlot *k = &c->keys[s];
    if (k->hash == hash && k->object == object && k->len == len
        && memcmp (k->key, key, len) == 0)
      return FALSE;
  }
  c->keys[s] = (KeySlot) { key, len, hash, object };
  c->keys_used++;
  return TRUE;
}

/* Records the key whose opening quote is at @p and closing one at @e - 1. */
static gboolean
check_key (Check *c, guint32 object, gboolean root, const char *p,
    const char *e, gboolean escaped)
{
  const char *key = p + 1;
  size_t len = e - 1 - key;
  if (escaped) {
    char *decoded = decode_string (key, e - 1, &len);
    g_ptr_array_add (c->decoded, decoded);
    key = decoded;
  }
  if (add_key (c, object, key, len))
    return TRUE;
  return fail_at (c, p, "%s \"%.*s\" is listed twice",
      root && c->root_member ? c->root_member : "key", (int) len, key);
}

/* ------------------------------------------------------------ numbers */

static gboolean
is_digit (const Check *c, const char *q)
{
  return q < c->end && *q >= '0' && *q <= '9';
}

/* Checks the number at @p; sets *next past it. */
static gboolean
check_number (Check *c, const char *p, const char **next)
{
  const char *q = p;
  if (*q == '-')
    q++;
  if (!is_digit (c, q))
    return fail_at (c, q, "invalid number: expected a digit");
  const char *digits = q;
  if (*q == '0') {
    q++;
    if (is_digit (c, q))
      return fail_at (c, q, "invalid number: leading zero");
  } else {
    while (is_digit (c, q))
      q++;
  }
  size_t n_digits = q - digits;
  gboolean integer = TRUE;
  if (q < c->end && *q == '.') {
    q++;
    integer = FALSE;
    if (!is_digit (c, q))
      return fail_at (c, q, "invalid number: expected a digit after '.'");
    while (is_digit (c, q))
      q++;
  }
  if (q < c->end && (*q == 'e' || *q == 'E')) {
    q++;
    integer = FALSE;
    if (q < c->end && (*q == '+' || *q == '-'))
      q++;
    if (!is_digit (c, q))
      return fail_at (c, q, "invalid number: expected a digit in the "
          "exponent");
    while (is_digit (c, q))
      q++;
  }
  if (q < c->end && (g_ascii_isalnum (*q) || (*q != '\0' && strchr ("._+-", *q) != NULL)))
    return fail_unexpected (c, q, "a delimiter after a number");
  if (integer && n_digits > MAX_INTEGER_DIGITS)
    return fail_at (c, p, "integer %.*s out of range", (int) (q - p), p);
  if (!integer) {
    char buf[64];
    size_t len = MIN ((size_t) (q - p), sizeof buf - 1);
    memcpy (buf, p, len);
    buf[len] = '\0';
    if (!isfinite (g_ascii_strtod (buf, NULL)))
      return fail_at (c, p, "number out of range");
  }
  *next = q;
  return TRUE;
}

/* ------------------------------------------------------------ document */

typedef struct {
  char type;                   /* '{' or '[' */
  guint32 object;
} Level;

/* The lexical pass described at the top of the file. */
static gboolean
check_document (Check *c)
{
  const char *bad = NULL;
  if (!g_utf8_validate_len (c->text, c->end - c->text, &bad)) {
    if (*bad == '\0')
      return fail_at (c, bad, "NUL byte in JSON text");
    return fail_at (c, bad, "invalid UTF-8");
  }

  Level stack[JSONDOC_MAX_DEPTH];
  int depth = 0;
  int n_values = 0;            /* values begun at the top level */
  char prev = 0;               /* last token: a structural char, '"', '0' */
  const char *p = c->text;
  while (TRUE) {
    while (p < c->end && (*p == ' ' || *p == '\n' || *p == '\r'
            || *p == '\t'))
      p++;
    if (p >= c->end)
      break;
    char ch = *p;
    gboolean value_start = ch == '{' || ch == '[' || ch == '"' || ch == '-'
        || (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z');
    if (value_start && depth == 0 && ++n_values > 1)
      return fail_unexpected (c, p, "end of input");

    if (ch == '{' || ch == '[') {
      if (depth >= JSONDOC_MAX_DEPTH)
        return fail_at (c, p, "nesting deeper than %d levels",
            JSONDOC_MAX_DEPTH);
      stack[depth].type = ch;
      stack[depth].object = ch == '{' ? c->n_objects++ : 0;
      depth++;
      p++;
    } else if (ch == '}' || ch == ']') {
      if (depth == 0 || stack[depth - 1].type != (ch == '}' ? '{' : '['))
        return fail_unexpected (c, p, "a value");
      depth--;
      p++;
    } else if (ch == ',' || ch == ':') {
      p++;
    } else if (ch == '"') {
      const char *next = p;
      gboolean escaped = FALSE;
      if (!check_string (c, p, &next, &escaped))
        return FALSE;
      if (depth > 0 && stack[depth - 1].type == '{'
          && (prev == '{' || prev == ',')
          && !check_key (c, stack[depth - 1].object, depth == 1, p, next,
              escaped))
        return FALSE;
      p = next;
    } else if (ch == '-' || (ch >= '0' && ch <= '9')) {
      if (!check_number (c, p, &p))
        return FALSE;
      ch = '0';
    } else if (ch >= 'a' && ch <= 'z') {
      const char *q = p;
      while (q < c->end && g_ascii_isalnum (*q))
        q++;
      size_t n = q - p;
      if (!((n == 4 && memcmp (p, "true", 4) == 0)
              || (n == 5 && memcmp (p, "false", 5) == 0)
              || (n == 4 && memcmp (p, "null", 4) == 0)))
        return fail_unexpected (c, p, "a value");
      p = q;
      ch = '0';
    } else {
      return fail_unexpected (c, p, "a value");
    }
    prev = ch;
  }
  if (n_values == 0)
    return fail_unexpected (c, p, "a value");
  if (depth > 0)
    return fail_unexpected (c, p, stack[depth - 1].type == '{'
        ? "',' or '}' in object" : "',' or ']' in array");
  return TRUE;
}

/* ------------------------------------------------------------ public */

/* Rewords json-glib's "<data>:L:C: Parse error: what" as the engine does. */
static void
set_parser_error (GError **error, const char *origin, const GError *e)
{
  int line = 0, column = 0, consumed = 0;
  if (sscanf (e->message, "<data>:%d:%d: %n", &line, &column, &consumed) >= 2
      && consumed > 0) {
    /* Drop json-glib's (translated) "Parse error: " as well. */
    const char *what = e->message + consumed;
    const char *colon = strstr (what, ": ");
    if (colon != NULL && colon - what < 40)
      what = colon + 2;
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: %s at line %d, column %d", origin, what, line, column);
  } else {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT, "%s: %s", origin,
        e->message);
  }
}

/* Checks and parses @len bytes of @text; see jsondoc.h. */
JsonNode *
jsondoc_parse (const char *text, size_t len, const char *origin,
    const char *root_member, GError **error)
{
  static const char empty[1];
  if (text == NULL)
    text = empty;
  Check c = {
    .text = text, .end = text + len, .origin = origin ? origin : "JSON",
    .root_member = root_member, .error = error,
    .decoded = g_ptr_array_new_with_free_func (g_free),
  };
  gboolean ok = check_document (&c);
  g_free (c.keys);
  g_ptr_array_unref (c.decoded);
  if (!ok)
    return NULL;

  JsonParser *parser = json_parser_new ();
  GError *e = NULL;
  JsonNode *root = NULL;
  if (!json_parser_load_from_data (parser, text, (gssize) len, &e)) {
    set_parser_error (error, c.origin, e);
    g_error_free (e);
  } else {
    root = json_parser_steal_root (parser);
    if (root == NULL)
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
          "%s: no JSON value", c.origin);
  }
  g_object_unref (parser);
  return root;
}

/* Reads @path and parses it; see jsondoc.h. */
JsonNode *
jsondoc_parse_file (const char *path, const char *root_member,
    GError **error)
{
  char *contents = NULL;
  gsize len = 0;
  /* regular files only: a FIFO would block for good */
  if (!clip_file_read_io (path, &contents, &len, error))
    return NULL;
  JsonNode *root = jsondoc_parse (contents, len, path, root_member, error);
  g_free (contents);
  return root;
}

/* The object held by @node, or NULL. */
JsonObject *
jsondoc_object (JsonNode *node)
{
  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node)
      : NULL;
}

/* The array held by @node, or NULL. */
JsonArray *
jsondoc_array (JsonNode *node)
{
  return node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node)
      : NULL;
}

/* Member @key of the object held by @node, or NULL. */
JsonNode *
jsondoc_member (JsonNode *node, const char *key)
{
  JsonObject *o = jsondoc_object (node);
  return o ? json_object_get_member (o, key) : NULL;
}

/* The string held by @node, or NULL. */
const char *
jsondoc_string (JsonNode *node)
{
  if (node && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

/* The number held by @node, integer or not. */
gboolean
jsondoc_number (JsonNode *node, double *out)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  GType type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    *out = (double) json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    *out = json_node_get_double (node);
  else
    return FALSE;
  return TRUE;
}

/* An exact integer of magnitude at most 2^53. */
gboolean
jsondoc_integer (JsonNode *node, gint64 *out)
{
  const gint64 limit = G_GINT64_CONSTANT (1) << 53;
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  GType type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64) {
    gint64 v = json_node_get_int (node);
    if (v < -limit || v > limit)
      return FALSE;
    *out = v;
    return TRUE;
  }
  if (type == G_TYPE_DOUBLE) {
    double d = json_node_get_double (node);
    if (!(d >= (double) -limit && d <= (double) limit) || floor (d) != d)
      return FALSE;
    *out = (gint64) d;
    return TRUE;
  }
  return FALSE;
}
