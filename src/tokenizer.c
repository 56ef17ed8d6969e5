/* tokenizer.c: CLIP's byte-level BPE, as OpenAI's simple_tokenizer.py.
 *
 * encode (text) = BPE (pre-tokenise (lower (whitespace_clean (strip (
 *                 html_unescape² (ftfy_fix_text (text)))))))
 *
 * The cleaning and the pre-tokenisation live in textclean.c; this file
 * loads vocab.json and merges.txt and runs BPE on the pieces.
 *
 * BPE works on vocabulary ids: every symbol a merge can produce or consume
 * must be in vocab.json (checked at load), so a merge is a pair of ids and
 * the tables below are all there is after loading. Encoding only reads
 * them, which makes a tokenizer safe to share between threads. */
#include "tokenizer.h"

#include "clip.h"
#include "fileio.h"
#include "jsondoc.h"
#include "textclean.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#define NO_RANK G_MAXUINT32
#define EMPTY_KEY G_MAXUINT64

typedef struct {
  guint64 key;                /* (left id << 32) | right id */
  guint32 rank;
  int32_t merged;             /* id of the concatenation */
} MergeSlot;

struct _ClipTokenizer {
  MergeSlot *merges;          /* open addressing, capacity a power of two */
  guint64 merge_mask;
  /* Ids of the symbol of each byte, inside and at the end of a word
   * ("x" / "x</w>"); -1 if vocab.json lacks it. */
  int32_t byte_id[256];
  int32_t byte_end_id[256];
  int32_t sot, eot, vocab_size;
};

/* GPT-2's byte -> printable character map: bytes that are printable
 * Latin-1 stand for themselves, the others are moved to U+0100 upward. */
static gunichar
byte_to_unicode (guint8 b)
{
  if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE)
    return b;
  int n = 0;
  for (int c = 0; c < b; c++)
    if (!((c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || c >= 0xAE))
      n++;
  return 256 + n;
}

/* ------------------------------------------------------------ merges */

static guint64
pair_key (int32_t left, int32_t right)
{
  return ((guint64) (guint32) left << 32) | (guint32) right;
}

static MergeSlot *
merge_slot (const ClipTokenizer *tok, guint64 key)
{
  guint64 i = (key * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> 20;
  for (;; i++) {
    MergeSlot *s = &tok->merges[i & tok->merge_mask];
    if (s->key == key || s->key == EMPTY_KEY)
      return s;
  }
}

/* Rank of merging @left and @right (NO_RANK if they never merge). */
static guint32
pair_rank (const ClipTokenizer *tok, int32_t left, int32_t right)
{
  if (left < 0 || right < 0)
    return NO_RANK;
  const MergeSlot *s = merge_slot (tok, pair_key (left, right));
  return s->key == EMPTY_KEY ? NO_RANK : s->rank;
}

static gboolean G_GNUC_PRINTF (4, 5)
fail_line (GError **error, const char *name, int line, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT, "%s line %d: %s", name,
      line, what);
  g_free (what);
  return FALSE;
}

/* Id of @symbol in the table load_vocab() made (token -> id + 1), or -1. */
static int32_t
vocab_id (GHashTable *vocab, const char *symbol)
{
  return GPOINTER_TO_INT (g_hash_table_lookup (vocab, symbol)) - 1;
}

/* Reads merges.txt: rank = order of the line. A pair listed twice keeps its
 * last rank, as Python's dict (zip (merges, range (...))) does. */
