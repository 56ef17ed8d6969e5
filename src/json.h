/* json.h: a small strict JSON (RFC 8259) reader for checkpoint headers,
 * configs and vocabularies. Internal to the engine. */
#ifndef CLIP_JSON_H
#define CLIP_JSON_H

#include <glib.h>
#include <stddef.h>

typedef enum {
  JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT
} JsonType;

typedef struct _JsonValue JsonValue;

/* Parses @len bytes of @text (need not be NUL-terminated). Strings must be
 * valid UTF-8; \uXXXX escapes (with surrogate pairs) are decoded; nesting is
 * limited to 64 levels. On error returns NULL and sets @error
 * (CLIP_ERROR_FORMAT) with a message "<what> at line L, column C" prefixed
 * by @origin (a file name, for messages). */
JsonValue *json_parse (const char *text, size_t len, const char *origin,
    GError **error);
/* Reads and parses a whole file. */
JsonValue *json_parse_file (const char *path, GError **error);
void json_free (JsonValue *v);

JsonType json_type (const JsonValue *v);
/* Type accessors: return the fallback when @v is NULL or of another type. */
gboolean json_bool (const JsonValue *v, gboolean fallback);
double json_number (const JsonValue *v, double fallback);
const char *json_string (const JsonValue *v);        /* NULL if not string */
size_t json_string_len (const JsonValue *v);         /* bytes; strings may hold NUL */

/* Arrays and objects: number of elements / members. */
size_t json_length (const JsonValue *v);
const JsonValue *json_array_get (const JsonValue *v, size_t i);
/* Object member by key (first match; NULL if absent or @v not an object). */
const JsonValue *json_object_get (const JsonValue *v, const char *key);
/* Object member by index, in document order. */
const char *json_object_key_at (const JsonValue *v, size_t i);
const JsonValue *json_object_value_at (const JsonValue *v, size_t i);
/* Follows a path of object keys, e.g. json_get_path (cfg, "vision_config",
 * "hidden_size", NULL). */
const JsonValue *json_get_path (const JsonValue *v, ...) G_GNUC_NULL_TERMINATED;

#endif
