// The addon's GEMM (one concept: C = op(A)·op(B) + beta·C on the wasm heap): the BLAS loaded at run
// time, the AVX-512 kernel (gemm_avx512.c), the built-in blocked fallback, the GEMV for one output
// row, how a call is split across the kernels' threads, and which of them serves a call
// (WHITTLE_GEMM / useGemm). whittle_native.c's entry points call wn_sgemm / wn_sgemm1.
//
// BLAS: loaded at run time with dlopen (OpenBLAS on Linux/Windows, Accelerate on macOS, or any
// library named by WHITTLE_BLAS), so building needs no BLAS headers and a machine without one
// still works: the built-in blocked GEMM below takes over (slower, single-threaded, correct).
#include "whittle_native.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#ifdef _WIN32
#include <windows.h>
#define DLOPEN(p) ((void *)LoadLibraryA(p))
#define DLSYM(h, s) ((void *)GetProcAddress((HMODULE)(h), s))
#else
#include <dlfcn.h>
#define DLOPEN(p) dlopen(p, RTLD_NOW | RTLD_LOCAL)
#define DLSYM(h, s) dlsym(h, s)
#endif

// Threads for the native kernels (setThreads): the splits of a GEMM here, the element-wise loops,
// the fused MLP's and the transformer kernels' rows.
static int par_threads = 1;

// ---- BLAS binding ----------------------------------------------------------------------------

enum { RowMajor = 101, NoTrans = 111, Trans = 112 };
typedef void (*sgemm_fn)(int order, int ta, int tb, int m, int n, int k, float alpha, const float *a,
                         int lda, const float *b, int ldb, float beta, float *c, int ldc);
typedef void (*set_threads_fn)(int);

static sgemm_fn blas_sgemm = NULL;
static set_threads_fn blas_set_threads = NULL;
static char blas_name[512] = "builtin";
static int blas_tried = 0;

// Which GEMM serves a call. auto: our AVX-512 kernel where the CPU has it (and the output is at
// least 16 wide, below which packing costs more than it saves), else the BLAS, else the built-in
// one. WHITTLE_GEMM=blas|avx512|builtin narrows the choice; tests switch with useGemm().
enum { GEMM_AUTO, GEMM_BLAS, GEMM_AVX512, GEMM_BUILTIN };
static const char *gemm_names[] = {"auto", "blas", "avx512", "builtin"};
static int gemm_mode = -1;

static int parse_gemm(const char *s) {
  for (int i = 0; i < 4; i++)
    if (s && strcmp(s, gemm_names[i]) == 0) return i;
  return -1;
}

static int current_gemm_mode(void) {
  if (gemm_mode < 0) {
    const int m = parse_gemm(getenv("WHITTLE_GEMM"));
    gemm_mode = m < 0 ? GEMM_AUTO : m;
  }
  return gemm_mode;
}

static void load_blas(void) {
  if (blas_tried) return;
  blas_tried = 1;
  const char *env = getenv("WHITTLE_BLAS");
  if (env && strcmp(env, "builtin") == 0) return;
  const char *candidates[] = {
      env,
#if defined(__APPLE__)
      "/System/Library/Frameworks/Accelerate.framework/Accelerate",
      "/opt/homebrew/opt/openblas/lib/libopenblas.dylib", "/usr/local/opt/openblas/lib/libopenblas.dylib",
#elif defined(_WIN32)
      "libopenblas.dll", "openblas.dll", "mkl_rt.dll",
#else
      "libopenblas.so.0", "libopenblas.so", "libmkl_rt.so", "libmkl_rt.so.2", "libblis.so.4",
#endif
  };
  for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
    if (!candidates[i] || !candidates[i][0]) continue;
    void *h = DLOPEN(candidates[i]);
    if (!h) continue;
    sgemm_fn f = (sgemm_fn)DLSYM(h, "cblas_sgemm");
    if (!f) continue;
    blas_sgemm = f;
    blas_set_threads = (set_threads_fn)DLSYM(h, "openblas_set_num_threads");
    if (!blas_set_threads) blas_set_threads = (set_threads_fn)DLSYM(h, "MKL_Set_Num_Threads");
    // One thread per BLAS call, always: the threads are ours (blas_split below, the fused MLP's
    // row blocks). A BLAS that threads a call itself splits it by the thread count, and OpenBLAS's
    // edge kernels round differently from its main one, so its results changed with the count.
    if (blas_set_threads) blas_set_threads(1);
    strncpy(blas_name, candidates[i], sizeof(blas_name) - 1);
    // OpenBLAS names the kernel set it chose (its own CPU detection, or OPENBLAS_CORETYPE).
    typedef char *(*corename_fn)(void);
    corename_fn core = (corename_fn)DLSYM(h, "openblas_get_corename");
    if (core && core()) {
      const size_t used = strlen(blas_name);
      snprintf(blas_name + used, sizeof(blas_name) - used, " (%s)", core());
    }
    break;
  }
}