static gboolean
load_merges (ClipTokenizer *tok, GHashTable *vocab,
    const char *vocab_name,
    const char *text, size_t len, const char *name, GError **error)
{
  const char *bad = NULL;
  if (!g_utf8_validate_len (text, len, &bad)) {
    int line = 1;
    for (const char *q = text; q < bad; q++)
      line += *q == '\n';
    return fail_line (error, name, line, "invalid UTF-8");
  }

  size_t n_lines = 1;
  for (size_t i = 0; i < len; i++)
    n_lines += text[i] == '\n';
  guint64 capacity = 16;
  while (capacity < 2 * n_lines)
    capacity *= 2;
  tok->merges = g_new (MergeSlot, capacity);
  for (guint64 i = 0; i < capacity; i++)
    tok->merges[i].key = EMPTY_KEY;
  tok->merge_mask = capacity - 1;

  GString *joined = g_string_new (NULL);
  char *sym[2] = { NULL, NULL };
  const char *p = text, *end = text + len;
  guint32 rank = 0;
  gboolean ok = TRUE;
  for (int line = 1; p < end && ok; line++) {
    const char *eol = memchr (p, '\n', end - p);
    if (eol == NULL)
      eol = end;
    const char *stop = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
    const char *next = eol < end ? eol + 1 : end;
    if (stop == p || (line == 1 && stop - p >= 8
            && memcmp (p, "#version", 8) == 0)) {
      p = next;
      continue;
    }
    const char *space = memchr (p, ' ', stop - p);
    if (space == NULL || space == p || space + 1 == stop
        || memchr (space + 1, ' ', stop - space - 1) != NULL
        || memchr (p, '\0', stop - p) != NULL || memchr (p, '\t', stop - p)) {
      ok = fail_line (error, name, line, "expected two symbols");
      break;
    }
    sym[0] = g_strndup (p, space - p);
    sym[1] = g_strndup (space + 1, stop - space - 1);
    g_string_assign (joined, sym[0]);
    g_string_append (joined, sym[1]);
    int32_t left = vocab_id (vocab, sym[0]);
    int32_t right = vocab_id (vocab, sym[1]);
    int32_t merged = vocab_id (vocab, joined->str);
    const char *missing = left < 0 ? sym[0] : right < 0 ? sym[1]
        : merged < 0 ? joined->str : NULL;
    if (missing != NULL) {
      ok = fail_line (error, name, line, "symbol \"%s\" is not in %s",
          missing, vocab_name);
    } else {
      MergeSlot *s = merge_slot (tok, pair_key (left, right));
      s->key = pair_key (left, right);
      s->rank = rank++;
      s->merged = merged;
    }
    g_clear_pointer (&sym[0], g_free);
    g_clear_pointer (&sym[1], g_free);
    p = next;
  }
  g_string_free (joined, TRUE);
  return ok;
}

/* ------------------------------------------------------------ vocab */

static int
cmp_int32 (const void *a, const void *b)
{
  int32_t x = *(const int32_t *) a, y = *(const int32_t *) b;
  return x < y ? -1 : x > y;
}

/* The first id given to two tokens, or -1. */
static int32_t
repeated_id (int32_t *ids, size_t n, int32_t max_id)
{
  if ((size_t) max_id < 8 * n + 4096) {
    guint8 *seen = g_malloc0 ((size_t) max_id / 8 + 1);
    int32_t found = -1;
    for (size_t i = 0; i < n && found < 0; i++) {
      if (seen[ids[i] / 8] & (1u << (ids[i] % 8)))
        found = ids[i];
      seen[ids[i] / 8] |= 1u << (ids[i] % 8);
    }
    g_free (seen);
    return found;
  }
  qsort (ids, n, sizeof (int32_t), cmp_int32);
  for (size_t i = 1; i < n; i++)
    if (ids[i] == ids[i - 1])
      return ids[i];
  return -1;
}

/* Checks vocab.json: an object of tokens -> distinct non-negative integer
 * ids, holding both special tokens, and fills @vocab (token -> id + 1,
 * keys borrowed from @json) for the lookups that follow. (A token listed
 * twice is refused by jsondoc_parse(): Python would keep the last, a
 * first-match lookup the first.) */
