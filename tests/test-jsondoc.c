/* test-jsondoc.c: JSON through json-glib. The checks jsondoc.c adds in
 * front of json-glib (each case here is one that json-glib 1.6 alone
 * accepts or reads as another value), the wording of every error, and the
 * loaders that use it: safetensors headers, config files, vocab.json. */
#include "clip.h"
#include "jsondoc.h"
#include "model_internal.h"
#include "safetensors.h"
#include "tokenizer.h"

#include <glib/gstdio.h>
#include <string.h>

static JsonNode *
parse_ok (const char *text)
{
  GError *error = NULL;
  JsonNode *v = jsondoc_parse (text, strlen (text), "test.json", NULL,
      &error);
  g_assert_no_error (error);
  g_assert_nonnull (v);
  return v;
}

/* Parses @len bytes of @text and expects exactly the message @message. */
static void
expect_error (const char *text, size_t len, const char *message)
{
  GError *error = NULL;
  JsonNode *v = jsondoc_parse (text, len, "test.json", "token", &error);
  g_assert_null (v);
  g_assert_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT);
  g_assert_cmpstr (error->message, ==, message);
  g_error_free (error);
}

#define EXPECT_ERROR(text, message) \
  expect_error ((text), sizeof (text) - 1, (message))

static void
test_document (void)
{
  JsonNode *v = parse_ok (" {\"name\": \"clip\", \"layers\": [1, 2.5, -3e2,"
      " 12.0, 9007199254740992, 9007199254740993, -7, 1.5e300, 0.1],"
      "\n\t\"ok\": true, \"none\": null, \"\\u00e9\\ud83d\\ude80\": \"\\\"\\n\","
      " \"nested\": {\"a\": [{\"b\": 7}]}}\r\n");
  g_assert_nonnull (jsondoc_object (v));
  g_assert_null (jsondoc_array (v));
  g_assert_cmpstr (jsondoc_string (jsondoc_member (v, "name")), ==, "clip");
  g_assert_null (jsondoc_string (jsondoc_member (v, "ok")));
  g_assert_null (jsondoc_member (v, "absent"));
  g_assert_null (jsondoc_member (NULL, "name"));
  g_assert_null (jsondoc_member (jsondoc_member (v, "name"), "x"));
  g_assert_cmpstr (jsondoc_string (jsondoc_member (v,
              "\xc3\xa9\xf0\x9f\x9a\x80")), ==, "\"\n");

  JsonArray *a = jsondoc_array (jsondoc_member (v, "layers"));
  g_assert_nonnull (a);
  g_assert_cmpuint (json_array_get_length (a), ==, 9);
  /* jsondoc_integer: exact integers of magnitude <= 2^53, however written */
  static const struct {
    gboolean integer;
    gint64 value;
    double number;
  } want[] = {
    { TRUE, 1, 1 }, { FALSE, 0, 2.5 }, { TRUE, -300, -300 },
    { TRUE, 12, 12 }, { TRUE, G_GINT64_CONSTANT (9007199254740992),
      9007199254740992.0 }, { FALSE, 0, 9007199254740993.0 },
    { TRUE, -7, -7 }, { FALSE, 0, 1.5e300 }, { FALSE, 0, 0.1 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (want); i++) {
    JsonNode *e = json_array_get_element (a, i);
    gint64 n = -1;
    double d = -1;
    g_assert_cmpint (jsondoc_integer (e, &n), ==, want[i].integer);
    if (want[i].integer)
      g_assert_cmpint (n, ==, want[i].value);
    g_assert_true (jsondoc_number (e, &d));
    g_assert_cmpfloat (d, ==, want[i].number);
  }
  gint64 n;
  double d;
  g_assert_false (jsondoc_integer (jsondoc_member (v, "name"), &n));
  g_assert_false (jsondoc_number (jsondoc_member (v, "ok"), &d));
  g_assert_false (jsondoc_number (jsondoc_member (v, "none"), &d));
  g_assert_false (jsondoc_integer (NULL, &n));
  g_assert_false (jsondoc_number (jsondoc_member (v, "nested"), &d));
  json_node_unref (v);

  /* Any value may stand alone. */
  v = parse_ok ("  \"just a string\"  ");
  g_assert_cmpstr (jsondoc_string (v), ==, "just a string");
  json_node_unref (v);

  /* Only @len bytes are read: the text need not end with a NUL. */
  const char digits[] = { '[', '1', ']', ']', '2' };
  GError *error = NULL;
  v = jsondoc_parse (digits, 3, "test.json", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (jsondoc_array (v)), ==, 1);
  json_node_unref (v);
}

/* Each of these is accepted by json-glib 1.6 on its own, most of them
 * silently read as something else than the text says. */
static void
test_json_glib_gaps (void)
{
  /* json-glib: 1 */
  EXPECT_ERROR ("[-18446744073709551615]", "test.json: integer "
      "-18446744073709551615 out of range at line 1, column 2");
  /* json-glib: -1 */
  EXPECT_ERROR ("{\"a\": 123456789012345678901234567890}", "test.json: "
      "integer 123456789012345678901234567890 out of range at line 1, "
      "column 7");
  /* json-glib: -9223372036854775808 */
  EXPECT_ERROR ("[9223372036854775808]", "test.json: integer "
      "9223372036854775808 out of range at line 1, column 2");
  /* json-glib: "a" */
  EXPECT_ERROR ("[\"a\\u0000b\"]", "test.json: \\u0000 in a string is not "
      "supported at line 1, column 4");
  EXPECT_ERROR ("{\"a\\u0000b\": 1}", "test.json: \\u0000 in a string is "
      "not supported at line 1, column 4");
  /* json-glib: the last value */
  EXPECT_ERROR ("{\"x\": 1, \"y\": 2, \"x\": 3}", "test.json: token \"x\" "
      "is listed twice at line 1, column 18");
  EXPECT_ERROR ("{\"a\": {\"x\": 1,\n \"x\": 2}}", "test.json: key \"x\" is "
      "listed twice at line 2, column 2");
  /* The same key, spelled with escapes. */
  EXPECT_ERROR ("{\"ab\": 1, \"a\\u0062\": 2}", "test.json: token \"ab\" "
      "is listed twice at line 1, column 11");
  EXPECT_ERROR ("{\"\\u00e9\\n\": 1, \"\xc3\xa9\\u000A\": 2}", "test.json: "
      "token \"\xc3\xa9\n\" is listed twice at line 1, column 17");
  /* json-glib: inf */
  EXPECT_ERROR ("[1e400]", "test.json: number out of range at line 1, "
      "column 2");
  EXPECT_ERROR ("{\"a\": -1.5e999}", "test.json: number out of range at "
      "line 1, column 7");
  /* json-glib: the first, or the last, document */
  EXPECT_ERROR ("{}{}", "test.json: unexpected '{', expected end of input "
      "at line 1, column 3");
  EXPECT_ERROR ("[1] 2", "test.json: unexpected '2', expected end of input "
      "at line 1, column 5");
  /* json-glib: leniencies of its scanner */
  EXPECT_ERROR ("[1 /* one */]", "test.json: unexpected '/', expected a "
      "value at line 1, column 4");
  EXPECT_ERROR ("['a']", "test.json: unexpected ''', expected a value at "
      "line 1, column 2");
  EXPECT_ERROR ("[0x10]", "test.json: unexpected 'x', expected a delimiter "
      "after a number at line 1, column 3");
  EXPECT_ERROR ("[01]", "test.json: invalid number: leading zero at line 1, "
      "column 3");
  EXPECT_ERROR ("[.5]", "test.json: unexpected '.', expected a value at "
      "line 1, column 2");
  EXPECT_ERROR ("[1.]", "test.json: invalid number: expected a digit after "
      "'.' at line 1, column 4");
  EXPECT_ERROR ("[- 1]", "test.json: invalid number: expected a digit at "
      "line 1, column 3");
  EXPECT_ERROR ("[1e+]", "test.json: invalid number: expected a digit in "
      "the exponent at line 1, column 5");
  EXPECT_ERROR ("[\"\\x\"]", "test.json: invalid escape '\\x' in string at "
      "line 1, column 3");
  EXPECT_ERROR ("[\"tab\there\"]", "test.json: control character 0x09 in "
      "string (must be escaped) at line 1, column 6");
  EXPECT_ERROR ("\xef\xbb\xbf{}", "test.json: unexpected byte 0xEF, "
      "expected a value at line 1, column 1");
  EXPECT_ERROR ("", "test.json: unexpected end of input, expected a value "
      "at line 1, column 1");
  EXPECT_ERROR (" \n ", "test.json: unexpected end of input, expected a "
      "value at line 2, column 2");
  EXPECT_ERROR ("[\"\\ud83d\"]", "test.json: high surrogate \\uD83D not "
      "followed by a low surrogate at line 1, column 3");
  EXPECT_ERROR ("[\"ok\", \"\\uDE80\"]", "test.json: lone low surrogate "
      "\\uDE80 in string at line 1, column 9");
  EXPECT_ERROR ("[\"\\u12G4\"]", "test.json: invalid \\u escape: expected "
      "four hex digits at line 1, column 3");
  /* json-glib: "JSON data must be UTF-8 encoded", without a place */
  EXPECT_ERROR ("[\"caf\xe9\"]", "test.json: invalid UTF-8 at line 1, "
      "column 6");
  expect_error ("{}\0", 3, "test.json: NUL byte in JSON text at line 1, "
      "column 3");
  EXPECT_ERROR ("[true, NaN]", "test.json: unexpected 'N', expected a value "
      "at line 1, column 8");
  EXPECT_ERROR ("[true, nul]", "test.json: unexpected 'n', expected a value "
      "at line 1, column 8");
  EXPECT_ERROR ("[1,\v2]", "test.json: unexpected byte 0x0B, expected a "
      "value at line 1, column 4");
  EXPECT_ERROR ("[1}", "test.json: unexpected '}', expected a value at "
      "line 1, column 3");
  EXPECT_ERROR ("\"abc", "test.json: unterminated string at line 1, "
      "column 5");
  EXPECT_ERROR ("[1, [2]", "test.json: unexpected end of input, expected "
      "',' or ']' in array at line 1, column 8");
  /* Columns count characters: "é" is one. */
  EXPECT_ERROR ("[\"\xc3\xa9\", x]", "test.json: unexpected 'x', expected "
      "a value at line 1, column 7");

  /* A key may repeat in different objects, and a value may equal a key. */
  JsonNode *v = parse_ok ("[{\"x\": 1}, {\"x\": {\"x\": \"x\"}}]");
  json_node_unref (v);
}

/* Errors of the grammar itself come from json-glib, in the same form. */
static void
test_grammar_errors (void)
{
  static const char *const bad[] = {
    "[1 2]", "{\"a\" 1}", "[1,]", "{\"a\": 1,}", "{\"a\": }", "[",
    "{\"a\": 1", "{1: 2}", "[\"a\": 1]", "{\"a\", 1}",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    GError *error = NULL;
    g_assert_null (jsondoc_parse (bad[i], strlen (bad[i]), "test.json", NULL,
            &error));
    g_assert_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT);
    g_test_message ("%s -> %s", bad[i], error->message);
    g_assert_true (g_str_has_prefix (error->message, "test.json: "));
    g_assert_nonnull (strstr (error->message, " at line 1, column "));
    g_error_free (error);
  }
}

