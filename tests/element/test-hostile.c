/* test-hostile.c: settings that once hung the element. Model, labels and
 * prompt files that are not regular files (a FIFO nobody writes to,
 * /dev/zero, a directory) give an ERROR message naming the path and what it
 * is, and start() never blocks on them; threads=1024 (the property's
 * maximum) runs. A watchdog turns a hang into a failure naming the case. */
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "config.h"
#include "element-common.h"

#define WATCHDOG_S 30

static const char *current_case;

static void
watchdog (int sig)
{
  static const char msg[] = "HANG: no answer within the watchdog for case ";

  /* Only async-signal-safe calls here. */
  if (write (2, msg, sizeof msg - 1) < 0 ||
      write (2, current_case, strlen (current_case)) < 0 ||
      write (2, "\n", 1) < 0)
    _exit (3);
  _exit (2);
}

/* Starts a pipeline with @props that must fail: returns the error text. */
static char *
start_error (const char *name, const char *props)
{
  char *launch = g_strdup_printf ("videotestsrc num-buffers=5 ! "
      "video/x-raw,width=64,height=48 ! clipclassify %s ! fakesink", props);
  GstElement *pipeline = gst_parse_launch (launch, NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  GError *err = NULL;
  char *text;

  current_case = name;
  alarm (WATCHDOG_S);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, ELEMENT_TEST_WAIT,
      GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  g_assert_nonnull (msg);
  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ERROR)
    g_error ("%s: expected an error, got EOS", name);
  gst_message_parse_error (msg, &err, NULL);
  text = g_strdup (err->message);
  g_print ("%-22s -> %s\n", name, text);

  g_error_free (err);
  gst_message_unref (msg);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_NULL), ==,
      GST_STATE_CHANGE_SUCCESS);
  alarm (0);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_free (launch);
  return text;
}

static void
expect_error (const char *name, const char *props, const char *part1,
    const char *part2)
{
  char *text = start_error (name, props);

  if (!strstr (text, part1) || (part2 && !strstr (text, part2)))
    g_error ("%s: \"%s\" does not mention \"%s\"%s%s", name, text, part1,
        part2 ? " and " : "", part2 ? part2 : "");
  g_free (text);
}

/* A copy of the test model in @dir made of symbolic links, except @fifo_name
 * which is a FIFO. */
static char *
model_with_fifo (const char *tmp, const char *fifo_name)
{
  static const char *files[] = { "config.json", "merges.txt",
    "model.safetensors", "preprocessor_config.json", "vocab.json", NULL
  };
  char *dir = g_build_filename (tmp, fifo_name, NULL);
  guint i;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  for (i = 0; files[i]; i++) {
    char *to = g_build_filename (dir, files[i], NULL);

    if (!strcmp (files[i], fifo_name)) {
      g_assert_cmpint (mkfifo (to, 0600), ==, 0);
    } else {
      char *from = g_build_filename (element_test_model (), files[i], NULL);
      g_assert_cmpint (symlink (from, to), ==, 0);
      g_free (from);
    }
    g_free (to);
  }
  return dir;
}

static void
test_special_files (void)
{
  char *tmp = g_dir_make_tmp ("clipclassify-test-XXXXXX", NULL);
  char *fifo = g_build_filename (tmp, "fifo", NULL);
  const char *model = element_test_model ();
  const char *names[] = { "model.safetensors", "vocab.json", "merges.txt",
    "config.json", NULL
  };
  char *props, *cmd;
  guint i;

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);

  props = g_strdup_printf ("model=\"%s\" labels=a,b", fifo);
  expect_error ("model=FIFO", props, fifo, "FIFO");
  g_free (props);

  for (i = 0; names[i]; i++) {
    char *dir = model_with_fifo (tmp, names[i]);
    char *name = g_strdup_printf ("model dir, %s FIFO", names[i]);

    props = g_strdup_printf ("model=\"%s\" labels=a,b", dir);
    expect_error (name, props, names[i], "FIFO");
    g_free (props);
    g_free (name);
    g_free (dir);
  }

  props = g_strdup_printf ("model=\"%s\" labels-file=\"%s\"", model, fifo);
  expect_error ("labels-file=FIFO", props, fifo, "FIFO");
  g_free (props);

  props = g_strdup_printf ("model=\"%s\" labels-file=/dev/zero", model);
  expect_error ("labels-file=/dev/zero", props, "/dev/zero",
      "character device");
  g_free (props);

  props = g_strdup_printf ("model=\"%s\" labels-file=\"%s\"", model, tmp);
  expect_error ("labels-file=directory", props, tmp, "directory");
  g_free (props);

  {
    char *binary = g_build_filename (tmp, "binary.txt", NULL);

    /* A NUL byte first: read as a C string, the file looked empty. */
    g_assert_true (g_file_set_contents (binary, "\0cat\ndog\n", 9, NULL));
    props = g_strdup_printf ("model=\"%s\" labels-file=\"%s\"", model,
        binary);
    expect_error ("labels-file=binary", props, binary, "NUL");
    g_free (props);
    g_free (binary);
  }

  props = g_strdup_printf ("model=\"%s\" labels=a,b prompt-file=\"%s\"",
      model, fifo);
  expect_error ("prompt-file=FIFO", props, fifo, "FIFO");
  g_free (props);

  props = g_strdup_printf ("model=\"%s\" labels=a,b prompt-file=/dev/zero",
      model);
  expect_error ("prompt-file=/dev/zero", props, "/dev/zero", NULL);
  g_free (props);

  cmd = g_strdup_printf ("rm -rf '%s'", tmp);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (cmd);
  g_free (fifo);
  g_free (tmp);
}

