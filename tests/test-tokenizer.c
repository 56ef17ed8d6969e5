/* test-tokenizer.c: the BPE tokenizer against OpenAI's token ids in the
 * golden data, and its errors on bad files and bad text. */
#include "clip.h"
#include "golden.h"
#include "tokenizer.h"

#include <glib/gstdio.h>
#include <string.h>

/* ------------------------------------------------- a tiny vocabulary */

/* A vocabulary written by hand for the unit tests: the 512 byte symbols
 * (GPT-2's byte map), the merges "h i</w>" -> "hi</w>" and "a b" -> "ab",
 * then the special tokens. */
typedef struct {
  char *dir, *vocab, *merges;
} TinyFiles;

static void
tiny_symbol (int b, char *out)
{
  /* GPT-2's map, written independently of the tokenizer's. */
  static int table[256];
  static gboolean ready = FALSE;
  if (!ready) {
    int n = 0;
    for (int c = 0; c < 256; c++) {
      gboolean printable = (c >= 33 && c <= 126) || (c >= 161 && c <= 172)
          || (c >= 174 && c <= 255);
      table[c] = printable ? c : 256 + n++;
    }
    ready = TRUE;
  }
  out[g_unichar_to_utf8 (table[b], out)] = '\0';
}

/* Ids of the tiny vocabulary: byte b is b, "b</w>" is 256 + b. */
#define TINY_HI_W 512
#define TINY_AB 513
#define TINY_SOT 514
#define TINY_EOT 515

static char *
tiny_vocab_json (gboolean with_eot)
{
  GString *s = g_string_new ("{");
  for (int b = 0; b < 256; b++) {
    char sym[8];
    tiny_symbol (b, sym);
    /* Symbols are printable: only '"' and '\\' need escaping. */
    const char *escaped = sym[0] == '"' ? "\\\"" : sym[0] == '\\' ? "\\\\"
        : sym;
    g_string_append_printf (s, "\"%s\": %d, \"%s</w>\": %d, ", escaped, b,
        escaped, 256 + b);
  }
  g_string_append_printf (s, "\"hi</w>\": %d, \"ab\": %d, "
      "\"<|startoftext|>\": %d", TINY_HI_W, TINY_AB, TINY_SOT);
  if (with_eot)
    g_string_append_printf (s, ", \"<|endoftext|>\": %d", TINY_EOT);
  g_string_append (s, "}\n");
  return g_string_free (s, FALSE);
}

static const char tiny_merges_txt[] = "#version: 0.2\nh i</w>\na b\n";

