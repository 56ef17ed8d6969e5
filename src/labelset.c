/* labelset.c: zero-shot label sets: labels, prompt templates and their
 * normalised text embeddings, immutable once built. */
#include "labelset_internal.h"
#include "workspace.h"

#include <math.h>
#include <string.h>

struct _ClipLabelSet {
  gint ref;
  int n_labels, dim;
  char **labels;
  char **templates;            /* the prompt templates the set was built with */
  float *embeds;               /* [n_labels, dim], unit rows */
  float scale;                 /* exp(logit_scale) */
  char *fingerprint;           /* clip_model_fingerprint() of its model */
  ClipPrecision precision;     /* the model's precision when built */
};

ClipLabelSet *
clip_label_set_new_take (const ClipModel *model, char **labels,
    char **templates, float *embeds)
{
  ClipLabelSet *set = g_new0 (ClipLabelSet, 1);

  set->ref = 1;
  set->n_labels = (int) g_strv_length (labels);
  set->dim = model->embed_dim;
  set->labels = labels;
  set->templates = templates;
  set->embeds = embeds;
  set->scale = model->logit_scale;
  set->fingerprint = clip_model_fingerprint (model);
  set->precision = clip_model_precision (model);
  return set;
}

static const char *const default_templates[] = { "a photo of a {}." };

ClipLabelSetParams
clip_label_set_default_params (void)
{
  ClipLabelSetParams p = { default_templates, 1, NULL, NULL };
  return p;
}

/* Puts the label where the template says "{}" (or after it). */
static char *
apply_template (const char *tmpl, const char *label)
{
  if (!strstr (tmpl, "{}"))
    return g_strconcat (tmpl, " ", label, NULL);
  char **parts = g_strsplit (tmpl, "{}", -1);
  char *text = g_strjoinv (label, parts);
  g_strfreev (parts);
  return text;
}

ClipLabelSet *
clip_label_set_new (ClipModel *model, ClipWorkspace *ws,
    const char *const *labels, int n_labels,
    const ClipLabelSetParams *params, GError **error)
{
  ClipLabelSetParams defaults = clip_label_set_default_params ();
  g_return_val_if_fail (model != NULL && ws != NULL, NULL);
  g_return_val_if_fail (ws->model == model, NULL);
  if (!params || !params->templates || params->n_templates < 1)
    params = &defaults;
  if (n_labels < 1 || !labels) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "a label set needs at least one label");
    return NULL;
  }
  for (int i = 0; i < n_labels; i++) {
    if (!labels[i] || !g_utf8_validate (labels[i], -1, NULL)) {
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
          "label %d is not valid UTF-8 text", i + 1);
      return NULL;
    }
  }

  int nt = params->n_templates, dim = model->embed_dim;
  if ((gint64) n_labels * nt > G_MAXINT) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "%d labels x %d templates are too many texts", n_labels, nt);
    return NULL;
  }
  int n_texts = n_labels * nt;
  /* Texts are made and encoded a batch at a time, and summed into their
   * label's row at once: memory stays at one batch whatever the number of
   * labels, and the progress callback can stop the build between batches. */
  int batch = MAX (ws->text_batch, 1);
  char **texts = g_new0 (char *, batch + 1);
  float *out = g_new (float, (size_t) batch * dim);
  float *embeds = g_try_new0 (float, (size_t) n_labels * dim);
  if (!embeds) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "%d labels need more memory than is available", n_labels);
    g_free (texts);
    g_free (out);
    return NULL;
  }
  /* a long build says how far it is, every few seconds */
  gint64 next_log = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  for (int start = 0; start < n_texts; start += batch) {
    int m = MIN (batch, n_texts - start);
    for (int k = 0; k < m; k++)
      texts[k] = apply_template (params->templates[(start + k) % nt],
          labels[(start + k) / nt]);
    gboolean ok = clip_text_encode (ws, (const char *const *) texts, m, out,
        TRUE, error);
    for (int k = 0; k < m; k++)
      g_clear_pointer (&texts[k], g_free);
    if (ok && params->progress
        && !params->progress (start + m, n_texts, params->progress_data)) {
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_CANCELLED,
          "label set build cancelled after %d of %d texts", start + m,
          n_texts);
      ok = FALSE;
    }
    if (!ok) {
      g_free (texts);
      g_free (out);
      g_free (embeds);
      return NULL;
    }
    if (g_get_monotonic_time () >= next_log && start + m < n_texts) {
      g_info ("label set: %d of %d texts embedded (%.0f%%)", start + m,
          n_texts, 100.0 * (start + m) / n_texts);
      next_log = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    }
    /* ensembling as in the CLIP paper: mean of unit vectors, renormalised */
    for (int k = 0; k < m; k++) {
      float *row = embeds + (size_t) ((start + k) / nt) * dim;
      const float *e = out + (size_t) k * dim;
      for (int d = 0; d < dim; d++)
        row[d] += e[d];
    }
  }
  g_free (texts);
  g_free (out);

  char **names = g_new0 (char *, n_labels + 1);
  char **tmpls = g_new0 (char *, nt + 1);
  for (int j = 0; j < nt; j++)
    tmpls[j] = g_strdup (params->templates[j]);
  for (int i = 0; i < n_labels; i++)
    names[i] = g_strdup (labels[i]);
  clip_l2_normalize (embeds, n_labels, dim);
  return clip_label_set_new_take (model, names, tmpls, embeds);
}

