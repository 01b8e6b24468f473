// Whittle's own single-precision GEMM for CPUs with AVX-512: C[M,N] = op(A)[M,K]·op(B)[K,N] + beta·C,
// row-major, one thread per call.
//
// Why our own: the BLAS we load is whatever the machine has, and it often cannot use AVX-512 — an
// OpenBLAS too old to know the CPU picks an AVX2 kernel set, and some systems pin one
// (OPENBLAS_CORETYPE=Haswell on the reference machine, because older builds miscompute there).
// On a Zen 5 core this packed kernel ran the MLP's 512-wide GEMMs at 150–185 GFLOP/s against
// OpenBLAS's 85–100 with its Haswell kernels and ~158 with its own AVX-512 ones (bench/README.md).
//
// Design (Goto/BLIS): op(B) is packed into [KC, NR] column panels, zero-padded, so the micro-kernel
// streams contiguous vectors of B; op(A) is read in place (it only supplies broadcast scalars, and
// skipping its packing measured 5–15 % faster than packing it), except for a last panel of fewer
// than MR rows, which is packed and zero-padded. The micro-kernel keeps an MR×NR tile of C in 24
// zmm registers: per k it loads NR/16 vectors of B and broadcasts MR scalars of A; only its final
// store is masked.
//   loops: j0 (NC cols of C) → p0 (KC of K: pack B) → i0 (MC rows) → jb (NR) → ib (MR)
// The B block [KC, NC] (512 KB) lives in L2, the A rows of one i0 block (96 KB) in L2, one B panel
// (32 KB) in L1 across the MC/MR micro-kernel calls that reuse it.
#include "whittle_native.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#define MR 12
#define NR 32
#define NV (NR / 16)
#ifndef KC
#define KC 256
#endif
#ifndef MC
#define MC 96
#endif
#define NC 512

#define AVX512 __attribute__((target("avx512f")))

int wn_avx512_available(void) {
  static int known = -1;
  if (known < 0) {
    __builtin_cpu_init();
    known = __builtin_cpu_supports("avx512f") ? 1 : 0;  // also checks that the OS saves zmm state
  }
  return known;
}

// Per-thread packing buffers: calls run concurrently from the fused MLP's threads.
static WN_THREAD_LOCAL float *pack_a = NULL, *pack_b = NULL;

void wn_gemm_free_scratch(void) {
  _mm_free(pack_a);
  _mm_free(pack_b);
  pack_a = pack_b = NULL;
}

// C tile [mr, nr] (mr ≤ MR, nr ≤ NR) = A[MR, kc]·Bpanel[kc, NR] (+ C when accumulate), where
// A[i, k] = a[i·rs + k·cs]: op(A) read in place (rows or columns of the caller's matrix), or a
// packed [kc, MR] panel (rs 1, cs MR) for the last rows when fewer than MR remain.
AVX512 static void micro_kernel(int kc, const float *WN_RESTRICT a, size_t rs, size_t cs, const float *WN_RESTRICT pb,
                                float *c, int ldc, int mr, int nr, int accumulate) {
  __m512 acc[MR][NV];  // [MR, NR] tile of C, NV vectors per row
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++) acc[i][v] = _mm512_setzero_ps();
  for (int k = 0; k < kc; k++) {
    __m512 b[NV];
    for (int v = 0; v < NV; v++) b[v] = _mm512_loadu_ps(pb + 16 * v);
#pragma GCC unroll 12
    for (int i = 0; i < MR; i++) {
      const __m512 ai = _mm512_set1_ps(a[i * rs]);
      for (int v = 0; v < NV; v++) acc[i][v] = _mm512_fmadd_ps(ai, b[v], acc[i][v]);
    }
    a += cs;
    pb += NR;
  }
  for (int i = 0; i < mr; i++) {
    float *ci = c + (size_t)i * ldc;
    for (int v = 0; v < NV; v++) {
      const int left = nr - 16 * v;
      if (left <= 0) break;
      const __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
      __m512 r = acc[i][v];
      if (accumulate) r = _mm512_add_ps(r, _mm512_maskz_loadu_ps(m, ci + 16 * v));
      _mm512_mask_storeu_ps(ci + 16 * v, m, r);
    }
  }
}

// op(A)[i0 : i0+mr, p0 : p0+kc] (mr < MR: the last rows) → one [kc, MR] panel, rows past mr zero.
static void pack_a_tail(int ta, const float *A, int lda, int i0, int mr, int p0, int kc, float *out) {
  for (int k = 0; k < kc; k++) {
    float *dst = out + (size_t)k * MR;
    for (int i = 0; i < mr; i++)
      dst[i] = ta ? A[(size_t)(p0 + k) * lda + i0 + i] : A[(size_t)(i0 + i) * lda + p0 + k];
    for (int i = mr; i < MR; i++) dst[i] = 0.f;
  }
}

