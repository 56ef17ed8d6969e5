/* gstclipclassifyprops.c: the clipclassify element's properties: their
 * specs, as gst-inspect-1.0 shows them, their defaults and their setters
 * and getters, all under the object lock. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstclipclassify.h"
#include "gstclipenums.h"

#define DEFAULT_PROP_MODEL NULL
#define DEFAULT_PROP_LABELS NULL
#define DEFAULT_PROP_LABELS_FILE NULL
#define DEFAULT_PROP_PROMPT GST_CLIP_DEFAULT_PROMPT
#define DEFAULT_PROP_PROMPT_FILE NULL
#define DEFAULT_PROP_INTERVAL 1
#define DEFAULT_PROP_MAX_RATE 0.0
#define DEFAULT_PROP_TOP_K 5
#define DEFAULT_PROP_THRESHOLD 0.0
#define DEFAULT_PROP_MODE GST_CLIP_CLASSIFY_MODE_SYNC
#define DEFAULT_PROP_THREADS 0
#define DEFAULT_PROP_PRECISION CLIP_PRECISION_FP32
#define DEFAULT_PROP_BACKEND CLIP_BACKEND_AUTO
#define DEFAULT_PROP_POST_MESSAGES TRUE
#define DEFAULT_PROP_ATTACH_EMBEDDING FALSE
#define DEFAULT_PROP_TEXT_EMBEDDINGS NULL
#define DEFAULT_PROP_LABEL_CACHE TRUE
#define DEFAULT_PROP_INFERENCE_REGION GST_CLIP_CLASSIFY_REGION_FULL_FRAME
#define DEFAULT_PROP_OBJECT_CLASS NULL
#define DEFAULT_PROP_MIN_ROI_SIZE 0
#define DEFAULT_PROP_RECLASSIFY_INTERVAL 1
#define DEFAULT_PROP_SMOOTHING 0.0
#define DEFAULT_PROP_HOLD 0.0
#define DEFAULT_PROP_BATCH_SIZE 1
#define DEFAULT_PROP_BATCH_TIMEOUT 20

enum
{
  PROP_0,
  PROP_MODEL,
  PROP_LABELS,
  PROP_LABELS_FILE,
  PROP_PROMPT,
  PROP_PROMPT_FILE,
  PROP_INTERVAL,
  PROP_MAX_RATE,
  PROP_TOP_K,
  PROP_THRESHOLD,
  PROP_MODE,
  PROP_THREADS,
  PROP_PRECISION,
  PROP_BACKEND,
  PROP_POST_MESSAGES,
  PROP_ATTACH_EMBEDDING,
  PROP_FRAMES_SEEN,
  PROP_INFERENCES,
  PROP_FRAMES_SKIPPED,
  PROP_LAST_INFERENCE_MS,
  PROP_TEXT_EMBEDDINGS,
  PROP_LABEL_CACHE,
  PROP_INFERENCE_REGION,
  PROP_OBJECT_CLASS,
  PROP_MIN_ROI_SIZE,
  PROP_RECLASSIFY_INTERVAL,
  PROP_SMOOTHING,
  PROP_HOLD,
  PROP_BATCH_SIZE,
  PROP_BATCH_TIMEOUT,
};

/* $XDG_CACHE_HOME/clipclassify: where label sets are kept. */
static gchar *
gst_clip_classify_cache_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "clipclassify", NULL);
}

