/* clip.h: the clipclassify engine, a pure-C CLIP (vision + text towers,
 * tokenizer, preprocessing, zero-shot scoring). C11 + OpenBLAS + GLib.
 *
 * Lifecycle:
 *
 *   GError *err = NULL;
 *   ClipModel *model = clip_model_load ("clip-vit-base-patch32/", NULL, &err);
 *   if (!model) { g_printerr ("%s\n", err->message); ... }
 *   ClipWorkspace *ws = clip_workspace_new (model, 1, &err);
 *
 *   const char *labels[] = { "person", "car" };
 *   ClipLabelSetParams lp = clip_label_set_default_params ();
 *   ClipLabelSet *set = clip_label_set_new (model, ws, labels, 2, &lp, &err);
 *
 *   ClipImage img = clip_image_rgb (pixels, width, height, stride);
 *   float *input = g_new (float, clip_model_input_size (model));
 *   float *embed = g_new (float, clip_model_embed_dim (model));
 *   float probs[2];
 *   clip_preprocess (model, &img, input, &err);
 *   clip_vision_encode (ws, input, 1, embed, TRUE, &err);
 *   clip_label_set_score (set, embed, NULL, probs);
 *
 *   clip_label_set_unref (set);
 *   clip_workspace_free (ws);
 *   clip_model_unref (model);
 *
 * Thread safety: a ClipModel and a ClipLabelSet are immutable once made and
 * may be shared by any number of threads (reference counts are atomic). A
 * ClipWorkspace holds the scratch memory of one forward pass: use each one
 * from one thread at a time. Messages go through g_log() with the log domain
 * "clip", so a host redirects them with g_log_set_handler().
 *
 * Errors: every fallible call returns NULL/FALSE and sets a GError in
 * CLIP_ERROR whose message names the file, tensor or line at fault. Nothing
 * here calls exit() or abort() on bad input.
 */
#ifndef CLIP_H
#define CLIP_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

#define CLIP_ERROR (clip_error_quark ())
GQuark clip_error_quark (void);

typedef enum {
  CLIP_ERROR_IO,              /* a file could not be opened, read or mapped */
  CLIP_ERROR_FORMAT,          /* a file is malformed (safetensors, JSON, merges) */
  CLIP_ERROR_TENSOR,          /* a tensor is missing or has the wrong shape/dtype */
  CLIP_ERROR_CONFIG,          /* a configuration value is missing or invalid */
  CLIP_ERROR_INPUT,           /* bad caller input: text, image size, batch */
  CLIP_ERROR_CANCELLED,       /* the caller's progress callback said stop */
} ClipErrorCode;

/* ---------------------------------------------------------------- model */

typedef struct _ClipModel ClipModel;

/* Where the towers' matrix products run. */
typedef enum {
  CLIP_BACKEND_AUTO,          /* native when the build has it, else openblas */
  CLIP_BACKEND_NATIVE,        /* oneDNN: weights packed at load, fused ops */
  CLIP_BACKEND_OPENBLAS,      /* portable fp32 path on cblas_sgemm */
} ClipBackend;

/* The numeric form of the towers' weights and matrix products. */
typedef enum {
  CLIP_PRECISION_FP32,        /* float32 throughout: the reference numerics */
  CLIP_PRECISION_BF16,        /* bf16 weights and matmul inputs, fp32 sums */
  CLIP_PRECISION_INT8,        /* int8 weights, dynamic 8-bit activations */
} ClipPrecision;

typedef struct {
  /* vocab.json / merges.txt to use instead of the ones beside the
   * checkpoint (NULL: look beside it). */
  const char *vocab_path;
  const char *merges_path;
  /* Compute backend (default CLIP_BACKEND_AUTO). */
  ClipBackend backend;
  /* Weight and matmul precision (default CLIP_PRECISION_FP32); anything
   * but fp32 needs the native backend. */
  ClipPrecision precision;
  /* fp32 on the native backend with AVX-512 on AMD's Zen 3 to 5, where
   * products of 200 rows or more (vision passes of four ViT-B/32 images
   * or more, two ViT-B/16 ones) run in Strassen's blocks: keep the sums
   * of weight quadrants they read once the first such pass has made
   * them, 5/4 of the vision tower's weights again (425 MB for ViT-B/32),
   * for passes about 7% faster. FALSE: every product makes them anew
   * (default TRUE). The same numbers either way. */
  gboolean keep_sums;
} ClipModelParams;

