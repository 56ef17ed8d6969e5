/* fixtext.c: ftfy.fix_text() as OpenAI's basic_clean() calls it, minus
 * the mojibake repair (docs/engine.md says exactly what is left out).
 *
 * ftfy cuts the text after each '\n' (and every 1,000,000 code points) and
 * fixes each segment on its own, repeating these steps until the segment
 * stops changing:
 *
 *   unescape_html          HTML references, its own way (htmlunescape.c);
 *                          off from the first segment holding a '<' on
 *   fix_c1_controls        U+0080..U+009F read as Windows-1252
 *   fix_latin_ligatures    ﬁ -> fi, ĳ -> ij, ǅ -> Dž ...
 *   fix_character_width    full- and half-width forms -> NFKC, U+3000 -> ' '
 *   uncurl_quotes          ʼ ‘ ’ ‚ ‛ -> '   “ ” „ ‟ -> "
 *   fix_line_breaks        \r\n, \r, U+2028, U+2029, U+0085 -> \n
 *   remove_terminal_escapes  ESC [ (digits|;)* letter
 *   remove_control_chars   C0 controls but \t \n \f \r, DEL, U+206A..F,
 *                          the byte-order mark U+FEFF, U+FFF9..U+FFFC
 *   NFC
 *
 * (fix_surrogates has nothing to do on valid UTF-8.) The four character
 * maps are applied as one composed map, and the two deletions as one
 * pass: neither changes what the steps in between see. */
#include "fixtext.h"

#include "htmlunescape.h"

#include <string.h>

#include "width-forms.inc"

/* ftfy splits longer lines into pieces of this many code points. */
#define MAX_SEGMENT 1000000
/* ftfy repeats until nothing changes; each round past the first peels a
 * layer such as "&amp;amp;", so this bounds the work on hostile text. */
#define MAX_ROUNDS 64

/* U+0080..U+009F as ftfy's sloppy Windows-1252 reads them (its five holes
 * stand for themselves). */