/* threads=1024 is the property's documented maximum; the element clamps it
 * to what the machine can use, with a warning, and runs. (It hung: OpenBLAS
 * here is built for at most 64 threads; the golden tiny model's matrices
 * are too small for it to start threads, the slow model's are not.) */
static void
test_threads_maximum (void)
{
  guint mode;

  for (mode = 0; mode < 2; mode++) {
    char *launch = g_strdup_printf ("videotestsrc num-buffers=4 ! "
        "video/x-raw,width=64,height=48 ! clipclassify name=c model=\"%s\" "
        "labels=a,b threads=1024 mode=%s ! fakesink",
        element_test_slow_model (), mode ? "async" : "sync");
    GstElement *pipeline = gst_parse_launch (launch, NULL);
    GstElement *c = gst_bin_get_by_name (GST_BIN (pipeline), "c");
    GstBus *bus = gst_element_get_bus (pipeline);
    GstMessage *msg;
    gboolean warned = FALSE;
    guint64 inferences = 0;

    current_case = mode ? "threads=1024 mode=async" : "threads=1024 mode=sync";
    alarm (WATCHDOG_S);
    gst_element_set_state (pipeline, GST_STATE_PLAYING);
    while ((msg = gst_bus_timed_pop_filtered (bus, ELEMENT_TEST_WAIT,
                GST_MESSAGE_ERROR | GST_MESSAGE_EOS | GST_MESSAGE_WARNING))) {
      GstMessageType type = GST_MESSAGE_TYPE (msg);

      if (type == GST_MESSAGE_ERROR)
        g_error ("%s: unexpected %" GST_PTR_FORMAT, current_case, msg);
      if (type == GST_MESSAGE_WARNING) {
        GError *err = NULL;

        gst_message_parse_warning (msg, &err, NULL);
        g_print ("%s -> warning: %s\n", current_case, err->message);
        warned = warned || strstr (err->message, "threads") != NULL;
        g_error_free (err);
      }
      gst_message_unref (msg);
      if (type == GST_MESSAGE_EOS)
        break;
    }
    g_assert_nonnull (msg);     /* EOS, not the timeout */
    g_object_get (c, "inferences", &inferences, NULL);
    g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_NULL), ==,
        GST_STATE_CHANGE_SUCCESS);
    alarm (0);
    g_assert_true (warned);
    g_assert_cmpuint (inferences, >=, 1);
    gst_object_unref (bus);
    gst_object_unref (c);
    gst_object_unref (pipeline);
    g_free (launch);
  }
}

/* Labels changed every 10 ms while PLAYING in async mode, the last change
 * 100,000 labels (a text-tower pass each: minutes), then NULL at once: the
 * rebuild in progress stops after its text batch, so NULL is prompt. (It
 * waited for the whole rebuild, more than 15 s.) */
static void
test_stop_during_label_rebuild (void)
{
  char *launch = g_strdup_printf ("videotestsrc is-live=true ! "
      "video/x-raw,format=I420,width=160,height=120,framerate=30/1 ! "
      "clipclassify name=c model=\"%s\" labels=a,b mode=async ! "
      "fakesink sync=false", element_test_model ());
  GstElement *pipeline = gst_parse_launch (launch, NULL);
  GstElement *c = gst_bin_get_by_name (GST_BIN (pipeline), "c");
  GString *many = g_string_new (NULL);
  gint64 t0;
  double stop_s;
  guint i;

  for (i = 0; i < 100000; i++)
    g_string_append_printf (many, "%sthing number %u", i ? "," : "", i);

  current_case = "NULL during a rebuild of 100,000 labels";
  alarm (WATCHDOG_S);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
      GST_STATE_CHANGE_FAILURE);
  g_assert_cmpint (gst_element_get_state (pipeline, NULL, NULL,
          ELEMENT_TEST_WAIT), ==, GST_STATE_CHANGE_SUCCESS);
  for (i = 0; i < 100; i++) {
    char *labels = g_strdup_printf ("cat %u,dog %u,car", i, i);

    g_object_set (c, "labels", labels, NULL);
    g_free (labels);
    g_usleep (10 * 1000);
  }
  g_object_set (c, "labels", many->str, NULL);
  g_usleep (500 * 1000);        /* the big rebuild is under way */

  t0 = g_get_monotonic_time ();
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_NULL), ==,
      GST_STATE_CHANGE_SUCCESS);
  stop_s = (g_get_monotonic_time () - t0) / 1e6;
  alarm (0);
  g_print ("NULL %.2f s after asking for 100,000 labels\n", stop_s);
  /* Not a speed target: a full rebuild takes minutes; one text batch of
   * the test model takes well under a second. */
  g_assert_cmpfloat (stop_s, <, 10.0);

  g_string_free (many, TRUE);
  gst_object_unref (c);
  gst_object_unref (pipeline);
  g_free (launch);
}

int
main (int argc, char **argv)
{
  int ret;

  element_test_init (&argc, &argv);
  signal (SIGALRM, watchdog);
  g_test_add_func ("/clipclassify/hostile/not-regular-files",
      test_special_files);
  g_test_add_func ("/clipclassify/hostile/threads-maximum",
      test_threads_maximum);
  g_test_add_func ("/clipclassify/hostile/stop-during-label-rebuild",
      test_stop_during_label_rebuild);
  ret = g_test_run ();
  element_test_cleanup ();
  return ret;
}
