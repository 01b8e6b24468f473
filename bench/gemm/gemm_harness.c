// GFLOP/s of the addon's GEMM (native/gemm.c + gemm_avx512.c, compiled in) against OpenBLAS's sgemm
// (dlopen'ed, its own kernel set unless OPENBLAS_CORETYPE says otherwise) on the products of the lm
// bench's shape w (8 layers, d 512, MLP 2048, context 256, 4 windows → 1024 rows; 8 heads of 64) and
// a 135M Llama prompt's (256 rows, d 576, MLP 1536, 9 heads of 64, 3 KV heads), at 1 or 2 threads.
// Also checks each product against a float64 reference (max |ours − ref| ÷ max |ref|).
//   bench/gemm/run.sh [threads] [seconds per shape]
#define _GNU_SOURCE
#include "../../native/whittle_native.h"
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float,
                         float *, int);
// One-row products (generation) cycle through copies of B totalling ≥ STREAM_BYTES, as a decoder's
// 30 layers do, so that B comes from memory rather than from L3.
#define STREAM_BYTES (128u << 20)
typedef struct { const char *what; int ta, tb, M, N, K, batch; } Shape;
static int copies(const Shape *s) {
  const size_t b = (size_t)s->K * s->N * 4 * s->batch;
  return s->M == 1 ? (int)((STREAM_BYTES + b - 1) / b) : 1;
}
static unsigned turn = 0;

static const Shape shapes[] = {
    {"w qkv x·W", 0, 0, 1024, 1536, 512, 1},      {"w out-proj x·W", 0, 0, 1024, 512, 512, 1},
    {"w mlp-up x·W", 0, 0, 1024, 2048, 512, 1},   {"w mlp-down h·W", 0, 0, 1024, 512, 2048, 1},
    {"w head x·W (vocab 256)", 0, 0, 1024, 256, 512, 1},
    {"w dx qkv dy·Wt", 0, 1, 1024, 512, 1536, 1}, {"w dx up dy·Wt", 0, 1, 1024, 512, 2048, 1},
    {"w dx down dy·Wt", 0, 1, 1024, 2048, 512, 1},
    {"w dW qkv xt·dy", 1, 0, 512, 1536, 1024, 1}, {"w dW up xt·dy", 1, 0, 512, 2048, 1024, 1},
    {"w dW down ht·dy", 1, 0, 2048, 512, 1024, 1},
    {"w att q·kt ×32", 0, 1, 256, 256, 64, 32},   {"w att p·v ×32", 0, 0, 256, 64, 256, 32},
    {"w att dp=do·vt ×32", 0, 1, 256, 256, 64, 32}, {"w att dv=pt·do ×32", 1, 0, 256, 64, 256, 32},
    {"135M q|k|v x·W", 0, 0, 256, 960, 576, 1},   {"135M gate|up x·W", 0, 0, 256, 3072, 576, 1},
    {"135M down h·W", 0, 0, 256, 576, 1536, 1},   {"135M head x·Et", 0, 1, 256, 49152, 576, 1},
    {"mlp a x·W1 (CMSP, 10000 rows)", 0, 0, 10000, 128, 68, 1}, {"mlp a h·W2", 0, 0, 10000, 128, 128, 1},
    {"mlp a dW2 ht·dy", 1, 0, 128, 128, 10000, 1},  {"mlp a dx dy·W2t", 0, 1, 10000, 128, 128, 1},
    {"mlp b x·W1 (1024 rows)", 0, 0, 1024, 512, 68, 1}, {"mlp b dW1 xt·dy", 1, 0, 68, 512, 1024, 1},
    {"gen gate|up x·W (1 row)", 0, 0, 1, 1536, 576, 1}, {"gen down h·W (1 row)", 0, 0, 1, 576, 1536, 1},
    {"gen q|k|v x·W (1 row)", 0, 0, 1, 960, 576, 1}, {"gen head x·Et (1 row)", 0, 1, 1, 49152, 576, 1},
    {"odd 77x45x33", 0, 0, 77, 45, 33, 1},       {"odd t 131x97x70", 1, 1, 131, 97, 70, 1},
};

