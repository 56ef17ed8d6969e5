/* jsondoc.h: JSON documents for the engine's loaders (checkpoint headers,
 * configs, vocabularies), parsed by json-glib. Internal to the engine.
 *
 * Before json-glib sees a document, one pass over its bytes refuses what
 * json-glib 1.6 would accept or change without a word (see jsondoc.c), so
 * that a loader either gets the document as written or an error naming the
 * file, the line and the column. */
#ifndef CLIP_JSONDOC_H
#define CLIP_JSONDOC_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stddef.h>

/* Objects and arrays may nest this deep. */
#define JSONDOC_MAX_DEPTH 64

/* Parses @len bytes of @text (need not be NUL-terminated). On error returns
 * NULL and sets @error (CLIP_ERROR_FORMAT) to "<origin>: <what> at line L,
 * column C". A key repeated in one object is an error; in the root object
 * it reads "<origin>: <root_member> \"<key>\" is listed twice ..." (e.g.
 * "token", "tensor"; NULL for "key"). Free the result with
 * json_node_unref(). */
JsonNode *jsondoc_parse (const char *text, size_t len, const char *origin,
    const char *root_member, GError **error);
/* Reads @path whole and parses it; messages begin with @path. A missing or
 * unreadable file is CLIP_ERROR_IO. */
JsonNode *jsondoc_parse_file (const char *path, const char *root_member,
    GError **error);

/* Type-strict accessors that accept NULL (json-glib's own convert between
 * types, or warn on a mismatch). */
/* The object held by @node, or NULL. */
JsonObject *jsondoc_object (JsonNode *node);
/* The array held by @node, or NULL. */
JsonArray *jsondoc_array (JsonNode *node);
/* Member @key of the object held by @node; NULL if absent or no object. */
JsonNode *jsondoc_member (JsonNode *node, const char *key);
/* The string held by @node, or NULL. */
const char *jsondoc_string (JsonNode *node);
/* TRUE when @node holds a number (integer or not); stores it in @out. */
gboolean jsondoc_number (JsonNode *node, double *out);
/* TRUE when @node holds a number whose value is an integer of magnitude at
 * most 2^53 (written as 12, 12.0 or 1.2e1); stores it in @out. */
gboolean jsondoc_integer (JsonNode *node, gint64 *out);

#endif