static void
test_depth (void)
{
  GString *s = g_string_new (NULL);
  for (int i = 0; i < JSONDOC_MAX_DEPTH; i++)
    g_string_append (s, i % 2 ? "{\"k\":" : "[");
  g_string_append (s, "0");
  for (int i = JSONDOC_MAX_DEPTH - 1; i >= 0; i--)
    g_string_append (s, i % 2 ? "}" : "]");
  JsonNode *v = parse_ok (s->str);
  json_node_unref (v);

  g_string_truncate (s, 0);
  for (int i = 0; i < 65; i++)
    g_string_append_c (s, '[');
  for (int i = 0; i < 65; i++)
    g_string_append_c (s, ']');
  expect_error (s->str, s->len, "test.json: nesting deeper than 64 levels "
      "at line 1, column 65");

  /* json-glib alone overflows the stack on this. */
  g_string_truncate (s, 0);
  for (int i = 0; i < 100000; i++)
    g_string_append_c (s, '[');
  expect_error (s->str, s->len, "test.json: nesting deeper than 64 levels "
      "at line 1, column 65");
  g_string_free (s, TRUE);
}

/* json-glib walks an object's member list for every repeated key; the
 * check stops at the first. (Time printed, not asserted.) */
static void
test_many_repeats (void)
{
  GString *s = g_string_new ("{");
  for (int i = 0; i < 50000; i++)
    g_string_append_printf (s, "\"t%d\": %d, ", i, i);
  for (int i = 0; i < 50000; i++)
    g_string_append_printf (s, "\"t49999\": %d, ", i);
  g_string_append (s, "\"end\": 0}");
  gint64 start = g_get_monotonic_time ();
  GError *error = NULL;
  g_assert_null (jsondoc_parse (s->str, s->len, "big.json", "token",
          &error));
  g_test_message ("50,000 repeats refused in %.1f ms",
      (g_get_monotonic_time () - start) / 1000.0);
  g_assert_nonnull (strstr (error->message, "big.json: token \"t49999\" is "
          "listed twice at line 1, column "));
  g_error_free (error);
  g_string_free (s, TRUE);
}

