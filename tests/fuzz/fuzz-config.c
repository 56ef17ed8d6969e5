/* fuzz-config.c: libFuzzer target for the config files, through the
 * loader itself (clip_config_load_from_data, which clip_config_load feeds).
 *
 * The input is "config.json [NUL preprocessor_config.json]"; the first part
 * is also read as an OpenCLIP open_clip_config.json. Each part is copied to
 * a buffer of its exact size, so that reading past the end is caught. Every
 * input must give a config within the loader's ranges or an error naming
 * the file. */
#include "clip.h"
#include "model_internal.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A copy of @len bytes in a block of exactly that size (1 if empty). */
static char *
exact_copy (const uint8_t *p, size_t len)
{
  char *copy = g_malloc (MAX (len, 1));
  if (len > 0)
    memcpy (copy, p, len);
  return copy;
}

static void
check (gboolean ok, const ClipConfig *cfg, GError *error, const char *main,
    const char *pre)
{
  if (!ok) {
    g_assert (error != NULL && error->domain == CLIP_ERROR
        && (error->code == CLIP_ERROR_FORMAT
            || error->code == CLIP_ERROR_CONFIG));
    g_assert (g_str_has_prefix (error->message, main)
        || (pre != NULL && g_str_has_prefix (error->message, pre)));
    g_error_free (error);
    return;
  }
  g_assert (error == NULL);
  const int counts[] = { cfg->v_layers, cfg->t_layers, cfg->v_heads,
    cfg->t_heads, cfg->v_head_width, cfg->image_size };
  for (size_t i = 0; i < G_N_ELEMENTS (counts); i++)
    g_assert (counts[i] >= 0 && counts[i] <= 1000000);
  g_assert (cfg->v_eps > 0 && cfg->v_eps < 1);
  g_assert (cfg->t_eps > 0 && cfg->t_eps < 1);
  for (int c = 0; c < 3; c++)
    g_assert (isfinite (cfg->mean[c]) && cfg->std[c] > 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const uint8_t *nul = memchr (data, '\0', size);
  size_t main_len = nul ? (size_t) (nul - data) : size;
  char *main = exact_copy (data, main_len);
  char *pre = NULL;
  size_t pre_len = 0;
  if (nul != NULL) {
    pre_len = size - main_len - 1;
    pre = exact_copy (nul + 1, pre_len);
  }

  ClipConfig cfg;
  GError *error = NULL;
  gboolean ok = clip_config_load_from_data (CLIP_LAYOUT_HF, "config.json",
      main, main_len, "preprocessor_config.json", pre, pre_len, &cfg, &error);
  check (ok, &cfg, error, "config.json", "preprocessor_config.json");

  error = NULL;
  ok = clip_config_load_from_data (CLIP_LAYOUT_OPENAI,
      "open_clip_config.json", main, main_len, NULL, NULL, 0, &cfg, &error);
  check (ok, &cfg, error, "open_clip_config.json", NULL);

  g_free (main);
  g_free (pre);
  return 0;
}
