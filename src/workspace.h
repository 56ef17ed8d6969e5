/* workspace.h: scratch memory for forward passes, sized once so that no
 * forward pass allocates. Internal to the engine. */
#ifndef CLIP_WORKSPACE_H
#define CLIP_WORKSPACE_H

#include "crowding.h"
#include "model_internal.h"

/* A text pass holds as many rows as 16 texts of the full context would;
 * it packs as many shorter texts as fit, up to CLIP_TEXT_PASS_MAX. */
#define CLIP_TEXT_BATCH 16
#define CLIP_TEXT_PASS_MAX 256

struct _ClipWorkspace {
  ClipModel *model;
  int max_batch;               /* images per vision pass */
  int text_batch;              /* full-context sequences a text pass's
                                * rows hold: CLIP_TEXT_BATCH */
  int text_max;                /* texts per text pass: CLIP_TEXT_PASS_MAX */
  int n_threads;                /* resolved: 1 to the number of processors */
  ClipCrowding crowding;       /* with 0 threads asked for: how crowded the
                                * cores are, and n_threads for it */
  size_t rows;                 /* token rows the buffers hold */
  float *x, *t, *q, *k, *v, *a;   /* [rows, max width] */
  float *u;                    /* [rows, max mlp] */
  float *scores;               /* [batch * heads * seq * seq] at most */
  float *patches;              /* [max_batch * grid^2, 3 * patch^2] */
  float *pooled;               /* [max(max_batch, text_max), max width] */
  int *pool;                   /* each sequence's pooled row: as many */
  int32_t *ids;                /* [text_max, context] */
  float *prefix_kv;            /* a shared text prefix's keys and values:
                                * [layers, 2, context, text width] */
  float *att;                  /* the attention kernel's scratch: */
  size_t att_size;             /* floats per thread */
  int att_threads;             /* threads it has room for */
  struct _ClipWsNative *native; /* native backend state, or NULL */
  struct _ClipWorkspace *half[2]; /* or NULL: workspaces for the two
                                   * halves of a vision pass's images,
                                   * one thread each (workspace.c) */
  gboolean halves_placed;      /* halves only while the threads sit on
                                * different core complexes */
  GError *error;               /* first backend failure of this pass */
};

/* @count items of @size bytes of scratch starting on a cache line (64
 * bytes: one AVX-512 vector), so that no vector a kernel loads or stores
 * at the start of a row straddles two lines; NULL when out of memory or
 * the size overflows. Freed with free(). */
void *clip_workspace_alloc (size_t count, size_t size);

/* Whether a vision pass of many images on two threads may run as two
 * halves, one thread on each half's images (by default where
 * clip_backend_halves_pay()), and with @placed only while the two
 * threads sit on different core complexes (by default; placement.c);
 * FALSE if memory for them runs out. */
gboolean clip_workspace_set_halves (ClipWorkspace *ws, gboolean halves,
    gboolean placed, GError **error);

/* One vision pass over n <= max_batch images. */
void clip_vision_forward (ClipWorkspace *ws, const float *pixels, int n,
    float *out);
/* One text pass over n <= text_max texts (ids already checked) whose
 * positions after @prefix, up to the longest's end-of-text token, make at
 * most text_batch * context rows.
 * With @prefix > 0 their first @prefix ids are those clip_text_prefix()
 * ran last, and only the positions after them are computed. */
void clip_text_forward (ClipWorkspace *ws, const int32_t *ids, int n,
    int prefix, float *out);
/* How many of @n texts from @ids the first pass of
 * clip_text_encode_tokens() on them takes: a caller that cuts many texts
 * into calls of this size runs full passes only. */
int clip_text_pass_size (const ClipWorkspace *ws, const int32_t *ids, int n);
/* Runs the first @prefix positions of one text (before every pooled
 * position of the texts that will share them) and keeps each block's keys
 * and values in ws->prefix_kv. */
void clip_text_prefix (ClipWorkspace *ws, const int32_t *ids, int prefix);
/* Position of the end-of-text token in @context ids: the highest id, first
 * occurrence, as OpenAI's text.argmax(dim=-1). A text pass runs up to it. */
int clip_eot_position (const int32_t *ids, int context);

#endif
