/* fuzz-tokenizer.c: libFuzzer target for the BPE tokenizer.
 *
 * The whole input, NUL bytes included, is first encoded as text by a
 * tokenizer built from a synthetic vocabulary (all byte symbols, and merges
 * of letter pairs).
 * Then it is read as "vocab.json NUL merges.txt [NUL text]": the two files
 * are loaded and, if they load, the text is encoded with them. */
#include "clip.h"
#include "tokenizer.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static ClipTokenizer *builtin;

static void
append_symbol (GString *json, const char *sym, int id)
{
  g_string_append_c (json, '"');
  for (const char *p = sym; *p; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_c (json, '\\');
    g_string_append_c (json, *p);
  }
  g_string_append_printf (json, "\": %d, ", id);
}

/* GPT-2's byte map, for the synthetic vocabulary. */
static gunichar
byte_symbol (int b)
{
  int n = 0;
  for (int c = 0; c < 256; c++) {
    gboolean printable = (c >= 33 && c <= 126) || (c >= 161 && c <= 172)
        || c >= 174;
    if (c == b)
      return printable ? (gunichar) c : (gunichar) (256 + n);
    n += !printable;
  }
  return 0;
}

static ClipTokenizer *
make_builtin (void)
{
  GString *json = g_string_new ("{");
  GString *merges = g_string_new ("#version: 0.2\n");
  int id = 0;
  for (int b = 0; b < 256; b++) {
    char sym[16];
    sym[g_unichar_to_utf8 (byte_symbol (b), sym)] = '\0';
    append_symbol (json, sym, id++);
    strcat (sym, "</w>");
    append_symbol (json, sym, id++);
  }
  for (char x = 'a'; x <= 'z'; x++) {
    for (char y = 'a'; y <= 'z'; y++) {
      char pair[16];
      g_snprintf (pair, sizeof pair, "%c%c", x, y);
      append_symbol (json, pair, id++);
      g_string_append_printf (merges, "%c %c\n", x, y);
      g_snprintf (pair, sizeof pair, "%c%c</w>", x, y);
      append_symbol (json, pair, id++);
      g_string_append_printf (merges, "%c %c</w>\n", x, y);
    }
  }
  g_string_append_printf (json, "\"<|startoftext|>\": %d, "
      "\"<|endoftext|>\": %d}", id, id + 1);
  GError *error = NULL;
  ClipTokenizer *tok = clip_tokenizer_load_from_data (json->str, json->len,
      "builtin-vocab.json", merges->str, merges->len, "builtin-merges.txt",
      &error);
  g_assert_no_error (error);
  g_string_free (json, TRUE);
  g_string_free (merges, TRUE);
  return tok;
}

/* Encodes the @len bytes at @text and checks the shape every output must
 * have. */
static void
check_encode (const ClipTokenizer *tok, const char *text, size_t len,
    int context)
{
  int32_t ids[80];
  GError *error = NULL;
  if (!clip_tokenizer_encode_len (tok, text, len, ids, context, &error)) {
    g_assert (error != NULL && error->domain == CLIP_ERROR
        && error->code == CLIP_ERROR_INPUT);
    g_error_free (error);
    return;
  }
  /* The text itself may spell "<|endoftext|>" (encoded as the special
   * token, as OpenAI's tokenizer does), so only the last non-zero id is
   * sure to be the appended EOT; zeros pad after it. */
  int32_t eot_id = clip_tokenizer_eot (tok);
  int last = context - 1;
  while (last > 0 && ids[last] == 0 && eot_id != 0)
    last--;
  g_assert (ids[last] == eot_id);
  if (context >= 2)
    g_assert (ids[0] == clip_tokenizer_sot (tok));
  for (int i = 0; i < context; i++)
    g_assert (ids[i] >= 0 && ids[i] < clip_tokenizer_vocab_size (tok));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (builtin == NULL)
    builtin = make_builtin ();

  /* A copy, so that reading past the end is caught. */
  char *text = g_malloc (MAX (size, 1));
  memcpy (text, data, size);
  check_encode (builtin, text, size, 77);
  check_encode (builtin, text, size, size > 0 ? 1 + data[0] % 8 : 1);
  g_free (text);

  const char *vocab = (const char *) data;
  const char *nul = memchr (data, '\0', size);
  if (nul == NULL)
    return 0;
  size_t vocab_len = nul - vocab;
  const char *merges = nul + 1;
  size_t rest = size - vocab_len - 1;
  const char *nul2 = memchr (merges, '\0', rest);
  size_t merges_len = nul2 ? (size_t) (nul2 - merges) : rest;

  GError *error = NULL;
  ClipTokenizer *tok = clip_tokenizer_load_from_data (vocab, vocab_len,
      "vocab.json", merges, merges_len, "merges.txt", &error);
  if (tok == NULL) {
    g_assert (error != NULL && error->domain == CLIP_ERROR
        && error->code == CLIP_ERROR_FORMAT);
    g_assert (strstr (error->message, "vocab.json") != NULL
        || strstr (error->message, "merges.txt") != NULL);
    g_error_free (error);
    return 0;
  }
  if (nul2 != NULL) {
    text = g_strndup (nul2 + 1, size - (nul2 + 1 - vocab));
    check_encode (tok, text, strlen (text), 77);
    g_free (text);
  }
  clip_tokenizer_free (tok);
  return 0;
}