static void
gst_clip_classify_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstClipClassify *self = GST_CLIP_CLASSIFY (object);
  gchar **target = NULL;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_free (self->model_path);
      self->model_path = g_value_dup_string (value);
      break;
    case PROP_LABELS:
      target = &self->spec.labels;
      break;
    case PROP_LABELS_FILE:
      target = &self->spec.labels_file;
      break;
    case PROP_PROMPT:
      target = &self->spec.prompt;
      break;
    case PROP_PROMPT_FILE:
      target = &self->spec.prompt_file;
      break;
    case PROP_TEXT_EMBEDDINGS:
      target = &self->spec.text_embeddings;
      break;
    case PROP_INFERENCE_REGION:
      self->inference_region = g_value_get_enum (value);
      break;
    case PROP_OBJECT_CLASS:
      g_free (self->object_class);
      self->object_class = g_value_dup_string (value);
      break;
    case PROP_MIN_ROI_SIZE:
      self->min_roi_size = g_value_get_uint (value);
      break;
    case PROP_RECLASSIFY_INTERVAL:
      self->reclassify_interval = g_value_get_uint (value);
      break;
    case PROP_BATCH_SIZE:
      self->batch_size = g_value_get_uint (value);
      break;
    case PROP_BATCH_TIMEOUT:
      self->batch_timeout = g_value_get_uint (value);
      break;
    case PROP_SMOOTHING:
      self->smoothing = g_value_get_double (value);
      break;
    case PROP_HOLD:
      self->hold = g_value_get_double (value);
      break;
    case PROP_LABEL_CACHE:
      g_free (self->spec.cache_dir);
      self->spec.cache_dir = g_value_get_boolean (value) ?
          gst_clip_classify_cache_dir () : NULL;
      break;
    case PROP_INTERVAL:
      self->interval = g_value_get_uint (value);
      break;
    case PROP_MAX_RATE:
      self->max_rate = g_value_get_double (value);
      break;
    case PROP_TOP_K:
      self->top_k = g_value_get_uint (value);
      break;
    case PROP_THRESHOLD:
      self->threshold = g_value_get_double (value);
      break;
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    case PROP_THREADS:
      self->threads = g_value_get_uint (value);
      break;
    case PROP_PRECISION:
      self->precision = g_value_get_enum (value);
      break;
    case PROP_BACKEND:
      self->backend = g_value_get_enum (value);
      break;
    case PROP_POST_MESSAGES:
      self->post_messages = g_value_get_boolean (value);
      break;
    case PROP_ATTACH_EMBEDDING:
      self->attach_embedding = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }

  if (target) {
    g_free (*target);
    *target = g_value_dup_string (value);
    self->labels_serial++;
    /* While running, the new labels are built off the streaming thread. */
    if (self->label_store)
      gst_clip_label_store_request (self->label_store, &self->spec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_clip_classify_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstClipClassify *self = GST_CLIP_CLASSIFY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string (value, self->model_path);
      break;
    case PROP_LABELS:
      g_value_set_string (value, self->spec.labels);
      break;
    case PROP_LABELS_FILE:
      g_value_set_string (value, self->spec.labels_file);
      break;
    case PROP_PROMPT:
      g_value_set_string (value, self->spec.prompt);
      break;
    case PROP_PROMPT_FILE:
      g_value_set_string (value, self->spec.prompt_file);
      break;
    case PROP_TEXT_EMBEDDINGS:
      g_value_set_string (value, self->spec.text_embeddings);
      break;
    case PROP_INFERENCE_REGION:
      g_value_set_enum (value, self->inference_region);
      break;
    case PROP_OBJECT_CLASS:
      g_value_set_string (value, self->object_class);
      break;
    case PROP_MIN_ROI_SIZE:
      g_value_set_uint (value, self->min_roi_size);
      break;
    case PROP_RECLASSIFY_INTERVAL:
      g_value_set_uint (value, self->reclassify_interval);
      break;
    case PROP_BATCH_SIZE:
      g_value_set_uint (value, self->batch_size);
      break;
    case PROP_BATCH_TIMEOUT:
      g_value_set_uint (value, self->batch_timeout);
      break;
    case PROP_SMOOTHING:
      g_value_set_double (value, self->smoothing);
      break;
    case PROP_HOLD:
      g_value_set_double (value, self->hold);
      break;
    case PROP_LABEL_CACHE:
      g_value_set_boolean (value, self->spec.cache_dir != NULL);
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, self->interval);
      break;
    case PROP_MAX_RATE:
      g_value_set_double (value, self->max_rate);
      break;
    case PROP_TOP_K:
      g_value_set_uint (value, self->top_k);
      break;
    case PROP_THRESHOLD:
      g_value_set_double (value, self->threshold);
      break;
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_THREADS:
      g_value_set_uint (value, self->threads);
      break;
    case PROP_PRECISION:
      g_value_set_enum (value, self->precision);
      break;
    case PROP_BACKEND:
      g_value_set_enum (value, self->backend);
      break;
    case PROP_ATTACH_EMBEDDING:
      g_value_set_boolean (value, self->attach_embedding);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->post_messages);
      break;
    case PROP_FRAMES_SEEN:
      g_value_set_uint64 (value, self->frames_seen);
      break;
    case PROP_INFERENCES:
      g_value_set_uint64 (value, self->inferences);
      break;
    case PROP_FRAMES_SKIPPED:
      g_value_set_uint64 (value, self->frames_skipped);
      break;
    case PROP_LAST_INFERENCE_MS:
      g_value_set_double (value, self->last_inference_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

#define PLAYING_FLAGS (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_PLAYING)
#define READY_FLAGS (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_READY)
#define COUNTER_FLAGS (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)

void
gst_clip_classify_install_properties (GObjectClass * gobject_class)
{
  gobject_class->set_property = gst_clip_classify_set_property;
  gobject_class->get_property = gst_clip_classify_get_property;

  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "CLIP checkpoint: a Hugging Face or OpenCLIP directory or a "
          ".safetensors file. Unset: $CLIPCLASSIFY_MODEL, else the "
          "installed demo model (" CLIP_DEFAULT_MODEL_DIR "). Read at start",
          DEFAULT_PROP_MODEL, READY_FLAGS));
  g_object_class_install_property (gobject_class, PROP_LABELS,
      g_param_spec_string ("labels", "Labels",
          "Comma-separated labels (whitespace around each trimmed, \\, for a "
          "literal comma); with labels-file, both are used. Changing it while "
          "playing rebuilds the text embeddings in the background",
          DEFAULT_PROP_LABELS, PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_LABELS_FILE,
      g_param_spec_string ("labels-file", "Labels file",
          "File with one label per line (blank lines and lines starting with "
          "# ignored), added after the labels property",
          DEFAULT_PROP_LABELS_FILE, PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_PROMPT,
      g_param_spec_string ("prompt", "Prompt",
          "Text template; {} is replaced by each label (\"{}\": the label "
          "verbatim). Ignored when prompt-file is set",
          DEFAULT_PROP_PROMPT, PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_PROMPT_FILE,
      g_param_spec_string ("prompt-file", "Prompt file",
          "File of templates, one per line, ensembled (text embeddings "
          "averaged per label); overrides prompt",
          DEFAULT_PROP_PROMPT_FILE, PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_TEXT_EMBEDDINGS,
      g_param_spec_string ("text-embeddings", "Text embeddings",
          "Label-set file (clip-embed --label-set-out): its labels and "
          "precomputed text embeddings are used instead of labels, "
          "labels-file, prompt and prompt-file, without running the text "
          "tower. A file made for another model, width or precision is an "
          "error", DEFAULT_PROP_TEXT_EMBEDDINGS, PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_LABEL_CACHE,
      g_param_spec_boolean ("label-cache", "Label cache",
          "Keep the label sets built from labels/prompts in "
          "$XDG_CACHE_HOME/clipclassify/ (keyed by model fingerprint, "
          "precision, labels and templates) so that the next start with the "
          "same settings skips the text tower; damaged entries are rebuilt",
          DEFAULT_PROP_LABEL_CACHE, READY_FLAGS));
  g_object_class_install_property (gobject_class, PROP_INFERENCE_REGION,
      g_param_spec_enum ("inference-region", "Inference region",
          "full-frame: classify the frame; roi-list: classify each "
          "GstVideoRegionOfInterestMeta of the frame (from a detector "
          "upstream) instead, cropped from the original frame; frames "
          "without regions get no result. roi-list needs mode=sync",
          GST_TYPE_CLIP_CLASSIFY_REGION, DEFAULT_PROP_INFERENCE_REGION,
          READY_FLAGS));
  g_object_class_install_property (gobject_class, PROP_OBJECT_CLASS,
      g_param_spec_string ("object-class", "Object class",
          "roi-list: comma-separated ROI types to classify (e.g. \"face\"); "
          "regions of other types are left alone. Unset: all",
          DEFAULT_PROP_OBJECT_CLASS, PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_MIN_ROI_SIZE,
      g_param_spec_uint ("min-roi-size", "Minimum ROI size",
          "roi-list: regions narrower or lower than this many pixels are "
          "skipped", 0, G_MAXINT, DEFAULT_PROP_MIN_ROI_SIZE, PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_RECLASSIFY_INTERVAL,
      g_param_spec_uint ("reclassify-interval", "Reclassify interval",
          "roi-list: a region whose id is unique on its frame (set by a "
          "tracker) is classified again only after this many frames; its "
          "last result is carried in between (0 and 1: every time)",
          0, G_MAXINT, DEFAULT_PROP_RECLASSIFY_INTERVAL, PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_BATCH_SIZE,
      g_param_spec_uint ("batch-size", "Batch size",
          "Frames per vision-tower pass. Above 1, the instances of a process "
          "on the same model with the same batch-size and batch-timeout "
          "share one batch: each gets its own results (not with roi-list)",
          1, 64, DEFAULT_PROP_BATCH_SIZE, READY_FLAGS));
  g_object_class_install_property (gobject_class, PROP_BATCH_TIMEOUT,
      g_param_spec_uint ("batch-timeout", "Batch timeout",
          "Milliseconds a frame waits for a full batch before a partial one "
          "runs (batch-size > 1)", 0, 10000, DEFAULT_PROP_BATCH_TIMEOUT,
          READY_FLAGS));
  g_object_class_install_property (gobject_class, PROP_SMOOTHING,
      g_param_spec_double ("smoothing", "Smoothing",
          "Report an exponential moving average of the probabilities over "
          "inferences, with this time constant in seconds of stream time "
          "(0 = off)", 0.0, 3600.0, DEFAULT_PROP_SMOOTHING, PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_HOLD,
      g_param_spec_double ("hold", "Hold",
          "A new (smoothed) top label must stay on top this many seconds of "
          "stream time before a \"clipclassify-change\" message announces "
          "it (0 = at once)", 0.0, 3600.0, DEFAULT_PROP_HOLD, PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint ("interval", "Interval",
          "Infer frames 0, N, 2N, ... counted from the first frame after "
          "start or a flush", 1, G_MAXINT, DEFAULT_PROP_INTERVAL,
          PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_MAX_RATE,
      g_param_spec_double ("max-rate", "Maximum rate",
          "At most this many inferences per second of stream time: of the "
          "frames interval selects, only the first in each 1/max-rate s slot "
          "(0 = no limit)", 0.0, 1000.0, DEFAULT_PROP_MAX_RATE,
          PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_TOP_K,
      g_param_spec_uint ("top-k", "Top K",
          "Number of most probable labels reported (0 = all)",
          0, G_MAXINT, DEFAULT_PROP_TOP_K, PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_THRESHOLD,
      g_param_spec_double ("threshold", "Threshold",
          "A top probability below this is reported as no match (meta "
          "matched=FALSE, message label=\"\")", 0.0, 1.0,
          DEFAULT_PROP_THRESHOLD, PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "sync: an inferred frame waits for its result; async: frames never "
          "wait and carry the newest finished result",
          GST_TYPE_CLIP_CLASSIFY_MODE, DEFAULT_PROP_MODE, READY_FLAGS));
  g_object_class_install_property (gobject_class, PROP_THREADS,
      g_param_spec_uint ("threads", "Threads",
          "Threads per inference, this element's own (0 = one for small "
          "models, all cores otherwise, halved while other work crowds the "
          "cores; more than the cores is clamped). Instances sharing "
          "batches (batch-size > 1) run them with the threads of the first "
          "to start. Processes sharing the cores with counts set by hand "
          "run far slower unless these add up to no more than the cores",
          0,
          1024, DEFAULT_PROP_THREADS, READY_FLAGS));
  g_object_class_install_property (gobject_class, PROP_PRECISION,
      g_param_spec_enum ("precision", "Precision",
          "Weights and matrix products: fp32 is the reference; bf16 halves "
          "the weight memory and runs about twice as fast with AMX or AMD's "
          "AVX512_BF16 (about as fast as fp32 on Intel's without AMX, "
          "both on fp32 FMAs); int8 quarters it and is fastest with VNNI. "
          "Each keeps a measured cosine to the float64 reference (see the "
          "values). bf16 and int8 need backend native",
          GST_TYPE_CLIP_PRECISION, DEFAULT_PROP_PRECISION, READY_FLAGS));
  g_object_class_install_property (gobject_class, PROP_BACKEND,
      g_param_spec_enum ("backend", "Backend",
          "Where the matrix products run: native (oneDNN) or openblas",
          GST_TYPE_CLIP_BACKEND, DEFAULT_PROP_BACKEND, READY_FLAGS));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post a \"clipclassify\" element message per inference",
          DEFAULT_PROP_POST_MESSAGES, PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_ATTACH_EMBEDDING,
      g_param_spec_boolean ("attach-embedding", "Attach embedding",
          "Keep the frame's L2-normalised image embedding in the "
          "classification meta (gst_clip_classify_meta_get_embedding), for "
          "search indexes and labels chosen later, at no extra inference "
          "(full-frame mode; E floats per inference, shared by the frames "
          "that carry the result)",
          DEFAULT_PROP_ATTACH_EMBEDDING, PLAYING_FLAGS));
  g_object_class_install_property (gobject_class, PROP_FRAMES_SEEN,
      g_param_spec_uint64 ("frames-seen", "Frames seen",
          "Frames received since start", 0, G_MAXUINT64, 0, COUNTER_FLAGS));
  g_object_class_install_property (gobject_class, PROP_INFERENCES,
      g_param_spec_uint64 ("inferences", "Inferences",
          "Inferences run since start", 0, G_MAXUINT64, 0, COUNTER_FLAGS));
  g_object_class_install_property (gobject_class, PROP_FRAMES_SKIPPED,
      g_param_spec_uint64 ("frames-skipped", "Frames skipped",
          "Sampled frames not inferred because the worker was busy (async: "
          "replaced by a newer sampled frame)", 0, G_MAXUINT64, 0,
          COUNTER_FLAGS));
  g_object_class_install_property (gobject_class, PROP_LAST_INFERENCE_MS,
      g_param_spec_double ("last-inference-ms", "Last inference time",
          "Wall-clock time of the last inference in milliseconds "
          "(preprocessing, vision tower, scoring)", 0.0, G_MAXDOUBLE, 0.0,
          COUNTER_FLAGS));
}

void
gst_clip_classify_init_properties (GstClipClassify * self)
{
  self->spec.prompt = g_strdup (DEFAULT_PROP_PROMPT);
  self->spec.cache_dir = DEFAULT_PROP_LABEL_CACHE ?
      gst_clip_classify_cache_dir () : NULL;
  self->interval = DEFAULT_PROP_INTERVAL;
  self->max_rate = DEFAULT_PROP_MAX_RATE;
  self->top_k = DEFAULT_PROP_TOP_K;
  self->threshold = DEFAULT_PROP_THRESHOLD;
  self->mode = DEFAULT_PROP_MODE;
  self->threads = DEFAULT_PROP_THREADS;
  self->precision = DEFAULT_PROP_PRECISION;
  self->backend = DEFAULT_PROP_BACKEND;
  self->post_messages = DEFAULT_PROP_POST_MESSAGES;
  self->attach_embedding = DEFAULT_PROP_ATTACH_EMBEDDING;
  self->inference_region = DEFAULT_PROP_INFERENCE_REGION;
  self->min_roi_size = DEFAULT_PROP_MIN_ROI_SIZE;
  self->reclassify_interval = DEFAULT_PROP_RECLASSIFY_INTERVAL;
  self->smoothing = DEFAULT_PROP_SMOOTHING;
  self->batch_size = DEFAULT_PROP_BATCH_SIZE;
  self->batch_timeout = DEFAULT_PROP_BATCH_TIMEOUT;
  self->hold = DEFAULT_PROP_HOLD;
}
