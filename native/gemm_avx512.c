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
// streams contiguous vectors of B. A (not transposed) supplies only broadcast scalars and is read
// in place, MR rows at a time; Aᵀ (xᵀ·dy) and a last panel of fewer than MR rows are packed into
// zero-padded [KC, MR] panels. Transposed operands (Bᵀ in dy·Wᵀ, Aᵀ) are packed through 16×16
// register transposes. The micro-kernel keeps an MR×NR tile of C in 24 zmm registers: per k it
// loads NR/16 vectors of B and broadcasts MR scalars of A; it prefetches its tile of C before the
// k loop (at 1536–2048-wide outputs C is in L3, and the tile's rows lie 6–8 KB apart) and only its
// final store is masked.
//   loops: j0 (NC cols of C) → p0 (KC of K: pack B) → i0 (MC rows: pack Aᵀ / the tail) → jb (NR) → ib (MR)
// The B block [KC, NC] (512 KB) lives in L2, the A rows of one i0 block (96 KB) in L2, one B
// panel (32 KB) in L1 across the MC/MR micro-kernel calls that reuse it.
// (Issue #18, bench/gemm/: reading Aᵀ in place, packing Bᵀ with scalar loads and no prefetch of C
// cost 5–20 % against OpenBLAS's own AVX-512 sgemm on a transformer's products; see
// docs/transformer-speed.md.)
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
#ifndef NC
#define NC 512
#endif

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
// A[i, k] = a[i·rs + k·cs]: a packed [kc, MR] panel (rs 1, cs MR) or op(A)'s rows read in place
// (rs lda, cs 1). Per k, MR broadcast scalars of A times NV vectors of the packed B panel. Every
// element of C sums its k in order with one fma each, wherever its tile falls and whichever way A
// is read: the bytes do not depend on how rows or columns are split.
AVX512 static inline __attribute__((always_inline)) void micro_tile(int kc, const float *WN_RESTRICT a, size_t rs,
                                                                   size_t cs, const float *WN_RESTRICT pb, float *c,
                                                                   int ldc, int mr, int nr, int accumulate) {
  __m512 acc[MR][NV];  // [MR, NR] tile of C, NV vectors per row
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++) acc[i][v] = _mm512_setzero_ps();
  // The tile of C is read (accumulate) and written once at the end: fetch its lines now, while the
  // k loop runs (at wide outputs C lies in L3 or memory, and its rows lie ldc apart)
  for (int i = 0; i < mr; i++)
    for (int v = 0; v < NV; v++) _mm_prefetch((const char *)(c + (size_t)i * ldc + 16 * v), _MM_HINT_T0);
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
AVX512 static void micro_packed(int kc, const float *pa, const float *pb, float *c, int ldc, int mr, int nr, int acc) {
  micro_tile(kc, pa, 1, MR, pb, c, ldc, mr, nr, acc);
}
AVX512 static void micro_rows(int kc, const float *a, int lda, const float *pb, float *c, int ldc, int mr, int nr,
                              int acc) {
  micro_tile(kc, a, (size_t)lda, 1, pb, c, ldc, mr, nr, acc);
}

static inline __mmask16 first_lanes(int n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1); }

// dst[c·ds + r] = src[r·ss + c] for r < rows, c < cols (both ≤ 16), in registers: 16 masked row
// loads, a 16×16 transpose (unpack ps, unpack pd, two rounds of 128-bit lane shuffles), `cols`
// stores of `width` lanes each; lanes from `rows` on are stored as zeros (a panel's padding).
AVX512 static void transpose_tile(const float *src, size_t ss, int rows, int cols, float *dst, size_t ds, int width) {
  const __mmask16 cm = first_lanes(cols), wm = first_lanes(width);
  __m512 r[16], t[16];
  for (int i = 0; i < 16; i++) r[i] = i < rows ? _mm512_maskz_loadu_ps(cm, src + i * ss) : _mm512_setzero_ps();
  for (int i = 0; i < 8; i++) {  // t[2i], t[2i+1]: rows 2i, 2i+1 interleaved, columns {0,1} / {2,3} of each lane
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int g = 0; g < 4; g++) {  // r[4g + c]: lane L holds column 4L + c of rows 4g … 4g+3
    const __m512d t0 = _mm512_castps_pd(t[4 * g]), t1 = _mm512_castps_pd(t[4 * g + 1]);
    const __m512d t2 = _mm512_castps_pd(t[4 * g + 2]), t3 = _mm512_castps_pd(t[4 * g + 3]);
    r[4 * g] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
    r[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
    r[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
    r[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
  }
  for (int c = 0; c < 4; c++) {  // column 4L + c gathers lane L of r[c], r[4+c], r[8+c], r[12+c]
    const __m512 v0 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88), v1 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xDD);
    const __m512 w0 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88),
                 w1 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xDD);
    t[c] = _mm512_shuffle_f32x4(v0, w0, 0x88);
    t[8 + c] = _mm512_shuffle_f32x4(v0, w0, 0xDD);
    t[4 + c] = _mm512_shuffle_f32x4(v1, w1, 0x88);
    t[12 + c] = _mm512_shuffle_f32x4(v1, w1, 0xDD);
  }
  for (int c = 0; c < cols; c++) _mm512_mask_storeu_ps(dst + (size_t)c * ds, wm, t[c]);
}

