/* model_internal.h: the weights of a loaded CLIP model, shared by the
 * loader, the towers and the workspace. Internal to the engine. */
#ifndef CLIP_MODEL_INTERNAL_H
#define CLIP_MODEL_INTERNAL_H

#include "clip.h"
#include "safetensors.h"
#include "tokenizer.h"

typedef enum {
  CLIP_ACT_QUICK_GELU,         /* x * sigmoid(1.702 x), OpenAI's models */
  CLIP_ACT_GELU,               /* exact, erf based */
  CLIP_ACT_GELU_TANH,          /* tanh approximation */
} ClipAct;

/* Weights of one linear layer in the native backend's own layout,
 * made once at load (dnnl-pack.c). */
typedef struct _ClipPacked ClipPacked;

/* y = x W^T + b, PyTorch's nn.Linear. */
typedef struct {
  const float *w;              /* [n_out, n_in]; [n_in, n_out] if transposed */
  const float *b;              /* [n_out] or NULL */
  int n_out, n_in;
  gboolean transposed;         /* OpenAI's `proj` matrices are x @ P */
  ClipPacked *packed;          /* native backend only; owned by the model */
} ClipLinear;

typedef struct {
  const float *gain, *bias;    /* [width] each */
} ClipNorm;

typedef struct {
  ClipNorm ln1, ln2;
  ClipLinear q, k, v, out;     /* width -> width */
  ClipLinear qkv;              /* native: q, k, v as one width -> 3 width */
  ClipLinear kv;               /* native, a tower's last block instead (its
                                * q runs on pooled rows alone): k, v as one
                                * width -> 2 width, q on its own */
  ClipLinear fc1, fc2;         /* width -> mlp -> width */
} ClipBlock;

typedef struct {
  int width, layers, heads, mlp;
  float eps;
  ClipAct act;
  gboolean causal;
  ClipBlock *blocks;           /* [layers] */
} ClipTransformer;

typedef struct {
  ClipTransformer tf;
  int patch, image_size, grid; /* grid = image_size / patch */
  int n_pos;                   /* grid * grid + 1 (class token first) */
  ClipLinear patch_embed;      /* 3 * patch * patch -> width, no bias */
  const float *class_emb;      /* [width] */
  const float *pos_emb;        /* [n_pos, width] */
  ClipNorm ln_pre, ln_post;
  ClipLinear proj;             /* width -> embed */
} ClipVision;

typedef struct {
  ClipTransformer tf;
  int vocab, context;
  const float *tok_emb;        /* [vocab, width] */
  const float *pos_emb;        /* [context, width] */
  ClipNorm ln_final;
  ClipLinear proj;             /* width -> embed */
} ClipText;

typedef enum { CLIP_LAYOUT_HF, CLIP_LAYOUT_OPENAI } ClipLayout;

/* Settings that tensor shapes cannot tell: read from config files. */
typedef struct {
  int v_layers, t_layers;      /* 0: count the tensors */
  int v_heads, t_heads;        /* 0: width / v_head_width */
  int v_head_width;            /* 0: 64, every released CLIP */
  ClipAct v_act, t_act;
  float v_eps, t_eps;
  int image_size;              /* 0: from the position embeddings */
  float mean[3], std[3];
} ClipConfig;

struct _ClipModel {
  gint ref;
  char *path;
  char *description;
  ClipLayout layout;
  ClipBackend backend;         /* resolved: native or openblas */
  ClipPrecision precision;
  gboolean keep_sums;          /* ClipModelParams' */
  StFile *st;
  GPtrArray *owned;            /* float buffers converted at load */
  struct _ClipNative *native;  /* native backend state, NULL for openblas */
  ClipVision vision;
  ClipText text;
  int embed_dim;
  float logit_scale;           /* already exp()ed */
  float mean[3], std[3];
  ClipTokenizer *tokenizer;
};

/* Lets go of @count floats of weights at @w that nothing reads any more
 * (packed copies replace them): an owned buffer is freed, pages of the
 * mapped file are returned to the system. Anything else is left alone. */
void clip_model_release_weights (ClipModel *m, const float *w, size_t count);
/* Returns the whole pages within [@p, @p + @bytes) of the mapped file to
 * the system. The mapping is private and read-only: dropped pages come
 * back from the file if anything reads them again. */
void clip_model_release_range (const void *p, size_t bytes);
/* Returns every page of the mapped file to the system, for a backend that
 * has packed the matrices: what passes read of it after that (rows of the
 * token table) comes back from the page cache, and only that. */
void clip_model_release_mapping (const ClipModel *m);

/* Fills @cfg from config.json / preprocessor_config.json (HF) or
 * open_clip_config.json (OpenAI layout) in @dir; absent files leave the
 * defaults (OpenAI's: QuickGELU, eps 1e-5, CLIP mean/std). */
gboolean clip_config_load (const char *dir, ClipLayout layout,
    ClipConfig *cfg, GError **error);
/* As clip_config_load(), from the files' contents held in memory: @main is
 * config.json (HF) or open_clip_config.json (OpenAI), @pre is
 * preprocessor_config.json (HF only); a NULL text stands for an absent
 * file, the names stand for the files in messages. */
gboolean clip_config_load_from_data (ClipLayout layout,
    const char *main_name, const char *main_text, size_t main_len,
    const char *pre_name, const char *pre_text, size_t pre_len,
    ClipConfig *cfg, GError **error);

#endif
