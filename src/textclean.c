/* textclean.c: the text OpenAI's simple_tokenizer.py hands to BPE, and
 * how it cuts that text into pieces.
 *
 * clean = lower (whitespace_clean (strip (html_unescape² (
 *             ftfy_fix_text (text)))))
 *
 * ftfy's part is in fixtext.c, the HTML unescaping in htmlunescape.c.
 * Everything here mirrors a Python or regex-module behaviour character for
 * character, because a single differing code point changes the token ids. */
#include "textclean.h"

#include "fixtext.h"
#include "htmlunescape.h"

#include <string.h>

/* ------------------------------------------------------------ cleaning */

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

/* The text OpenAI's tokenizer splits: ftfy.fix_text, HTML entities
 * decoded twice, stripped, whitespace runs made one space, lower-cased. */
gunichar *
clip_text_clean (const char *text, size_t len, long *out_n)
{
  char *fixed = clip_fix_text (text, len);
  char *once = clip_html_unescape (fixed);
  char *twice = clip_html_unescape (once);
  glong n = 0;
  gunichar *t = g_utf8_to_ucs4_fast (twice, -1, &n);
  g_free (fixed);
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
