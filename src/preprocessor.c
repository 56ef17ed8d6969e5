/* preprocessor.c: ClipPreprocessor, the public face of a preprocessing
 * plan (preprocess.c) bound to a model's input size and normalisation. */
#include "model_internal.h"
#include "preprocess.h"

struct _ClipPreprocessor {
  ClipModel *model;
  ClipPrep *prep;
};

ClipPreprocessor *
clip_preprocessor_new (ClipModel *model, int n_threads)
{
  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (n_threads >= 0, NULL);

  ClipPreprocessor *pp = g_new0 (ClipPreprocessor, 1);
  if (n_threads == 0)
    n_threads = (int) g_get_num_processors ();
  pp->model = clip_model_ref (model);
  pp->prep = clip_prep_new (clip_model_image_size (model), model->mean,
      model->std, n_threads, FALSE);
  return pp;
}

void
clip_preprocessor_free (ClipPreprocessor *pp)
{
  if (!pp)
    return;
  clip_prep_free (pp->prep);
  clip_model_unref (pp->model);
  g_free (pp);
}

gboolean
clip_preprocessor_run (ClipPreprocessor *pp, const ClipImage *image,
    float *out, GError **error)
{
  g_return_val_if_fail (pp != NULL, FALSE);
  return clip_prep_run (pp->prep, image, out, error);
}