static void
tiny_files_write (TinyFiles *f, const char *vocab, const char *merges)
{
  GError *error = NULL;
  f->dir = g_dir_make_tmp ("clip-tokenizer-XXXXXX", &error);
  g_assert_no_error (error);
  f->vocab = g_build_filename (f->dir, "vocab.json", NULL);
  f->merges = g_build_filename (f->dir, "merges.txt", NULL);
  g_assert_true (g_file_set_contents (f->vocab, vocab, -1, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (f->merges, merges, -1, &error));
  g_assert_no_error (error);
}

static void
tiny_files_clear (TinyFiles *f)
{
  g_unlink (f->vocab);
  g_unlink (f->merges);
  g_rmdir (f->dir);
  g_free (f->vocab);
  g_free (f->merges);
  g_free (f->dir);
}

static ClipTokenizer *
tiny_tokenizer (void)
{
  char *vocab = tiny_vocab_json (TRUE);
  TinyFiles f;
  tiny_files_write (&f, vocab, tiny_merges_txt);
  GError *error = NULL;
  ClipTokenizer *tok = clip_tokenizer_load (f.vocab, f.merges, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tok);
  tiny_files_clear (&f);
  g_free (vocab);
  return tok;
}

/* Loads @vocab / @merges from files and expects a CLIP_ERROR whose message
 * names the file at fault and holds @fragment. */
static void
expect_load_error (const char *vocab, const char *merges, gboolean vocab_bad,
    int code, const char *fragment)
{
  TinyFiles f;
  tiny_files_write (&f, vocab, merges);
  GError *error = NULL;
  ClipTokenizer *tok = clip_tokenizer_load (f.vocab, f.merges, &error);
  g_assert_null (tok);
  g_assert_error (error, CLIP_ERROR, code);
  g_test_message ("error: %s", error->message);
  g_assert_nonnull (strstr (error->message, vocab_bad ? f.vocab : f.merges));
  if (fragment != NULL)
    g_assert_nonnull (strstr (error->message, fragment));
  g_error_free (error);
  tiny_files_clear (&f);
}

/* -------------------------------------------------------- unit tests */

static void
test_tiny_encode (void)
{
  ClipTokenizer *tok = tiny_tokenizer ();
  g_assert_cmpint (clip_tokenizer_sot (tok), ==, TINY_SOT);
  g_assert_cmpint (clip_tokenizer_eot (tok), ==, TINY_EOT);
  g_assert_cmpint (clip_tokenizer_vocab_size (tok), ==, TINY_EOT + 1);

  /* "Hi  hi! AB" -> "hi hi! ab" -> "hi" "hi" "!" "ab": the merge "a b"
   * makes "ab" but not "ab</w>", so "ab" stays two symbols. */
  int32_t ids[10];
  GError *error = NULL;
  g_assert_true (clip_tokenizer_encode (tok, "Hi  hi! AB", ids, 10, &error));
  g_assert_no_error (error);
  const int32_t expected[10] = { TINY_SOT, TINY_HI_W, TINY_HI_W, 256 + '!',
    'a', 256 + 'b', TINY_EOT, 0, 0, 0 };
  for (int i = 0; i < 10; i++)
    g_assert_cmpint (ids[i], ==, expected[i]);

  /* Truncation keeps EOT last; a context of 1 holds EOT only. */
  g_assert_true (clip_tokenizer_encode (tok, "hi hi hi", ids, 3, &error));
  g_assert_cmpint (ids[0], ==, TINY_SOT);
  g_assert_cmpint (ids[1], ==, TINY_HI_W);
  g_assert_cmpint (ids[2], ==, TINY_EOT);
  g_assert_true (clip_tokenizer_encode (tok, "hi", ids, 1, &error));
  g_assert_cmpint (ids[0], ==, TINY_EOT);
  g_assert_no_error (error);
  clip_tokenizer_free (tok);
}

/* Pairs of texts that Python's cleaning (ftfy.fix_text, html.unescape
 * twice, strip, whitespace runs, str.lower) makes equal. */
static void
test_cleaning (void)
{
  static const char *const same[][2] = {
    { "cafe\xcc\x81", "caf\xc3\xa9" },                  /* NFC */
    { "&#x41;&#98;C", "abc" },
    { "&amp;amp;", "&" },
    { "&amp;amp;amp;", "&" },                           /* ftfy, to the end */
    { "<&amp;amp;amp;", "<& amp ;" },                   /* '<': no ftfy */
    { "&lt&gt;&quot", "<>\"" },                         /* legacy bare names */
    { "&ampfoo", "&foo" },
    { "&hellip", "& hellip" },                          /* needs its ';' */
    { "&hellip;", "\xe2\x80\xa6" },
    { "&#150;", "\xe2\x80\x93" },                       /* cp1252 en dash */
    { "&#0;", "\xef\xbf\xbd" },
    { "&#xD800;", "\xef\xbf\xbd" },
    { "a&#1;b", "ab" },
    { "&#;&#x;&;", "&#;&#  x ;&;" },
    { "  a \t\n\xc2\xa0 b\xe3\x80\x80", "a b" },
    { "ALL CAPS \xc3\x89T\xc3\x89", "all caps \xc3\xa9t\xc3\xa9" },
    { "\xe2\x85\xa0 \xe2\x92\xb6", "\xe2\x85\xb0 \xe2\x93\x90" },
    { "\xc4\xb0", "i\xcc\x87" },                        /* U+0130 */
    { "O\xce\xa3 \xce\xa3O", "o\xcf\x82 \xcf\x83o" },   /* final sigma */
  };
  ClipTokenizer *tok = tiny_tokenizer ();
  for (guint i = 0; i < G_N_ELEMENTS (same); i++) {
    int32_t a[32], b[32];
    GError *error = NULL;
    g_assert_true (clip_tokenizer_encode (tok, same[i][0], a, 32, &error));
    g_assert_true (clip_tokenizer_encode (tok, same[i][1], b, 32, &error));
    g_assert_no_error (error);
    for (int k = 0; k < 32; k++) {
      if (a[k] != b[k])
        g_error ("\"%s\" and \"%s\" differ at %d", same[i][0], same[i][1], k);
    }
  }
  clip_tokenizer_free (tok);
}

static void
test_invalid_utf8 (void)
{
  static const char *const bad[] = {
    "caf\xe9", "\xc3", "\xed\xa0\x80", "\xc0\xaf", "ok \xff",
  };
  ClipTokenizer *tok = tiny_tokenizer ();
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    int32_t ids[8];
    GError *error = NULL;
    g_assert_false (clip_tokenizer_encode (tok, bad[i], ids, 8, &error));
    g_assert_error (error, CLIP_ERROR, CLIP_ERROR_INPUT);
    g_error_free (error);
  }
  clip_tokenizer_free (tok);
}

