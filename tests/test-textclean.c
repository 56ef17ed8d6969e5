/* test-textclean.c: the text cleaning of OpenAI's tokenizer (ftfy.fix_text,
 * html.unescape twice) against outside references: Python's own
 * html.unescape on every HTML5 entity name, ftfy's documented examples, and
 * the ids OpenAI's tokenizer gives ../shared/golden/texts-ftfy with the
 * real ftfy 6.3.1. */
#include "clip.h"
#include "fixtext.h"
#include "golden.h"
#include "htmlunescape.h"
#include "tokenizer.h"

#include <glib/gstdio.h>
#include <string.h>

#ifndef CLIP_PYTHON
#define CLIP_PYTHON "python3"
#endif
#ifndef CLIP_SOURCE_ROOT
#define CLIP_SOURCE_ROOT "."
#endif

/* Runs "python3 SCRIPT ARG" and fails the test unless it exits with 0. */
static void
run_python (const char *script, const char *arg)
{
  char *path = g_build_filename (CLIP_SOURCE_ROOT, script, NULL);
  const char *argv[] = { CLIP_PYTHON, path, arg, NULL };
  int status = 0;
  char *err = NULL;
  GError *error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL,
          G_SPAWN_DEFAULT, NULL, NULL, NULL, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("%s %s: %s\n%s", CLIP_PYTHON, path, error->message, err);
  g_free (err);
  g_free (path);
}

/* The tables in src/ are what tools/gen-textclean-tables.py makes today. */
static void
test_tables_current (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("clip-tables-XXXXXX", &error);
  g_assert_no_error (error);
  run_python ("tools/gen-textclean-tables.py", dir);
  static const char *const names[] = { "html-entities.inc",
    "width-forms.inc" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    char *fresh = g_build_filename (dir, names[i], NULL);
    char *kept = g_build_filename (CLIP_SOURCE_ROOT, "src", names[i], NULL);
    char *a = NULL, *b = NULL;
    g_assert_true (g_file_get_contents (fresh, &a, NULL, &error));
    g_assert_true (g_file_get_contents (kept, &b, NULL, &error));
    g_assert_no_error (error);
    if (strcmp (a, b) != 0)
      g_error ("src/%s is out of date: run tools/gen-textclean-tables.py "
          "src", names[i]);
    g_unlink (fresh);
    g_free (a);
    g_free (b);
    g_free (fresh);
    g_free (kept);
  }
  g_rmdir (dir);
  g_free (dir);
}

/* Every case of tests/html_unescape_cases.py (each HTML5 key in several
 * contexts, numeric references, random strings) decodes byte for byte as
 * Python's html.unescape decodes it. */
static void
test_html_unescape_python (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("clip-html-XXXXXX", &error);
  g_assert_no_error (error);
  char *path = g_build_filename (dir, "cases", NULL);
  run_python ("tests/html_unescape_cases.py", path);
  char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &data, &len, &error));
  g_assert_no_error (error);

  size_t n = 0, same = 0;
  const char *p = data, *end = data + len;
  while (p < end) {
    const char *input = p;
    const char *want = input + strlen (input) + 1;
    g_assert_true (want < end);
    p = want + strlen (want) + 1;
    char *got = clip_html_unescape (input);
    n++;
    if (strcmp (got, want) == 0)
      same++;
    else if (n - same <= 20)
      g_test_message ("html.unescape (\"%s\"): got \"%s\", Python gives "
          "\"%s\"", input, got, want);
    g_free (got);
  }
  g_test_message ("html.unescape: %zu/%zu cases as Python decodes them",
      same, n);
  /* 2,231 keys of html.entities.html5, seven cases each, and more. */
  g_assert_cmpuint (n, >, 7 * 2231);
  g_assert_cmpuint (same, ==, n);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
  g_free (data);
}