static gboolean
load_vocab (ClipTokenizer *tok, JsonObject *json, GHashTable *vocab,
    const char *name, GError **error)
{
  size_t n = json_object_get_size (json);
  int32_t *ids = g_new (int32_t, MAX (n, 1));
  int32_t max_id = -1;
  size_t i = 0;
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;
  json_object_iter_init (&iter, json);
  while (json_object_iter_next (&iter, &key, &value)) {
    gint64 id;
    if (!jsondoc_integer (value, &id) || id < 0 || id >= G_MAXINT32) {
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
          "%s: the id of \"%s\" is not a non-negative integer", name, key);
      g_free (ids);
      return FALSE;
    }
    ids[i++] = (int32_t) id;
    max_id = MAX (max_id, (int32_t) id);
    g_hash_table_insert (vocab, (gpointer) key, GINT_TO_POINTER (id + 1));
  }
  /* Two tokens with one id would make different symbols look equal. */
  int32_t repeated = repeated_id (ids, n, max_id);
  g_free (ids);
  if (repeated >= 0) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: id %d is given to more than one token", name, repeated);
    return FALSE;
  }
  tok->vocab_size = max_id + 1;

  tok->sot = vocab_id (vocab, "<|startoftext|>");
  tok->eot = vocab_id (vocab, "<|endoftext|>");
  if (tok->sot < 0 || tok->eot < 0) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: no entry for the special token \"%s\"", name,
        tok->sot < 0 ? "<|startoftext|>" : "<|endoftext|>");
    return FALSE;
  }

  for (int b = 0; b < 256; b++) {
    char sym[16];
    int len = g_unichar_to_utf8 (byte_to_unicode (b), sym);
    sym[len] = '\0';
    tok->byte_id[b] = vocab_id (vocab, sym);
    strcpy (sym + len, "</w>");
    tok->byte_end_id[b] = vocab_id (vocab, sym);
  }
  return TRUE;
}

/* ------------------------------------------------------------ loading */

/* Builds a tokenizer from vocab.json and merges.txt held in memory. */
ClipTokenizer *
clip_tokenizer_load_from_data (const char *vocab_json, size_t vocab_len,
    const char *vocab_name, const char *merges_txt, size_t merges_len,
    const char *merges_name, GError **error)
{
  if (vocab_name == NULL)
    vocab_name = "vocab.json";
  if (merges_name == NULL)
    merges_name = "merges.txt";
  JsonNode *json = jsondoc_parse (vocab_json, vocab_len, vocab_name, "token",
      error);
  if (json == NULL)
    return NULL;
  JsonObject *vocab = jsondoc_object (json);
  if (vocab == NULL) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_FORMAT,
        "%s: expected an object of token -> id", vocab_name);
    json_node_unref (json);
    return NULL;
  }
  ClipTokenizer *tok = g_new0 (ClipTokenizer, 1);
  GHashTable *ids = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean ok = load_vocab (tok, vocab, ids, vocab_name, error)
      && load_merges (tok, ids, vocab_name, merges_txt, merges_len,
          merges_name, error);
  g_hash_table_unref (ids);
  json_node_unref (json);
  if (!ok) {
    clip_tokenizer_free (tok);
    return NULL;
  }
  return tok;
}

/* Loads vocab.json and merges.txt; errors name the file at fault. */
ClipTokenizer *
clip_tokenizer_load (const char *vocab_path, const char *merges_path,
    GError **error)
{
  char *vocab = NULL, *merges = NULL;
  gsize vocab_len = 0, merges_len = 0;
  GError *io_error = NULL;
  ClipTokenizer *tok = NULL;
  if (!clip_file_get_contents (vocab_path, &vocab, &vocab_len, &io_error)
      || !clip_file_get_contents (merges_path, &merges, &merges_len,
          &io_error)) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_IO, "%s", io_error->message);
    g_error_free (io_error);
  } else {
    tok = clip_tokenizer_load_from_data (vocab, vocab_len, vocab_path,
        merges, merges_len, merges_path, error);
  }
  g_free (vocab);
  g_free (merges);
  return tok;
}