// op(B)[p0 : p0+kc, j0 : j0+nc] → NR-column panels, each [kc, NR], columns past nc zero.
static void pack_b_block(int tb, const float *B, int ldb, int j0, int nc, int p0, int kc, float *out) {
  for (int jb = 0; jb < nc; jb += NR) {
    const int nr = nc - jb < NR ? nc - jb : NR;
    if (tb) {  // op(B)[k, j] = B[j, k]: read each column's k-run contiguously
      for (int j = 0; j < nr; j++) {
        const float *src = B + (size_t)(j0 + jb + j) * ldb + p0;
        for (int k = 0; k < kc; k++) out[(size_t)k * NR + j] = src[k];
      }
      for (int j = nr; j < NR; j++)
        for (int k = 0; k < kc; k++) out[(size_t)k * NR + j] = 0.f;
    } else {
      for (int k = 0; k < kc; k++) {
        const float *src = B + (size_t)(p0 + k) * ldb + j0 + jb;
        float *dst = out + (size_t)k * NR;
        memcpy(dst, src, sizeof(float) * (size_t)nr);
        for (int j = nr; j < NR; j++) dst[j] = 0.f;
      }
    }
    out += (size_t)kc * NR;
  }
}

#define ROUND_UP(n, m) (((size_t)(n) + (m) - 1) / (m) * (m))

size_t wn_avx512_packed_floats(int N, int K) { return (size_t)K * ROUND_UP(N, NR); }

// The blocks of op(B) in the order gemm() walks them: per NC column block, per KC block, its panels.
void wn_avx512_pack_b(int tb, int N, int K, const float *B, int ldb, float *out) {
  for (int j0 = 0; j0 < N; j0 += NC) {
    const int nc = N - j0 < NC ? N - j0 : NC;
    for (int p0 = 0; p0 < K; p0 += KC) {
      const int kc = K - p0 < KC ? K - p0 : KC;
      pack_b_block(tb, B, ldb, j0, nc, p0, kc, out);
      out += (size_t)kc * ROUND_UP(nc, NR);
    }
  }
}

// op(B) comes packed (`packed`, from wn_avx512_pack_b) or is packed here block by block.
static int gemm(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                const float *packed, float beta, float *C, int ldc) {
  if (!pack_a) pack_a = (float *)_mm_malloc(sizeof(float) * MR * KC, 64);
  if (!pack_b && !packed) pack_b = (float *)_mm_malloc(sizeof(float) * KC * ROUND_UP(NC, NR), 64);
  if (!pack_a || (!pack_b && !packed)) return 0;  // out of memory: the caller falls back
  if (beta != 0.f && beta != 1.f)
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) C[(size_t)i * ldc + j] *= beta;
  for (int j0 = 0; j0 < N; j0 += NC) {
    const int nc = N - j0 < NC ? N - j0 : NC;
    for (int p0 = 0; p0 < K; p0 += KC) {
      const int kc = K - p0 < KC ? K - p0 : KC;
      const int accumulate = p0 > 0 || beta != 0.f;
      const float *pb = packed;
      if (packed) packed += (size_t)kc * ROUND_UP(nc, NR);
      else pack_b_block(tb, B, ldb, j0, nc, p0, kc, pack_b), pb = pack_b;
      for (int i0 = 0; i0 < M; i0 += MC) {
        const int mc = M - i0 < MC ? M - i0 : MC, tail = mc % MR;
        if (tail) pack_a_tail(ta, A, lda, i0 + mc - tail, tail, p0, kc, pack_a);
        for (int jb = 0; jb < nc; jb += NR) {
          const int nr = nc - jb < NR ? nc - jb : NR;
          for (int ib = 0; ib < mc; ib += MR) {
            const int mr = mc - ib < MR ? mc - ib : MR, row = i0 + ib;
            float *c = C + (size_t)row * ldc + j0 + jb;
            if (mr < MR)
              micro_kernel(kc, pack_a, 1, MR, pb + (size_t)jb * kc, c, ldc, mr, nr, accumulate);
            else
              micro_kernel(kc, A + (ta ? (size_t)p0 * lda + row : (size_t)row * lda + p0), ta ? 1 : (size_t)lda,
                           ta ? (size_t)lda : 1, pb + (size_t)jb * kc, c, ldc, mr, nr, accumulate);
          }
        }
      }
    }
  }
  return 1;
}

int wn_sgemm_avx512(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                    float beta, float *C, int ldc) {
  return gemm(ta, tb, M, N, K, A, lda, B, ldb, NULL, beta, C, ldc);
}

int wn_sgemm_avx512_packed(int ta, int M, int N, int K, const float *A, int lda, const float *packedB, float beta,
                           float *C, int ldc) {
  return gemm(ta, 0, M, N, K, A, lda, NULL, 0, packedB, beta, C, ldc);
}

#else  // no x86-64 GCC/Clang: the BLAS or the built-in GEMM serves every call

int wn_avx512_available(void) { return 0; }
void wn_gemm_free_scratch(void) {}
int wn_sgemm_avx512(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                    float beta, float *C, int ldc) {
  (void)ta; (void)tb; (void)M; (void)N; (void)K; (void)A; (void)lda; (void)B; (void)ldb; (void)beta; (void)C; (void)ldc;
  return 0;
}
size_t wn_avx512_packed_floats(int N, int K) { (void)N; (void)K; return 0; }
void wn_avx512_pack_b(int tb, int N, int K, const float *B, int ldb, float *out) {
  (void)tb; (void)N; (void)K; (void)B; (void)ldb; (void)out;
}
int wn_sgemm_avx512_packed(int ta, int M, int N, int K, const float *A, int lda, const float *packedB, float beta,
                           float *C, int ldc) {
  (void)ta; (void)M; (void)N; (void)K; (void)A; (void)lda; (void)packedB; (void)beta; (void)C; (void)ldc;
  return 0;
}
#endif
