/* textclean.c: the text OpenAI's simple_tokenizer.py hands to BPE, and
 * how it cuts that text into pieces.
 *
 * clean = lower (whitespace_clean (html_unescape² (NFC (text))))
 *
 * Everything here mirrors a Python or regex-module behaviour character for
 * character, because a single differing code point changes the token ids. */
#include "textclean.h"

#include <string.h>

/* ------------------------------------------------------------ cleaning */

typedef struct {
  const char *name;
  gunichar cp;
  gboolean bare;              /* also recognised without the ';' */
} HtmlEntity;

/* The HTML 4 entities and apos, sorted by name, with the code points of
 * HTML5 (the table Python's html.unescape uses). The bare ones are HTML5's
 * legacy names, which are replaced even without a ';'. */
static const HtmlEntity html_entities[] = {
  { "AElig", 0xC6, 1 }, { "AMP", 0x26, 1 }, { "Aacute", 0xC1, 1 },
  { "Acirc", 0xC2, 1 }, { "Agrave", 0xC0, 1 }, { "Alpha", 0x391, 0 },
  { "Aring", 0xC5, 1 }, { "Atilde", 0xC3, 1 }, { "Auml", 0xC4, 1 },
  { "Beta", 0x392, 0 }, { "COPY", 0xA9, 1 }, { "Ccedil", 0xC7, 1 },
  { "Chi", 0x3A7, 0 }, { "Dagger", 0x2021, 0 }, { "Delta", 0x394, 0 },
  { "ETH", 0xD0, 1 }, { "Eacute", 0xC9, 1 }, { "Ecirc", 0xCA, 1 },
  { "Egrave", 0xC8, 1 }, { "Epsilon", 0x395, 0 }, { "Eta", 0x397, 0 },
  { "Euml", 0xCB, 1 }, { "GT", 0x3E, 1 }, { "Gamma", 0x393, 0 },
  { "Iacute", 0xCD, 1 }, { "Icirc", 0xCE, 1 }, { "Igrave", 0xCC, 1 },
  { "Iota", 0x399, 0 }, { "Iuml", 0xCF, 1 }, { "Kappa", 0x39A, 0 },
  { "LT", 0x3C, 1 }, { "Lambda", 0x39B, 0 }, { "Mu", 0x39C, 0 },
  { "Ntilde", 0xD1, 1 }, { "Nu", 0x39D, 0 }, { "OElig", 0x152, 0 },
  { "Oacute", 0xD3, 1 }, { "Ocirc", 0xD4, 1 }, { "Ograve", 0xD2, 1 },
  { "Omega", 0x3A9, 0 }, { "Omicron", 0x39F, 0 }, { "Oslash", 0xD8, 1 },
  { "Otilde", 0xD5, 1 }, { "Ouml", 0xD6, 1 }, { "Phi", 0x3A6, 0 },
  { "Pi", 0x3A0, 0 }, { "Prime", 0x2033, 0 }, { "Psi", 0x3A8, 0 },
  { "QUOT", 0x22, 1 }, { "REG", 0xAE, 1 }, { "Rho", 0x3A1, 0 },
  { "Scaron", 0x160, 0 }, { "Sigma", 0x3A3, 0 }, { "THORN", 0xDE, 1 },
  { "Tau", 0x3A4, 0 }, { "Theta", 0x398, 0 }, { "Uacute", 0xDA, 1 },
  { "Ucirc", 0xDB, 1 }, { "Ugrave", 0xD9, 1 }, { "Upsilon", 0x3A5, 0 },
  { "Uuml", 0xDC, 1 }, { "Xi", 0x39E, 0 }, { "Yacute", 0xDD, 1 },
  { "Yuml", 0x178, 0 }, { "Zeta", 0x396, 0 }, { "aacute", 0xE1, 1 },
  { "acirc", 0xE2, 1 }, { "acute", 0xB4, 1 }, { "aelig", 0xE6, 1 },
  { "agrave", 0xE0, 1 }, { "alefsym", 0x2135, 0 }, { "alpha", 0x3B1, 0 },
  { "amp", 0x26, 1 }, { "and", 0x2227, 0 }, { "ang", 0x2220, 0 },
  { "apos", 0x27, 0 }, { "aring", 0xE5, 1 }, { "asymp", 0x2248, 0 },
  { "atilde", 0xE3, 1 }, { "auml", 0xE4, 1 }, { "bdquo", 0x201E, 0 },
  { "beta", 0x3B2, 0 }, { "brvbar", 0xA6, 1 }, { "bull", 0x2022, 0 },
  { "cap", 0x2229, 0 }, { "ccedil", 0xE7, 1 }, { "cedil", 0xB8, 1 },
  { "cent", 0xA2, 1 }, { "chi", 0x3C7, 0 }, { "circ", 0x2C6, 0 },
  { "clubs", 0x2663, 0 }, { "cong", 0x2245, 0 }, { "copy", 0xA9, 1 },
  { "crarr", 0x21B5, 0 }, { "cup", 0x222A, 0 }, { "curren", 0xA4, 1 },
  { "dArr", 0x21D3, 0 }, { "dagger", 0x2020, 0 }, { "darr", 0x2193, 0 },
  { "deg", 0xB0, 1 }, { "delta", 0x3B4, 0 }, { "diams", 0x2666, 0 },
  { "divide", 0xF7, 1 }, { "eacute", 0xE9, 1 }, { "ecirc", 0xEA, 1 },
  { "egrave", 0xE8, 1 }, { "empty", 0x2205, 0 }, { "emsp", 0x2003, 0 },
  { "ensp", 0x2002, 0 }, { "epsilon", 0x3B5, 0 }, { "equiv", 0x2261, 0 },
  { "eta", 0x3B7, 0 }, { "eth", 0xF0, 1 }, { "euml", 0xEB, 1 },
  { "euro", 0x20AC, 0 }, { "exist", 0x2203, 0 }, { "fnof", 0x192, 0 },
  { "forall", 0x2200, 0 }, { "frac12", 0xBD, 1 }, { "frac14", 0xBC, 1 },
  { "frac34", 0xBE, 1 }, { "frasl", 0x2044, 0 }, { "gamma", 0x3B3, 0 },
  { "ge", 0x2265, 0 }, { "gt", 0x3E, 1 }, { "hArr", 0x21D4, 0 },
  { "harr", 0x2194, 0 }, { "hearts", 0x2665, 0 }, { "hellip", 0x2026, 0 },
  { "iacute", 0xED, 1 }, { "icirc", 0xEE, 1 }, { "iexcl", 0xA1, 1 },
  { "igrave", 0xEC, 1 }, { "image", 0x2111, 0 }, { "infin", 0x221E, 0 },
  { "int", 0x222B, 0 }, { "iota", 0x3B9, 0 }, { "iquest", 0xBF, 1 },
  { "isin", 0x2208, 0 }, { "iuml", 0xEF, 1 }, { "kappa", 0x3BA, 0 },
  { "lArr", 0x21D0, 0 }, { "lambda", 0x3BB, 0 }, { "lang", 0x27E8, 0 },
  { "laquo", 0xAB, 1 }, { "larr", 0x2190, 0 }, { "lceil", 0x2308, 0 },
  { "ldquo", 0x201C, 0 }, { "le", 0x2264, 0 }, { "lfloor", 0x230A, 0 },
  { "lowast", 0x2217, 0 }, { "loz", 0x25CA, 0 }, { "lrm", 0x200E, 0 },
  { "lsaquo", 0x2039, 0 }, { "lsquo", 0x2018, 0 }, { "lt", 0x3C, 1 },
  { "macr", 0xAF, 1 }, { "mdash", 0x2014, 0 }, { "micro", 0xB5, 1 },
  { "middot", 0xB7, 1 }, { "minus", 0x2212, 0 }, { "mu", 0x3BC, 0 },
  { "nabla", 0x2207, 0 }, { "nbsp", 0xA0, 1 }, { "ndash", 0x2013, 0 },
  { "ne", 0x2260, 0 }, { "ni", 0x220B, 0 }, { "not", 0xAC, 1 },
  { "notin", 0x2209, 0 }, { "nsub", 0x2284, 0 }, { "ntilde", 0xF1, 1 },
  { "nu", 0x3BD, 0 }, { "oacute", 0xF3, 1 }, { "ocirc", 0xF4, 1 },
  { "oelig", 0x153, 0 }, { "ograve", 0xF2, 1 }, { "oline", 0x203E, 0 },
  { "omega", 0x3C9, 0 }, { "omicron", 0x3BF, 0 }, { "oplus", 0x2295, 0 },
  { "or", 0x2228, 0 }, { "ordf", 0xAA, 1 }, { "ordm", 0xBA, 1 },
  { "oslash", 0xF8, 1 }, { "otilde", 0xF5, 1 }, { "otimes", 0x2297, 0 },
  { "ouml", 0xF6, 1 }, { "para", 0xB6, 1 }, { "part", 0x2202, 0 },
  { "permil", 0x2030, 0 }, { "perp", 0x22A5, 0 }, { "phi", 0x3C6, 0 },
  { "pi", 0x3C0, 0 }, { "piv", 0x3D6, 0 }, { "plusmn", 0xB1, 1 },
  { "pound", 0xA3, 1 }, { "prime", 0x2032, 0 }, { "prod", 0x220F, 0 },
  { "prop", 0x221D, 0 }, { "psi", 0x3C8, 0 }, { "quot", 0x22, 1 },
  { "rArr", 0x21D2, 0 }, { "radic", 0x221A, 0 }, { "rang", 0x27E9, 0 },
  { "raquo", 0xBB, 1 }, { "rarr", 0x2192, 0 }, { "rceil", 0x2309, 0 },
  { "rdquo", 0x201D, 0 }, { "real", 0x211C, 0 }, { "reg", 0xAE, 1 },
  { "rfloor", 0x230B, 0 }, { "rho", 0x3C1, 0 }, { "rlm", 0x200F, 0 },
  { "rsaquo", 0x203A, 0 }, { "rsquo", 0x2019, 0 }, { "sbquo", 0x201A, 0 },
  { "scaron", 0x161, 0 }, { "sdot", 0x22C5, 0 }, { "sect", 0xA7, 1 },
  { "shy", 0xAD, 1 }, { "sigma", 0x3C3, 0 }, { "sigmaf", 0x3C2, 0 },
  { "sim", 0x223C, 0 }, { "spades", 0x2660, 0 }, { "sub", 0x2282, 0 },
  { "sube", 0x2286, 0 }, { "sum", 0x2211, 0 }, { "sup", 0x2283, 0 },
  { "sup1", 0xB9, 1 }, { "sup2", 0xB2, 1 }, { "sup3", 0xB3, 1 },
  { "supe", 0x2287, 0 }, { "szlig", 0xDF, 1 }, { "tau", 0x3C4, 0 },
  { "there4", 0x2234, 0 }, { "theta", 0x3B8, 0 }, { "thetasym", 0x3D1, 0 },
  { "thinsp", 0x2009, 0 }, { "thorn", 0xFE, 1 }, { "tilde", 0x2DC, 0 },
  { "times", 0xD7, 1 }, { "trade", 0x2122, 0 }, { "uArr", 0x21D1, 0 },
  { "uacute", 0xFA, 1 }, { "uarr", 0x2191, 0 }, { "ucirc", 0xFB, 1 },
  { "ugrave", 0xF9, 1 }, { "uml", 0xA8, 1 }, { "upsih", 0x3D2, 0 },
  { "upsilon", 0x3C5, 0 }, { "uuml", 0xFC, 1 }, { "weierp", 0x2118, 0 },
  { "xi", 0x3BE, 0 }, { "yacute", 0xFD, 1 }, { "yen", 0xA5, 1 },
  { "yuml", 0xFF, 1 }, { "zeta", 0x3B6, 0 }, { "zwj", 0x200D, 0 },
  { "zwnj", 0x200C, 0 },
};

