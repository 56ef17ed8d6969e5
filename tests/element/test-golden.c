/* test-golden.c: the element's probabilities against the golden reference.
 *
 * Every golden image is pushed through clipclassify as RGB, BGRx, RGBA and
 * the Y'CbCr formats I420, NV12, YV12, NV21, YUY2, UYVY and YVYU
 * (converted by GstVideoConverter, not by the code under test). The labels
 * are a subset of the manifest texts with prompt="{}", so the reference
 * probabilities are the softmax over those columns of the
 * float64 logits_per_image computed by OpenAI's CLIP code. */
#include <math.h>
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "element-common.h"
#include "golden.h"

/* Per model, manifest texts used as labels, chosen so that the reference
 * top label differs between images and the probabilities are not all
 * saturated (the weights are random, so most texts lose everywhere). None
 * has a comma; one has surrounding whitespace, which the element trims and
 * the tokenizer would drop anyway. */
#define MAX_CHOSEN 8
typedef struct
{
  const char *name;             /* golden model folder */
  const char *texts[MAX_CHOSEN];
} GoldenModel;

static const GoldenModel models[] = {
  {"tiny-quickgelu-p32-f32", {"a photo of a cat", "person", "car",
              "  multiple   spaces\tand\nnewlines  ",
          "&amp; html &lt;escapes&gt;", "AAA", NULL}},
  {"tiny-gelu-p16-f16", {"a photo of a cat", "a photo of a dog",
          "a cup of coffee", "person", "x-ray 3d 1080p 4k", NULL}},
};

#define RGB_TOLERANCE 0.02
/* A reference whose two best labels are further apart than this has a
 * clear winner that 4:2:0 chroma subsampling must not change. */
#define CLEAR_MARGIN 0.2

typedef struct
{
  char *name;
  GdkPixbuf *pixbuf;
  double probs[MAX_CHOSEN];     /* reference, in texts order */
} GoldenImage;

typedef struct
{
  const GoldenModel *model;
  char *model_dir;
  size_t n_labels;
  char *labels[MAX_CHOSEN];     /* the texts as the element reports them */
  char *labels_prop;
  GPtrArray *images;            /* GoldenImage */
} GoldenCase;

typedef struct
{
  GoldenCase *gcase;
  GstVideoFormat format;
} FormatCase;

static int
text_column (JsonNode * texts, const char *text)
{
  size_t i;

  for (i = 0; i < golden_length (texts); i++)
    if (g_strcmp0 (jsondoc_string (golden_element (texts, i)), text) == 0)
      return (int) i;
  g_error ("manifest has no text \"%s\"", text);
  return -1;
}

static GoldenCase *
load_golden (const GoldenModel * model)
{
  JsonNode *m = golden_manifest ();
  JsonNode *texts = jsondoc_member (m, "texts");
  JsonNode *names = jsondoc_member (m, "images");
  GoldenCase *gc = g_new0 (GoldenCase, 1);
  char *rel = g_build_filename (model->name, "logits_per_image.npy", NULL);
  NpyArray *logits = golden_npy (rel);
  double *l = npy_to_f64 (logits);
  size_t n_texts = logits->shape[1], i, j;
  int cols[MAX_CHOSEN];
  GString *labels = g_string_new (NULL);

  g_free (rel);
  gc->model = model;
  rel = g_build_filename (model->name, "hf", NULL);
  gc->model_dir = golden_path (rel);
  g_free (rel);
  for (j = 0; model->texts[j]; j++) {
    cols[j] = text_column (texts, model->texts[j]);
    gc->labels[j] = g_strstrip (g_strdup (model->texts[j]));
    g_string_append_printf (labels, "%s%s", j ? "," : "", model->texts[j]);
  }
  gc->n_labels = j;
  gc->labels_prop = g_string_free (labels, FALSE);

  gc->images = g_ptr_array_new ();
  for (i = 0; i < golden_length (names); i++) {
    GoldenImage *img = g_new0 (GoldenImage, 1);
    char *path;
    GError *error = NULL;
    double max = -INFINITY, sum = 0.0;

    rel = g_build_filename ("images", jsondoc_string (golden_element (names, i)),
        NULL);
    path = golden_path (rel);
    img->name = g_strdup (jsondoc_string (golden_element (names, i)));
    img->pixbuf = gdk_pixbuf_new_from_file (path, &error);
    g_assert_no_error (error);
    g_assert_false (gdk_pixbuf_get_has_alpha (img->pixbuf));
    for (j = 0; j < gc->n_labels; j++)
      max = MAX (max, l[i * n_texts + cols[j]]);
    for (j = 0; j < gc->n_labels; j++)
      sum += img->probs[j] = exp (l[i * n_texts + cols[j]] - max);
    for (j = 0; j < gc->n_labels; j++)
      img->probs[j] /= sum;
    g_ptr_array_add (gc->images, img);
    g_free (path);
    g_free (rel);
  }
  g_free (l);
  npy_free (logits);
  return gc;
}

