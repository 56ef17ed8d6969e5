/* test-json.c: the strict JSON reader on valid documents and on each kind
 * of error, with the line and column it reports. */
#include "clip.h"
#include "json.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static JsonValue *
parse_ok (const char *text)
{
  GError *error = NULL;
  JsonValue *v = json_parse (text, strlen (text), "test.json", &error);
  g_assert_no_error (error);
  g_assert_nonnull (v);
  return v;
}

/* Parses @text and expects exactly the error message @message. */
static void
expect_error (const char *text, size_t len, const char *message)
{
  GError *error = NULL;
  JsonValue *v = json_parse (text, len, "test.json", &error);
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
  JsonValue *v = parse_ok (" {\"name\": \"clip\", \"layers\": [1, 2.5, -3e2],"
      "\n\t\"ok\": true, \"off\": false, \"none\": null, \"empty\": {},"
      " \"list\": [], \"nested\": {\"a\": {\"b\": 7}}}\r\n");
  g_assert_cmpint (json_type (v), ==, JSON_OBJECT);
  g_assert_cmpuint (json_length (v), ==, 8);
  g_assert_cmpstr (json_object_key_at (v, 0), ==, "name");
  g_assert_cmpstr (json_object_key_at (v, 7), ==, "nested");
  g_assert_null (json_object_key_at (v, 8));
  g_assert_cmpstr (json_string (json_object_get (v, "name")), ==, "clip");
  g_assert_cmpuint (json_string_len (json_object_get (v, "name")), ==, 4);

  const JsonValue *layers = json_object_get (v, "layers");
  g_assert_cmpint (json_type (layers), ==, JSON_ARRAY);
  g_assert_cmpuint (json_length (layers), ==, 3);
  g_assert_cmpfloat (json_number (json_array_get (layers, 0), 0), ==, 1.0);
  g_assert_cmpfloat (json_number (json_array_get (layers, 1), 0), ==, 2.5);
  g_assert_cmpfloat (json_number (json_array_get (layers, 2), 0), ==, -300.0);
  g_assert_null (json_array_get (layers, 3));

  g_assert_true (json_bool (json_object_get (v, "ok"), FALSE));
  g_assert_false (json_bool (json_object_get (v, "off"), TRUE));
  g_assert_cmpint (json_type (json_object_get (v, "none")), ==, JSON_NULL);
  g_assert_nonnull (json_object_get (v, "none"));
  g_assert_cmpuint (json_length (json_object_get (v, "empty")), ==, 0);
  g_assert_cmpuint (json_length (json_object_get (v, "list")), ==, 0);
  g_assert_cmpfloat (json_number (json_get_path (v, "nested", "a", "b", NULL),
          0), ==, 7.0);
  g_assert_null (json_get_path (v, "nested", "x", "b", NULL));
  g_assert_null (json_get_path (v, "name", "a", NULL));
  g_assert_true (json_get_path (v, NULL) == v);

  /* Accessors give the fallback on other types and on NULL. */
  g_assert_cmpfloat (json_number (json_object_get (v, "name"), -1), ==, -1);
  g_assert_null (json_string (json_object_get (v, "ok")));
  g_assert_true (json_bool (NULL, TRUE));
  g_assert_cmpint (json_type (NULL), ==, JSON_NULL);
  g_assert_null (json_object_get (layers, "name"));
  g_assert_null (json_object_get (v, "absent"));
  json_free (v);

  /* Any value may stand alone. */
  v = parse_ok ("  \"just a string\"  ");
  g_assert_cmpstr (json_string (v), ==, "just a string");
  json_free (v);
  v = parse_ok ("null");
  g_assert_cmpint (json_type (v), ==, JSON_NULL);
  json_free (v);
  json_free (NULL);
}

