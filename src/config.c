/* config.c: the few model settings that tensor shapes cannot tell
 * (activation, heads, LayerNorm epsilon, normalisation constants), read from
 * Hugging Face or OpenCLIP configuration files. */
#include "model_internal.h"

#include "json.h"

#include <math.h>
#include <string.h>

static const float clip_mean[3] = { 0.48145466f, 0.4578275f, 0.40821073f };
static const float clip_std[3] = { 0.26862954f, 0.26130258f, 0.27577711f };

static gboolean
parse_act (const char *file, const char *section, const char *name,
    ClipAct *act, GError **error)
{
  if (g_strcmp0 (name, "quick_gelu") == 0)
    *act = CLIP_ACT_QUICK_GELU;
  else if (g_strcmp0 (name, "gelu") == 0)
    *act = CLIP_ACT_GELU;
  else if (g_strcmp0 (name, "gelu_new") == 0
      || g_strcmp0 (name, "gelu_pytorch_tanh") == 0
      || g_strcmp0 (name, "gelu_fast") == 0)
    *act = CLIP_ACT_GELU_TANH;
  else {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_CONFIG,
        "%s: %s.hidden_act \"%s\" is not supported (quick_gelu, gelu, "
        "gelu_new)", file, section, name);
    return FALSE;
  }
  return TRUE;
}

/* An optional positive integer member; 0 when absent. */
static gboolean
get_count (const char *file, const JsonValue *obj, const char *section,
    const char *key, int *out, GError **error)
{
  const JsonValue *v = json_object_get (obj, key);
  if (!v)
    return TRUE;
  double d = json_number (v, -1);
  if (json_type (v) != JSON_NUMBER || d < 1 || d > 1e6 || floor (d) != d) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_CONFIG,
        "%s: %s%s%s must be a positive integer", file, section ? section : "",
        section ? "." : "", key);
    return FALSE;
  }
  *out = (int) d;
  return TRUE;
}

static gboolean
get_eps (const char *file, const JsonValue *obj, const char *section,
    float *out, GError **error)
{
  const JsonValue *v = json_object_get (obj, "layer_norm_eps");
  if (!v)
    return TRUE;
  double d = json_number (v, -1);
  if (json_type (v) != JSON_NUMBER || !(d > 0 && d < 1)) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_CONFIG,
        "%s: %s.layer_norm_eps must be a number between 0 and 1", file,
        section);
    return FALSE;
  }
  *out = (float) d;
  return TRUE;
}

/* Reads a [3] array of positive numbers (mean or std). */
static gboolean
get_triple (const char *file, const JsonValue *obj, const char *key,
    gboolean positive, float out[3], GError **error)
{
  const JsonValue *v = json_object_get (obj, key);
  if (!v)
    return TRUE;
  if (json_type (v) != JSON_ARRAY || json_length (v) != 3)
    goto bad;
  for (int c = 0; c < 3; c++) {
    const JsonValue *e = json_array_get (v, c);
    double d = json_number (e, NAN);
    if (json_type (e) != JSON_NUMBER || !isfinite (d) || (positive && d <= 0))
      goto bad;
    out[c] = (float) d;
  }
  return TRUE;

bad:
  g_set_error (error, CLIP_ERROR, CLIP_ERROR_CONFIG,
      "%s: %s must be an array of three %snumbers", file, key,
      positive ? "positive " : "");
  return FALSE;
}

/* Parses @name in @dir if it exists; *out stays NULL when it does not. */
static gboolean
load_optional (const char *dir, const char *name, JsonValue **out,
    char **path, GError **error)
{
  *path = g_build_filename (dir, name, NULL);
  *out = NULL;
  if (!g_file_test (*path, G_FILE_TEST_EXISTS))
    return TRUE;
  *out = json_parse_file (*path, error);
  if (*out && json_type (*out) != JSON_OBJECT) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_CONFIG,
        "%s: expected a JSON object", *path);
    json_free (*out);
    *out = NULL;
  }
  return *out != NULL;
}