static void
golden_case_free (GoldenCase * gc)
{
  size_t i;

  for (i = 0; i < gc->images->len; i++) {
    GoldenImage *img = g_ptr_array_index (gc->images, i);
    g_object_unref (img->pixbuf);
    g_free (img->name);
    g_free (img);
  }
  g_ptr_array_free (gc->images, TRUE);
  for (i = 0; i < gc->n_labels; i++)
    g_free (gc->labels[i]);
  g_free (gc->labels_prop);
  g_free (gc->model_dir);
  g_free (gc);
}

static size_t
top_index (const double *p, size_t n, double *margin)
{
  size_t i, best = 0, second = n > 1 ? 1 : 0;

  for (i = 0; i < n; i++)
    if (p[i] > p[best])
      best = i;
  second = best == 0 ? 1 : 0;
  for (i = 0; i < n; i++)
    if (i != best && p[i] > p[second])
      second = i;
  *margin = p[best] - p[second];
  return best;
}

/* The probabilities of @img pushed as @format through @h (as frame @i),
 * in label order, into @got; the meta's first label into @first. */
static void
push_image (GstHarness * h, GoldenCase * gc, GoldenImage * img,
    GstVideoFormat format, guint i, double *got, const char **first)
{
  GstVideoInfo info;
  GstBuffer *in, *out;
  GstCaps *caps;
  GstClipClassifyMeta *meta;
  size_t j;

  in = element_frame_from_rgb (format,
      gdk_pixbuf_get_width (img->pixbuf), gdk_pixbuf_get_height (img->pixbuf),
      gdk_pixbuf_get_pixels (img->pixbuf),
      gdk_pixbuf_get_rowstride (img->pixbuf), &info);
  caps = gst_video_info_to_caps (&info);
  gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, 0, 1, NULL);
  gst_harness_set_src_caps (h, caps);
  GST_BUFFER_PTS (in) = i * GST_SECOND;

  out = gst_harness_push_and_pull (h, in);
  g_assert_nonnull (out);
  meta = gst_buffer_get_clip_classify_meta (out);
  g_assert_nonnull (meta);
  g_assert_true (meta->from_this_frame);
  g_assert_cmpuint (meta->n_results, ==, gc->n_labels);
  for (j = 0; j < gc->n_labels; j++) {
    got[j] = gst_clip_classify_meta_get_score (meta, gc->labels[j]);
    g_assert_cmpfloat (got[j], >=, 0.0);
  }
  for (j = 1; j < gc->n_labels; j++)
    g_assert_cmpfloat (meta->scores[j - 1], >=, meta->scores[j]);
  /* as the test's own copy, which outlives the buffer (NULL: none) */
  *first = NULL;
  for (j = 0; j < gc->n_labels; j++)
    if (g_strcmp0 (meta->labels[0], gc->labels[j]) == 0)
      *first = gc->labels[j];
  gst_buffer_unref (out);
}

/* Formats that hold the same samples as another in other places, so that
 * the element must give the other's probabilities to the bit. */
static GstVideoFormat
same_samples_as (GstVideoFormat format)
{
  switch (format) {
    case GST_VIDEO_FORMAT_YV12:
      return GST_VIDEO_FORMAT_I420;
    case GST_VIDEO_FORMAT_NV21:
      return GST_VIDEO_FORMAT_NV12;
    case GST_VIDEO_FORMAT_UYVY:
    case GST_VIDEO_FORMAT_YVYU:
      return GST_VIDEO_FORMAT_YUY2;
    default:
      return GST_VIDEO_FORMAT_UNKNOWN;
  }
}

/* Pushes every golden image as @format through one harness (the caps
 * change with each image size) and compares with the reference. */