static void
test_file (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("clip-jsondoc-XXXXXX", &error);
  g_assert_no_error (error);
  char *path = g_build_filename (dir, "config.json", NULL);

  g_assert_true (g_file_set_contents (path, "{\"hidden_size\": 512}\n", -1,
          &error));
  JsonNode *v = jsondoc_parse_file (path, NULL, &error);
  g_assert_no_error (error);
  gint64 n = 0;
  g_assert_true (jsondoc_integer (jsondoc_member (v, "hidden_size"), &n));
  g_assert_cmpint (n, ==, 512);
  json_node_unref (v);

  g_assert_true (g_file_set_contents (path, "{\n\"hidden_size\": 512,\n}\n",
          -1, &error));
  g_assert_null (jsondoc_parse_file (path, NULL, &error));
  g_assert_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT);
  g_test_message ("%s", error->message);
  char *prefix = g_strdup_printf ("%s: ", path);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  g_assert_nonnull (strstr (error->message, " at line 2, column "));
  g_free (prefix);
  g_clear_error (&error);

  g_unlink (path);
  g_assert_null (jsondoc_parse_file (path, NULL, &error));
  g_assert_error (error, CLIP_ERROR, CLIP_ERROR_IO);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

/* ------------------------------------------------------ safetensors */

/* A safetensors image of @header followed by @data_len bytes. */
static GByteArray *
st_image (const char *header, size_t data_len)
{
  GByteArray *b = g_byte_array_new ();
  guint64 n = strlen (header);
  for (int i = 0; i < 8; i++) {
    guint8 byte = (n >> (8 * i)) & 0xff;
    g_byte_array_append (b, &byte, 1);
  }
  g_byte_array_append (b, (const guint8 *) header, n);
  for (size_t i = 0; i < data_len; i++) {
    guint8 byte = (guint8) i;
    g_byte_array_append (b, &byte, 1);
  }
  return b;
}