static gboolean
load_hf_tower (const char *file, const JsonValue *root, const char *section,
    int *layers, int *heads, ClipAct *act, float *eps, GError **error)
{
  const JsonValue *s = json_object_get (root, section);
  if (!s)
    return TRUE;
  if (json_type (s) != JSON_OBJECT) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_CONFIG,
        "%s: %s must be an object", file, section);
    return FALSE;
  }
  const JsonValue *act_v = json_object_get (s, "hidden_act");
  if (act_v && !parse_act (file, section, json_string (act_v), act, error))
    return FALSE;
  return get_count (file, s, section, "num_hidden_layers", layers, error)
      && get_count (file, s, section, "num_attention_heads", heads, error)
      && get_eps (file, s, section, eps, error);
}

static gboolean
load_hf (const char *dir, ClipConfig *cfg, GError **error)
{
  JsonValue *root = NULL, *pre = NULL;
  char *path = NULL, *pre_path = NULL;
  gboolean ok = FALSE;

  if (!load_optional (dir, "config.json", &root, &path, error))
    goto out;
  if (root) {
    if (!load_hf_tower (path, root, "vision_config", &cfg->v_layers,
            &cfg->v_heads, &cfg->v_act, &cfg->v_eps, error)
        || !load_hf_tower (path, root, "text_config", &cfg->t_layers,
            &cfg->t_heads, &cfg->t_act, &cfg->t_eps, error))
      goto out;
    const JsonValue *vc = json_object_get (root, "vision_config");
    if (vc && !get_count (path, vc, "vision_config", "image_size",
            &cfg->image_size, error))
      goto out;
  }
  if (!load_optional (dir, "preprocessor_config.json", &pre, &pre_path, error))
    goto out;
  if (pre && (!get_triple (pre_path, pre, "image_mean", FALSE, cfg->mean,
              error)
          || !get_triple (pre_path, pre, "image_std", TRUE, cfg->std, error)))
    goto out;
  ok = TRUE;

out:
  if (root)
    json_free (root);
  if (pre)
    json_free (pre);
  g_free (path);
  g_free (pre_path);
  return ok;
}

static gboolean
load_openai (const char *dir, ClipConfig *cfg, GError **error)
{
  JsonValue *root = NULL;
  char *path = NULL;
  gboolean ok = FALSE;

  if (!load_optional (dir, "open_clip_config.json", &root, &path, error))
    goto out;
  if (root) {
    const JsonValue *m = json_object_get (root, "model_cfg");
    const JsonValue *qg = json_object_get (m, "quick_gelu");
    /* OpenCLIP's own default is nn.GELU; OpenAI's weights need QuickGELU
     * and their configs say so. */
    if (m) {
      ClipAct act = json_bool (qg, FALSE) ? CLIP_ACT_QUICK_GELU : CLIP_ACT_GELU;
      cfg->v_act = cfg->t_act = act;
    }
    const JsonValue *vc = json_object_get (m, "vision_cfg");
    const JsonValue *tc = json_object_get (m, "text_cfg");
    if (!get_count (path, vc, "vision_cfg", "layers", &cfg->v_layers, error)
        || !get_count (path, vc, "vision_cfg", "image_size",
            &cfg->image_size, error)
        || !get_count (path, vc, "vision_cfg", "head_width", &cfg->v_head_width,
            error)
        || !get_count (path, tc, "text_cfg", "layers", &cfg->t_layers, error)
        || !get_count (path, tc, "text_cfg", "heads", &cfg->t_heads, error))
      goto out;
    const JsonValue *pc = json_object_get (root, "preprocess_cfg");
    if (pc && (!get_triple (path, pc, "mean", FALSE, cfg->mean, error)
            || !get_triple (path, pc, "std", TRUE, cfg->std, error)))
      goto out;
  }
  ok = TRUE;

out:
  if (root)
    json_free (root);
  g_free (path);
  return ok;
}

gboolean
clip_config_load (const char *dir, ClipLayout layout, ClipConfig *cfg,
    GError **error)
{
  memset (cfg, 0, sizeof (*cfg));
  cfg->v_act = cfg->t_act = CLIP_ACT_QUICK_GELU;
  cfg->v_eps = cfg->t_eps = 1e-5f;
  memcpy (cfg->mean, clip_mean, sizeof (clip_mean));
  memcpy (cfg->std, clip_std, sizeof (clip_std));
  if (layout == CLIP_LAYOUT_HF)
    return load_hf (dir, cfg, error);
  return load_openai (dir, cfg, error);
}