static void
check_format (gconstpointer data)
{
  const FormatCase *fc = data;
  GoldenCase *gc = fc->gcase;
  GstVideoFormat format = fc->format, twin = same_samples_as (format);
  gboolean yuv = GST_VIDEO_FORMAT_INFO_IS_YUV (gst_video_format_get_info
      (format));
  GstHarness *h = element_harness_new (NULL, "model", gc->model_dir,
      "labels", gc->labels_prop, "prompt", "{}", "top-k", "0", NULL);
  GstHarness *th = twin == GST_VIDEO_FORMAT_UNKNOWN ? NULL :
      element_harness_new (NULL, "model", gc->model_dir, "labels",
      gc->labels_prop, "prompt", "{}", "top-k", "0", NULL);
  double worst = 0.0;
  guint i, checked_top = 0;

  for (i = 0; i < gc->images->len; i++) {
    GoldenImage *img = g_ptr_array_index (gc->images, i);
    double got[MAX_CHOSEN], twin_got[MAX_CHOSEN], margin, got_margin;
    size_t j, want, top;
    const char *name = gst_video_format_to_string (format), *first = NULL,
        *twin_first;

    push_image (h, gc, img, format, i, got, &first);
    for (j = 0; j < gc->n_labels; j++)
      worst = MAX (worst, fabs (got[j] - img->probs[j]));
    if (th) {
      push_image (th, gc, img, twin, i, twin_got, &twin_first);
      for (j = 0; j < gc->n_labels; j++)
        if (got[j] != twin_got[j])
          g_error ("%s %s: \"%s\" probability %.9f, as %s %.9f", name,
              img->name, gc->labels[j], got[j],
              gst_video_format_to_string (twin), twin_got[j]);
    }

    want = top_index (img->probs, gc->n_labels, &margin);
    top = top_index (got, gc->n_labels, &got_margin);
    g_test_message ("%s %s: top %s %.4f (reference %s %.4f, margin %.3f)",
        name, img->name, gc->labels[top], got[top], gc->labels[want],
        img->probs[want], margin);

    if (!yuv) {
      for (j = 0; j < gc->n_labels; j++)
        if (fabs (got[j] - img->probs[j]) > RGB_TOLERANCE)
          g_error ("%s %s: \"%s\" probability %.4f, reference %.4f",
              name, img->name, gc->labels[j], got[j], img->probs[j]);
    }
    /* Within the RGB tolerance a margin over twice it cannot flip. */
    if (margin > (yuv ? CLEAR_MARGIN : 2 * RGB_TOLERANCE)) {
      g_assert_cmpstr (first, ==, gc->labels[want]);
      g_assert_true (top == want);
      checked_top++;
    }
  }

  g_test_message ("%s %s: max |p - reference| = %.4f over %u images, top "
      "label checked on %u", gc->model->name,
      gst_video_format_to_string (format), worst, gc->images->len,
      checked_top);
  g_assert_cmpuint (checked_top, >=, 3);
  g_assert_cmpuint (element_get_u64 (h, "inferences"), ==, gc->images->len);
  element_harness_teardown (h);
  if (th)
    element_harness_teardown (th);
}

int
main (int argc, char **argv)
{
  static const GstVideoFormat formats[] = {
    GST_VIDEO_FORMAT_RGB, GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_RGBA,
    GST_VIDEO_FORMAT_I420, GST_VIDEO_FORMAT_NV12, GST_VIDEO_FORMAT_YV12,
    GST_VIDEO_FORMAT_NV21, GST_VIDEO_FORMAT_YUY2, GST_VIDEO_FORMAT_UYVY,
    GST_VIDEO_FORMAT_YVYU,
  };
  GoldenCase *cases[G_N_ELEMENTS (models)];
  FormatCase fcases[G_N_ELEMENTS (models)][G_N_ELEMENTS (formats)];
  guint i, f;
  int ret;

  element_test_init (&argc, &argv);

  for (i = 0; i < G_N_ELEMENTS (models); i++) {
    cases[i] = load_golden (&models[i]);
    for (f = 0; f < G_N_ELEMENTS (formats); f++) {
      char *name = g_strdup_printf ("/clipclassify/golden/%s/%s",
          models[i].name, gst_video_format_to_string (formats[f]));
      fcases[i][f].gcase = cases[i];
      fcases[i][f].format = formats[f];
      g_test_add_data_func (name, &fcases[i][f], check_format);
      g_free (name);
    }
  }
  ret = g_test_run ();

  for (i = 0; i < G_N_ELEMENTS (models); i++)
    golden_case_free (cases[i]);
  return ret;
}
