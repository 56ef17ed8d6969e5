/* fuzz-vocab.c: libFuzzer target for vocab.json, through the tokenizer's
 * loader (clip_tokenizer_load_from_data, which clip_tokenizer_load feeds).
 *
 * The whole input is vocab.json, copied to a buffer of its exact size so
 * that reading past the end is caught; merges.txt is empty. Every input
 * must give a tokenizer whose special tokens and encodings stay inside
 * the vocabulary, or a CLIP_ERROR_FORMAT error naming vocab.json. */
#include "clip.h"
#include "tokenizer.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *vocab = g_malloc (MAX (size, 1));
  if (size > 0)
    memcpy (vocab, data, size);
  GError *error = NULL;
  ClipTokenizer *tok = clip_tokenizer_load_from_data (vocab, size,
      "vocab.json", "", 0, "merges.txt", &error);
  g_free (vocab);
  if (tok == NULL) {
    g_assert (error != NULL && error->domain == CLIP_ERROR
        && error->code == CLIP_ERROR_FORMAT);
    g_assert (g_str_has_prefix (error->message, "vocab.json"));
    g_error_free (error);
    return 0;
  }
  g_assert (error == NULL);
  int32_t n = clip_tokenizer_vocab_size (tok);
  g_assert (n > 0);
  g_assert (clip_tokenizer_sot (tok) >= 0 && clip_tokenizer_sot (tok) < n);
  g_assert (clip_tokenizer_eot (tok) >= 0 && clip_tokenizer_eot (tok) < n);

  static const char *const texts[] = { "a cat", "", "\xc3\xa9t\xc3\xa9 !" };
  for (size_t t = 0; t < G_N_ELEMENTS (texts); t++) {
    int32_t ids[16];
    if (!clip_tokenizer_encode (tok, texts[t], ids, 16, &error)) {
      g_assert (error != NULL && error->domain == CLIP_ERROR);
      g_clear_error (&error);
      continue;
    }
    g_assert (ids[0] == clip_tokenizer_sot (tok));
    for (int k = 0; k < 16; k++)
      g_assert (ids[k] >= 0 && ids[k] < n);
  }
  clip_tokenizer_free (tok);
  return 0;
}
