/* bench-tokenizer.c: how fast the tokenizer encodes the prompts of a label
 * set. Prints numbers; asserts nothing.
 *
 *   build/tests/bench-tokenizer VOCAB.json MERGES.txt [ROUNDS]
 *
 * Encodes 80,000 ASCII prompts (80 ImageNet-style templates x 1,000 class
 * names, as a label set with OpenAI's prompt ensemble has), then the same
 * prompts wrapped in curly quotes (the non-ASCII path of the text
 * cleaning), ROUNDS times each (default 3), and prints the best CPU time
 * per prompt of each set. */
#include "tokenizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const templates[] = {
  "a bad photo of a %s.", "a photo of many %s.", "a sculpture of a %s.",
  "a photo of the hard to see %s.", "a low resolution photo of the %s.",
  "a rendering of a %s.", "graffiti of a %s.", "a bad photo of the %s.",
  "a cropped photo of the %s.", "a tattoo of a %s.", "the embroidered %s.",
  "a photo of a hard to see %s.", "a bright photo of a %s.",
  "a photo of a clean %s.", "a photo of a dirty %s.",
  "a dark photo of the %s.", "a drawing of a %s.", "a photo of my %s.",
  "the plastic %s.", "a photo of the cool %s.", "a close-up photo of a %s.",
  "a black and white photo of the %s.", "a painting of the %s.",
  "a painting of a %s.", "a pixelated photo of the %s.",
  "a sculpture of the %s.", "a bright photo of the %s.",
  "a cropped photo of a %s.", "a plastic %s.", "a photo of the dirty %s.",
  "a jpeg corrupted photo of a %s.", "a blurry photo of the %s.",
  "a photo of the %s.", "a good photo of the %s.", "a rendering of the %s.",
  "a %s in a video game.", "a photo of one %s.", "a doodle of a %s.",
  "a close-up photo of the %s.", "a photo of a %s.", "the origami %s.",
  "the %s in a video game.", "a sketch of a %s.", "a doodle of the %s.",
  "a origami %s.", "a low resolution photo of a %s.", "the toy %s.",
  "a rendition of the %s.", "a photo of the clean %s.",
  "a photo of a large %s.", "a rendition of a %s.", "a photo of a nice %s.",
  "a photo of a weird %s.", "a blurry photo of a %s.", "a cartoon %s.",
  "art of a %s.", "a sketch of the %s.", "a embroidered %s.",
  "a pixelated photo of a %s.", "itap of the %s.",
  "a jpeg corrupted photo of the %s.", "a good photo of a %s.",
  "a plushie %s.", "a photo of the nice %s.", "a photo of the small %s.",
  "a photo of the weird %s.", "the cartoon %s.", "art of the %s.",
  "a drawing of the %s.", "a photo of the large %s.",
  "a black and white photo of a %s.", "the plushie %s.",
  "a dark photo of a %s.", "itap of a %s.", "graffiti of the %s.",
  "a toy %s.", "itap of my %s.", "a photo of a cool %s.",
  "a photo of a small %s.", "a tattoo of the %s.",
};

static const char *const first[] = {
  "red", "great", "common", "spotted", "golden", "little", "giant", "black",
  "white", "grey", "striped", "wild", "sea", "desert", "mountain", "river",
  "snow", "bush", "tree", "night", "marsh", "rock", "long-tailed",
  "crested", "king", "electric", "american", "african", "european",
  "japanese", "indian", "arctic", "pacific", "atlantic", "horned", "fire",
  "barn", "house", "garden", "water",
};

static const char *const second[] = {
  "fox", "owl", "shark", "lizard", "beetle", "spider", "frog", "snake",
  "heron", "eagle", "whale", "crab", "moth", "terrier", "retriever",
  "sparrow", "turtle", "salamander", "monkey", "bear", "seal", "ant", "cat",
  "ray", "hound",
};

static double
cpu_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Best CPU time over @rounds of encoding all @prompts, in microseconds
 * per prompt. */
static double
time_prompts (const ClipTokenizer *tok, GPtrArray *prompts, int rounds)
{
  int32_t ids[77];
  double best = -1;
  for (int r = 0; r < rounds; r++) {
    double t0 = cpu_seconds ();
    for (guint i = 0; i < prompts->len; i++) {
      GError *error = NULL;
      if (!clip_tokenizer_encode (tok, prompts->pdata[i], ids, 77, &error)) {
        fprintf (stderr, "bench-tokenizer: %s\n", error->message);
        exit (1);
      }
    }
    double t = cpu_seconds () - t0;
    if (best < 0 || t < best)
      best = t;
  }
  return best * 1e6 / prompts->len;
}

int
main (int argc, char **argv)
{
  if (argc < 3) {
    fprintf (stderr, "usage: bench-tokenizer VOCAB.json MERGES.txt "
        "[ROUNDS]\n");
    return 2;
  }
  int rounds = argc > 3 ? atoi (argv[3]) : 3;
  GError *error = NULL;
  ClipTokenizer *tok = clip_tokenizer_load (argv[1], argv[2], &error);
  if (tok == NULL) {
    fprintf (stderr, "bench-tokenizer: %s\n", error->message);
    return 1;
  }
  GPtrArray *ascii = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *curly = g_ptr_array_new_with_free_func (g_free);
  for (guint a = 0; a < G_N_ELEMENTS (first); a++) {
    for (guint b = 0; b < G_N_ELEMENTS (second); b++) {
      char *name = g_strdup_printf ("%s %s", first[a], second[b]);
      for (guint t = 0; t < G_N_ELEMENTS (templates); t++) {
        const char *hole = strstr (templates[t], "%s");
        char *p = g_strdup_printf ("%.*s%s%s", (int) (hole - templates[t]),
            templates[t], name, hole + 2);
        g_ptr_array_add (curly, g_strdup_printf ("\xe2\x80\x9c%s\xe2\x80\x9d",
                p));
        g_ptr_array_add (ascii, p);
      }
      g_free (name);
    }
  }
  printf ("%u ASCII prompts: %.2f us per prompt (CPU, best of %d)\n",
      ascii->len, time_prompts (tok, ascii, rounds), rounds);
  printf ("%u prompts in curly quotes: %.2f us per prompt (CPU, best of "
      "%d)\n", curly->len, time_prompts (tok, curly, rounds), rounds);
  g_ptr_array_unref (ascii);
  g_ptr_array_unref (curly);
  clip_tokenizer_free (tok);
  return 0;
}
