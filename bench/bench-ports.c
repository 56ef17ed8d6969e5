/* bench-ports.c: how many multiply-adds a core issues per second with each
 * instruction the engine's kernels could use, alone and mixed.
 *
 * Each row runs twelve independent accumulator chains of zmm (or ymm)
 * instructions for --rounds rounds, so latency never limits it, and prints
 * the nanoseconds per round of twelve and the multiply-adds per second:
 * what a kernel built on that instruction can reach at best on one core.
 * Mixed rows say whether two instructions add to each other's rate (they
 * issue on different ports) or share it. Rows the CPU lacks the
 * instruction for are left out. Pin it with taskset to time one core.
 *
 * bench/README.md ("What the cores do", "bf16's dot product beside FMAs")
 * holds what it printed. x86-64 with GCC or clang only. */
#include <cpuid.h>
#include <glib.h>
#include <stdio.h>

/* One chain step of @op, reading two fixed registers into accumulator
 * @acc (a register name without the %). */
#define STEP(op, a, b, acc) op " %%" a ", %%" b ", %%" acc "\n\t"

#define CLOBBERS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", \
    "xmm7", "xmm8", "xmm9", "xmm10", "xmm11"

typedef struct {
  const char *name;
  void (*run) (long rounds);
  double macs;                  /* multiply-adds per round of twelve */
  gboolean (*supported) (void);
} Row;

/* Twelve independent chains of @op from registers @a and @b into 0 to
 * 11, all of the kind @w ("zmm" or "ymm"; ymm registers above 15 would
 * need AVX-512VL, so ymm rows read 14 and 15) */
#define ROUND12(op, w, a, b) \
  STEP (op, w a, w b, w "0") STEP (op, w a, w b, w "1") \
  STEP (op, w a, w b, w "2") STEP (op, w a, w b, w "3") \
  STEP (op, w a, w b, w "4") STEP (op, w a, w b, w "5") \
  STEP (op, w a, w b, w "6") STEP (op, w a, w b, w "7") \
  STEP (op, w a, w b, w "8") STEP (op, w a, w b, w "9") \
  STEP (op, w a, w b, w "10") STEP (op, w a, w b, w "11")
#define ROUND12_Z(op) ROUND12 (op, "zmm", "30", "31")
#define ROUND12_Y(op) ROUND12 (op, "ymm", "14", "15")

/* The sources zeroed first (garbage could hold denormals, which some
 * cores slow down on): zmm30 and zmm31, or ymm14 and ymm15. (Built
 * without -mavx512f, the compiler never uses zmm16-31, and cannot be told
 * they are clobbered.) */
#define ZERO_Z "vpxord %%zmm30, %%zmm30, %%zmm30\n\t" \
    "vpxord %%zmm31, %%zmm31, %%zmm31\n\t"
#define ZERO_Y "vxorps %%ymm14, %%ymm14, %%ymm14\n\t" \
    "vxorps %%ymm15, %%ymm15, %%ymm15\n\t"

/* A function running @rounds rounds of the asm text @body, after @zero;
 * the loop holds nothing else that touches vector registers. */
#define CHAIN_FN(fn, zero, body) \
  static void fn (long rounds) \
  { \
    __asm__ volatile (zero ::: "xmm14", "xmm15"); \
    for (long i = 0; i < rounds; i++) \
      __asm__ volatile (body ::: CLOBBERS); \
  }

#define FMA "vfmadd231ps"
#define DP "vdpbf16ps"
#define DPB "vpdpbusd"
#define FMAH "vfmadd231ph"

CHAIN_FN (fma_z, ZERO_Z, ROUND12_Z (FMA))
CHAIN_FN (fma_y, ZERO_Y, ROUND12_Y (FMA))
CHAIN_FN (dp_z, ZERO_Z, ROUND12_Z (DP))
CHAIN_FN (dp_y, ZERO_Y, ROUND12_Y (DP))
CHAIN_FN (dpb_z, ZERO_Z, ROUND12_Z (DPB))
CHAIN_FN (fmah_z, ZERO_Z, ROUND12_Z (FMAH))
/* Mixed rows: chains 0, 3, 6 and 9 of @a and the rest of @b; or the even
 * chains of @a and the odd of @b. */
#define Z(op, n) STEP (op, "zmm30", "zmm31", "zmm" #n)
#define ONE_IN_THREE(a, b) Z (a, 0) Z (b, 1) Z (b, 2) Z (a, 3) Z (b, 4) \
  Z (b, 5) Z (a, 6) Z (b, 7) Z (b, 8) Z (a, 9) Z (b, 10) Z (b, 11)
