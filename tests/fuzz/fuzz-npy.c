/* fuzz-npy.c: libFuzzer target for the .npy reader (clip-embed --pixels),
 * through npy_load itself: each input is written to a memory file and
 * loaded by its /proc/self/fd path. Every input must be rejected with an
 * error naming the file, or give an array whose element count is the
 * product of its shape; such an array, saved with npy_save and loaded
 * again, must come back with the same dtype, shape and bytes. */
#include "clip.h"
#include "npy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <glib/gstdio.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int input_fd = -1;
static char *input_path, *tmp_dir, *copy_path;

static void
cleanup (void)
{
  g_unlink (copy_path);
  g_rmdir (tmp_dir);
}

static void
setup (void)
{
  input_fd = memfd_create ("fuzz-npy", MFD_CLOEXEC);
  g_assert (input_fd >= 0);
  input_path = g_strdup_printf ("/proc/self/fd/%d", input_fd);
  tmp_dir = g_dir_make_tmp ("fuzz-npy-XXXXXX", NULL);
  g_assert (tmp_dir != NULL);
  copy_path = g_build_filename (tmp_dir, "copy.npy", NULL);
  atexit (cleanup);
}

static void
check_round_trip (const NpyArray *a)
{
  GError *error = NULL;

  /* abort () rather than g_error (), whose SIGTRAP libFuzzer does not catch
   * and so would not save the input */
  if (!npy_save (copy_path, a->dtype, a->data, a->ndim, a->shape, &error)) {
    g_printerr ("npy_save of a loaded array failed: %s\n", error->message);
    abort ();
  }
  NpyArray *b = npy_load (copy_path, &error);
  if (!b) {
    g_printerr ("a saved array did not load again: %s\n", error->message);
    abort ();
  }
  g_assert (b->dtype == a->dtype && b->ndim == a->ndim
      && b->count == a->count);
  g_assert (memcmp (b->shape, a->shape, sizeof (size_t) * a->ndim) == 0);
  g_assert (a->count == 0
      || memcmp (b->data, a->data, a->count * npy_itemsize (a->dtype)) == 0);
  npy_free (b);
  g_unlink (copy_path);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;

  if (input_fd < 0)
    setup ();
  g_assert (ftruncate (input_fd, 0) == 0);
  g_assert (size == 0 || pwrite (input_fd, data, size, 0) == (ssize_t) size);

  NpyArray *a = npy_load (input_path, &error);
  if (!a) {
    g_assert (error != NULL && error->domain == CLIP_ERROR
        && (error->code == CLIP_ERROR_FORMAT || error->code == CLIP_ERROR_IO));
    g_assert (g_str_has_prefix (error->message, input_path));
    g_error_free (error);
    return 0;
  }
  g_assert (error == NULL);
  g_assert (a->ndim >= 0 && a->ndim <= (int) G_N_ELEMENTS (a->shape));
  size_t count = 1;
  for (int d = 0; d < a->ndim; d++)
    count *= a->shape[d];
  g_assert (count == a->count);
  g_assert (a->count * npy_itemsize (a->dtype) <= size);
  g_free (npy_to_f64 (a));
  check_round_trip (a);
  npy_free (a);
  return 0;
}
