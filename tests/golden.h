/* golden.h: access to the golden reference data (../shared/golden) for the
 * engine tests. */
#ifndef CLIP_TESTS_GOLDEN_H
#define CLIP_TESTS_GOLDEN_H

#include "jsondoc.h"
#include "npy.h"

/* The golden folder: $CLIP_GOLDEN_DIR, else the path baked in at build time
 * (<source root>/../shared/golden). When it has no manifest.json: under
 * CI=true prints why and exits 1 (a failure); otherwise prints "SKIP: ..."
 * and exits 77, which meson reports as skipped. */
const char *golden_dir (void);
/* The parsed manifest.json (owned; lives until exit). */
JsonNode *golden_manifest (void);
/* Walking the manifest: elements of an array or members of an object (0
 * for anything else), element @i of an array, key / value of member @i of
 * an object (document order), a number or @fallback. NULL-safe. */
size_t golden_length (JsonNode *v);
JsonNode *golden_element (JsonNode *array, size_t i);
const char *golden_key_at (JsonNode *object, size_t i);
JsonNode *golden_value_at (JsonNode *object, size_t i);
double golden_number (JsonNode *v, double fallback);
/* g_build_filename (golden_dir (), rel, NULL); g_free it. */
char *golden_path (const char *rel);
/* golden_path() of the first model's checkpoint in @layout ("hf",
 * "openai"), or NULL if no model has one; g_free it. */
char *golden_first_layout_dir (const char *layout);
/* Loads golden_path (rel) as npy or fails the test with the error. */
NpyArray *golden_npy (const char *rel);

/* Comparison of two rows, for tolerance checks and reports. */
double vec_cosine (const double *a, const double *b, size_t n);
double vec_max_abs_diff (const double *a, const double *b, size_t n);
double vec_max_abs (const double *a, size_t n);

#endif