/* "auto", "native", "openblas". */
const char *clip_backend_name (ClipBackend backend);
/* Parses a backend name; FALSE with @error set for an unknown one. */
gboolean clip_backend_from_name (const char *name, ClipBackend *backend,
    GError **error);
/* Whether this build has @backend (auto and openblas always). */
gboolean clip_backend_available (ClipBackend backend);
/* "fp32", "bf16", "int8". */
const char *clip_precision_name (ClipPrecision precision);
/* Parses a precision name; FALSE with @error set for an unknown one. */
gboolean clip_precision_from_name (const char *name,
    ClipPrecision *precision, GError **error);

/* Defaults for clip_model_load(). */
ClipModelParams clip_model_default_params (void);

/* Loads a checkpoint: a Hugging Face CLIPModel directory, an OpenAI /
 * OpenCLIP directory (open_clip_model.safetensors), or a .safetensors file.
 * @params may be NULL. Returns a new reference or NULL with @error set. */
ClipModel *clip_model_load (const char *path, const ClipModelParams *params,
    GError **error);

ClipModel *clip_model_ref (ClipModel *model);
void clip_model_unref (ClipModel *model);

/* Width of the joint embedding space (E). */
int clip_model_embed_dim (const ClipModel *model);
/* Side of the square vision input in pixels (R). */
int clip_model_image_size (const ClipModel *model);
/* Number of floats in one preprocessed image: 3 * R * R. */
size_t clip_model_input_size (const ClipModel *model);
/* Text context length (77 for every released CLIP). */
int clip_model_context_length (const ClipModel *model);
/* exp(logit_scale), the factor applied to cosine similarities. */
float clip_model_logit_scale (const ClipModel *model);
/* One-line description (layout, sizes, dtype) for logs. */
const char *clip_model_describe (const ClipModel *model);
/* The backend the model was loaded for (never CLIP_BACKEND_AUTO). */
ClipBackend clip_model_backend (const ClipModel *model);
/* The precision the model's weights are held in. */
ClipPrecision clip_model_precision (const ClipModel *model);

/* ------------------------------------------------------------ tokenizer */

/* Tokenizes @text (UTF-8) into exactly clip_model_context_length() ids:
 * SOT, BPE ids, EOT, zero padding; over-long input is truncated with EOT
 * kept last. Fails on invalid UTF-8. */
gboolean clip_tokenize (const ClipModel *model, const char *text,
    int32_t *ids, GError **error);
/* As clip_tokenize(), on the @len bytes at @text, which may hold U+0000
 * (as a JSON string may; OpenAI's cleaning removes it). */
gboolean clip_tokenize_len (const ClipModel *model, const char *text,
    size_t len, int32_t *ids, GError **error);

/* --------------------------------------------------------- preprocessing */

typedef enum {
  CLIP_PIXEL_RGB, CLIP_PIXEL_BGR,
  CLIP_PIXEL_RGBX, CLIP_PIXEL_BGRX, CLIP_PIXEL_XRGB, CLIP_PIXEL_XBGR,
  CLIP_PIXEL_RGBA, CLIP_PIXEL_BGRA, CLIP_PIXEL_ARGB, CLIP_PIXEL_ABGR,
  CLIP_PIXEL_GRAY8,
  CLIP_PIXEL_I420,            /* planes Y, U, V; chroma halved both ways */
  CLIP_PIXEL_NV12,            /* planes Y, interleaved UV */
  CLIP_PIXEL_NV21,            /* planes Y, interleaved VU */
  /* 4:2:2, one plane: chroma halved across, every row its own; two
   * pixels in 4 bytes, in the byte order of the name */
  CLIP_PIXEL_YUY2, CLIP_PIXEL_UYVY, CLIP_PIXEL_YVYU,
} ClipPixelFormat;

/* Y'CbCr -> R'G'B': the matrix's Kr and Kb, and the range. */
typedef enum {
  CLIP_YUV_BT601,             /* limited range, SD video */
  CLIP_YUV_BT709,             /* limited range, HD video */
  CLIP_YUV_BT601_FULL,        /* full range (JPEG) */
  CLIP_YUV_BT709_FULL,        /* full range HD (screen capture, cameras) */
  CLIP_YUV_BT2020,            /* limited range, UHD and HDR video */
  CLIP_YUV_BT2020_FULL,
} ClipYuvMatrix;