// At 1 thread the clock is the thread's CPU time: on this shared 2-core machine another process
// takes the core for whole time slices, which CPU time leaves out (wall time does not). At 2
// threads it is wall time (a thread waiting for the other counts).
static int use_cpu_clock = 0;
static double now(void) {
  struct timespec t;
  clock_gettime(use_cpu_clock ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void fill(float *x, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    x[i] = (float)((seed >> 8) / 16777216.0 - 0.5);
  }
}

typedef void (*run_fn)(const Shape *s, const float *A, const float *B, float *C);
static sgemm_fn blas;
static void run_ours(const Shape *s, const float *A, const float *B, float *C) {
  B += (size_t)(turn++ % copies(s)) * s->K * s->N * s->batch;
  const int lda = s->ta ? s->M : s->K, ldb = s->tb ? s->K : s->N;
  for (int e = 0; e < s->batch; e++)
    wn_sgemm(s->ta, s->tb, s->M, s->N, s->K, A + (size_t)e * s->M * s->K, lda, B + (size_t)e * s->K * s->N, ldb, 0.f,
             C + (size_t)e * s->M * s->N, s->N);
}
static void run_blas(const Shape *s, const float *A, const float *B, float *C) {
  B += (size_t)(turn++ % copies(s)) * s->K * s->N * s->batch;
  const int lda = s->ta ? s->M : s->K, ldb = s->tb ? s->K : s->N;
  for (int e = 0; e < s->batch; e++)
    blas(101, s->ta ? 112 : 111, s->tb ? 112 : 111, s->M, s->N, s->K, 1.f, A + (size_t)e * s->M * s->K, lda,
         B + (size_t)e * s->K * s->N, ldb, 0.f, C + (size_t)e * s->M * s->N, s->N);
}

// The machine is shared, so ours and OpenBLAS alternate in short windows (`secs` / 2R each, R rounds):
// the best window of each side is its GFLOP/s (what the kernel can do when it gets the core), and the
// ratio is the median of the R pair ratios.
#define ROUNDS 9
static double window(run_fn f, const Shape *s, const float *A, const float *B, float *C, double secs) {
  int n = 0;
  const double t0 = now();
  double t;
  do { f(s, A, B, C); n++; } while ((t = now() - t0) < secs);
  return 2.0 * s->M * s->N * s->K * s->batch * n / t / 1e9;
}
static void compare(const Shape *s, const float *A, const float *B, float *C, double secs, double *ours,
                    double *theirs, double *ratio) {
  double r[ROUNDS];
  *ours = *theirs = 0;
  run_ours(s, A, B, C), run_blas(s, A, B, C);
  for (int w = 0; w < ROUNDS; w++) {
    const double a = window(w % 2 ? run_blas : run_ours, s, A, B, C, secs / (2 * ROUNDS));
    const double b = window(w % 2 ? run_ours : run_blas, s, A, B, C, secs / (2 * ROUNDS));
    const double o = w % 2 ? b : a, t = w % 2 ? a : b;
    if (o > *ours) *ours = o;
    if (t > *theirs) *theirs = t;
    r[w] = o / t;
  }
  for (int i = 0; i < ROUNDS; i++)
    for (int j = i + 1; j < ROUNDS; j++)
      if (r[j] < r[i]) { double x = r[i]; r[i] = r[j]; r[j] = x; }
  *ratio = r[ROUNDS / 2];
}

static double rel_err(const Shape *s, const float *A, const float *B, const float *C) {
  double worst = 0, scale = 0;
  const int lda = s->ta ? s->M : s->K, ldb = s->tb ? s->K : s->N;
  for (int e = 0; e < s->batch; e += s->batch > 1 ? s->batch - 1 : 1) {
    const float *a = A + (size_t)e * s->M * s->K, *b = B + (size_t)e * s->K * s->N;
    for (int i = 0; i < s->M; i++)
      for (int j = 0; j < s->N; j += (s->N > 4096 ? 97 : 1)) {
        double ref = 0;
        for (int k = 0; k < s->K; k++)
          ref += (double)(s->ta ? a[(size_t)k * lda + i] : a[(size_t)i * lda + k]) *
                 (s->tb ? b[(size_t)j * ldb + k] : b[(size_t)k * ldb + j]);
        const double d = fabs(ref - C[(size_t)e * s->M * s->N + (size_t)i * s->N + j]);
        if (d > worst) worst = d;
        if (fabs(ref) > scale) scale = fabs(ref);
      }
  }
  return worst / scale;
}

int main(int argc, char **argv) {
  const int threads = argc > 1 ? atoi(argv[1]) : 1;
  const double secs = argc > 2 ? atof(argv[2]) : 1.0;
  const char *filter = argc > 3 ? argv[3] : NULL;
  void *h = dlopen(getenv("OPENBLAS_LIB") ? getenv("OPENBLAS_LIB") : "libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
  if (!h) { fprintf(stderr, "no OpenBLAS: %s\n", dlerror()); return 1; }
  blas = (sgemm_fn)dlsym(h, "cblas_sgemm");
  void (*set_threads)(int) = (void (*)(int))dlsym(h, "openblas_set_num_threads");
  char *(*core)(void) = (char *(*)(void))dlsym(h, "openblas_get_corename");
  if (set_threads) set_threads(threads);
  use_cpu_clock = threads == 1;
  wn_set_threads(threads);
  char load[64] = "";
  FILE *lf = fopen("/proc/loadavg", "r");
  if (lf) { if (!fgets(load, sizeof load, lf)) load[0] = 0; fclose(lf); load[strcspn(load, "\n")] = 0; }
  printf("{\"loadavgBefore\": \"%s\", \"threads\": %d, \"clock\": \"%s\", \"openblasCore\": \"%s\", \"ours\": \"%s\", \"rows\": [\n", load, threads, use_cpu_clock ? "thread CPU time" : "wall", core ? core() : "?",
         wn_gemm_in_use());
  int first = 1;
  for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
    const Shape *s = &shapes[i];
    if (filter && !strstr(s->what, filter)) continue;
    const size_t na = (size_t)s->M * s->K * s->batch, nb = (size_t)s->K * s->N * s->batch * copies(s), nc = (size_t)s->M * s->N * s->batch;
    float *A = aligned_alloc(64, (na * 4 + 63) / 64 * 64), *B = aligned_alloc(64, (nb * 4 + 63) / 64 * 64),
          *C = aligned_alloc(64, (nc * 4 + 63) / 64 * 64);
    fill(A, na, 1 + i), fill(B, nb, 7 + i);
    turn = 0;
    run_ours(s, A, B, C);
    const double err = rel_err(s, A, B, C);
    double ours, theirs, ratio;
    compare(s, A, B, C, secs, &ours, &theirs, &ratio);
    printf("%s {\"shape\": \"%s\", \"ta\": %d, \"tb\": %d, \"M\": %d, \"N\": %d, \"K\": %d, \"batch\": %d, "
           "\"oursGflops\": %.1f, \"openblasGflops\": %.1f, \"medianPairRatio\": %.3f, \"relErr\": %.2e}",
           first ? "" : ",\n", s->what, s->ta, s->tb, s->M, s->N, s->K, s->batch, ours, theirs, ratio, err);
    first = 0;
    free(A), free(B), free(C);
  }
  printf("\n]}\n");
  return 0;
}
