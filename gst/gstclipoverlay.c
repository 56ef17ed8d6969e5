/* gstclipoverlay.c: draws clipclassify's results on the video.
 *
 * SECTION:element-clipoverlay
 *
 * Placed after clipclassify, clipoverlay draws each frame's
 * #GstClipClassifyMeta into the frame: the top labels in a translucent
 * panel in a corner, each with its probability as a number and as a bar
 * (green, grey with "no match" above when the top label is under the
 * classifier's threshold); with `inference-region=roi-list`, each
 * classified region outlined, with its top label on a tag. Frames without
 * the meta pass untouched. A result shared by many frames is drawn once
 * and blended into each of them, in whatever raw format the video has.
 *
 * Example launch line:
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! \
 *     clipclassify labels="person,car,an empty street" mode=async ! \
 *     clipoverlay ! videoconvert ! autovideosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstclipoverlay.h"

#include <pango/pangocairo.h>

#include "gstclipclassifymeta.h"

GST_DEBUG_CATEGORY_STATIC (gst_clip_overlay_debug);
#define GST_CAT_DEFAULT gst_clip_overlay_debug

#define DEFAULT_PROP_SILENT FALSE
#define DEFAULT_PROP_POSITION GST_CLIP_OVERLAY_POSITION_TOP_LEFT
#define DEFAULT_PROP_MAX_LABELS 3
#define DEFAULT_PROP_FONT_SIZE 0
#define MAX_FONT_SIZE 1000
/* font-size 0: a thirtieth of the frame height, at least this. */
#define MIN_AUTO_FONT_SIZE 10

enum
{
  PROP_0,
  PROP_SILENT,
  PROP_POSITION,
  PROP_MAX_LABELS,
  PROP_FONT_SIZE,
};

#define CAPS_STR GST_VIDEO_CAPS_MAKE (GST_VIDEO_OVERLAY_COMPOSITION_BLEND_FORMATS)

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (CAPS_STR));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (CAPS_STR));

G_DEFINE_TYPE (GstClipOverlay, gst_clip_overlay, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (clipoverlay, "clipoverlay", GST_RANK_NONE,
    GST_TYPE_CLIP_OVERLAY);

GType
gst_clip_overlay_position_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_CLIP_OVERLAY_POSITION_TOP_LEFT, "Top left corner", "top-left"},
    {GST_CLIP_OVERLAY_POSITION_TOP_RIGHT, "Top right corner", "top-right"},
    {GST_CLIP_OVERLAY_POSITION_BOTTOM_LEFT, "Bottom left corner",
        "bottom-left"},
    {GST_CLIP_OVERLAY_POSITION_BOTTOM_RIGHT, "Bottom right corner",
        "bottom-right"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstClipOverlayPosition", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static void
gst_clip_overlay_forget (GstClipOverlay * self)
{
  g_clear_pointer (&self->scene, gst_clip_overlay_scene_free);
  g_clear_pointer (&self->composition, gst_video_overlay_composition_unref);
}

/* ------------------------------------------------------------ vfuncs */

static gboolean
gst_clip_overlay_start (GstBaseTransform * trans)
{
  GstClipOverlay *self = GST_CLIP_OVERLAY (trans);

  /* A font map of our own: Pango's default one belongs to a thread. */
  self->font_map = pango_cairo_font_map_new ();
  self->context = pango_font_map_create_context (self->font_map);
  return TRUE;
}

static gboolean
gst_clip_overlay_stop (GstBaseTransform * trans)
{
  GstClipOverlay *self = GST_CLIP_OVERLAY (trans);

  gst_clip_overlay_forget (self);
  g_clear_object (&self->context);
  g_clear_object (&self->font_map);
  return TRUE;
}

static gboolean
gst_clip_overlay_set_info (GstVideoFilter * filter, GstCaps * incaps,
    GstVideoInfo * in_info, GstCaps * outcaps, GstVideoInfo * out_info)
{
  GstClipOverlay *self = GST_CLIP_OVERLAY (filter);

  GST_DEBUG_OBJECT (self, "video %dx%d %s", GST_VIDEO_INFO_WIDTH (in_info),
      GST_VIDEO_INFO_HEIGHT (in_info),
      GST_VIDEO_INFO_NAME (in_info));
  gst_clip_overlay_forget (self);
  self->blend_failed = FALSE;
  return TRUE;
}

static GstFlowReturn
gst_clip_overlay_transform_frame_ip (GstVideoFilter * filter,
    GstVideoFrame * frame)
{
  GstClipOverlay *self = GST_CLIP_OVERLAY (filter);
  GstClipClassifyMeta *meta = gst_buffer_get_clip_classify_meta (frame->buffer);
  GstClipOverlayStyle style;
  GstClipOverlayScene *scene;
  gboolean silent;
  guint font_size;

  GST_OBJECT_LOCK (self);
  silent = self->silent;
  style.position = self->position;
  style.max_labels = self->max_labels;
  font_size = self->font_size;
  GST_OBJECT_UNLOCK (self);

  if (silent || !meta)
    return GST_FLOW_OK;

  style.frame_width = GST_VIDEO_FRAME_WIDTH (frame);
  style.frame_height = GST_VIDEO_FRAME_HEIGHT (frame);
  style.par_n = GST_VIDEO_INFO_PAR_N (&frame->info);
  style.par_d = GST_VIDEO_INFO_PAR_D (&frame->info);
  style.font_px = font_size ? font_size :
      (guint) MAX (MIN_AUTO_FONT_SIZE, style.frame_height / 30);

  scene = gst_clip_overlay_scene_new (meta, frame->buffer, &style);
  if (gst_clip_overlay_scene_equal (scene, self->scene)) {
    gst_clip_overlay_scene_free (scene);
  } else {
    GST_LOG_OBJECT (self, "drawing a new result");
    gst_clip_overlay_forget (self);
    self->scene = scene;
    self->composition = gst_clip_overlay_scene_render (scene, &style,
        self->context);
  }

  if (self->composition &&
      !gst_video_overlay_composition_blend (self->composition, frame) &&
      !self->blend_failed) {
    self->blend_failed = TRUE;
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("Cannot draw on %s video: put videoconvert before clipoverlay",
            GST_VIDEO_INFO_NAME (&frame->info)),
        ("gst_video_overlay_composition_blend() failed"));
  }
  return GST_FLOW_OK;
}