// op(A)[i0 : i0+mc, p0 : p0+kc] → MR-row panels, each [kc, MR], rows past mc zero. For Aᵀ the
// micro-kernel would otherwise read each k's MR scalars lda apart (at lda 512–2048 those lines
// share a few L1 sets with the B panel and evict it); for A, only the last rows (fewer than MR).
AVX512 static void pack_a_block(int ta, const float *A, int lda, int i0, int mc, int p0, int kc, float *out) {
  for (int ib = 0; ib < mc; ib += MR, out += (size_t)kc * MR) {
    const int mr = mc - ib < MR ? mc - ib : MR;
    if (ta) {  // op(A)[i, k] = A[k, i]: each k's MR values are contiguous
      const __mmask16 m = first_lanes(mr);
      for (int k = 0; k < kc; k++)
        _mm512_mask_storeu_ps(out + (size_t)k * MR, first_lanes(MR),
                              _mm512_maskz_loadu_ps(m, A + (size_t)(p0 + k) * lda + i0 + ib));
    } else {
      for (int k = 0; k < kc; k += 16)
        transpose_tile(A + (size_t)(i0 + ib) * lda + p0 + k, (size_t)lda, mr, kc - k < 16 ? kc - k : 16,
                       out + (size_t)k * MR, MR, MR);
    }
  }
}

// op(B)[p0 : p0+kc, j0 : j0+nc] → NR-column panels, each [kc, NR], columns past nc zero.
AVX512 static void pack_b_block(int tb, const float *B, int ldb, int j0, int nc, int p0, int kc, float *out) {
  for (int jb = 0; jb < nc; jb += NR) {
    const int nr = nc - jb < NR ? nc - jb : NR;
    if (tb) {  // op(B)[k, j] = B[j, k]: 16×16 tiles of B transposed in registers
      for (int h = 0; h < NV; h++) {
        const int rows = nr - 16 * h < 0 ? 0 : nr - 16 * h < 16 ? nr - 16 * h : 16;
        for (int k = 0; k < kc; k += 16)
          transpose_tile(B + (size_t)(j0 + jb + 16 * h) * ldb + p0 + k, (size_t)ldb, rows, kc - k < 16 ? kc - k : 16,
                         out + (size_t)k * NR + 16 * h, NR, 16);
      }
    } else {
      for (int k = 0; k < kc; k++) {
        const float *src = B + (size_t)(p0 + k) * ldb + j0 + jb;
        float *dst = out + (size_t)k * NR;
        for (int v = 0; v < NV; v++)
          _mm512_storeu_ps(dst + 16 * v, _mm512_maskz_loadu_ps(first_lanes(nr - 16 * v < 0 ? 0 : nr - 16 * v), src + 16 * v));
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
  // pack_a_block fills whole MR-row panels: a block of MC rows takes ROUND_UP(MC, MR) of them (more
  // than MC where an -DMC= override is no multiple of MR)
  if (!pack_a) pack_a = (float *)_mm_malloc(sizeof(float) * ROUND_UP(MC, MR) * KC, 64);
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
        const int mc = M - i0 < MC ? M - i0 : MC;
        // A's rows (not Aᵀ) read in place, MR at a time: packing them measured 2–15 % slower on the MLP's
        // and the transformer's products (bench/gemm/); Aᵀ and the last rows, fewer than MR, packed
        const int full = ta ? 0 : mc / MR * MR;
        if (full < mc) pack_a_block(ta, A, lda, i0 + full, mc - full, p0, kc, pack_a);
        for (int jb = 0; jb < nc; jb += NR) {
          const int nr = nc - jb < NR ? nc - jb : NR;
          float *c = C + (size_t)i0 * ldc + j0 + jb;
          for (int ib = 0; ib < full; ib += MR)
            micro_rows(kc, A + (size_t)(i0 + ib) * lda + p0, lda, pb + (size_t)jb * kc, c + (size_t)ib * ldc, ldc, MR,
                       nr, accumulate);
          for (int ib = full; ib < mc; ib += MR)
            micro_packed(kc, pack_a + (size_t)(ib - full) * kc, pb + (size_t)jb * kc, c + (size_t)ib * ldc, ldc,
                         mc - ib < MR ? mc - ib : MR, nr, accumulate);
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
