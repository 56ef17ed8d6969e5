/* plugin.c: registers the clipclassify, clipoverlay and clippublish
 * elements. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstclipclassify.h"
#include "gstclipclassifymeta.h"
#include "gstclipoverlay.h"
#include "gstclippublish.h"

GST_DEBUG_CATEGORY_STATIC (clip_engine_debug);

/* The engine logs through g_log() in the "clip" domain; inside GStreamer
 * those lines belong in the debug log (GST_DEBUG=clip:5), not on stderr.
 * Criticals and errors still reach GLib's default handler too, so that
 * G_DEBUG=fatal-criticals keeps working. */
static void
engine_log (const gchar * domain, GLogLevelFlags level, const gchar * message,
    gpointer user_data)
{
  GstDebugLevel gst_level;

  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    gst_level = GST_LEVEL_ERROR;
  else if (level & G_LOG_LEVEL_WARNING)
    gst_level = GST_LEVEL_WARNING;
  else if (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO))
    gst_level = GST_LEVEL_INFO;
  else
    gst_level = GST_LEVEL_DEBUG;

  GST_CAT_LEVEL_LOG (clip_engine_debug, gst_level, NULL, "%s", message);
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    g_log_default_handler (domain, level, message, user_data);
}

static gboolean
plugin_init (GstPlugin * plugin)
{
  GST_DEBUG_CATEGORY_INIT (clip_engine_debug, "clip", 0,
      "clipclassify engine (CLIP towers, tokenizer, preprocessing)");
  g_log_set_handler ("clip", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL
      | G_LOG_FLAG_RECURSION, engine_log, NULL);

  gst_clip_classify_meta_get_info ();
  return GST_ELEMENT_REGISTER (clipclassify, plugin) &&
      GST_ELEMENT_REGISTER (clipoverlay, plugin) &&
      GST_ELEMENT_REGISTER (clippublish, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, clipclassify,
    "Zero-shot video classification with CLIP",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