/* ------------------------------------------------------- class, init */

static void
gst_clip_overlay_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstClipOverlay *self = GST_CLIP_OVERLAY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SILENT:
      self->silent = g_value_get_boolean (value);
      break;
    case PROP_POSITION:
      self->position = g_value_get_enum (value);
      break;
    case PROP_MAX_LABELS:
      self->max_labels = g_value_get_uint (value);
      break;
    case PROP_FONT_SIZE:
      self->font_size = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_clip_overlay_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstClipOverlay *self = GST_CLIP_OVERLAY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SILENT:
      g_value_set_boolean (value, self->silent);
      break;
    case PROP_POSITION:
      g_value_set_enum (value, self->position);
      break;
    case PROP_MAX_LABELS:
      g_value_set_uint (value, self->max_labels);
      break;
    case PROP_FONT_SIZE:
      g_value_set_uint (value, self->font_size);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_clip_overlay_finalize (GObject * object)
{
  /* What stop() frees, should the element die without stopping. */
  gst_clip_overlay_stop (GST_BASE_TRANSFORM (object));
  G_OBJECT_CLASS (gst_clip_overlay_parent_class)->finalize (object);
}

static void
gst_clip_overlay_class_init (GstClipOverlayClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;

  GST_DEBUG_CATEGORY_INIT (gst_clip_overlay_debug, "clipoverlay", 0,
      "clipclassify results drawn on the video");

  gobject_class->set_property = gst_clip_overlay_set_property;
  gobject_class->get_property = gst_clip_overlay_get_property;
  gobject_class->finalize = gst_clip_overlay_finalize;

  g_object_class_install_property (gobject_class, PROP_SILENT,
      g_param_spec_boolean ("silent", "Silent",
          "Draw nothing: pass every frame untouched", DEFAULT_PROP_SILENT,
          rw));
  g_object_class_install_property (gobject_class, PROP_POSITION,
      g_param_spec_enum ("position", "Position",
          "Corner of the frame for the panel of a frame result (regions "
          "are drawn where they are)", GST_TYPE_CLIP_OVERLAY_POSITION,
          DEFAULT_PROP_POSITION, rw));
  g_object_class_install_property (gobject_class, PROP_MAX_LABELS,
      g_param_spec_uint ("max-labels", "Maximum labels",
          "Labels drawn for a frame result, most probable first: at most "
          "the classifier's top-k; 0 = all it reports (regions show their "
          "top label)", 0, 1000, DEFAULT_PROP_MAX_LABELS, rw));
  g_object_class_install_property (gobject_class, PROP_FONT_SIZE,
      g_param_spec_uint ("font-size", "Font size",
          "Height of the text in pixels; 0 = a thirtieth of the frame "
          "height, at least 10", 0, MAX_FONT_SIZE, DEFAULT_PROP_FONT_SIZE,
          rw));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "CLIP classification overlay", "Filter/Effect/Video",
      "Draws clipclassify's labels and probabilities on the video",
      "clipclassify developers");
  gst_type_mark_as_plugin_api (GST_TYPE_CLIP_OVERLAY_POSITION, 0);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_clip_overlay_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_clip_overlay_stop);
  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_clip_overlay_set_info);
  filter_class->transform_frame_ip =
      GST_DEBUG_FUNCPTR (gst_clip_overlay_transform_frame_ip);
}

static void
gst_clip_overlay_init (GstClipOverlay * self)
{
  self->silent = DEFAULT_PROP_SILENT;
  self->position = DEFAULT_PROP_POSITION;
  self->max_labels = DEFAULT_PROP_MAX_LABELS;
  self->font_size = DEFAULT_PROP_FONT_SIZE;
}