// ---- built-in GEMM (fallback) ----------------------------------------------------------------
// C[M,N] = op(A)[M,K] · op(B)[K,N] + beta·C, row-major. Packs op(B) into K×NB column panels so the
// inner loop is a contiguous axpy the compiler vectorises.

#define NB 256
#define KB 256

HOT static void builtin_sgemm(int ta, int tb, int M, int N, int K, const float *A, int lda,
                          const float *B, int ldb, float beta, float *C, int ldc) {
  float *bp = (float *)malloc(sizeof(float) * KB * NB);
  float *ap = (float *)malloc(sizeof(float) * KB);
  for (int i = 0; i < M; i++) {
    float *c = C + (size_t)i * ldc;
    if (beta == 0.f) memset(c, 0, sizeof(float) * N);
    else if (beta != 1.f) for (int j = 0; j < N; j++) c[j] *= beta;
  }
  for (int j0 = 0; j0 < N; j0 += NB) {
    int nb = N - j0 < NB ? N - j0 : NB;
    for (int k0 = 0; k0 < K; k0 += KB) {
      int kb = K - k0 < KB ? K - k0 : KB;
      for (int k = 0; k < kb; k++)
        for (int j = 0; j < nb; j++)
          bp[k * nb + j] = tb ? B[(size_t)(j0 + j) * ldb + k0 + k] : B[(size_t)(k0 + k) * ldb + j0 + j];
      for (int i = 0; i < M; i++) {
        for (int k = 0; k < kb; k++) ap[k] = ta ? A[(size_t)(k0 + k) * lda + i] : A[(size_t)i * lda + k0 + k];
        float *c = C + (size_t)i * ldc + j0;
        for (int k = 0; k < kb; k++) {
          const float a = ap[k];
          if (a == 0.f) continue;  // one-hot/binary inputs are mostly zeros
          const float *b = bp + k * nb;
          for (int j = 0; j < nb; j++) c[j] += a * b[j];
        }
      }
    }
  }
  free(bp);
  free(ap);
}

int wn_gemm_uses_avx512(int N) {
  const int mode = current_gemm_mode();
  return (mode == GEMM_AUTO || mode == GEMM_AVX512) && N >= 16 && wn_avx512_available();
}