/* Python's html.unescape replacements of the numeric references to
 * 0x80..0x9F (read as Windows-1252). */
static const guint16 cp1252_charrefs[32] = {
  0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
  0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
  0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
  0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static const HtmlEntity *
find_entity (const char *name, size_t len)
{
  size_t lo = 0, hi = G_N_ELEMENTS (html_entities);
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const char *e = html_entities[mid].name;
    int c = strncmp (e, name, len);
    if (c == 0 && e[len] != '\0')
      c = 1;
    if (c == 0)
      return &html_entities[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

/* What Python's html.unescape turns &#@num; into. */
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

/* Replaces "&#NNN;" at @p (p[1] == '#'); returns the end of the reference,
 * or NULL if no digits follow (then the '&' is literal). */
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

/* Replaces a named reference at @p; returns its end, or NULL if nothing
 * that can be a name follows the '&'. */
static const char *
unescape_named (const char *p, GString *out)
{
  /* As Python: up to 32 characters other than "\t\n\f <&#;", then an
   * optional ';'. */
  size_t offsets[34];
  int n = 0;
  const char *q = p + 1;
  offsets[0] = 0;
  while (n < 32 && *q != '\0' && strchr ("\t\n\f <&#;", *q) == NULL) {
    q = g_utf8_next_char (q);
    offsets[++n] = q - (p + 1);
  }
  if (n == 0)
    return NULL;
  gboolean semi = *q == ';';
  const char *name = p + 1, *end = semi ? q + 1 : q;
  const HtmlEntity *e = find_entity (name, offsets[n]);
  if (e != NULL && (semi || e->bare)) {
    g_string_append_unichar (out, e->cp);
    return end;
  }
  /* Else the longest bare name that starts the text stands for itself. */
  for (int x = n + semi - 1; x >= 2; x--) {
    if (x > n)
      continue;
    e = find_entity (name, offsets[x]);
    if (e != NULL && e->bare) {
      g_string_append_unichar (out, e->cp);
      g_string_append_len (out, name + offsets[x], end - (name + offsets[x]));
      return end;
    }
  }
  g_string_append_len (out, p, end - p);
  return end;
}

/* Python's html.unescape() on a UTF-8 string. */
static char *
html_unescape (const char *text)
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

/* Python's str.isspace(), used by str.strip(). */
static gboolean
is_py_space (gunichar c)
{
  return (c >= 0x1C && c <= 0x1F) || c == 0x85 || c == 0xA0 || c == 0x1680
      || (c >= 0x09 && c <= 0x0D) || c == 0x20 || (c >= 0x2000 && c <= 0x200A)
      || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F
      || c == 0x3000;
}

/* \s of the regex module: Unicode White_Space. */
static gboolean
is_re_space (gunichar c)
{
  return is_py_space (c) && !(c >= 0x1C && c <= 0x1F);
}

static gboolean
is_letter (gunichar c)
{
  switch (g_unichar_type (c)) {
    case G_UNICODE_UPPERCASE_LETTER: case G_UNICODE_LOWERCASE_LETTER:
    case G_UNICODE_TITLECASE_LETTER: case G_UNICODE_MODIFIER_LETTER:
    case G_UNICODE_OTHER_LETTER:
      return TRUE;
    default:
      return FALSE;
  }
}

static gboolean
is_number (gunichar c)
{
  GUnicodeType t = g_unichar_type (c);
  return t == G_UNICODE_DECIMAL_NUMBER || t == G_UNICODE_LETTER_NUMBER
      || t == G_UNICODE_OTHER_NUMBER;
}

/* Unicode's Cased: Lu, Ll, Lt and these Other_Lowercase/Other_Uppercase
 * ranges (ordinal indicators, modifier letters, Roman numerals, circled
 * and squared letters). */
static gboolean
is_cased (gunichar c)
{
  static const gunichar other[][2] = {
    {0xAA, 0xAA}, {0xBA, 0xBA}, {0x2B0, 0x2B8}, {0x2C0, 0x2C1},
    {0x2E0, 0x2E4}, {0x345, 0x345}, {0x37A, 0x37A}, {0x1D2C, 0x1D6A},
    {0x1D78, 0x1D78}, {0x1D9B, 0x1DBF}, {0x2071, 0x2071}, {0x207F, 0x207F},
    {0x2090, 0x209C}, {0x2160, 0x217F}, {0x24B6, 0x24E9}, {0x2C7C, 0x2C7D},
    {0xA69C, 0xA69D}, {0xA770, 0xA770}, {0xA7F8, 0xA7F9}, {0xAB5C, 0xAB5F},
    {0x10780, 0x10780}, {0x10783, 0x10785}, {0x10787, 0x107B0},
    {0x107B2, 0x107BA}, {0x1F130, 0x1F149}, {0x1F150, 0x1F169},
    {0x1F170, 0x1F189},
  };
  if (g_unichar_isupper (c) || g_unichar_islower (c) || g_unichar_istitle (c))
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (other); i++)
    if (c >= other[i][0] && c <= other[i][1])
      return TRUE;
  return FALSE;
}

/* Letters and marks skipped when looking for a final sigma's context. */
static gboolean
is_case_ignorable (gunichar c)
{
  switch (g_unichar_type (c)) {
    case G_UNICODE_NON_SPACING_MARK: case G_UNICODE_ENCLOSING_MARK:
    case G_UNICODE_FORMAT: case G_UNICODE_MODIFIER_LETTER:
    case G_UNICODE_MODIFIER_SYMBOL:
      return TRUE;
    default:
      return c == '\'' || c == '.' || c == ':' || c == 0xB7 || c == 0x387
          || c == 0x5F4 || c == 0x2018 || c == 0x2019 || c == 0x2024
          || c == 0x2027 || c == 0xFE13 || c == 0xFE52 || c == 0xFE55
          || c == 0xFF07 || c == 0xFF0E || c == 0xFF1A;
  }
}

/* Python's str.lower(): simple lower-case mappings, plus the ones GLib's
 * g_unichar_tolower() leaves out (circled letters, Roman numerals), the
 * two-character "i̇" of U+0130, and the final sigma rule. */
static gunichar *
lower (const gunichar *t, long n, long *out_n)
{
  gunichar *out = g_new (gunichar, 2 * n + 1);
  long k = 0;
  for (long i = 0; i < n; i++) {
    gunichar c = t[i];
    if (c == 0x130) {
      out[k++] = 'i';
      out[k++] = 0x307;
      continue;
    }
    if (c == 0x3A3) {
      long j = i - 1;
      while (j >= 0 && is_case_ignorable (t[j]))
        j--;
      gboolean final = j >= 0 && is_cased (t[j]);
      for (j = i + 1; final && j < n && is_case_ignorable (t[j]); j++)
        ;
      out[k++] = final && (j >= n || !is_cased (t[j])) ? 0x3C2 : 0x3C3;
      continue;
    }
    if (c >= 0x2160 && c <= 0x216F)
      out[k++] = c + 0x10;
    else if (c >= 0x24B6 && c <= 0x24CF)
      out[k++] = c + 26;
    else
      out[k++] = g_unichar_tolower (c);
  }
  *out_n = k;
  return out;
}

/* The text OpenAI's tokenizer splits: NFC, HTML entities decoded twice,
 * stripped, whitespace runs made one space, lower-cased. */
gunichar *
clip_text_clean (const char *text, long *out_n)
{
  char *nfc = g_utf8_normalize (text, -1, G_NORMALIZE_NFC);
  char *once = html_unescape (nfc);
  char *twice = html_unescape (once);
  glong n = 0;
  gunichar *t = g_utf8_to_ucs4_fast (twice, -1, &n);
  g_free (nfc);
  g_free (once);
  g_free (twice);

  /* strip(); sub (r'\s+', ' '); strip() */
  long start = 0, end = n;
  while (start < end && is_py_space (t[start]))
    start++;
  while (end > start && is_py_space (t[end - 1]))
    end--;
  long k = 0;
  gboolean in_space = FALSE;
  for (long i = start; i < end; i++) {
    gboolean space = is_re_space (t[i]);
    if (!space)
      t[k++] = t[i];
    else if (!in_space)
      t[k++] = ' ';
    in_space = space;
  }
  start = 0;
  while (start < k && is_py_space (t[start]))
    start++;
  while (k > start && is_py_space (t[k - 1]))
    k--;
  gunichar *lowered = lower (t + start, k - start, out_n);
  g_free (t);
  return lowered;
}

/* ------------------------------------------------------------ pieces */

/* Whether @t at @i starts with the ASCII @word under the regex module's
 * IGNORECASE, for which U+017F (long s) equals 's'. */
static gboolean
match_folded (const gunichar *t, long i, long n, const char *word)
{
  for (; *word != '\0'; word++, i++) {
    if (i >= n)
      return FALSE;
    gunichar c = t[i];
    if (c == 0x17F)
      c = 's';
    if (c >= 128 || g_ascii_tolower ((char) c) != *word)
      return FALSE;
  }
  return TRUE;
}

static gboolean
has_long_s (const gunichar *t, long n)
{
  for (long i = 0; i < n; i++)
    if (t[i] == 0x17F)
      return TRUE;
  return FALSE;
}

/* U+0345 folds to a letter, so under IGNORECASE no alternative of the
 * pattern matches it and it is dropped like whitespace. */
static gboolean
is_skipped (gunichar c)
{
  return is_re_space (c) || c == 0x345;
}

/* Finds the next piece of @t at or after *@pos as the pattern
 *   <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d
 *   |[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
 * splits it (IGNORECASE), setting *@start to its first character and moving
 * *@pos past it. */
ClipTextPiece
clip_text_next_piece (const gunichar *t, long n, long *pos, long *start)
{
  static const char *const contractions[] = {
    "'s", "'t", "'re", "'ve", "'m", "'ll", "'d",
  };
  long i = *pos;
  while (i < n && is_skipped (t[i]))
    i++;
  *start = i;
  *pos = i;
  if (i >= n)
    return CLIP_TEXT_PIECE_END;
  gunichar c = t[i];
  ClipTextPiece piece = CLIP_TEXT_PIECE_WORD;
  /* Only the exact special strings map to their ids (OpenAI's BPE cache
   * holds them); a variant matched through case folding is BPE-encoded
   * as any other piece. */
  if (c == '<' && match_folded (t, i, n, "<|startoftext|>")) {
    i += 15;
    if (!has_long_s (t + *start, i - *start))
      piece = CLIP_TEXT_PIECE_SOT;
  } else if (c == '<' && match_folded (t, i, n, "<|endoftext|>")) {
    i += 13;
    if (!has_long_s (t + *start, i - *start))
      piece = CLIP_TEXT_PIECE_EOT;
  } else if (c == '\'') {
    for (guint k = 0; k < G_N_ELEMENTS (contractions); k++) {
      if (match_folded (t, i, n, contractions[k])) {
        i += strlen (contractions[k]);
        break;
      }
    }
  }
  if (i == *start) {
    if (is_letter (c)) {
      while (i < n && is_letter (t[i]))
        i++;
    } else if (is_number (c)) {
      i++;
    } else {
      while (i < n && !is_skipped (t[i]) && !is_letter (t[i])
          && !is_number (t[i]))
        i++;
    }
  }
  *pos = i;
  return piece;
}