/* ftfy's own documented examples of the fixes the engine does. */
static void
test_ftfy_examples (void)
{
  static const char *const cases[][2] = {
    /* fixes.unescape_html */
    { "&lt;tag&gt;", "<tag>" },
    { "&Jscr;ohn &HilbertSpace;ancock", "\xf0\x9d\x92\xa5ohn \xe2\x84\x8b"
      "ancock" },
    { "&checkmark;", "\xe2\x9c\x93" },
    { "P&eacute;rez", "P\xc3\xa9rez" },
    { "P&EACUTE;REZ", "P\xc3\x89REZ" },
    { "BUNDESSTRA&SZLIG;E", "BUNDESSTRASSE" },
    { "&ntilde; &Ntilde; &NTILDE; &nTILDE;", "\xc3\xb1 \xc3\x91 \xc3\x91 "
      "&nTILDE;" },
    /* fixes.remove_terminal_escapes */
    { "\x1b[36;44mI'm blue, da ba dee da ba doo...\x1b[0m",
      "I'm blue, da ba dee da ba doo..." },
    /* fixes.uncurl_quotes */
    { "\xe2\x80\x9chere\xe2\x80\x99s a test\xe2\x80\x9d",
      "\"here's a test\"" },
    /* fixes.fix_latin_ligatures */
    { "\xef\xac\x82u\xef\xac\x83""e\xef\xac\x86", "fluffiest" },
    /* fixes.fix_character_width */
    { "\xef\xbc\xac\xef\xbc\xaf\xef\xbc\xb5\xef\xbc\xa4\xe3\x80\x80\xef\xbc"
      "\xae\xef\xbc\xaf\xef\xbc\xa9\xef\xbc\xb3\xef\xbc\xa5\xef\xbc\xb3",
      "LOUD NOISES" },
    { "\xef\xbc\xb5\xef\xbe\x80\xef\xbd\xb0\xef\xbe\x9d",
      "U\xe3\x82\xbf\xe3\x83\xbc\xe3\x83\xb3" },
    /* fixes.fix_line_breaks */
    { "This string is made of two things:\xe2\x80\xa9""1. Unicode\xe2\x80"
      "\xa8""2. Spite", "This string is made of two things:\n1. Unicode\n"
      "2. Spite" },
    { "Content-type: text/plain\r\n\r\nHi.",
      "Content-type: text/plain\n\nHi." },
    { "This is how Microsoft \r trolls Mac users",
      "This is how Microsoft \n trolls Mac users" },
    /* fixes.remove_bom: the mark is one of the removed controls */
    { "\xef\xbb\xbfWhere do you want to go today?",
      "Where do you want to go today?" },
    /* fix_text: '<' marks HTML, whose references stay, from its line on */
    { "&lt;b&gt; <b>", "&lt;b&gt; <b>" },
    { "&amp;\n<\n&amp;", "&\n<\n&amp;" },
    /* fix_text repeats until nothing changes */
    { "&amp;amp;amp;", "&" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    char *got = clip_fix_text (cases[i][0], strlen (cases[i][0]));
    if (strcmp (got, cases[i][1]) != 0)
      g_error ("fix_text (\"%s\") gave \"%s\", ftfy gives \"%s\"",
          cases[i][0], got, cases[i][1]);
    g_free (got);
  }
}

/* U+0000 is a character like another: ftfy removes it with the other
 * controls, after the steps that see it in between. */
static void
test_nul (void)
{
  static const struct {
    const char *text;
    size_t len;
    const char *same_as;
  } cases[] = {
    { "a\0b", 3, "ab" },
    { "\0", 1, "" },
    /* The NUL splits the escape and the reference for the first round;
     * then the ESC is gone, and the reference is whole. */
    { "\x1b[3\0001mX", 7, "[31mX" },
    { "&am\0p;x", 7, "&x" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    char *got = clip_fix_text (cases[i].text, cases[i].len);
    g_assert_cmpstr (got, ==, cases[i].same_as);
    g_free (got);
  }
}

/* Tokenizes every text of texts-ftfy with each golden vocabulary and
 * compares with the ids of OpenAI's tokenizer running the real ftfy. */
static void
test_golden_ftfy (void)
{
  GError *error = NULL;
  char *texts_path = golden_path ("texts-ftfy/texts.json");
  JsonNode *texts = jsondoc_parse_file (texts_path, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (jsondoc_array (texts));
  NpyArray *expected = golden_npy ("texts-ftfy/token_ids.npy");
  g_assert_cmpint (expected->ndim, ==, 2);
  size_t n_texts = golden_length (texts);
  g_assert_cmpuint (expected->shape[0], ==, n_texts);
  int context = (int) expected->shape[1];
  double *want = npy_to_f64 (expected);
  int32_t *got = g_new (int32_t, context);

  JsonNode *models = jsondoc_member (golden_manifest (), "models");
  int layouts_seen = 0;
  for (size_t m = 0; m < golden_length (models); m++) {
    JsonNode *layouts = jsondoc_member (golden_element (models, m),
        "layouts");
    for (size_t l = 0; l < golden_length (layouts); l++) {
      const char *dir = jsondoc_string (golden_value_at (layouts, l));
      char *vocab = g_build_filename (golden_dir (), dir, "vocab.json", NULL);
      char *merges = g_build_filename (golden_dir (), dir, "merges.txt",
          NULL);
      ClipTokenizer *tok = clip_tokenizer_load (vocab, merges, &error);
      g_assert_no_error (error);
      size_t same = 0;
      for (size_t t = 0; t < n_texts; t++) {
        const char *item = jsondoc_string (golden_element (texts, t));
        g_assert_true (clip_tokenizer_encode_len (tok, item, strlen (item),
                got, context, &error));
        g_assert_no_error (error);
        int diff = -1;
        for (int k = 0; k < context && diff < 0; k++)
          if (got[k] != (int32_t) want[t * context + k])
            diff = k;
        if (diff < 0)
          same++;
        else if (t - same < 20)
          g_test_message ("%s: text %zu \"%s\": first difference at %d: "
              "got %d, expected %d", dir, t, item, diff,
              got[diff], (int32_t) want[t * context + diff]);
      }
      g_test_message ("%s: texts-ftfy: tokens identical for %zu/%zu texts",
          dir, same, n_texts);
      g_assert_cmpuint (same, ==, n_texts);
      clip_tokenizer_free (tok);
      g_free (vocab);
      g_free (merges);
      layouts_seen++;
    }
  }
  g_assert_cmpint (layouts_seen, >, 0);
  g_free (got);
  g_free (want);
  npy_free (expected);
  json_node_unref (texts);
  g_free (texts_path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/textclean/tables-current", test_tables_current);
  g_test_add_func ("/textclean/html-unescape-python",
      test_html_unescape_python);
  g_test_add_func ("/textclean/ftfy-examples", test_ftfy_examples);
  g_test_add_func ("/textclean/nul", test_nul);
  /* Last: without golden data the program ends here as a skip. */
  g_test_add_func ("/textclean/golden-ftfy", test_golden_ftfy);
  return g_test_run ();
}