// The BLAS, or the built-in GEMM where none loaded or the mode asks for it.
static void other_sgemm(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                        float beta, float *C, int ldc) {
  if (blas_sgemm && current_gemm_mode() != GEMM_BUILTIN)
    blas_sgemm(RowMajor, ta ? Trans : NoTrans, tb ? Trans : NoTrans, M, N, K, 1.f, A, lda, B, ldb, beta, C, ldc);
  else
    builtin_sgemm(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
}

// The AVX-512 kernel, or the other GEMM where it cannot get its packing memory (it fails before
// writing any of C, so nothing is counted twice).
static void avx512_or_other(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                            float beta, float *C, int ldc) {
  if (!wn_sgemm_avx512(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc))
    other_sgemm(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
}

typedef void (*gemm_part_fn)(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                         float beta, float *C, int ldc);

// The same product restricted to rows [s, s+n) of C (by_rows) or to its columns [s, s+n).
static void sgemm_slice(gemm_part_fn f, int by_rows, int s, int n, int ta, int tb, int M, int N, int K, const float *A,
                        int lda, const float *B, int ldb, float beta, float *C, int ldc) {
  if (by_rows)
    f(ta, tb, n, N, K, ta ? A + s : A + (size_t)s * lda, lda, B, ldb, beta, C + (size_t)s * ldc, ldc);
  else
    f(ta, tb, M, n, K, A, lda, tb ? B + (size_t)s * ldb : B + s, ldb, beta, C + s, ldc);
}

// The AVX-512 kernel is single-threaded (the fused MLP calls it from each of its threads). A call
// from outside any parallel region (the per-layer route) splits C across the kernels' threads:
// by rows, or by columns when C is wider than tall; each thread packs its own operands. Products
// under AVX512_SPLIT_FLOPS (≈ 50 µs on one core) stay whole: waking a sleeping thread costs tens of
// µs on a VM, and generation's attention products (3 rows × a few hundred keys) came to ~90 such
// wake-ups per token. (Which way it goes never changes the bytes: the kernel's tiles round alike
// wherever they fall.)
#define AVX512_SPLIT_FLOPS 1e7
static int avx512_splits(int M, int N, int K) {
  return (M >= N ? M : N) >= 128 && 2.0 * M * N * K >= AVX512_SPLIT_FLOPS;
}

static void avx512_sgemm(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                        float beta, float *C, int ldc) {
#ifdef _OPENMP
  const int T = par_threads;
  const int by_rows = M >= N, len = by_rows ? M : N;
  if (T > 1 && omp_get_level() == 0 && avx512_splits(M, N, K)) {
    const int chunk = ((len + T - 1) / T + 31) / 32 * 32;
#pragma omp parallel for num_threads(T) schedule(static, 1)
    for (int t = 0; t < T; t++) {
      const int s = t * chunk, n = len - s < chunk ? len - s : chunk;
      if (n <= 0) continue;
      sgemm_slice(avx512_or_other, by_rows, s, n, ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
    }
    return;
  }
#endif
  avx512_or_other(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
}

// A BLAS call from outside any parallel region (the per-layer route) is cut into parts that
// threads take one at a time, each part one single-threaded BLAS call. The parts follow from the
// shape alone — never from the thread count — so every element of C comes out of the same call
// geometry, hence the same bytes, at any thread count. (Unlike the AVX-512 kernel above, whose
// tiles round alike wherever they fall, OpenBLAS's results depend on where a row or column falls
// in the call.) Rows, or columns when C is wider than tall, in up to BLAS_PARTS parts of at least
// 64 (a multiple of 32); products under BLAS_SPLIT_FLOPS stay whole.
#define BLAS_PARTS 16
#define BLAS_SPLIT_FLOPS 4e6
static int blas_splits(int M, int N, int K) {
  return (M >= N ? M : N) >= 128 && 2.0 * M * N * K >= BLAS_SPLIT_FLOPS;
}
static void blas_split(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                       float beta, float *C, int ldc) {
#ifdef _OPENMP
  const int by_rows = M >= N, len = by_rows ? M : N;
  if (omp_get_level() == 0 && blas_splits(M, N, K)) {
    int chunk = ((len + BLAS_PARTS - 1) / BLAS_PARTS + 31) / 32 * 32;
    if (chunk < 64) chunk = 64;
    const int parts = (len + chunk - 1) / chunk;
    const int T = par_threads < parts ? par_threads : parts;
#pragma omp parallel for schedule(dynamic, 1) num_threads(T)
    for (int p = 0; p < parts; p++) {
      const int s = p * chunk, n = len - s < chunk ? len - s : chunk;
      sgemm_slice(other_sgemm, by_rows, s, n, ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
    }
    return;
  }
#endif
  other_sgemm(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
}

// Whether the product is empty (C is then zeroed for beta 0, or left alone).
static int empty_product(int M, int N, int K, float beta, float *C, int ldc) {
  if (M == 0 || N == 0) return 1;
  if (K > 0) return 0;
  if (beta == 0.f) for (int i = 0; i < M; i++) memset(C + (size_t)i * ldc, 0, sizeof(float) * N);
  return 1;
}

// One output row (M = 1: a token at a time in generation): y[n] = Σ_k x[k]·op(B)[k, n] + beta·y[n],
// streaming B once. The AVX-512 kernel packs all of B for every call, which made each of a
// 135M-parameter decoder's per-token products run at ~1.6 GB/s (generation 2.5 tokens/s). Columns
// [n0, n1) only; each y[n] sums its k in order (or, for op(B) = Bᵀ, in the same vector lanes)
// whatever the split, so the bytes do not depend on the thread count.
#define GEMV_DOTS 256   // op(B) = Bᵀ: outputs per task (each a dot product over a contiguous row of B)
#define GEMV_COLS 4096  // op(B) = B: accumulators of one pass (16 KB, in L1)
HOT static void gemv_cols(int tb, int K, const float *x, const float *B, int ldb, float beta, float *y, int n0, int n1) {
  if (tb) {  // B is [N, K]: one dot product per output
    for (int n = n0; n < n1; n++) {
      const float *b = B + (size_t)n * ldb;
      float acc = 0.f;
#pragma omp simd reduction(+ : acc)
      for (int k = 0; k < K; k++) acc += x[k] * b[k];
      y[n] = beta == 0.f ? acc : acc + beta * y[n];
    }
    return;
  }
  // B is [K, N]: rows of B scaled and summed into the outputs, up to GEMV_COLS at a time, row after
  // row, so that B streams in runs of up to 16 KB (blocks of 256 columns read 1 KB runs ldb apart,
  // which the hardware prefetchers follow poorly: generation is bound by this stream). Four rows
  // per pass over the accumulators, each still added in k order (mul, then add: the same bytes).
  float acc[GEMV_COLS];
  for (int c0 = n0; c0 < n1; c0 += GEMV_COLS) {
    const int w = n1 - c0 < GEMV_COLS ? n1 - c0 : GEMV_COLS;
    for (int j = 0; j < w; j++) acc[j] = 0.f;
    int k = 0;
    for (; k + 4 <= K; k += 4) {
      const float x0 = x[k], x1 = x[k + 1], x2 = x[k + 2], x3 = x[k + 3];
      const float *b0 = B + (size_t)k * ldb + c0, *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb;
      for (int j = 0; j < w; j++) acc[j] = (((acc[j] + x0 * b0[j]) + x1 * b1[j]) + x2 * b2[j]) + x3 * b3[j];
    }
    for (; k < K; k++) {
      const float xk = x[k];
      const float *b = B + (size_t)k * ldb + c0;
      for (int j = 0; j < w; j++) acc[j] += xk * b[j];
    }
    for (int j = 0; j < w; j++) y[c0 + j] = beta == 0.f ? acc[j] : acc[j] + beta * y[c0 + j];
  }
}

// Threads take contiguous column ranges: for B, one range each (a multiple of 16 columns); for Bᵀ,
// blocks of GEMV_DOTS outputs. Each y[n] is computed alike in any range. For B, only above
// GEMV_B_THREADED elements: on the 2-core machine two threads streamed a 135M decoder's B (0.3–0.9 M
// elements) no faster than one (18–20 GFLOP/s either way, 14.5–14.9 against 17.8–18.5 at [576, 960]:
// bench/results/2026-12-06-2core-gemm-variants.json; cutting K instead of the columns did no
// better), while Bᵀ (the tied head's dot products) went 17.4 → 25.1 (…-gemm-shapes.json).
#ifndef GEMV_B_THREADED
#define GEMV_B_THREADED 4194304.0
#endif
static void sgemv(int tb, int N, int K, const float *x, const float *B, int ldb, float beta, float *y, int threaded) {
  int T = 1;
#ifdef _OPENMP
  if (threaded && omp_get_level() == 0 && (double)N * K >= (tb ? 262144.0 : GEMV_B_THREADED)) T = par_threads;
#endif
  const int per = tb ? GEMV_DOTS : ((N + T - 1) / T + 15) / 16 * 16;
  const int parts = (N + per - 1) / per;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(T < parts ? T : parts)
#endif
  for (int p = 0; p < parts; p++)
    gemv_cols(tb, K, x, B, ldb, beta, y, p * per, p + 1 < parts ? (p + 1) * per : N);
}

// Whether wn_sgemm splits this product across threads (when more than one is set): callers that
// thread a batch of products over whole entries do so only for products it keeps whole, so each
// entry is the same single call at any thread count.
int wn_gemm_splits(int M, int N, int K) {
  load_blas();
  // (one row on the AVX-512 route is the GEMV, whose bytes do not depend on its column split)
  if (wn_gemm_uses_avx512(N)) return M > 1 && avx512_splits(M, N, K);
  return blas_splits(M, N, K);
}

// Whether op(A) is one row the GEMV can stream: [1, K], or its transpose [K, 1] stored densely (the
// same K floats in a row). (The GEMV serves the AVX-512 route only.)
static int is_vector(int M, int ta, int lda) { return M == 1 && (!ta || lda == 1); }

void wn_sgemm(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb, float beta,
              float *C, int ldc) {
  load_blas();
  if (empty_product(M, N, K, beta, C, ldc)) return;
  if (!wn_gemm_uses_avx512(N)) blas_split(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
  else if (is_vector(M, ta, lda)) sgemv(tb, N, K, A, B, ldb, beta, C, 1);
  else avx512_sgemm(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
}

void wn_sgemm1(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb, float beta,
               float *C, int ldc) {
  load_blas();
  if (empty_product(M, N, K, beta, C, ldc)) return;
  if (!wn_gemm_uses_avx512(N)) other_sgemm(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
  else if (is_vector(M, ta, lda)) sgemv(tb, N, K, A, B, ldb, beta, C, 0);
  else avx512_or_other(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
}

// The GEMM that serves large calls under the current mode.
const char *wn_gemm_in_use(void) {
  load_blas();
  if (wn_gemm_uses_avx512(16)) return "avx512";  // 16: the narrowest output it takes
  return blas_sgemm && current_gemm_mode() != GEMM_BUILTIN ? "blas" : "builtin";
}

int wn_threads(void) { return par_threads; }
void wn_set_threads(int n) {
  load_blas();  // (the BLAS keeps its one thread: see load_blas)
  if (n >= 1) par_threads = n;
}
const char *wn_blas_name(void) {
  load_blas();
  return blas_name;
}
int wn_use_gemm(const char *name) {
  const int m = parse_gemm(name);
  if (m < 0) return 0;
  gemm_mode = m;
  return 1;
}
