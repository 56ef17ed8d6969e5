/* fixtext.h: the parts of ftfy.fix_text() (ftfy 6, default settings) that
 * OpenAI's CLIP tokenizer applies to its input. Internal to the engine. */
#ifndef CLIP_FIXTEXT_H
#define CLIP_FIXTEXT_H

#include <glib.h>

/* ftfy.fix_text() of the @len bytes of valid UTF-8 at @text (NUL
 * characters allowed), without its mojibake repair (fix_encoding). Returns
 * a NUL-terminated string holding no NUL (free with g_free()). */
char *clip_fix_text (const char *text, size_t len);

#endif