static void
test_large_object (void)
{
  /* Enough members for the hash index, with a repeated key. */
  GString *s = g_string_new ("{");
  for (int i = 0; i < 5000; i++)
    g_string_append_printf (s, "\"key%d\": %d, ", i, i);
  g_string_append (s, "\"key17\": -1, \"\": 42, \"a\\u0000b\": 1}");
  JsonValue *v = parse_ok (s->str);
  g_assert_cmpuint (json_length (v), ==, 5003);
  for (int i = 0; i < 5000; i += 7) {
    char key[16];
    g_snprintf (key, sizeof key, "key%d", i);
    g_assert_cmpfloat (json_number (json_object_get (v, key), -2), ==, i);
    g_assert_cmpstr (json_object_key_at (v, i), ==, key);
  }
  /* The first of two equal keys wins. */
  g_assert_cmpfloat (json_number (json_object_get (v, "key17"), -2), ==, 17);
  g_assert_cmpfloat (json_number (json_object_value_at (v, 5000), -2), ==,
      -1);
  g_assert_cmpfloat (json_number (json_object_get (v, ""), -2), ==, 42);
  g_assert_null (json_object_get (v, "key5000"));
  g_assert_null (json_object_get (v, "a"));
  json_free (v);
  g_string_free (s, TRUE);

  /* The same in a small object (no index). */
  v = parse_ok ("{\"x\": 1, \"x\": 2}");
  g_assert_cmpfloat (json_number (json_object_get (v, "x"), 0), ==, 1);
  json_free (v);
}

static void
test_strings (void)
{
  JsonValue *v = parse_ok ("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"\\u00e9\\u4E2D\","
      " \"\\ud83d\\ude80\", \"a\\u0000b\", \"caf\xc3\xa9 \xf0\x9f\x98\x80\"]");
  g_assert_cmpstr (json_string (json_array_get (v, 0)), ==,
      "\"\\/\b\f\n\r\t");
  g_assert_cmpstr (json_string (json_array_get (v, 1)), ==,
      "\xc3\xa9\xe4\xb8\xad");
  g_assert_cmpstr (json_string (json_array_get (v, 2)), ==,
      "\xf0\x9f\x9a\x80");
  g_assert_cmpuint (json_string_len (json_array_get (v, 3)), ==, 3);
  g_assert_cmpmem (json_string (json_array_get (v, 3)), 3, "a\0b", 3);
  g_assert_cmpstr (json_string (json_array_get (v, 4)), ==,
      "caf\xc3\xa9 \xf0\x9f\x98\x80");
  json_free (v);

  EXPECT_ERROR ("\"\\ud83d\"", "test.json: high surrogate \\uD83D not "
      "followed by a low surrogate at line 1, column 2");
  EXPECT_ERROR ("\"\\ud83dx\\ude80\"", "test.json: high surrogate \\uD83D "
      "not followed by a low surrogate at line 1, column 2");
  EXPECT_ERROR ("\"\\ud83d\\u0041\"", "test.json: high surrogate \\uD83D "
      "not followed by a low surrogate at line 1, column 2");
  EXPECT_ERROR ("[\"ok\", \"\\uDE80\"]", "test.json: lone low surrogate "
      "\\uDE80 in string at line 1, column 9");
  EXPECT_ERROR ("\"\\u12G4\"", "test.json: invalid \\u escape: expected "
      "four hex digits at line 1, column 6");
  EXPECT_ERROR ("\"\\x\"", "test.json: invalid escape '\\x' in string at "
      "line 1, column 2");
  EXPECT_ERROR ("\"tab\there\"", "test.json: control character 0x09 in "
      "string (must be escaped) at line 1, column 5");
  EXPECT_ERROR ("\"caf\xe9\"", "test.json: invalid UTF-8 in string at "
      "line 1, column 5");
  EXPECT_ERROR ("\"\xed\xa0\x80\"", "test.json: invalid UTF-8 in string at "
      "line 1, column 2");
  EXPECT_ERROR ("\"\xc0\xaf\"", "test.json: invalid UTF-8 in string at "
      "line 1, column 2");
  EXPECT_ERROR ("\"abc", "test.json: unterminated string at line 1, "
      "column 5");
  EXPECT_ERROR ("\"abc\\", "test.json: unterminated string at line 1, "
      "column 6");
  /* Columns count characters: "é" is one. */
  EXPECT_ERROR ("[\"\xc3\xa9\", x]", "test.json: unexpected 'x', expected "
      "a value at line 1, column 7");
}

