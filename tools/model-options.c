/* model-options.c: --backend, --precision and --no-kept-sums, shared by
 * the tools. */
#include "model-options.h"

void
model_options_add (GOptionContext *context, ModelOptions *o)
{
  GOptionEntry entries[] = {
    { "backend", 0, 0, G_OPTION_ARG_STRING, &o->backend,
      "Compute backend: auto (native when built with oneDNN, the default), "
      "native (oneDNN, weights packed at load) or openblas (portable fp32)",
      "NAME" },
    { "precision", 0, 0, G_OPTION_ARG_STRING, &o->precision,
      "Weights and matrix products: fp32 (default, reference numerics), "
      "bf16 or int8 (native backend only)", "NAME" },
    { "no-kept-sums", 0, 0, G_OPTION_ARG_NONE, &o->make_sums,
      "fp32 batches of 200 patch rows or more (four ViT-B/32 images): "
      "make the sums of weight quadrants that Strassen's products read in "
      "every pass rather than keep them from the first (5/4 of the vision "
      "weights again), about 7% slower, the same numbers", NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
}

gboolean
model_options_apply (const ModelOptions *o, ClipModelParams *params,
    GError **error)
{
  if (o->backend && !clip_backend_from_name (o->backend, &params->backend,
          error)) {
    g_prefix_error (error, "--backend: ");
    return FALSE;
  }
  if (o->precision && !clip_precision_from_name (o->precision,
          &params->precision, error)) {
    g_prefix_error (error, "--precision: ");
    return FALSE;
  }
  params->keep_sums = !o->make_sums;
  return TRUE;
}

void
model_options_clear (ModelOptions *o)
{
  g_clear_pointer (&o->backend, g_free);
  g_clear_pointer (&o->precision, g_free);
}
