/* test-lifecycle.c: real pipelines through their states: repeated
 * NULL -> PLAYING -> NULL, errors at start that carry the engine's message,
 * the model default, and two instances sharing a model. Also run under
 * valgrind by the element-valgrind test. */
#include <string.h>

#include <glib/gstdio.h>

#include "config.h"
#include "element-common.h"

/* Runs @launch to PLAYING until @element has seen a frame, then to NULL. */
static void
cycle_once (GstElement * pipeline, GstElement * element)
{
  GstStateChangeReturn ret;

  ret = gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_assert_cmpint (ret, !=, GST_STATE_CHANGE_FAILURE);
  /* generous for valgrind on a loaded machine: start() loads the model */
  ret = gst_element_get_state (pipeline, NULL, NULL, ELEMENT_TEST_WAIT);
  g_assert_cmpint (ret, ==, GST_STATE_CHANGE_SUCCESS);
  /* a hang guard, generous for valgrind: every cycle loads the model */
  element_wait_frame_seen (element, 300);
  ret = gst_element_set_state (pipeline, GST_STATE_NULL);
  g_assert_cmpint (ret, ==, GST_STATE_CHANGE_SUCCESS);
}

static void
test_repeated_play_stop (void)
{
  const char *env = g_getenv ("CLIPCLASSIFY_TEST_CYCLES");
  guint cycles = env ? (guint) g_ascii_strtoull (env, NULL, 10) : 100;
  char *launch = g_strdup_printf ("videotestsrc is-live=true ! "
      "video/x-raw,format=I420,width=160,height=120,framerate=30/1 ! "
      "clipclassify name=c model=\"%s\" labels=\"person,car\" ! "
      "fakesink sync=false", element_test_model ());
  GstElement *pipeline = gst_parse_launch (launch, NULL);
  GstElement *element = gst_bin_get_by_name (GST_BIN (pipeline), "c");
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  guint i;

  for (i = 0; i < cycles; i++) {
    /* Alternate the modes: both set up and tear down their threads. */
    g_object_set (element, "mode", i % 2, NULL);
    cycle_once (pipeline, element);
  }
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
  if (msg)
    g_error ("unexpected %" GST_PTR_FORMAT, msg);
  g_test_message ("%u NULL -> PLAYING -> NULL cycles", cycles);

  gst_object_unref (bus);
  gst_object_unref (element);
  gst_object_unref (pipeline);
  g_free (launch);
}

/* Starts a pipeline expected to fail: returns the error message text. */
static char *
start_error (const char *element_props)
{
  char *launch = g_strdup_printf ("videotestsrc num-buffers=5 ! "
      "video/x-raw,width=64,height=48 ! clipclassify %s ! fakesink",
      element_props);
  GstElement *pipeline = gst_parse_launch (launch, NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  GError *err = NULL;
  char *text;

  g_assert_nonnull (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, ELEMENT_TEST_WAIT,
      GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  g_assert_nonnull (msg);
  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ERROR)
    g_error ("%s: expected an error, got EOS", launch);
  gst_message_parse_error (msg, &err, NULL);
  text = g_strdup (err->message);
  g_test_message ("%s\n  -> %s", element_props, text);

  g_error_free (err);
  gst_message_unref (msg);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_NULL), ==,
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_free (launch);
  return text;
}

static void
assert_contains (const char *text, const char *part)
{
  if (!strstr (text, part))
    g_error ("\"%s\" does not mention \"%s\"", text, part);
}

static void
test_start_errors (void)
{
  char *tmp = g_dir_make_tmp ("clipclassify-test-XXXXXX", NULL);
  char *bad_model = g_build_filename (tmp, "model.safetensors", NULL);
  char *missing = g_build_filename (tmp, "no-such-labels.txt", NULL);
  char *props, *text;

  text = start_error ("model=/nonexistent/clip labels=a,b");
  assert_contains (text, "/nonexistent/clip");
  g_free (text);

  g_assert_true (g_file_set_contents (bad_model, "\x10\0\0\0\0\0\0\0{garbage",
          17, NULL));
  props = g_strdup_printf ("model=\"%s\" labels=a,b", bad_model);
  text = start_error (props);
  assert_contains (text, "model.safetensors");
  g_free (text);
  g_free (props);

  props = g_strdup_printf ("model=\"%s\"", element_test_model ());
  text = start_error (props);
  assert_contains (text, "no labels");
  g_free (text);
  g_free (props);

  props = g_strdup_printf ("model=\"%s\" labels=\" , \"",
      element_test_model ());
  text = start_error (props);
  assert_contains (text, "no labels");
  g_free (text);
  g_free (props);

  props = g_strdup_printf ("model=\"%s\" labels-file=\"%s\"",
      element_test_model (), missing);
  text = start_error (props);
  assert_contains (text, "no-such-labels.txt");
  g_free (text);
  g_free (props);

  g_unlink (bad_model);
  g_rmdir (tmp);
  g_free (missing);
  g_free (bad_model);
  g_free (tmp);
}

