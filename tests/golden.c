/* golden.c: locating and reading the golden reference data for the tests. */
#include "golden.h"

#include "clip.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CLIP_GOLDEN_DEFAULT
#define CLIP_GOLDEN_DEFAULT "../shared/golden"
#endif

/* Ends the test program when there is no golden data: a skip on a
 * developer machine, a failure under CI where the data must be present. */
static void
no_golden_data (const char *dir, const char *why)
{
  const char *ci = g_getenv ("CI");
  if (ci != NULL && g_ascii_strcasecmp (ci, "true") == 0) {
    fprintf (stderr, "golden data unusable in %s: %s (set CLIP_GOLDEN_DIR "
        "to the golden folder)\n", dir, why);
    exit (1);
  }
  printf ("SKIP: golden data unusable in %s: %s (set CLIP_GOLDEN_DIR to "
      "the golden folder)\n", dir, why);
  exit (77);
}

/* The golden folder; ends the program (skip or failure) without one. */
const char *
golden_dir (void)
{
  static char *dir = NULL;
  if (g_once_init_enter (&dir)) {
    const char *env = g_getenv ("CLIP_GOLDEN_DIR");
    char *found = g_strdup (env != NULL && *env != '\0'
        ? env : CLIP_GOLDEN_DEFAULT);
    char *manifest = g_build_filename (found, "manifest.json", NULL);
    gboolean present = g_file_test (manifest, G_FILE_TEST_IS_REGULAR);
    g_free (manifest);
    if (!present)
      no_golden_data (found, "no manifest.json");
    g_once_init_leave (&dir, found);
  }
  return dir;
}

/* The parsed manifest.json, read once. */
JsonNode *
golden_manifest (void)
{
  static JsonNode *manifest = NULL;
  if (g_once_init_enter (&manifest)) {
    GError *error = NULL;
    char *path = golden_path ("manifest.json");
    JsonNode *parsed = jsondoc_parse_file (path, NULL, &error);
    g_free (path);
    /* Present but unreadable golden data is a failure, never a skip. */
    if (parsed == NULL) {
      fprintf (stderr, "%s\n", error->message);
      exit (1);
    }
    if (jsondoc_object (parsed) == NULL) {
      fprintf (stderr, "%s/manifest.json: not a JSON object\n", golden_dir ());
      exit (1);
    }
    g_once_init_leave (&manifest, parsed);
  }
  return manifest;
}

/* Elements of an array, members of an object, else 0. */
size_t
golden_length (JsonNode *v)
{
  if (jsondoc_array (v))
    return json_array_get_length (jsondoc_array (v));
  if (jsondoc_object (v))
    return json_object_get_size (jsondoc_object (v));
  return 0;
}

/* Element @i of an array, or NULL. */
JsonNode *
golden_element (JsonNode *array, size_t i)
{
  JsonArray *a = jsondoc_array (array);
  return a && i < json_array_get_length (a) ? json_array_get_element (a, i)
      : NULL;
}

/* The key of member @i of an object, in document order, or NULL. */
const char *
golden_key_at (JsonNode *object, size_t i)
{
  JsonObject *o = jsondoc_object (object);
  GList *keys = o ? json_object_get_members (o) : NULL;
  const char *key = g_list_nth_data (keys, (guint) i);
  g_list_free (keys);
  return key;
}

/* The value of member @i of an object, in document order, or NULL. */
JsonNode *
golden_value_at (JsonNode *object, size_t i)
{
  const char *key = golden_key_at (object, i);
  return key ? jsondoc_member (object, key) : NULL;
}

/* The number held by @v, or @fallback. */
double
golden_number (JsonNode *v, double fallback)
{
  double d;
  return jsondoc_number (v, &d) ? d : fallback;
}

/* A file name inside the golden folder. */
char *
golden_path (const char *rel)
{
  return g_build_filename (golden_dir (), rel, NULL);
}

/* The first model's checkpoint in @layout, or NULL. */
char *
golden_first_layout_dir (const char *layout)
{
  JsonNode *models = jsondoc_member (golden_manifest (), "models");

  for (size_t i = 0; i < golden_length (models); i++) {
    const char *rel = jsondoc_string (jsondoc_member (jsondoc_member
            (golden_element (models, i), "layouts"), layout));
    if (rel)
      return golden_path (rel);
  }
  return NULL;
}

/* Loads a golden .npy file; a failure to read it fails the test. */
NpyArray *
golden_npy (const char *rel)
{
  GError *error = NULL;
  char *path = golden_path (rel);
  NpyArray *a = npy_load (path, &error);
  g_free (path);
  g_assert_no_error (error);
  g_assert_nonnull (a);
  return a;
}

/* Cosine similarity of two rows (1 when both are zero). */
double
vec_cosine (const double *a, const double *b, size_t n)
{
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < n; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  if (na == 0 && nb == 0)
    return 1.0;
  if (na == 0 || nb == 0)
    return 0.0;
  return dot / (sqrt (na) * sqrt (nb));
}

/* Largest |a[i] - b[i]| (NaN anywhere gives NaN). */
double
vec_max_abs_diff (const double *a, const double *b, size_t n)
{
  double m = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs (a[i] - b[i]);
    if (isnan (d))
      return NAN;
    if (d > m)
      m = d;
  }
  return m;
}

/* Largest |a[i]|. */
double
vec_max_abs (const double *a, size_t n)
{
  double m = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs (a[i]);
    if (isnan (d))
      return NAN;
    if (d > m)
      m = d;
  }
  return m;
}