/* Frees @tok (NULL is allowed). */
void
clip_tokenizer_free (ClipTokenizer *tok)
{
  if (tok == NULL)
    return;
  g_free (tok->merges);
  g_free (tok);
}

/* Id of "<|startoftext|>". */
int32_t
clip_tokenizer_sot (const ClipTokenizer *tok)
{
  return tok->sot;
}

/* Id of "<|endoftext|>". */
int32_t
clip_tokenizer_eot (const ClipTokenizer *tok)
{
  return tok->eot;
}

/* Largest id in vocab.json plus one. */
int32_t
clip_tokenizer_vocab_size (const ClipTokenizer *tok)
{
  return tok->vocab_size;
}

/* ------------------------------------------------------------ encoding */

/* Scratch memory of one encode call. */
typedef struct {
  int32_t *sym;
  guint32 *rank;
  int *origin;
  gboolean *fresh;
  size_t capacity;
} BpeScratch;

static void
scratch_reserve (BpeScratch *s, size_t n)
{
  if (n <= s->capacity)
    return;
  s->capacity = MAX (n, 2 * s->capacity);
  s->sym = g_renew (int32_t, s->sym, s->capacity);
  s->rank = g_renew (guint32, s->rank, s->capacity);
  s->origin = g_renew (int, s->origin, s->capacity);
  s->fresh = g_renew (gboolean, s->fresh, s->capacity);
}

static void
scratch_clear (BpeScratch *s)
{
  g_free (s->sym);
  g_free (s->rank);
  g_free (s->origin);
  g_free (s->fresh);
}

/* BPE of one word: merges the lowest-ranked adjacent pair, all its
 * occurrences left to right, until no pair merges. Returns the number of
 * symbols left in s->sym. */
static int
bpe_word (const ClipTokenizer *tok, BpeScratch *s, int n)
{
  int32_t *sym = s->sym;
  guint32 *rank = s->rank;
  for (int i = 0; i + 1 < n; i++)
    rank[i] = pair_rank (tok, sym[i], sym[i + 1]);
  while (n > 1) {
    int best = 0;
    for (int i = 1; i + 1 < n; i++)
      if (rank[i] < rank[best])
        best = i;
    if (rank[best] == NO_RANK)
      break;
    int32_t left = sym[best], right = sym[best + 1];
    int32_t merged = merge_slot (tok, pair_key (left, right))->merged;
    int k = 0;
    for (int i = 0; i < n; k++) {
      if (i + 1 < n && sym[i] == left && sym[i + 1] == right) {
        sym[k] = merged;
        s->fresh[k] = TRUE;
        i += 2;
      } else {
        sym[k] = sym[i];
        s->fresh[k] = FALSE;
        s->origin[k] = i;
        i++;
      }
    }
    /* Only pairs touching a new symbol change rank; origin[i] >= i, so the
     * old ranks read here are not yet overwritten. */
    for (int i = 0; i + 1 < k; i++)
      rank[i] = s->fresh[i] || s->fresh[i + 1]
          ? pair_rank (tok, sym[i], sym[i + 1]) : rank[s->origin[i]];
    n = k;
  }
  return n;
}

/* Appends the ids of one pre-tokenised piece; FALSE if its symbols are
 * not all in the vocabulary. */