static void
st_expect (const char *header, size_t data_len, const char *message)
{
  GByteArray *b = st_image (header, data_len);
  GError *error = NULL;
  StFile *f = st_open_bytes (b->data, b->len, "model.safetensors", &error);
  if (message == NULL) {
    g_assert_no_error (error);
    g_assert_nonnull (f);
    st_close (f);
  } else {
    g_assert_null (f);
    g_assert_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT);
    g_assert_cmpstr (error->message, ==, message);
    g_error_free (error);
  }
  g_byte_array_unref (b);
}

static void
test_safetensors (void)
{
  /* A valid header, in document order, with metadata; 2.0 is an integer. */
  GByteArray *b = st_image ("{\"__metadata__\": {\"format\": \"pt\"}, "
      "\"w\": {\"dtype\": \"F32\", \"shape\": [2, 2.0], "
      "\"data_offsets\": [0, 16]}, \"b\": {\"dtype\": \"F16\", \"shape\": [2],"
      " \"data_offsets\": [16, 20]}, \"s\": {\"dtype\": \"BF16\", \"shape\": "
      "[], \"data_offsets\": [20, 22]}}", 22);
  GError *error = NULL;
  StFile *f = st_open_bytes (b->data, b->len, "model.safetensors", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (st_n_tensors (f), ==, 3);
  g_assert_cmpstr (st_tensor_at (f, 0)->name, ==, "w");
  g_assert_cmpstr (st_tensor_at (f, 1)->name, ==, "b");
  g_assert_cmpstr (st_tensor_at (f, 2)->name, ==, "s");
  const StTensor *w = st_find (f, "w");
  g_assert_nonnull (w);
  g_assert_cmpint (w->ndim, ==, 2);
  g_assert_cmpint (w->shape[1], ==, 2);
  g_assert_cmpuint (w->nbytes, ==, 16);
  g_assert_true (w->data == b->data + b->len - 22);
  g_assert_cmpuint (st_find (f, "s")->numel, ==, 1);
  g_assert_null (st_find (f, "__metadata__"));
  st_close (f);
  g_byte_array_unref (b);

  st_expect ("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": "
      "[0, 4]}, \"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\":"
      " [4, 8]}}", 8, "model.safetensors: tensor \"w\" is listed twice at "
      "line 1, column 63");
  st_expect ("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": "
      "[-4, 0]}}", 8, "model.safetensors: tensor w: data_offsets must be two "
      "integers, begin <= end");
  st_expect ("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": "
      "[0, -18446744073709551612]}}", 8, "model.safetensors: integer "
      "-18446744073709551612 out of range at line 1, column 58");
  st_expect ("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": "
      "[9007199254740993, 9007199254740997]}}", 8, "model.safetensors: "
      "tensor w: data_offsets must be two integers, begin <= end");
  st_expect ("{\"w\": {\"dtype\": \"U8\", \"shape\": [9007199254740993], "
      "\"data_offsets\": [0, 1]}}", 8, "model.safetensors: tensor w: shape "
      "entries must be non-negative integers");
  st_expect ("{\"w\": {\"dtype\": \"U8\", \"shape\": [1.5], "
      "\"data_offsets\": [0, 1]}}", 8, "model.safetensors: tensor w: shape "
      "entries must be non-negative integers");
  /* Too large in its nonzero dimensions, in any order, even when empty. */
  st_expect ("{\"w\": {\"dtype\": \"U8\", \"shape\": [9007199254740992, "
      "9007199254740992, 0], \"data_offsets\": [0, 0]}}", 8,
      "model.safetensors: tensor w: shape too large");
  st_expect ("{\"w\": {\"dtype\": \"U8\", \"shape\": [0, 9007199254740992, "
      "9007199254740992], \"data_offsets\": [0, 0]}}", 8,
      "model.safetensors: tensor w: shape too large");
  st_expect ("{\"w\": {\"dtype\": \"F64\", \"shape\": [9007199254740992, 128],"
      " \"data_offsets\": [0, 0]}}", 8,
      "model.safetensors: tensor w: shape too large");
  st_expect ("{\"w\": {\"dtype\": \"U8\", \"shape\": [9007199254740992, 128],"
      " \"data_offsets\": [0, 8]}}", 8, "model.safetensors: tensor w: 8 bytes "
      "of data but shape x dtype U8 needs 1152921504606846976");
  st_expect ("{\"w\": {\"dtype\": \"U8\", \"shape\": [0, 9007199254740992],"
      " \"data_offsets\": [0, 0]}}", 8, NULL);
  st_expect ("{\"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": "
      "[0, 8]}}", 8, "model.safetensors: tensor w: 8 bytes of data but "
      "shape x dtype F32 needs 12");
  st_expect ("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": "
      "[4, 12]}}", 8, "model.safetensors: tensor w: data_offsets [4, 12] run "
      "past the end of the file (data area is 8 bytes): truncated file?");
  st_expect ("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": "
      "[0, 4]}, \"b\": {\"dtype\": \"F16\", \"shape\": [2], \"data_offsets\":"
      " [2, 6]}}", 8, "model.safetensors: tensor data ranges overlap at byte "
      "2 of the data area");
  st_expect ("{\"__metadata__\": {\"format\": \"pt\", \"step\": 3}}", 0,
      "model.safetensors: __metadata__.step is not a string");
  st_expect ("{\"__metadata__\": [\"pt\"]}", 0, "model.safetensors: "
      "__metadata__ is not an object of strings");
  st_expect ("[1, 2]", 0, "model.safetensors: header is not a JSON object");
  st_expect ("{\"w\": {\"dtype\": \"F32\", \"shape\": [1]}}", 4,
      "model.safetensors: tensor w: header entry needs \"dtype\", \"shape\" "
      "and \"data_offsets\" [begin, end]");
  st_expect ("{\"w\": 3}", 4, "model.safetensors: tensor w: header entry "
      "needs \"dtype\", \"shape\" and \"data_offsets\" [begin, end]");
  /* The header is not NUL-terminated: the data area follows it. */
  st_expect ("{\"w\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": "
      "[0, 1]}", 1, "model.safetensors: unexpected end of input, expected "
      "',' or '}' in object at line 1, column 60");
  st_expect ("{}", 0, NULL);
}

/* ------------------------------------------------------ config */

static gboolean
load_hf (const char *config, const char *pre, ClipConfig *cfg,
    GError **error)
{
  return clip_config_load_from_data (CLIP_LAYOUT_HF, "config.json", config,
      config ? strlen (config) : 0, "preprocessor_config.json", pre,
      pre ? strlen (pre) : 0, cfg, error);
}

static void
hf_expect (const char *config, const char *pre, int code,
    const char *message)
{
  ClipConfig cfg;
  GError *error = NULL;
  g_assert_false (load_hf (config, pre, &cfg, &error));
  g_assert_error (error, CLIP_ERROR, code);
  g_assert_cmpstr (error->message, ==, message);
  g_error_free (error);
}

static void
test_config (void)
{
  ClipConfig cfg;
  GError *error = NULL;
  g_assert_true (load_hf ("{\"vision_config\": {\"hidden_act\": \"gelu\", "
          "\"num_hidden_layers\": 12.0, \"image_size\": 336, "
          "\"layer_norm_eps\": 1e-6}, \"text_config\": "
          "{\"num_attention_heads\": 8, \"hidden_act\": \"gelu_new\"}}",
          "{\"image_mean\": [0.5, 0.25, 0], \"image_std\": [1, 2, 3.5]}",
          &cfg, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cfg.v_act, ==, CLIP_ACT_GELU);
  g_assert_cmpint (cfg.t_act, ==, CLIP_ACT_GELU_TANH);
  g_assert_cmpint (cfg.v_layers, ==, 12);
  g_assert_cmpint (cfg.image_size, ==, 336);
  g_assert_cmpfloat (cfg.v_eps, ==, 1e-6f);
  g_assert_cmpfloat (cfg.t_eps, ==, 1e-5f);
  g_assert_cmpint (cfg.t_heads, ==, 8);
  g_assert_cmpfloat (cfg.mean[1], ==, 0.25f);
  g_assert_cmpfloat (cfg.std[2], ==, 3.5f);

  /* Absent files leave OpenAI's defaults. */
  g_assert_true (load_hf (NULL, NULL, &cfg, &error));
  g_assert_cmpint (cfg.v_act, ==, CLIP_ACT_QUICK_GELU);
  g_assert_cmpfloat (cfg.mean[0], ==, 0.48145466f);

  hf_expect ("{\"vision_config\": {\"num_hidden_layers\": 2, "
      "\"num_hidden_layers\": 3}}", NULL, CLIP_ERROR_FORMAT, "config.json: "
      "key \"num_hidden_layers\" is listed twice at line 1, column 44");
  hf_expect ("{\"vision_config\": {\"num_hidden_layers\": 1e400}}", NULL,
      CLIP_ERROR_FORMAT, "config.json: number out of range at line 1, "
      "column 41");
  hf_expect ("{\"vision_config\": {\"num_hidden_layers\": 2.5}}", NULL,
      CLIP_ERROR_CONFIG, "config.json: vision_config.num_hidden_layers must "
      "be a positive integer");
  hf_expect ("{\"text_config\": {\"num_attention_heads\": \"8\"}}", NULL,
      CLIP_ERROR_CONFIG, "config.json: text_config.num_attention_heads must "
      "be a positive integer");
  hf_expect ("{\"vision_config\": {\"image_size\": 9999999}}", NULL,
      CLIP_ERROR_CONFIG, "config.json: vision_config.image_size must be a "
      "positive integer");
  hf_expect ("{\"vision_config\": {\"hidden_act\": \"relu6\"}}", NULL,
      CLIP_ERROR_CONFIG, "config.json: vision_config.hidden_act \"relu6\" "
      "is not supported (quick_gelu, gelu, gelu_new)");
  hf_expect ("{\"text_config\": {\"layer_norm_eps\": 0}}", NULL,
      CLIP_ERROR_CONFIG, "config.json: text_config.layer_norm_eps must be a "
      "number between 0 and 1");
  hf_expect ("{\"text_config\": 3}", NULL, CLIP_ERROR_CONFIG,
      "config.json: text_config must be an object");
  hf_expect ("[1, 2]", NULL, CLIP_ERROR_CONFIG, "config.json: expected a "
      "JSON object");
  hf_expect (NULL, "{\"image_std\": [1, 0, 1]}", CLIP_ERROR_CONFIG,
      "preprocessor_config.json: image_std must be an array of three "
      "positive numbers");
  hf_expect (NULL, "{\"image_mean\": [1, 2]}", CLIP_ERROR_CONFIG,
      "preprocessor_config.json: image_mean must be an array of three "
      "numbers");
  hf_expect ("{}", "{\"image_mean\": [1, 2, 3]", CLIP_ERROR_FORMAT,
      "preprocessor_config.json: unexpected end of input, expected ',' or "
      "'}' in object at line 1, column 25");

  /* OpenCLIP's file */
  const char *oc = "{\"model_cfg\": {\"quick_gelu\": true, \"vision_cfg\": "
      "{\"layers\": 12, \"image_size\": 224, \"head_width\": 64}, "
      "\"text_cfg\": {\"layers\": 12, \"heads\": 8}}, \"preprocess_cfg\": "
      "{\"mean\": [0.5, 0.5, 0.5], \"std\": [0.5, 0.5, 0.5]}}";
  g_assert_true (clip_config_load_from_data (CLIP_LAYOUT_OPENAI,
          "open_clip_config.json", oc, strlen (oc), NULL, NULL, 0, &cfg,
          &error));
  g_assert_no_error (error);
  g_assert_cmpint (cfg.v_act, ==, CLIP_ACT_QUICK_GELU);
  g_assert_cmpint (cfg.t_heads, ==, 8);
  g_assert_cmpint (cfg.v_head_width, ==, 64);
  g_assert_cmpfloat (cfg.std[1], ==, 0.5f);
  oc = "{\"model_cfg\": {\"text_cfg\": {\"heads\": 0}}}";
  g_assert_false (clip_config_load_from_data (CLIP_LAYOUT_OPENAI,
          "open_clip_config.json", oc, strlen (oc), NULL, NULL, 0, &cfg,
          &error));
  g_assert_cmpstr (error->message, ==, "open_clip_config.json: "
      "text_cfg.heads must be a positive integer");
  g_clear_error (&error);
  /* Without quick_gelu OpenCLIP uses nn.GELU. */
  oc = "{\"model_cfg\": {}}";
  g_assert_true (clip_config_load_from_data (CLIP_LAYOUT_OPENAI,
          "open_clip_config.json", oc, strlen (oc), NULL, NULL, 0, &cfg,
          &error));
  g_assert_cmpint (cfg.t_act, ==, CLIP_ACT_GELU);
}

/* ------------------------------------------------------ vocab */

static void
vocab_expect (const char *vocab, const char *message)
{
  GError *error = NULL;
  ClipTokenizer *tok = clip_tokenizer_load_from_data (vocab, strlen (vocab),
      "vocab.json", "", 0, "merges.txt", &error);
  g_assert_null (tok);
  g_assert_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT);
  g_assert_cmpstr (error->message, ==, message);
  g_error_free (error);
}

static void
test_vocab (void)
{
  const char *ok = "{\"a\": 0, \"<|startoftext|>\": 1.0, "
      "\"<|endoftext|>\": 2}";
  GError *error = NULL;
  ClipTokenizer *tok = clip_tokenizer_load_from_data (ok, strlen (ok),
      "vocab.json", "", 0, "merges.txt", &error);
  g_assert_no_error (error);
  g_assert_cmpint (clip_tokenizer_sot (tok), ==, 1);
  g_assert_cmpint (clip_tokenizer_eot (tok), ==, 2);
  g_assert_cmpint (clip_tokenizer_vocab_size (tok), ==, 3);
  clip_tokenizer_free (tok);

  vocab_expect ("{\"a\": 0, \"b\": 1, \"a\": 2}", "vocab.json: token \"a\" "
      "is listed twice at line 1, column 18");
  vocab_expect ("{\"a\": 18446744073709551617}", "vocab.json: integer "
      "18446744073709551617 out of range at line 1, column 7");
  vocab_expect ("{\"a\": 2147483648}", "vocab.json: the id of \"a\" is not "
      "a non-negative integer");
  vocab_expect ("{\"a\": -0.5}", "vocab.json: the id of \"a\" is not a "
      "non-negative integer");
  vocab_expect ("{\"a\\u0000\": 1}", "vocab.json: \\u0000 in a string is "
      "not supported at line 1, column 4");
  vocab_expect ("[\"a\"]", "vocab.json: expected an object of token -> id");
  vocab_expect ("{\"a\": 0, \"<|endoftext|>\": 1}", "vocab.json: no entry "
      "for the special token \"<|startoftext|>\"");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/jsondoc/document", test_document);
  g_test_add_func ("/jsondoc/json-glib-gaps", test_json_glib_gaps);
  g_test_add_func ("/jsondoc/grammar-errors", test_grammar_errors);
  g_test_add_func ("/jsondoc/depth", test_depth);
  g_test_add_func ("/jsondoc/many-repeats", test_many_repeats);
  g_test_add_func ("/jsondoc/file", test_file);
  g_test_add_func ("/jsondoc/safetensors", test_safetensors);
  g_test_add_func ("/jsondoc/config", test_config);
  g_test_add_func ("/jsondoc/vocab", test_vocab);
  return g_test_run ();
}