/* A borrowed view of an 8-bit frame in memory: nothing is copied. */
typedef struct {
  ClipPixelFormat format;
  int width, height;
  const uint8_t *planes[3];
  int strides[3];             /* bytes per row of each plane */
  ClipYuvMatrix matrix;       /* for the Y'CbCr formats only */
  /* A pixel's width over its height, for pictures shown stretched (PAL
   * 16:9 SD, 720x576 at 64/45). The resize's geometry is then computed on
   * the picture shown round(width * par_n / par_d) wide, and the columns
   * go straight to that size. Zero or negative, or equal: square pixels. */
  int par_n, par_d;
} ClipImage;

/* A packed RGB view of @pixels. */
ClipImage clip_image_rgb (const uint8_t *pixels, int width, int height,
    int stride);

/* Resizes the shortest side to R (antialiased bicubic, as PIL; of the
 * picture as shown, with the image's pixel aspect ratio), crops the centre
 * R x R, converts to RGB in the same pass and normalises with the model's
 * mean/std into @out ([3, R, R], planar). */
gboolean clip_preprocess (const ClipModel *model, const ClipImage *image,
    float *out, GError **error);

/* A reusable preprocessor for one model: keeps the filter tables of the
 * last frame size and its scratch memory between frames, and may split a
 * large frame over @n_threads threads of its own (0: one per core; 1:
 * only the caller's). Same results as clip_preprocess(), bit for bit. Use
 * each one from one thread at a time. Holds a reference to @model. */
typedef struct _ClipPreprocessor ClipPreprocessor;

ClipPreprocessor *clip_preprocessor_new (ClipModel *model, int n_threads);
void clip_preprocessor_free (ClipPreprocessor *pp);
/* clip_preprocess() of @image into @out. */
gboolean clip_preprocessor_run (ClipPreprocessor *pp, const ClipImage *image,
    float *out, GError **error);

/* ------------------------------------------------------------- towers */

typedef struct _ClipWorkspace ClipWorkspace;

/* Scratch memory for batches of up to @max_batch images (texts are run in
 * chunks that fit the same memory). */
ClipWorkspace *clip_workspace_new (ClipModel *model, int max_batch,
    GError **error);
void clip_workspace_free (ClipWorkspace *ws);
ClipModel *clip_workspace_get_model (ClipWorkspace *ws);
/* Threads this workspace's forward passes use, and only they: 0 picks a
 * count for the model (one for small models, every processor otherwise)
 * and halves it while passes wait for processors that other work keeps
 * busy (docs/engine.md); more than the processors is clamped, with a
 * message. */
void clip_workspace_set_threads (ClipWorkspace *ws, int n_threads);
/* The thread count of the latest pass (before any, the count set). */
int clip_workspace_get_threads (ClipWorkspace *ws);

/* Runs @fn (@data) on a thread of its own and returns what it returns,
 * once that thread has ended; on the calling thread if no thread can be
 * made. For passes a thread runs once and never again (a warm-up): the
 * native backend's threads (OpenMP's) live as long as the thread that
 * started them, and once a process holds more of them than there are
 * processors they all sleep between products, which costs every pass
 * (docs/engine.md). Loading a model and building a label set do this
 * themselves. */
gboolean clip_run_apart (gboolean (*fn) (void *data), void *data);

/* Embeds @n preprocessed images ([n, 3, R, R]) into @out ([n, E]);
 * L2-normalised when @normalize. Any @n: larger batches run in chunks. */
gboolean clip_vision_encode (ClipWorkspace *ws, const float *pixels, int n,
    float *out, gboolean normalize, GError **error);

/* Embeds @n token sequences ([n, context_length]) into @out ([n, E]). */
gboolean clip_text_encode_tokens (ClipWorkspace *ws, const int32_t *ids,
    int n, float *out, gboolean normalize, GError **error);

/* Tokenizes and embeds @n texts. */
gboolean clip_text_encode (ClipWorkspace *ws, const char *const *texts,
    int n, float *out, gboolean normalize, GError **error);

