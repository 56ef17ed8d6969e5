/* tokenizer.h: CLIP's byte-level BPE, exactly as OpenAI's
 * simple_tokenizer.py. Internal to the engine. */
#ifndef CLIP_TOKENIZER_H
#define CLIP_TOKENIZER_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _ClipTokenizer ClipTokenizer;

/* Loads vocab.json (token string -> id, must hold "<|startoftext|>" and
 * "<|endoftext|>") and merges.txt (optional "#version" first line, then one
 * "a b" pair per line, rank = order). Errors name the file and line. */
ClipTokenizer *clip_tokenizer_load (const char *vocab_path,
    const char *merges_path, GError **error);
/* As clip_tokenizer_load(), from the contents of the two files held in
 * memory; @vocab_name and @merges_name stand for the files in messages. */
ClipTokenizer *clip_tokenizer_load_from_data (const char *vocab_json,
    size_t vocab_len, const char *vocab_name, const char *merges_txt,
    size_t merges_len, const char *merges_name, GError **error);
void clip_tokenizer_free (ClipTokenizer *tok);

int32_t clip_tokenizer_sot (const ClipTokenizer *tok);
int32_t clip_tokenizer_eot (const ClipTokenizer *tok);
/* Number of entries in the vocabulary (largest id + 1). */
int32_t clip_tokenizer_vocab_size (const ClipTokenizer *tok);

/* Writes exactly @context_length ids: SOT, BPE ids of @text, EOT, zeros.
 * Over-long input is truncated to @context_length with EOT kept last.
 * Fails (CLIP_ERROR_INPUT) on invalid UTF-8. Thread-safe. */
gboolean clip_tokenizer_encode (const ClipTokenizer *tok, const char *text,
    int32_t *ids, int context_length, GError **error);
/* As clip_tokenizer_encode(), on the @len bytes at @text, which may hold
 * NUL characters (U+0000, as a JSON string may). */
gboolean clip_tokenizer_encode_len (const ClipTokenizer *tok,
    const char *text, size_t len, int32_t *ids, int context_length,
    GError **error);

#endif
