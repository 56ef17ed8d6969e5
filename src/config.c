/* config.c: the few model settings that tensor shapes cannot tell
 * (activation, heads, LayerNorm epsilon, normalisation constants), read from
 * Hugging Face or OpenCLIP configuration files. */
#include "model_internal.h"
#include "fileio.h"

#include "jsondoc.h"

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
get_count (const char *file, JsonNode *obj, const char *section,
    const char *key, int *out, GError **error)
{
  JsonNode *v = jsondoc_member (obj, key);
  if (!v)
    return TRUE;
  gint64 d;
  if (!jsondoc_integer (v, &d) || d < 1 || d > 1000000) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_CONFIG,
        "%s: %s%s%s must be a positive integer", file, section ? section : "",
        section ? "." : "", key);
    return FALSE;
  }
  *out = (int) d;
  return TRUE;
}

static gboolean
get_eps (const char *file, JsonNode *obj, const char *section,
    float *out, GError **error)
{
  JsonNode *v = jsondoc_member (obj, "layer_norm_eps");
  if (!v)
    return TRUE;
  double d;
  /* checked as the float it is used as: 1e-52 would become 0 */
  float f = jsondoc_number (v, &d) ? (float) d : 0.0f;
  if (!(f > 0 && f < 1)) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_CONFIG,
        "%s: %s.layer_norm_eps must be a number between 0 and 1", file,
        section);
    return FALSE;
  }
  *out = f;
  return TRUE;
}

/* Reads a [3] array of positive numbers (mean or std). */
static gboolean
get_triple (const char *file, JsonNode *obj, const char *key,
    gboolean positive, float out[3], GError **error)
{
  JsonNode *v = jsondoc_member (obj, key);
  if (!v)
    return TRUE;
  JsonArray *a = jsondoc_array (v);
  if (!a || json_array_get_length (a) != 3)
    goto bad;
  for (int c = 0; c < 3; c++) {
    double d;
    if (!jsondoc_number (json_array_get_element (a, c), &d))
      goto bad;
    /* checked as float, the form used: 1e300 or 1e-300 are not */
    float f = (float) d;
    if (!isfinite (f) || (positive && f <= 0))
      goto bad;
    out[c] = f;
  }
  return TRUE;

bad:
  g_set_error (error, CLIP_ERROR, CLIP_ERROR_CONFIG,
      "%s: %s must be an array of three %snumbers", file, key,
      positive ? "positive " : "");
  return FALSE;
}

/* Parses one config file held in memory (@text NULL: the file is absent,
 * *out stays NULL). */
static gboolean
parse_optional (const char *name, const char *text, size_t len,
    JsonNode **out, GError **error)
{
  *out = NULL;
  if (text == NULL)
    return TRUE;
  *out = jsondoc_parse (text, len, name, NULL, error);
  if (*out && !jsondoc_object (*out)) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_CONFIG,
        "%s: expected a JSON object", name);
    json_node_unref (*out);
    *out = NULL;
  }
  return *out != NULL;
}

static gboolean
load_hf_tower (const char *file, JsonNode *root, const char *section,
    int *layers, int *heads, ClipAct *act, float *eps, GError **error)
{
  JsonNode *s = jsondoc_member (root, section);
  if (!s)
    return TRUE;
  if (!jsondoc_object (s)) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_CONFIG,
        "%s: %s must be an object", file, section);
    return FALSE;
  }
  JsonNode *act_v = jsondoc_member (s, "hidden_act");
  if (act_v && !parse_act (file, section, jsondoc_string (act_v), act, error))
    return FALSE;
  return get_count (file, s, section, "num_hidden_layers", layers, error)
      && get_count (file, s, section, "num_attention_heads", heads, error)
      && get_eps (file, s, section, eps, error);
}

static gboolean
load_hf (const char *path, JsonNode *root, const char *pre_path,
    JsonNode *pre, ClipConfig *cfg, GError **error)
{
  if (root) {
    if (!load_hf_tower (path, root, "vision_config", &cfg->v_layers,
            &cfg->v_heads, &cfg->v_act, &cfg->v_eps, error)
        || !load_hf_tower (path, root, "text_config", &cfg->t_layers,
            &cfg->t_heads, &cfg->t_act, &cfg->t_eps, error))
      return FALSE;
    JsonNode *vc = jsondoc_member (root, "vision_config");
    if (vc && !get_count (path, vc, "vision_config", "image_size",
            &cfg->image_size, error))
      return FALSE;
  }
  return !pre || (get_triple (pre_path, pre, "image_mean", FALSE, cfg->mean,
          error)
      && get_triple (pre_path, pre, "image_std", TRUE, cfg->std, error));
}