#define ALTERNATE(a, b) Z (a, 0) Z (b, 1) Z (a, 2) Z (b, 3) Z (a, 4) \
  Z (b, 5) Z (a, 6) Z (b, 7) Z (a, 8) Z (b, 9) Z (a, 10) Z (b, 11)

CHAIN_FN (dp4_fma8_z, ZERO_Z, ONE_IN_THREE (DP, FMA))
CHAIN_FN (dp6_fma6_z, ZERO_Z, ALTERNATE (DP, FMA))
CHAIN_FN (dpb6_fma6_z, ZERO_Z, ALTERNATE (DPB, FMA))

static gboolean
has_avx512f (void)
{
  return __builtin_cpu_supports ("avx512f");
}

static gboolean
has_fma (void)
{
  return __builtin_cpu_supports ("fma");
}

/* Bit @bit of register @reg (0 EAX .. 3 EDX) of CPUID leaf 7, subleaf
 * @sub: read directly, as clang 14's __builtin_cpu_supports() knows no
 * AVX512_FP16. */
static gboolean
leaf7_bit (unsigned sub, int reg, int bit)
{
  unsigned r[4];
  if (!__get_cpuid_count (7, sub, &r[0], &r[1], &r[2], &r[3]))
    return FALSE;
  return (r[reg] >> bit) & 1;
}

static gboolean
has_bf16 (void)
{
  return __builtin_cpu_supports ("avx512bf16")
      && __builtin_cpu_supports ("avx512vl");
}

static gboolean
has_vnni (void)
{
  return __builtin_cpu_supports ("avx512vnni");
}

static gboolean
has_fp16 (void)
{
  /* avx512f also says the OS keeps the zmm registers */
  return has_avx512f () && leaf7_bit (0, 3, 23);
}

static const Row rows[] = {
  { "vfmadd231ps zmm (fp32 FMA)", fma_z, 12 * 16, has_avx512f },
  { "vfmadd231ps ymm", fma_y, 12 * 8, has_fma },
  { "vdpbf16ps zmm (bf16 pairs)", dp_z, 12 * 32, has_bf16 },
  { "vdpbf16ps ymm", dp_y, 12 * 16, has_bf16 },
  { "vpdpbusd zmm (u8 x s8 quads)", dpb_z, 12 * 64, has_vnni },
  { "vfmadd231ph zmm (fp16, fp16 sums)", fmah_z, 12 * 32, has_fp16 },
  { "4 vdpbf16ps + 8 vfmadd231ps zmm", dp4_fma8_z, 4 * 32 + 8 * 16, has_bf16 },
  { "6 vdpbf16ps + 6 vfmadd231ps zmm", dp6_fma6_z, 6 * 32 + 6 * 16, has_bf16 },
  { "6 vpdpbusd + 6 vfmadd231ps zmm", dpb6_fma6_z, 6 * 64 + 6 * 16,
      has_vnni },
};

static double
now (void)
{
  return g_get_monotonic_time () * 1e-6;
}

int
main (int argc, char **argv)
{
  gint64 rounds = 50000000;
  int repeats = 2;
  GOptionEntry entries[] = {
    { "rounds", 'n', 0, G_OPTION_ARG_INT64, &rounds,
        "Rounds of twelve instructions per row (default 50,000,000)", "N" },
    { "repeats", 'r', 0, G_OPTION_ARG_INT, &repeats,
        "Times to run the whole table (default 2)", "N" },
    G_OPTION_ENTRY_NULL
  };
  GOptionContext *ctx = g_option_context_new ("- multiply-adds per second "
      "of each instruction on one core");
  GError *error = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx, "Twelve independent accumulator "
      "chains per row, so the rate is the issue rate, not the latency.\n"
      "Pin it to a core: taskset -c 0 bench-ports\n");
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    fprintf (stderr, "bench-ports: %s\n", error->message);
    g_error_free (error);
    g_option_context_free (ctx);
    return 2;
  }
  g_option_context_free (ctx);
  if (rounds < 1 || repeats < 1) {
    fprintf (stderr, "bench-ports: --rounds and --repeats must be positive\n");
    return 2;
  }

  __builtin_cpu_init ();
  printf ("%-36s %14s %14s\n", "chains", "ns/round", "GMAC/s a core");
  for (int r = 0; r < repeats; r++) {
    for (size_t i = 0; i < G_N_ELEMENTS (rows); i++) {
      if (!rows[i].supported ())
        continue;
      double t = now ();
      rows[i].run ((long) rounds);
      t = now () - t;
      printf ("%-36s %14.3f %14.1f\n", rows[i].name, t / rounds * 1e9,
          rows[i].macs * rounds / t / 1e9);
    }
  }
  return 0;
}
