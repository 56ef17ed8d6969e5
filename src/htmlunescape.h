/* htmlunescape.h: HTML character references decoded exactly as Python's
 * html.unescape() and as ftfy's unescape_html() do it. Internal to the
 * engine. */
#ifndef CLIP_HTMLUNESCAPE_H
#define CLIP_HTMLUNESCAPE_H

#include <glib.h>

/* Python's html.unescape() of the UTF-8 string @text (free with
 * g_free()). */
char *clip_html_unescape (const char *text);
/* Appends to @out ftfy's unescape_html() of the @len bytes of UTF-8 at
 * @text (which may hold NUL characters). */
void clip_html_unescape_ftfy (const char *text, size_t len, GString *out);

#endif
