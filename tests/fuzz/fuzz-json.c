/* fuzz-json.c: libFuzzer target for the JSON reader. Every input must give
 * a tree or a CLIP_ERROR_FORMAT error; a tree must be fully walkable. */
#include "clip.h"
#include "json.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Touches every value, and looks each object key up again. */
static size_t
walk (const JsonValue *v, int depth)
{
  size_t count = 1;
  g_assert (depth <= 64);
  switch (json_type (v)) {
    case JSON_STRING:
      g_assert (json_string (v) != NULL);
      g_assert (strlen (json_string (v)) <= json_string_len (v));
      break;
    case JSON_ARRAY:
      for (size_t i = 0; i < json_length (v); i++)
        count += walk (json_array_get (v, i), depth + 1);
      g_assert (json_array_get (v, json_length (v)) == NULL);
      break;
    case JSON_OBJECT:
      for (size_t i = 0; i < json_length (v); i++) {
        /* A key holding "\u0000" is looked up by its head only, so the
         * lookup may miss: it just must not crash. */
        (void) json_object_get (v, json_object_key_at (v, i));
        count += walk (json_object_value_at (v, i), depth + 1);
      }
      g_assert (json_object_key_at (v, json_length (v)) == NULL);
      break;
    default:
      break;
  }
  return count;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  JsonValue *v = json_parse ((const char *) data, size, "fuzz.json", &error);
  if (v == NULL) {
    g_assert (error != NULL && error->domain == CLIP_ERROR
        && error->code == CLIP_ERROR_FORMAT);
    g_assert (strstr (error->message, " at line ") != NULL);
    g_error_free (error);
    return 0;
  }
  g_assert (error == NULL);
  walk (v, 0);
  json_free (v);
  return 0;
}