ClipLabelSet *
clip_label_set_ref (ClipLabelSet *set)
{
  g_return_val_if_fail (set != NULL, NULL);
  g_atomic_int_inc (&set->ref);
  return set;
}

void
clip_label_set_unref (ClipLabelSet *set)
{
  if (!set || !g_atomic_int_dec_and_test (&set->ref))
    return;
  g_strfreev (set->labels);
  g_strfreev (set->templates);
  g_free (set->fingerprint);
  g_free (set->embeds);
  g_free (set);
}

int
clip_label_set_size (const ClipLabelSet *set)
{
  return set->n_labels;
}

const char *
clip_label_set_label (const ClipLabelSet *set, int index)
{
  g_return_val_if_fail (index >= 0 && index < set->n_labels, NULL);
  return set->labels[index];
}

int
clip_label_set_embed_dim (const ClipLabelSet *set)
{
  return set->dim;
}

int
clip_label_set_n_templates (const ClipLabelSet *set)
{
  return (int) g_strv_length (set->templates);
}

const char *
clip_label_set_template (const ClipLabelSet *set, int index)
{
  g_return_val_if_fail (index >= 0
      && index < clip_label_set_n_templates (set), NULL);
  return set->templates[index];
}

const char *
clip_label_set_fingerprint (const ClipLabelSet *set)
{
  return set->fingerprint;
}

ClipPrecision
clip_label_set_precision (const ClipLabelSet *set)
{
  return set->precision;
}

const float *
clip_label_set_embeddings (const ClipLabelSet *set)
{
  return set->embeds;
}

void
clip_label_set_score (const ClipLabelSet *set, const float *image_embed,
    float *logits, float *probs)
{
  double max = -INFINITY, sum = 0;
  /* On the heap: a VLA of 100,000 labels is 800 KB of a thread's stack. */
  double *l = g_new (double, set->n_labels);

  for (int i = 0; i < set->n_labels; i++) {
    const float *e = set->embeds + (size_t) i * set->dim;
    double dot = 0;
    for (int d = 0; d < set->dim; d++)
      dot += (double) e[d] * image_embed[d];
    l[i] = set->scale * dot;
    max = MAX (max, l[i]);
    if (logits)
      logits[i] = (float) l[i];
  }
  for (int i = 0; i < set->n_labels; i++)
    sum += exp (l[i] - max);
  for (int i = 0; i < set->n_labels; i++)
    probs[i] = (float) (exp (l[i] - max) / sum);
  g_free (l);
}