static gboolean
encode_piece (const ClipTokenizer *tok, const gunichar *piece, long len,
    BpeScratch *s, GArray *ids, GError **error)
{
  char utf8[8];
  size_t n = 0;
  for (long i = 0; i < len; i++)
    n += g_unichar_to_utf8 (piece[i], NULL);
  scratch_reserve (s, n);
  size_t k = 0;
  for (long i = 0; i < len; i++) {
    int m = g_unichar_to_utf8 (piece[i], utf8);
    for (int j = 0; j < m; j++, k++) {
      guint8 b = (guint8) utf8[j];
      s->sym[k] = k + 1 == n ? tok->byte_end_id[b] : tok->byte_id[b];
    }
  }
  int left = bpe_word (tok, s, (int) n);
  for (int i = 0; i < left; i++) {
    if (s->sym[i] < 0) {
      g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT, "text has a "
          "character the vocabulary cannot encode (a byte symbol is missing "
          "from vocab.json)");
      return FALSE;
    }
  }
  g_array_append_vals (ids, s->sym, left);
  return TRUE;
}

/* Encodes the pieces of the cleaned text @t, stopping once @max_ids ids
 * are known. */
static gboolean
encode_text (const ClipTokenizer *tok, const gunichar *t, long n,
    GArray *ids, guint max_ids, GError **error)
{
  BpeScratch s = { 0 };
  gboolean ok = TRUE;
  long pos = 0, start = 0;
  while (ok && ids->len < max_ids) {
    ClipTextPiece piece = clip_text_next_piece (t, n, &pos, &start);
    if (piece == CLIP_TEXT_PIECE_END)
      break;
    if (piece == CLIP_TEXT_PIECE_SOT)
      g_array_append_val (ids, tok->sot);
    else if (piece == CLIP_TEXT_PIECE_EOT)
      g_array_append_val (ids, tok->eot);
    else
      ok = encode_piece (tok, t + start, pos - start, &s, ids, error);
  }
  scratch_clear (&s);
  return ok;
}

/* Whether the @len bytes at @text are UTF-8, NUL characters included;
 * *@bad is set to the first byte that is not. */
static gboolean
utf8_validate_with_nul (const char *text, size_t len, const char **bad)
{
  const char *p = text, *end = text + len;
  while (!g_utf8_validate_len (p, end - p, bad)) {
    if (**bad != '\0')
      return FALSE;
    p = *bad + 1;
  }
  return TRUE;
}

/* Tokenizes the @len bytes at @text into exactly @context_length ids. */
gboolean
clip_tokenizer_encode_len (const ClipTokenizer *tok, const char *text,
    size_t len, int32_t *ids, int context_length, GError **error)
{
  const char *bad = NULL;
  if (context_length < 1) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "context length %d is too small", context_length);
    return FALSE;
  }
  if (text == NULL || !utf8_validate_with_nul (text, len, &bad)) {
    g_set_error (error, CLIP_ERROR, CLIP_ERROR_INPUT,
        "text is not valid UTF-8 (at byte %ld)",
        text ? (long) (bad - text) : 0L);
    return FALSE;
  }
  long n = 0;
  gunichar *clean = clip_text_clean (text, len, &n);
  /* SOT, ids, EOT cut to context_length with EOT last keeps exactly the
   * first context_length - 2 ids, so later text is never encoded. */
  guint max_ids = context_length >= 2 ? (guint) context_length - 2 : 0;
  GArray *bpe = g_array_new (FALSE, FALSE, sizeof (int32_t));
  gboolean ok = encode_text (tok, clean, n, bpe, max_ids, error);
  g_free (clean);
  if (ok) {
    int k = 0;
    if (context_length >= 2)
      ids[k++] = tok->sot;
    for (guint i = 0; i < bpe->len && i < max_ids; i++)
      ids[k++] = g_array_index (bpe, int32_t, i);
    ids[k++] = tok->eot;
    while (k < context_length)
      ids[k++] = 0;
  }
  g_array_free (bpe, TRUE);
  return ok;
}

/* Tokenizes the NUL-terminated @text into exactly @context_length ids. */
gboolean
clip_tokenizer_encode (const ClipTokenizer *tok, const char *text,
    int32_t *ids, int context_length, GError **error)
{
  return clip_tokenizer_encode_len (tok, text, text ? strlen (text) : 0, ids,
      context_length, error);
}