static void
test_bad_merges (void)
{
  char *vocab = tiny_vocab_json (TRUE);
  expect_load_error (vocab, "#version: 0.2\nh i</w>\nab\n", FALSE,
      CLIP_ERROR_FORMAT, "line 3: expected two symbols");
  expect_load_error (vocab, "#version: 0.2\nh i</w>\na b c\n", FALSE,
      CLIP_ERROR_FORMAT, "line 3: expected two symbols");
  expect_load_error (vocab, "h i</w>\n\n a\n", FALSE,
      CLIP_ERROR_FORMAT, "line 3: expected two symbols");
  expect_load_error (vocab, "#version: 0.2\nx y\n", FALSE,
      CLIP_ERROR_FORMAT, "line 2: symbol \"xy\" is not in");
  expect_load_error (vocab, "#version: 0.2\nh \xff\n", FALSE,
      CLIP_ERROR_FORMAT, "line 2: invalid UTF-8");
  g_free (vocab);
}

static void
test_bad_vocab (void)
{
  char *good = tiny_vocab_json (TRUE);
  char *no_eot = tiny_vocab_json (FALSE);
  char *truncated = g_strndup (good, strlen (good) / 2);
  expect_load_error ("[1, 2]", tiny_merges_txt, TRUE, CLIP_ERROR_FORMAT,
      "object");
  expect_load_error ("{\"a\": 1.5}", tiny_merges_txt, TRUE,
      CLIP_ERROR_FORMAT, "\"a\" is not a non-negative integer");
  expect_load_error ("{\"a\": \"1\"}", tiny_merges_txt, TRUE,
      CLIP_ERROR_FORMAT, "\"a\" is not a non-negative integer");
  expect_load_error ("{\"a\": -1}", tiny_merges_txt, TRUE,
      CLIP_ERROR_FORMAT, "\"a\" is not a non-negative integer");
  expect_load_error (no_eot, tiny_merges_txt, TRUE, CLIP_ERROR_FORMAT,
      "<|endoftext|>");
  expect_load_error (truncated, tiny_merges_txt, TRUE, CLIP_ERROR_FORMAT,
      " at line 1, column ");
  expect_load_error ("{\"a\": 1, \"a\": 2}", tiny_merges_txt, TRUE,
      CLIP_ERROR_FORMAT, "\"a\" is listed twice");
  expect_load_error ("{\"<|startoftext|>\": 0, \"<|endoftext|>\": 0}",
      "", TRUE, CLIP_ERROR_FORMAT, "id 0 is given to more than one token");
  g_free (good);
  g_free (no_eot);
  g_free (truncated);

  GError *error = NULL;
  g_assert_null (clip_tokenizer_load ("/nonexistent/vocab.json",
          "/nonexistent/merges.txt", &error));
  g_assert_error (error, CLIP_ERROR, CLIP_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/vocab.json"));
  g_error_free (error);
}

/* ------------------------------------------------------ golden tests */

/* Work of one thread of the sharing test. */
typedef struct {
  const ClipTokenizer *tok;
  JsonNode *texts;
  const double *want;
  int context;
  gint mismatches;
} SharedRun;

static gpointer
encode_all_repeatedly (gpointer data)
{
  SharedRun *run = data;
  int32_t *got = g_new (int32_t, run->context);
  for (int round = 0; round < 20; round++) {
    for (size_t t = 0; t < golden_length (run->texts); t++) {
      const char *text = jsondoc_string (golden_element (run->texts, t));
      if (!clip_tokenizer_encode (run->tok, text, got, run->context, NULL)) {
        g_atomic_int_inc (&run->mismatches);
        continue;
      }
      for (int k = 0; k < run->context; k++) {
        if (got[k] != (int32_t) run->want[t * run->context + k]) {
          g_atomic_int_inc (&run->mismatches);
          break;
        }
      }
    }
  }
  g_free (got);
  return NULL;
}

/* One tokenizer used by several threads at once gives the same ids. */
static void
check_shared (const ClipTokenizer *tok, JsonNode *texts,
    const double *want, int context)
{
  SharedRun run = { tok, texts, want, context, 0 };
  GThread *threads[4];
  for (int i = 0; i < 4; i++)
    threads[i] = g_thread_new ("encode", encode_all_repeatedly, &run);
  for (int i = 0; i < 4; i++)
    g_thread_join (threads[i]);
  g_assert_cmpint (g_atomic_int_get (&run.mismatches), ==, 0);
}

/* Tokenizes every manifest text with every model's and layout's files and
 * compares with OpenAI's ids in token_ids.npy. */
static void
test_golden (void)
{
  JsonNode *manifest = golden_manifest ();
  JsonNode *texts = jsondoc_member (manifest, "texts");
  JsonNode *models = jsondoc_member (manifest, "models");
  const char *ids_rel = jsondoc_string (jsondoc_member (manifest, "token_ids"));
  NpyArray *expected = golden_npy (ids_rel ? ids_rel : "token_ids.npy");
  g_assert_cmpint (expected->ndim, ==, 2);
  g_assert_cmpuint (expected->shape[0], ==, golden_length (texts));
  g_assert_cmpuint (golden_length (models), >, 0);
  int context = (int) expected->shape[1];
  double *want = npy_to_f64 (expected);
  int32_t *got = g_new (int32_t, context);
  int layouts_seen = 0;

  for (size_t m = 0; m < golden_length (models); m++) {
    JsonNode *model = golden_element (models, m);
    const char *name = jsondoc_string (jsondoc_member (model, "name"));
    JsonNode *layouts = jsondoc_member (model, "layouts");
    for (size_t l = 0; l < golden_length (layouts); l++) {
      const char *dir = jsondoc_string (golden_value_at (layouts, l));
      char *vocab = g_build_filename (golden_dir (), dir, "vocab.json", NULL);
      char *merges = g_build_filename (golden_dir (), dir, "merges.txt",
          NULL);
      GError *error = NULL;
      gint64 t0 = g_get_monotonic_time ();
      ClipTokenizer *tok = clip_tokenizer_load (vocab, merges, &error);
      gint64 t1 = g_get_monotonic_time ();
      g_assert_no_error (error);
      g_assert_nonnull (tok);

      size_t same = 0, n_texts = golden_length (texts);
      gint64 encode_us = 0;
      for (size_t t = 0; t < n_texts; t++) {
        const char *text = jsondoc_string (golden_element (texts, t));
        gint64 e0 = g_get_monotonic_time ();
        gboolean ok = clip_tokenizer_encode (tok, text, got, context, &error);
        encode_us += g_get_monotonic_time () - e0;
        g_assert_no_error (error);
        g_assert_true (ok);
        int diff = -1;
        for (int k = 0; k < context && diff < 0; k++)
          if (got[k] != (int32_t) want[t * context + k])
            diff = k;
        if (diff < 0) {
          same++;
          continue;
        }
        g_test_message ("%s/%s: text %zu \"%s\": first difference at "
            "position %d: got %d, expected %d", name,
            golden_key_at (layouts, l), t, text, diff, got[diff],
            (int32_t) want[t * context + diff]);
      }
      g_test_message ("%s/%s: tokens identical for %zu/%zu texts; load "
          "%.1f ms, encode %.1f us per text", name,
          golden_key_at (layouts, l), same, n_texts,
          (t1 - t0) / 1000.0, (double) encode_us / MAX (n_texts, 1));
      g_assert_cmpuint (same, ==, n_texts);

      /* A shorter context keeps the first ids and ends with EOT. */
      const char *longest = NULL;
      size_t longest_t = 0;
      for (size_t t = 0; t < n_texts; t++) {
        const char *text = jsondoc_string (golden_element (texts, t));
        if (longest == NULL || strlen (text) > strlen (longest)) {
          longest = text;
          longest_t = t;
        }
      }
      int32_t short_ids[5];
      g_assert_true (clip_tokenizer_encode (tok, longest, short_ids, 5,
              &error));
      for (int k = 0; k < 4; k++)
        g_assert_cmpint (short_ids[k], ==,
            (int32_t) want[longest_t * context + k]);
      g_assert_cmpint (short_ids[4], ==, clip_tokenizer_eot (tok));

      check_shared (tok, texts, want, context);

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
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tokenizer/tiny-encode", test_tiny_encode);
  g_test_add_func ("/tokenizer/cleaning", test_cleaning);
  g_test_add_func ("/tokenizer/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/tokenizer/bad-merges", test_bad_merges);
  g_test_add_func ("/tokenizer/bad-vocab", test_bad_vocab);
  /* Last: without golden data the program ends here as a skip. */
  g_test_add_func ("/tokenizer/golden", test_golden);
  return g_test_run ();
}
