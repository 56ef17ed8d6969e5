/* htmlunescape.c: the two HTML unescapers of OpenAI's text cleaning.
 *
 * Python's html.unescape() replaces every match of
 *   &(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)
 * numeric references by their code point (with HTML5's replacements of the
 * invalid ones), names of html.entities.html5 by their value, and
 * otherwise the longest legacy name (one known without ';') that starts
 * the match, keeping the rest of the match as it is.
 *
 * ftfy's unescape_html() replaces only whole matches of
 *   &#?[0-9A-Za-z]{1,24};
 * that are an HTML5 name with its ';', an all-caps spelling of an
 * all-lowercase name that html.unescape() does not know ("&EACUTE;" ->
 * "É"), or a numeric reference html.unescape() decodes entirely.
 *
 * The tables are generated from Python by tools/gen-textclean-tables.py. */
#include "htmlunescape.h"

#include <string.h>

typedef enum {
  ENTITY_SEMI = 1,            /* known with a ';' ("amp;") */
  ENTITY_BARE = 2,            /* known without one ("amp") */
} EntityFlags;

typedef struct {
  const char *name;
  const char *value;          /* UTF-8, one or two code points */
  guint8 flags;
} HtmlEntity;

#include "html-entities.inc"

/* Python's replacements of numeric references to 0x00, 0x0D and
 * 0x80..0x9F (read as Windows-1252; its five holes stand for themselves). */