static const guint16 sloppy_cp1252[32] = {
  0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
  0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
  0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
  0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

/* ftfy's LIGATURES. */
static const struct {
  gunichar c;
  const char *letters;
} ligatures[] = {
  { 0x0132, "IJ" }, { 0x0133, "ij" }, { 0x0149, "\xca\xbcn" },
  { 0x01C4, "D\xc5\xbd" }, { 0x01C5, "D\xc5\xbe" }, { 0x01C6, "d\xc5\xbe" },
  { 0x01C7, "LJ" }, { 0x01C8, "Lj" }, { 0x01C9, "lj" },
  { 0x01CA, "NJ" }, { 0x01CB, "Nj" }, { 0x01CC, "nj" },
  { 0x01F1, "DZ" }, { 0x01F2, "Dz" }, { 0x01F3, "dz" },
  { 0xFB00, "ff" }, { 0xFB01, "fi" }, { 0xFB02, "fl" }, { 0xFB03, "ffi" },
  { 0xFB04, "ffl" }, { 0xFB05, "\xc5\xbft" }, { 0xFB06, "st" },
};

/* uncurl_quotes, the last of the composed maps. */
static void
append_uncurled (GString *out, gunichar c)
{
  if (c == 0x2BC || (c >= 0x2018 && c <= 0x201B))
    g_string_append_c (out, '\'');
  else if (c >= 0x201C && c <= 0x201F)
    g_string_append_c (out, '"');
  else
    g_string_append_unichar (out, c);
}

/* Applies @map to each code point of the UTF-8 string @s. */
static void
append_each (GString *out, const char *s, void (*map) (GString *, gunichar))
{
  for (; *s != '\0'; s = g_utf8_next_char (s))
    map (out, g_utf8_get_char (s));
}

/* fix_character_width, then uncurl_quotes. */
static void
append_narrowed (GString *out, gunichar c)
{
  if (c == 0x3000)
    g_string_append_c (out, ' ');
  else if (c >= 0xFF01 && c <= 0xFFEF && width_forms[c - 0xFF01] != NULL)
    append_each (out, width_forms[c - 0xFF01], append_uncurled);
  else
    append_uncurled (out, c);
}

/* fix_latin_ligatures, then the maps after it. */
static void
append_unligated (GString *out, gunichar c)
{
  if ((c >= 0x132 && c <= 0x1F3) || (c >= 0xFB00 && c <= 0xFB06)) {
    for (guint i = 0; i < G_N_ELEMENTS (ligatures); i++) {
      if (ligatures[i].c == c) {
        append_each (out, ligatures[i].letters, append_narrowed);
        return;
      }
    }
  }
  append_narrowed (out, c);
}

/* fix_c1_controls, the maps after it and fix_line_breaks: none of the maps
 * makes or takes a line break (U+0085 becomes U+2026 first). */
static void
map_characters (const GString *in, GString *out)
{
  const char *p = in->str, *end = in->str + in->len;
  while (p < end) {
    /* ASCII other than '\r' maps to itself: copy such runs at once. */
    const char *run = p;
    while (p < end && (guchar) *p < 0x80 && *p != '\r')
      p++;
    g_string_append_len (out, run, p - run);
    if (p == end)
      break;
    gunichar c = g_utf8_get_char (p);
    p = g_utf8_next_char (p);
    if (c == '\r') {
      if (p == end || *p != '\n')
        g_string_append_c (out, '\n');
    } else if (c == 0x2028 || c == 0x2029) {
      g_string_append_c (out, '\n');
    } else if (c >= 0x80 && c <= 0x9F) {
      append_unligated (out, sloppy_cp1252[c - 0x80]);
    } else {
      append_unligated (out, c);
    }
  }
}

static gboolean
is_removed_control (gunichar c)
{
  return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F
      || (c >= 0x206A && c <= 0x206F) || c == 0xFEFF
      || (c >= 0xFFF9 && c <= 0xFFFC);
}

/* Length of the terminal escape ESC '[' (\d|;)* [a-zA-Z] at @p, or 0
 * (\d: any decimal digit, as Python's re reads it). */
static size_t
terminal_escape_len (const char *p, const char *end)
{
  if (end - p < 3 || p[0] != '\x1b' || p[1] != '[')
    return 0;
  const char *q = p + 2;
  while (q < end) {
    gunichar c = g_utf8_get_char (q);
    if (c != ';' && !g_unichar_isdigit (c))
      break;
    q = g_utf8_next_char (q);
  }
  return q < end && g_ascii_isalpha (*q) ? (size_t) (q + 1 - p) : 0;
}

/* remove_terminal_escapes, then remove_control_chars: an escape holds no
 * other control character, so one left-to-right pass does both. */
static void
remove_controls (const GString *in, GString *out)
{
  const char *p = in->str, *end = in->str + in->len;
  while (p < end) {
    /* Printable ASCII, tab, \n, \f and \r stay: copy such runs at once. */
    const char *run = p;
    while (p < end && (((guchar) *p >= 0x20 && (guchar) *p < 0x7F)
            || *p == '\t' || *p == '\n' || *p == '\f' || *p == '\r'))
      p++;
    g_string_append_len (out, run, p - run);
    if (p == end)
      break;
    size_t skip = terminal_escape_len (p, end);
    if (skip > 0) {
      p += skip;
      continue;
    }
    const char *next = g_utf8_next_char (p);
    if (!is_removed_control (g_utf8_get_char (p)))
      g_string_append_len (out, p, next - p);
    p = next;
  }
}

static gboolean
is_ascii (const GString *s)
{
  for (gsize i = 0; i < s->len; i++)
    if ((guchar) s->str[i] >= 0x80)
      return FALSE;
  return TRUE;
}

/* Swaps *@a and *@b, then empties *@b. */
static void
swap_clear (GString **a, GString **b)
{
  GString *t = *a;
  *a = *b;
  *b = t;
  g_string_truncate (*b, 0);
}

/* ftfy's fix_and_explain() on one segment, appended to @out. */
static void
fix_segment (const char *seg, size_t len, gboolean unescape, GString *out)
{
  GString *text = g_string_new_len (seg, len);
  GString *a = g_string_sized_new (len + 16);
  GString *b = g_string_sized_new (len + 16);
  for (int round = 0; round < MAX_ROUNDS; round++) {
    /* text -> a -> b -> a (-> NFC): text stays the round's start. */
    g_string_truncate (a, 0);
    if (unescape && memchr (text->str, '&', text->len) != NULL)
      clip_html_unescape_ftfy (text->str, text->len, a);
    else
      g_string_append_len (a, text->str, text->len);
    map_characters (a, b);
    g_string_truncate (a, 0);
    remove_controls (b, a);
    g_string_truncate (b, 0);
    /* No NUL is left for g_utf8_normalize() to stop at. */
    if (!is_ascii (a)) {
      char *nfc = g_utf8_normalize (a->str, a->len, G_NORMALIZE_NFC);
      g_string_assign (a, nfc);
      g_free (nfc);
    }
    gboolean same = a->len == text->len
        && memcmp (a->str, text->str, a->len) == 0;
    swap_clear (&text, &a);
    if (same)
      break;
  }
  g_string_append_len (out, text->str, text->len);
  g_string_free (text, TRUE);
  g_string_free (a, TRUE);
  g_string_free (b, TRUE);
}

/* Whether no step of fix_text() can change these bytes: printable ASCII
 * but '&', and the whitespace controls it keeps (\t \n \f). */
static gboolean
is_plain (const char *text, size_t len)
{
  for (size_t i = 0; i < len; i++) {
    guchar c = (guchar) text[i];
    if ((c < 0x20 || c >= 0x7F || c == '&') && c != '\t' && c != '\n'
        && c != '\f')
      return FALSE;
  }
  return TRUE;
}

/* ftfy.fix_text() without fix_encoding. */
char *
clip_fix_text (const char *text, size_t len)
{
  if (is_plain (text, len))
    return g_strndup (text, len);
  GString *out = g_string_sized_new (len);
  gboolean unescape = TRUE;
  const char *p = text, *end = text + len;
  while (p < end) {
    /* The segment ends after a '\n' or MAX_SEGMENT code points. */
    const char *q = p;
    for (long n = 0; q < end && n < MAX_SEGMENT; n++) {
      gboolean newline = *q == '\n';
      q = g_utf8_next_char (q);
      if (newline)
        break;
    }
    /* As ftfy: a '<' means HTML, whose references are left alone from
     * this segment on. */
    if (unescape && memchr (p, '<', q - p) != NULL)
      unescape = FALSE;
    fix_segment (p, q - p, unescape, out);
    p = q;
  }
  return g_string_free (out, FALSE);
}