/* In-place L2 normalisation of @n rows of @dim floats. */
void clip_l2_normalize (float *rows, int n, int dim);

/* ---------------------------------------------------------- label sets */

typedef struct _ClipLabelSet ClipLabelSet;

typedef struct {
  /* Prompt templates, each containing "{}" where the label goes (a template
   * without "{}" is used as a prefix: "template label"). Several templates
   * are ensembled: embeddings averaged after normalisation, renormalised.
   * NULL or zero templates: { "a photo of a {}." }. */
  const char *const *templates;
  int n_templates;
  /* Called from clip_label_set_new's thread after each batch of texts with
   * the texts encoded so far and their total (labels x templates);
   * returning FALSE stops the build (CLIP_ERROR_CANCELLED). NULL: none. */
  gboolean (*progress) (int done, int total, void *user_data);
  void *progress_data;
} ClipLabelSetParams;

ClipLabelSetParams clip_label_set_default_params (void);

/* Builds the text embeddings of @n_labels labels (at least one). */
ClipLabelSet *clip_label_set_new (ClipModel *model, ClipWorkspace *ws,
    const char *const *labels, int n_labels,
    const ClipLabelSetParams *params, GError **error);

ClipLabelSet *clip_label_set_ref (ClipLabelSet *set);
void clip_label_set_unref (ClipLabelSet *set);

int clip_label_set_size (const ClipLabelSet *set);
const char *clip_label_set_label (const ClipLabelSet *set, int index);
/* Normalised text embeddings, [n_labels, E]. */
const float *clip_label_set_embeddings (const ClipLabelSet *set);

/* Width of the embeddings (E of the model it was made for). */
int clip_label_set_embed_dim (const ClipLabelSet *set);
/* The prompt templates the embeddings were built with. */
int clip_label_set_n_templates (const ClipLabelSet *set);
const char *clip_label_set_template (const ClipLabelSet *set, int index);
/* clip_model_fingerprint() and precision of the model it was made with. */
const char *clip_label_set_fingerprint (const ClipLabelSet *set);
ClipPrecision clip_label_set_precision (const ClipLabelSet *set);

/* Scores a normalised image embedding: @logits (may be NULL) receives
 * exp(logit_scale) * cos per label, @probs their softmax. */
void clip_label_set_score (const ClipLabelSet *set, const float *image_embed,
    float *logits, float *probs);

/* ------------------------------------------------------ label-set files */

/* A label-set file is a safetensors file with one F32 tensor "embeddings"
 * [N, E] (unit rows) and in its "__metadata__": "format"
 * ("clipclassify-label-set"), "format_version" ("1"), "labels" and
 * "templates" (JSON arrays of strings), "precision", "embed_dim" and
 * "model_fingerprint" (docs/label-sets.md). */

/* A fingerprint of what text embeddings depend on in @model: the names,
 * dtypes and shapes of every tensor outside the vision tower, and a sample
 * of their bytes (all of a tensor up to 64 KiB, else 64 evenly spaced
 * 1 KiB pieces), hashed with SHA-256. 64 hex digits; g_free() it. */
char *clip_model_fingerprint (const ClipModel *model);

/* Writes @set to @path atomically (a temporary file renamed over it). */
gboolean clip_label_set_save (const ClipLabelSet *set, const char *path,
    GError **error);

/* Reads a label-set file made for @model. Every field is checked: a file of
 * another model (fingerprint), width or precision, or a malformed,
 * truncated or non-unit file fails with an error naming @path. */
ClipLabelSet *clip_label_set_load (const ClipModel *model, const char *path,
    GError **error);

/* The label set of @labels with @params, from the cache folder @cache_dir
 * (created if needed) when an entry made for the same model fingerprint,
 * precision, labels and templates is there and valid; else built with @ws
 * and stored there (atomically). A damaged entry is rebuilt and replaced;
 * a cache that cannot be written only costs the saving. @cache_dir NULL:
 * clip_label_set_new(). *@from_cache (may be NULL) tells which happened. */
ClipLabelSet *clip_label_set_new_cached (ClipModel *model, ClipWorkspace *ws,
    const char *const *labels, int n_labels,
    const ClipLabelSetParams *params, const char *cache_dir,
    gboolean *from_cache, GError **error);

G_END_DECLS

#endif /* CLIP_H */
