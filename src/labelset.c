/* labelset.c: zero-shot label sets: labels, prompt templates and their
 * normalised text embeddings, immutable once built. */
#include "apart.h"
#include "labelset_internal.h"
#include "workspace.h"

#include <math.h>
#include <stdlib.h>
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

/* Token count of a tokenized text (up to its end-of-text token). */
typedef struct {
  int length, index;
} TextLength;

/* A label set build sorts the texts of this many full passes (of
 * ws->text_max texts) by length together. */
#define GROUP_PASSES 4

/* One group's buffers: [group, context] ids, the same sorted by length,
 * whose each sorted row is, and [text_max, dim] unit embeddings of a
 * pass. */
typedef struct {
  int32_t *ids, *sorted;
  TextLength *order;
  float *out;
} BuildGroup;

static int
compare_lengths (gconstpointer a, gconstpointer b)
{
  const TextLength *x = a, *y = b;
  /* the index breaks ties: the order is total, the result reproducible */
  return x->length != y->length ? x->length - y->length : x->index - y->index;
}

/* Tokenizes template @tmpl on labels @first .. @first + @m - 1 into
 * @g->sorted, shortest first; @g->order[k].index is the label (from
 * @first) of sorted row k. */
static gboolean
tokenize_group (const ClipModel *model, const char *const *labels,
    const char *tmpl, int first, int m, BuildGroup *g, GError **error)
{
  int ctx = model->text.context;

  for (int k = 0; k < m; k++) {
    int32_t *ids = g->ids + (size_t) k * ctx;
    char *text = apply_template (tmpl, labels[first + k]);
    gboolean ok = clip_tokenize (model, text, ids, error);
    g_free (text);
    if (!ok)
      return FALSE;
    g->order[k] = (TextLength) { clip_eot_position (ids, ctx) + 1, k };
  }
  qsort (g->order, m, sizeof (TextLength), compare_lengths);
  for (int k = 0; k < m; k++)
    memcpy (g->sorted + (size_t) k * ctx,
        g->ids + (size_t) g->order[k].index * ctx, ctx * sizeof (int32_t));
  return TRUE;
}

typedef struct {
  ClipWorkspace *ws;
  const int32_t *ids;
  int n;
  float *out;
  GError **error;
} PassJob;

static gboolean
run_pass (void *data)
{
  PassJob *j = data;
  return clip_text_encode_tokens (j->ws, j->ids, j->n, j->out, TRUE,
      j->error);
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
  /* Texts are made and tokenized a group at a time, one template on up
   * to a group of labels, encoded a pass at a time and summed into their
   * labels' rows template by template: memory stays at one group whatever
   * the number of labels, and the progress callback can stop the build
   * between passes (a few tenths of a second of ViT-B/32 at most). The
   * texts of a group run sorted by length, as a text pass runs as many
   * positions as its longest text needs and takes as many texts as its
   * rows hold; and a pass's texts share the template's words before the
   * label, which the text tower runs once for all of them. Groups of
   * four passes' worth of texts pad fewer rows than sorting each pass's
   * worth alone, and calls of one full pass each leave no short pass
   * between two calls. */
  int ctx = model->text.context;
  int pass_max = MAX (ws->text_max, 1), group = GROUP_PASSES * pass_max;
  BuildGroup g = {
    .ids = g_new (int32_t, (size_t) group * ctx),
    .sorted = g_new (int32_t, (size_t) group * ctx),
    .order = g_new (TextLength, group),
    .out = g_new (float, (size_t) pass_max * dim),
  };
  float *embeds = g_try_new0 (float, (size_t) n_labels * dim);
  gboolean ok = embeds != NULL;
  if (!ok)
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "%d labels need more memory than is available", n_labels);
  /* a long build says how far it is, every few seconds */
  gint64 next_log = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  int done = 0;
  /* passes on more than one thread run on a thread of their own, which
   * ends with the build (apart.c); the progress callback runs here */
  ClipApart *apart = ws->n_threads > 1 ? clip_apart_new () : NULL;
  for (int j = 0; ok && j < nt; j++) {
    for (int first = 0; ok && first < n_labels; first += group) {
      int m = MIN (group, n_labels - first);
      ok = tokenize_group (model, labels, params->templates[j], first, m,
          &g, error);
      for (int s = 0, k; ok && s < m; s += k) {
        k = clip_text_pass_size (ws, g.sorted + (size_t) s * ctx, m - s);
        PassJob job = { ws, g.sorted + (size_t) s * ctx, k, g.out, error };
        ok = clip_apart_run (apart, run_pass, &job);
        /* ensembling as in the CLIP paper: mean of unit vectors,
         * renormalised */
        for (int i = 0; ok && i < k; i++) {
          float *row = embeds + (size_t) (first + g.order[s + i].index) * dim;
          const float *e = g.out + (size_t) i * dim;
          for (int d = 0; d < dim; d++)
            row[d] += e[d];
        }
        done += k;
        if (ok && params->progress
            && !params->progress (done, n_texts, params->progress_data)) {
          g_set_error (error, CLIP_ERROR, CLIP_ERROR_CANCELLED,
              "label set build cancelled after %d of %d texts", done,
              n_texts);
          ok = FALSE;
        }
        if (ok && g_get_monotonic_time () >= next_log && done < n_texts) {
          g_info ("label set: %d of %d texts embedded (%.0f%%)", done,
              n_texts, 100.0 * done / n_texts);
          next_log = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
        }
      }
    }
  }
  clip_apart_free (apart);
  g_free (g.ids);
  g_free (g.sorted);
  g_free (g.order);
  g_free (g.out);
  if (!ok) {
    g_free (embeds);
    return NULL;
  }

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
