/* textclean.h: the text cleaning and pre-tokenisation of OpenAI's
 * simple_tokenizer.py, ahead of BPE. Internal to the engine. */
#ifndef CLIP_TEXTCLEAN_H
#define CLIP_TEXTCLEAN_H

#include <glib.h>

typedef enum {
  CLIP_TEXT_PIECE_END,        /* only skipped characters were left */
  CLIP_TEXT_PIECE_WORD,       /* an ordinary piece, to BPE-encode */
  CLIP_TEXT_PIECE_SOT,        /* exactly "<|startoftext|>" */
  CLIP_TEXT_PIECE_EOT,        /* exactly "<|endoftext|>" */
} ClipTextPiece;

/* Returns the @len bytes of valid UTF-8 at @text (NUL characters allowed)
 * cleaned as OpenAI's tokenizer does: ftfy.fix_text (without its mojibake
 * repair), HTML entities decoded twice, stripped, whitespace runs made one
 * space and lower-cased, as @out_n code points (free with g_free()). */
gunichar *clip_text_clean (const char *text, size_t len, long *out_n);
/* Finds the next pre-tokenised piece of cleaned text @t at or after *@pos,
 * setting *@start to its first code point and *@pos just past it. */
ClipTextPiece clip_text_next_piece (const gunichar *t, long n, long *pos,
    long *start);

#endif
