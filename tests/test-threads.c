/* test-threads.c: work done once leaves no threads behind.
 *
 * The native backend's threads are OpenMP's, which live as long as the
 * thread that first asked for them; once a process holds more of them than
 * there are processors, all of them sleep between products and every pass
 * pays for waking them (src/apart.c). Loading a model and building a label
 * set must therefore leave the process with the threads it had, and so
 * must a pass run through clip_run_apart(); a pass run on the calling
 * thread keeps its threads, which is the control showing that this model's
 * passes do start threads at all.
 *
 * Also: the probe of whether a pass's two threads share a core complex
 * (src/placement.c) answers every time, and says no from inside a
 * parallel region of the caller's, where a pass has one thread. */
#include "clip.h"
#include "golden.h"
#include "placement.h"

#ifdef _OPENMP
#include <omp.h>
#endif

static char *model_dir;         /* the first golden checkpoint */

/* The threads of this process now. */
static int
count_threads (void)
{
  GDir *dir = g_dir_open ("/proc/self/task", 0, NULL);
  int n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir))
    n++;
  g_dir_close (dir);
  return n;
}

/* The thread count once it has come down to @want or 5 s have passed: a
 * thread that has been told to end may take a moment to be gone. */
static int
settled_count (int want)
{
  gint64 until = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  int n;

  while ((n = count_threads ()) > want && g_get_monotonic_time () < until)
    g_usleep (10000);
  return n;
}

typedef struct {
  ClipWorkspace *ws;
  float *pixels, *out;
} Pass;

static gboolean
run_pass (void *data)
{
  Pass *p = data;
  GError *error = NULL;
  gboolean ok = clip_vision_encode (p->ws, p->pixels, 1, p->out, TRUE,
      &error);

  g_assert_no_error (error);
  return ok;
}

/* Loads the model in @precision, and a workspace for one image on two
 * threads: FALSE when there are fewer processors. */
static gboolean
load_two_threads (ClipPrecision precision, ClipModel **model,
    ClipWorkspace **ws)
{
  ClipModelParams params = clip_model_default_params ();
  GError *error = NULL;

  params.precision = precision;
  *model = clip_model_load (model_dir, &params, &error);
  g_assert_no_error (error);
  *ws = clip_workspace_new (*model, 1, &error);
  g_assert_no_error (error);
  clip_workspace_set_threads (*ws, 2);
  return clip_workspace_get_threads (*ws) == 2;
}

/* Loads the model in @precision, builds a label set and runs a pass
 * apart, and checks that the process is left with the threads it had;
 * then, with @control, runs the same pass on this thread, which must keep
 * OpenMP's threads (else this model's passes start none, and the test
 * shows nothing). */
static void
check_leaves_none (ClipPrecision precision, gboolean control)
{
  int before = count_threads ();
  ClipModel *model;
  ClipWorkspace *ws;
  GError *error = NULL;

  if (!load_two_threads (precision, &model, &ws)) {
    g_test_skip ("fewer than two processors");
    clip_workspace_free (ws);
    clip_model_unref (model);
    return;
  }
  const char *labels[] = { "a cat", "a dog", "a rocket" };
  const char *templates[] = { "a photo of a {}.", "a drawing of a {}." };
  ClipLabelSetParams lp = clip_label_set_default_params ();
  lp.templates = templates;
  lp.n_templates = 2;
  ClipLabelSet *set = clip_label_set_new (model, ws, labels, 3, &lp, &error);
  g_assert_no_error (error);
  g_assert_nonnull (set);

  size_t size = clip_model_input_size (model);
  Pass pass = { ws, g_new0 (float, size),
    g_new (float, clip_model_embed_dim (model)) };
  for (size_t i = 0; i < size; i++)
    pass.pixels[i] = (float) (i % 17) / 17.0f - 0.5f;
  g_assert_true (clip_run_apart (run_pass, &pass));

  int after = settled_count (before);
  g_test_message ("%s: %d threads before, %d after loading, building "
      "labels and a pass apart", clip_precision_name (precision), before,
      after);
  g_assert_cmpint (after, ==, before);

  if (control) {
    g_assert_true (run_pass (&pass));
    int kept = count_threads ();
    g_test_message ("%d threads after a pass on this thread", kept);
    if (kept == before)
      g_test_skip ("this model's passes run on one thread: nothing to see");
  }
  g_free (pass.pixels);
  g_free (pass.out);
  clip_label_set_unref (set);
  clip_workspace_free (ws);
  clip_model_unref (model);
}

/* Every precision this build runs, in one process; the control last, as
 * the threads it keeps stay for the life of the process. */
static void
test_leaves_none (void)
{
  ClipPrecision all[] = {
    CLIP_PRECISION_FP32, CLIP_PRECISION_BF16, CLIP_PRECISION_INT8,
  };
  int n = clip_backend_available (CLIP_BACKEND_NATIVE) ? 3 : 1;

  for (int i = 0; i < n && !g_test_failed (); i++)
    check_leaves_none (all[i], i == n - 1);
}

/* What clip_run_apart() returns is the function's, and a thread that
 * cannot be made still gets the work done (not testable here); the work
 * runs on another thread. */
static gboolean
note_thread (void *data)
{
  *(GThread **) data = g_thread_self ();
  return FALSE;
}

static void
test_apart_returns (void)
{
  GThread *ran = NULL;

  g_assert_false (clip_run_apart (note_thread, &ran));
  g_assert_nonnull (ran);
  g_assert_true (ran != g_thread_self ());
}

static void
test_placement (void)
{
  int shared = 0;

  /* a thread that never answers would end each probe after a
   * millisecond; one that answers must not be waited for forever */
  for (int i = 0; i < 200; i++)
    shared += clip_two_threads_share_cache ();
  g_test_message ("the two threads shared a core complex in %d of 200 "
      "probes", shared);
#ifdef _OPENMP
  gboolean inside[2] = { TRUE, TRUE }, one_thread[2] = { FALSE, FALSE };
#pragma omp parallel for num_threads (2)
  for (int t = 0; t < 2; t++) {
    /* a region inside this one runs on one thread, unless nesting is on */
    one_thread[t] = omp_in_parallel ()
        && omp_get_active_level () >= omp_get_max_active_levels ();
    inside[t] = clip_two_threads_share_cache ();
  }
  for (int t = 0; t < 2; t++)
    if (one_thread[t])
      g_assert_false (inside[t]);
#else
  g_assert_false (clip_two_threads_share_cache ());
#endif
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  model_dir = golden_first_layout_dir ("hf");
  if (!model_dir)
    model_dir = golden_first_layout_dir ("openai");
  g_assert_nonnull (model_dir);

  g_test_add_func ("/threads/apart-returns", test_apart_returns);
  g_test_add_func ("/threads/leave-none", test_leaves_none);
  g_test_add_func ("/threads/placement", test_placement);
  int ret = g_test_run ();
  g_free (model_dir);
  return ret;
}