static const guint16 cp1252_charrefs[32] = {
  0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
  0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
  0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
  0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

/* The entry of @table named by the @len bytes at @name that has @flag, or
 * NULL. */
static const HtmlEntity *
find_entity (const HtmlEntity *table, size_t n, const char *name,
    size_t len, EntityFlags flag)
{
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const char *e = table[mid].name;
    int c = strncmp (e, name, len);
    if (c == 0 && e[len] != '\0')
      c = 1;
    if (c == 0)
      return (table[mid].flags & flag) ? &table[mid] : NULL;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

static const HtmlEntity *
find_html5 (const char *name, size_t len, EntityFlags flag)
{
  return find_entity (html5_entities, G_N_ELEMENTS (html5_entities), name,
      len, flag);
}

/* What html.unescape() turns the numeric reference to @num into. */
static void
append_charref (GString *out, guint64 num)
{
  gunichar c = (gunichar) MIN (num, 0x110000);
  if (c == 0)
    c = 0xFFFD;
  else if (c >= 0x80 && c <= 0x9F)
    c = cp1252_charrefs[c - 0x80];
  else if ((c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
    c = 0xFFFD;
  else if ((c >= 0x01 && c <= 0x08) || c == 0x0B || (c >= 0x0E && c <= 0x1F)
      || c == 0x7F || (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE)
    return;
  g_string_append_unichar (out, c);
}

/* Replaces "&#NNN;" or "&#xHHH;" at @p (p[1] == '#'); returns the end of
 * the reference, or NULL if no digit follows (the '&' is then literal). */
static const char *
unescape_numeric (const char *p, GString *out)
{
  const char *q = p + 2;
  gboolean hex = *q == 'x' || *q == 'X';
  if (hex)
    q++;
  guint64 num = 0;
  const char *digits = q;
  for (;; q++) {
    int d = g_ascii_isdigit (*q) ? *q - '0'
        : hex && g_ascii_isxdigit (*q) ? g_ascii_xdigit_value (*q) : -1;
    if (d < 0)
      break;
    num = MIN (num * (hex ? 16 : 10) + d, G_GUINT64_CONSTANT (0x110000));
  }
  if (q == digits)
    return NULL;
  append_charref (out, num);
  return *q == ';' ? q + 1 : q;
}

/* Replaces a named reference at @p; returns its end, or NULL if no
 * character that can be part of a name follows the '&'. */
static const char *
unescape_named (const char *p, GString *out)
{
  /* Up to 32 code points other than "\t\n\f <&#;", then an optional ';'.
   * offsets[x] is the byte length of the first x code points. */
  size_t offsets[33];
  int n = 0;
  const char *name = p + 1, *q = name;
  offsets[0] = 0;
  while (n < 32 && *q != '\0' && strchr ("\t\n\f <&#;", *q) == NULL) {
    q = g_utf8_next_char (q);
    offsets[++n] = q - name;
  }
  if (n == 0)
    return NULL;
  gboolean semi = *q == ';';
  const char *end = semi ? q + 1 : q;
  const HtmlEntity *e = find_html5 (name, offsets[n],
      semi ? ENTITY_SEMI : ENTITY_BARE);
  if (e != NULL) {
    g_string_append (out, e->value);
    return end;
  }
  /* Else the longest legacy name among the prefixes s[:x] of the match s
   * (x from len (s) - 1 down to 2), followed by the rest of s. */
  for (int x = n + semi - 1; x >= 2; x--) {
    e = find_html5 (name, offsets[x], ENTITY_BARE);
    if (e != NULL) {
      g_string_append (out, e->value);
      g_string_append_len (out, name + offsets[x], end - (name + offsets[x]));
      return end;
    }
  }
  g_string_append_len (out, p, end - p);
  return end;
}

/* Python's html.unescape() on a UTF-8 string. */
char *
clip_html_unescape (const char *text)
{
  if (strchr (text, '&') == NULL)
    return g_strdup (text);
  GString *out = g_string_sized_new (strlen (text));
  const char *p = text;
  while (*p != '\0') {
    const char *amp = strchr (p, '&');
    if (amp == NULL) {
      g_string_append (out, p);
      break;
    }
    g_string_append_len (out, p, amp - p);
    const char *end = amp[1] == '#' ? unescape_numeric (amp, out)
        : unescape_named (amp, out);
    if (end == NULL) {
      g_string_append_c (out, '&');
      end = amp + 1;
    }
    p = end;
  }
  return g_string_free (out, FALSE);
}

/* ftfy's replacement of the whole reference @ref (@len bytes, from '&' to
 * ';'): appended to @out, or FALSE if ftfy keeps it as it is. */
static gboolean
unescape_ftfy_one (const char *ref, size_t len, GString *out)
{
  const char *name = ref + 1;
  size_t name_len = len - 2;
  if (name[0] == '#') {
    /* Decoded by html.unescape(), unless that leaves a ';' (a part of the
     * reference it did not read, or a decoded ';'). */
    char *whole = g_strndup (ref, len);
    char *decoded = clip_html_unescape (whole);
    gboolean ok = strchr (decoded, ';') == NULL;
    if (ok)
      g_string_append (out, decoded);
    g_free (whole);
    g_free (decoded);
    return ok;
  }
  const HtmlEntity *e = find_html5 (name, name_len, ENTITY_SEMI);
  if (e == NULL)
    e = find_entity (upper_entities, G_N_ELEMENTS (upper_entities), name,
        name_len, ENTITY_SEMI);
  if (e == NULL)
    return FALSE;
  g_string_append (out, e->value);
  return TRUE;
}

/* ftfy's unescape_html(): replaces the matches of &#?[0-9A-Za-z]{1,24};
 * (found left to right, never overlapping) that it knows. */
void
clip_html_unescape_ftfy (const char *text, size_t len, GString *out)
{
  const char *p = text, *end = text + len;
  while (p < end) {
    const char *amp = memchr (p, '&', end - p);
    if (amp == NULL) {
      g_string_append_len (out, p, end - p);
      return;
    }
    g_string_append_len (out, p, amp - p);
    const char *q = amp + 1;
    if (q < end && *q == '#')
      q++;
    const char *run = q;
    while (q < end && q - run < 25 && g_ascii_isalnum (*q))
      q++;
    size_t n = q - run;
    if (n >= 1 && n <= 24 && q < end && *q == ';') {
      if (!unescape_ftfy_one (amp, q + 1 - amp, out))
        g_string_append_len (out, amp, q + 1 - amp);
      p = q + 1;
    } else {
      g_string_append_c (out, '&');
      p = amp + 1;
    }
  }
}
