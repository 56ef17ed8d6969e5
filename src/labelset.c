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
  ClipLabelSetParams p = { default_templates, 1 };
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
  int n_texts = n_labels * nt;
  char **texts = g_new0 (char *, n_texts + 1);
  float *all = g_new (float, (size_t) n_texts * dim);
  for (int i = 0; i < n_labels; i++)
    for (int j = 0; j < nt; j++)
      texts[i * nt + j] = apply_template (params->templates[j], labels[i]);
  gboolean ok = clip_text_encode (ws, (const char *const *) texts, n_texts,
      all, TRUE, error);
  g_strfreev (texts);
  if (!ok) {
    g_free (all);
    return NULL;
  }

  char **names = g_new0 (char *, n_labels + 1);
  char **tmpls = g_new0 (char *, nt + 1);
  float *embeds = g_new0 (float, (size_t) n_labels * dim);
  for (int j = 0; j < nt; j++)
    tmpls[j] = g_strdup (params->templates[j]);
  for (int i = 0; i < n_labels; i++) {
    names[i] = g_strdup (labels[i]);
    /* ensembling as in the CLIP paper: mean of unit vectors, renormalised */
    float *row = embeds + (size_t) i * dim;
    for (int j = 0; j < nt; j++) {
      const float *e = all + ((size_t) i * nt + j) * dim;
      for (int d = 0; d < dim; d++)
        row[d] += e[d];
    }
  }
  clip_l2_normalize (embeds, n_labels, dim);
  g_free (all);
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
  double l[set->n_labels];

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
}