static void
test_numbers (void)
{
  JsonValue *v = parse_ok ("[0, -0, 12, -7, 0.5, 1e3, 1E+2, 2.5e-3, "
      "123456789012345678901234567890, 9007199254740993, 1e-400]");
  const double expected[] = { 0, -0.0, 12, -7, 0.5, 1000, 100, 0.0025,
    1.2345678901234568e29, 9007199254740992.0, 0 };
  g_assert_cmpuint (json_length (v), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpfloat (json_number (json_array_get (v, i), 1), ==,
        expected[i]);
  g_assert_true (signbit (json_number (json_array_get (v, 1), 1)));
  json_free (v);

  EXPECT_ERROR ("01", "test.json: invalid number: leading zero at line 1, "
      "column 2");
  EXPECT_ERROR ("-01", "test.json: invalid number: leading zero at line 1, "
      "column 3");
  EXPECT_ERROR ("1.", "test.json: invalid number: expected a digit after "
      "'.' at line 1, column 3");
  EXPECT_ERROR ("[.5]", "test.json: unexpected '.', expected a value at "
      "line 1, column 2");
  EXPECT_ERROR ("-", "test.json: invalid number: expected a digit at "
      "line 1, column 2");
  EXPECT_ERROR ("- 1", "test.json: invalid number: expected a digit at "
      "line 1, column 2");
  EXPECT_ERROR ("1e", "test.json: invalid number: expected a digit in the "
      "exponent at line 1, column 3");
  EXPECT_ERROR ("1e+", "test.json: invalid number: expected a digit in the "
      "exponent at line 1, column 4");
  EXPECT_ERROR ("+1", "test.json: unexpected '+', expected a value at "
      "line 1, column 1");
  EXPECT_ERROR ("NaN", "test.json: unexpected 'N', expected a value at "
      "line 1, column 1");
  EXPECT_ERROR ("[Infinity]", "test.json: unexpected 'I', expected a value "
      "at line 1, column 2");
  EXPECT_ERROR ("0x10", "test.json: unexpected 'x', expected end of input "
      "at line 1, column 2");
  EXPECT_ERROR ("[1e400]", "test.json: number out of range at line 1, "
      "column 2");
  EXPECT_ERROR ("-1e400", "test.json: number out of range at line 1, "
      "column 1");
}

static void
test_structure_errors (void)
{
  EXPECT_ERROR ("", "test.json: unexpected end of input, expected a value "
      "at line 1, column 1");
  EXPECT_ERROR (" \n ", "test.json: unexpected end of input, expected a "
      "value at line 2, column 2");
  EXPECT_ERROR ("{\n  \"a\": tru\n}", "test.json: unexpected 't', expected "
      "a value at line 2, column 8");
  EXPECT_ERROR ("{} x", "test.json: unexpected 'x', expected end of input "
      "at line 1, column 4");
  EXPECT_ERROR ("{}{}", "test.json: unexpected '{', expected end of input "
      "at line 1, column 3");
  EXPECT_ERROR ("[1,]", "test.json: unexpected ']', expected a value at "
      "line 1, column 4");
  EXPECT_ERROR ("[1 2]", "test.json: unexpected '2', expected ',' or ']' in "
      "array at line 1, column 4");
  EXPECT_ERROR ("[1", "test.json: unexpected end of input, expected ',' or "
      "']' in array at line 1, column 3");
  EXPECT_ERROR ("{\"a\" 1}", "test.json: unexpected '1', expected ':' after "
      "object key at line 1, column 6");
  EXPECT_ERROR ("{\"a\": 1,}", "test.json: unexpected '}', expected a string "
      "key in object at line 1, column 9");
  EXPECT_ERROR ("{a: 1}", "test.json: unexpected 'a', expected a string key "
      "in object at line 1, column 2");
  EXPECT_ERROR ("{\"a\": 1\n\n  \"b\": 2}", "test.json: unexpected '\"', "
      "expected ',' or '}' in object at line 3, column 3");
  EXPECT_ERROR ("[true, nul]", "test.json: unexpected 'n', expected a value "
      "at line 1, column 8");
  EXPECT_ERROR ("\xef\xbb\xbf{}", "test.json: unexpected byte 0xEF, expected "
      "a value at line 1, column 1");
  EXPECT_ERROR ("[1,\v2]", "test.json: unexpected byte 0x0B, expected a "
      "value at line 1, column 4");
  /* An embedded NUL ends nothing: the length given is what counts. */
  expect_error ("{}\0", 3, "test.json: unexpected byte 0x00, expected end "
      "of input at line 1, column 3");

  /* Without an origin the message has no prefix. */
  GError *error = NULL;
  g_assert_null (json_parse ("[", 1, NULL, &error));
  g_assert_cmpstr (error->message, ==, "unexpected end of input, expected "
      "a value at line 1, column 2");
  g_clear_error (&error);

  /* Only @len bytes are read: the text need not end with a NUL. */
  const char digits[] = { '1', '2', '3', '4' };
  JsonValue *v = json_parse (digits, 2, "test.json", &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (json_number (v, 0), ==, 12);
  json_free (v);
  const char word[] = { 't', 'r', 'u', 'e' };
  expect_error (word, 3, "test.json: unexpected 't', expected a value at "
      "line 1, column 1");
}

static void
test_depth (void)
{
  GString *s = g_string_new (NULL);
  for (int i = 0; i < 64; i++)
    g_string_append (s, i % 2 ? "{\"k\":" : "[");
  g_string_append (s, "0");
  for (int i = 63; i >= 0; i--)
    g_string_append (s, i % 2 ? "}" : "]");
  JsonValue *v = parse_ok (s->str);
  g_assert_cmpint (json_type (v), ==, JSON_ARRAY);
  json_free (v);

  g_string_truncate (s, 0);
  for (int i = 0; i < 65; i++)
    g_string_append_c (s, '[');
  for (int i = 0; i < 65; i++)
    g_string_append_c (s, ']');
  expect_error (s->str, s->len, "test.json: nesting deeper than 64 levels "
      "at line 1, column 65");

  /* Far deeper input fails the same way, without exhausting the stack. */
  g_string_truncate (s, 0);
  for (int i = 0; i < 100000; i++)
    g_string_append_c (s, '[');
  expect_error (s->str, s->len, "test.json: nesting deeper than 64 levels "
      "at line 1, column 65");
  g_string_free (s, TRUE);
}

static void
test_file (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("clip-json-XXXXXX", &error);
  g_assert_no_error (error);
  char *path = g_build_filename (dir, "config.json", NULL);

  g_assert_true (g_file_set_contents (path, "{\"hidden_size\": 512}\n", -1,
          &error));
  JsonValue *v = json_parse_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (json_number (json_object_get (v, "hidden_size"), 0), ==,
      512);
  json_free (v);

  g_assert_true (g_file_set_contents (path, "{\n\"hidden_size\": 512,\n}\n",
          -1, &error));
  g_assert_null (json_parse_file (path, &error));
  g_assert_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT);
  char *expected = g_strdup_printf ("%s: unexpected '}', expected a string "
      "key in object at line 3, column 1", path);
  g_assert_cmpstr (error->message, ==, expected);
  g_free (expected);
  g_clear_error (&error);

  g_unlink (path);
  g_assert_null (json_parse_file (path, &error));
  g_assert_error (error, CLIP_ERROR, CLIP_ERROR_IO);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json/document", test_document);
  g_test_add_func ("/json/large-object", test_large_object);
  g_test_add_func ("/json/strings", test_strings);
  g_test_add_func ("/json/numbers", test_numbers);
  g_test_add_func ("/json/structure-errors", test_structure_errors);
  g_test_add_func ("/json/depth", test_depth);
  g_test_add_func ("/json/file", test_file);
  return g_test_run ();
}