static gboolean
load_openai (const char *path, JsonNode *root, ClipConfig *cfg,
    GError **error)
{
  if (!root)
    return TRUE;
  JsonNode *m = jsondoc_member (root, "model_cfg");
  JsonNode *qg = jsondoc_member (m, "quick_gelu");
  /* OpenCLIP's own default is nn.GELU; OpenAI's weights need QuickGELU
   * and their configs say so. */
  if (m) {
    gboolean quick = qg && JSON_NODE_HOLDS_VALUE (qg)
        && json_node_get_value_type (qg) == G_TYPE_BOOLEAN
        && json_node_get_boolean (qg);
    cfg->v_act = cfg->t_act = quick ? CLIP_ACT_QUICK_GELU : CLIP_ACT_GELU;
  }
  JsonNode *vc = jsondoc_member (m, "vision_cfg");
  JsonNode *tc = jsondoc_member (m, "text_cfg");
  if (!get_count (path, vc, "vision_cfg", "layers", &cfg->v_layers, error)
      || !get_count (path, vc, "vision_cfg", "image_size",
          &cfg->image_size, error)
      || !get_count (path, vc, "vision_cfg", "head_width", &cfg->v_head_width,
          error)
      || !get_count (path, tc, "text_cfg", "layers", &cfg->t_layers, error)
      || !get_count (path, tc, "text_cfg", "heads", &cfg->t_heads, error))
    return FALSE;
  JsonNode *pc = jsondoc_member (root, "preprocess_cfg");
  return !pc || (get_triple (path, pc, "mean", FALSE, cfg->mean, error)
      && get_triple (path, pc, "std", TRUE, cfg->std, error));
}

/* As clip_config_load(), from the files' contents; see model_internal.h. */
gboolean
clip_config_load_from_data (ClipLayout layout, const char *main_name,
    const char *main_text, size_t main_len, const char *pre_name,
    const char *pre_text, size_t pre_len, ClipConfig *cfg, GError **error)
{
  JsonNode *root = NULL, *pre = NULL;
  gboolean ok;

  memset (cfg, 0, sizeof (*cfg));
  cfg->v_act = cfg->t_act = CLIP_ACT_QUICK_GELU;
  cfg->v_eps = cfg->t_eps = 1e-5f;
  memcpy (cfg->mean, clip_mean, sizeof (clip_mean));
  memcpy (cfg->std, clip_std, sizeof (clip_std));
  if (layout == CLIP_LAYOUT_HF)
    ok = parse_optional (main_name, main_text, main_len, &root, error)
        && parse_optional (pre_name, pre_text, pre_len, &pre, error)
        && load_hf (main_name, root, pre_name, pre, cfg, error);
  else
    ok = parse_optional (main_name, main_text, main_len, &root, error)
        && load_openai (main_name, root, cfg, error);
  if (root)
    json_node_unref (root);
  if (pre)
    json_node_unref (pre);
  return ok;
}

/* Reads @name in @dir if it exists (*text stays NULL when it does not). */
static gboolean
read_optional (const char *dir, const char *name, char **path, char **text,
    gsize *len, GError **error)
{
  *path = g_build_filename (dir, name, NULL);
  *text = NULL;
  *len = 0;
  if (!g_file_test (*path, G_FILE_TEST_EXISTS))
    return TRUE;
  /* regular files only: a FIFO would block the load for good */
  return clip_file_read_io (*path, text, len, error);
}

gboolean
clip_config_load (const char *dir, ClipLayout layout, ClipConfig *cfg,
    GError **error)
{
  gboolean hf = layout == CLIP_LAYOUT_HF;
  char *path = NULL, *pre_path = NULL, *text = NULL, *pre_text = NULL;
  gsize len = 0, pre_len = 0;
  gboolean ok = read_optional (dir, hf ? "config.json"
      : "open_clip_config.json", &path, &text, &len, error)
      && (!hf || read_optional (dir, "preprocessor_config.json", &pre_path,
              &pre_text, &pre_len, error))
      && clip_config_load_from_data (layout, path, text, len, pre_path,
          pre_text, pre_len, cfg, error);
  g_free (path);
  g_free (pre_path);
  g_free (text);
  g_free (pre_text);
  return ok;
}