/* With the property unset, $CLIPCLASSIFY_MODEL (set by main()) names the
 * checkpoint. */
static void
test_model_from_environment (void)
{
  GstElement *pipeline = gst_parse_launch ("videotestsrc num-buffers=3 ! "
      "video/x-raw,width=64,height=48 ! clipclassify labels=a,b ! fakesink",
      NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, ELEMENT_TEST_WAIT,
      GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  g_assert_nonnull (msg);
  g_assert_cmpint (GST_MESSAGE_TYPE (msg), ==, GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

/* Neither the property nor the variable, and no installed demo model: an
 * error that says what to set (in a gst-launch-1.0 child, whose
 * environment lacks the variable). */
static void
test_no_model (void)
{
  const char *argv[] = { "gst-launch-1.0", "videotestsrc", "num-buffers=1",
    "!", "clipclassify", "labels=a", "!", "fakesink", NULL
  };
  char **envp = g_environ_unsetenv (g_get_environ (), "CLIPCLASSIFY_MODEL");
  char *out = NULL, *err = NULL, *both;
  GError *error = NULL;
  int status;

  if (g_file_test (CLIP_DEFAULT_MODEL_DIR, G_FILE_TEST_EXISTS)) {
    g_test_skip ("a demo model is installed at " CLIP_DEFAULT_MODEL_DIR);
    g_strfreev (envp);
    return;
  }
  g_assert_true (g_spawn_sync (NULL, (char **) argv, envp,
          G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  both = g_strconcat (out, err, NULL);
  g_test_message ("%s", both);
  g_assert_nonnull (strstr (both, "No CLIP model"));
  g_assert_nonnull (strstr (both, "CLIPCLASSIFY_MODEL"));
  g_free (both);
  g_free (out);
  g_free (err);
  g_strfreev (envp);
}

/* Two instances on one checkpoint (named two ways), sync and async behind
 * a tee, both classify every frame they sample. */
static void
test_two_instances (void)
{
  char *launch = g_strdup_printf ("videotestsrc num-buffers=30 ! "
      "video/x-raw,width=160,height=120 ! tee name=t "
      "t. ! queue ! clipclassify name=a model=\"%s\" labels=a,b ! fakesink "
      "t. ! queue ! clipclassify name=b model=\"%s/\" labels=c,d,e "
      "mode=async interval=2 ! fakesink", element_test_model (),
      element_test_model ());
  GstElement *pipeline = gst_parse_launch (launch, NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  guint from_a = 0, from_b = 0;
  GstMessage *msg;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while ((msg = gst_bus_timed_pop (bus, ELEMENT_TEST_WAIT)) != NULL) {
    GstMessageType type = GST_MESSAGE_TYPE (msg);

    /* Results only: a clipclassify-change also comes with the first. */
    if (type == GST_MESSAGE_ELEMENT
        && gst_message_has_name (msg, "clipclassify")) {
      const char *src = GST_OBJECT_NAME (GST_MESSAGE_SRC (msg));
      if (!strcmp (src, "a"))
        from_a++;
      else if (!strcmp (src, "b"))
        from_b++;
    }
    if (type == GST_MESSAGE_ERROR)
      g_error ("unexpected %" GST_PTR_FORMAT, msg);
    gst_message_unref (msg);
    if (type == GST_MESSAGE_EOS)
      break;
  }
  g_assert_cmpuint (from_a, ==, 30);
  g_assert_cmpuint (from_b, >=, 1);
  g_assert_cmpuint (from_b, <=, 15);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_free (launch);
}

int
main (int argc, char **argv)
{
  /* Before any thread exists: setenv is not thread-safe. */
  g_setenv ("CLIPCLASSIFY_MODEL", element_test_model (), TRUE);
  element_test_init (&argc, &argv);

  g_test_add_func ("/clipclassify/lifecycle/repeated-play-stop",
      test_repeated_play_stop);
  g_test_add_func ("/clipclassify/lifecycle/start-errors", test_start_errors);
  g_test_add_func ("/clipclassify/lifecycle/model-from-environment",
      test_model_from_environment);
  g_test_add_func ("/clipclassify/lifecycle/no-model", test_no_model);
  g_test_add_func ("/clipclassify/lifecycle/two-instances",
      test_two_instances);
  return g_test_run ();
}
