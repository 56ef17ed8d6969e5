/* fuzz-labelset.c: libFuzzer target for the label-set file loader: any
 * byte string is either rejected with a GError or yields a label set of
 * the model's width with as many labels as rows. The model is
 * $CLIP_FUZZ_MODEL, else the golden tiny checkpoint; run-fuzz.sh sets it to
 * the first golden model in Hugging Face layout and seeds the corpus with a
 * valid file made for it. */
#include "labelset_internal.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static ClipModel *model;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  const char *path = g_getenv ("CLIP_FUZZ_MODEL");
  GError *err = NULL;

  model = clip_model_load (path ? path :
      "../shared/golden/tiny-quickgelu-p32-f32/hf", NULL, &err);
  if (!model) {
    g_printerr ("fuzz-labelset: %s (set CLIP_FUZZ_MODEL)\n", err->message);
    exit (1);
  }
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *err = NULL;
  ClipLabelSet *set = clip_label_set_load_bytes (model, data, size, "fuzz",
      &err);

  if (!set) {
    if (!err || !err->message)
      __builtin_trap ();
    g_error_free (err);
    return 0;
  }
  if (clip_label_set_embed_dim (set) != clip_model_embed_dim (model)
      || clip_label_set_size (set) < 1 || clip_label_set_n_templates (set) < 1)
    __builtin_trap ();
  for (int i = 0; i < clip_label_set_size (set); i++)
    if (!g_utf8_validate (clip_label_set_label (set, i), -1, NULL))
      __builtin_trap ();
  clip_label_set_unref (set);
  return 0;
}
