// Whittle's native kernels: a small N-API addon (C, no C++ runtime, no node-addon-api) that the
// wasm backend's kernel registrations call for the work that dominates an MLP training step.
//
// Why native at all: wasm SIMD is 128 bits wide and single-threaded in Node, so even XNNPACK's
// GEMM reaches a fraction of what the CPU can do. Here matrices stay where tfjs-backend-wasm keeps
// them (the wasm heap, an ArrayBuffer we get a raw pointer to) and we call a real BLAS on them,
// without copies. Every entry point takes (heap, byte offsets, sizes) and is synchronous, so the
// heap cannot grow (and move) while we hold the pointer.
//
// This file: the N-API entry points of the GEMM and the element-wise kernels, the thread and GEMM
// settings, and module registration. The GEMM itself is gemm.c; the packed-argument reader args.c;
// the fused MLP mlp.c; the transformer kernels transformer.c; CMSP data data.c.
#include "whittle_native.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#endif

// Element-wise loops split across threads (OpenMP where the compiler has it; serial otherwise) only
// when the work is large enough to pay for waking them. These passes are memory-bound, and idle
// threads sleep (passive waits, see the scheduler): below ~4M elements a second thread cost more
// than it saved (Adam over 297k weights: 0.68 ms on two threads, 0.42 ms on one, in a real step).
#define PAR_MIN 4194304
// Each parallel loop sets `par_n` (its element count) just before the pragma.
// (num_threads(1), not an `if` clause, for small work: GCC's serial copy behind `if` is not
// vectorised — Adam ran 6× slower through it.)
#define PAR_FOR _Pragma("omp parallel for simd schedule(static) num_threads(par_n >= PAR_MIN ? wn_threads() : 1)")

// ---- N-API helpers ----------------------------------------------------------------------------

#define CHECK(call)                                                        \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_error(env, NULL, "whittle_native: N-API call failed: " #call); \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

int wn_get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, NULL, "whittle_native: too few arguments");
    return 0;
  }
  return 1;
}

uint8_t *wn_heap_ptr(napi_env env, napi_value v, size_t *len) {
  void *data = NULL;
  bool is_ab = false;
  napi_is_arraybuffer(env, v, &is_ab);
  if (!is_ab || napi_get_arraybuffer_info(env, v, &data, len) != napi_ok) {
    napi_throw_type_error(env, NULL, "whittle_native: expected the wasm heap ArrayBuffer");
    return NULL;
  }
  return (uint8_t *)data;
}

static double num(napi_env env, napi_value v) {
  double d = 0;
  napi_get_value_double(env, v, &d);
  return d;
}

// Bounds check: [off, off + count floats) must lie inside the heap.
#define IN_HEAP(off, count) ((off) >= 0 && (double)(off) + 4.0 * (double)(count) <= (double)heap_len)
#define BOUNDS(cond)                                                        \
  do {                                                                      \
    if (!(cond)) {                                                          \
      napi_throw_range_error(env, NULL, "whittle_native: offset outside the heap"); \
      return NULL;                                                          \
    }                                                                       \
  } while (0)

// gemm(heap, ta, tb, M, N, K, aOff, bOff, cOff, beta, batch, strideA, strideB, strideC)
// Row-major, dense operands: lda/ldb/ldc follow from the (transposed) shapes. Offsets and strides
// are in bytes; a stride of 0 broadcasts that operand across the batch.
static napi_value Gemm(napi_env env, napi_callback_info info) {
  napi_value a[14];
  if (!wn_get_args(env, info, 14, a)) return NULL;
  size_t heap_len = 0;
  uint8_t *heap = wn_heap_ptr(env, a[0], &heap_len);
  if (!heap) return NULL;
  bool ta = false, tb = false;
  napi_get_value_bool(env, a[1], &ta);
  napi_get_value_bool(env, a[2], &tb);
  const int M = (int)num(env, a[3]), N = (int)num(env, a[4]), K = (int)num(env, a[5]);
  const double aOff = num(env, a[6]), bOff = num(env, a[7]), cOff = num(env, a[8]);
  const float beta = (float)num(env, a[9]);
  const int batch = (int)num(env, a[10]);
  const double sA = num(env, a[11]), sB = num(env, a[12]), sC = num(env, a[13]);
  BOUNDS(M >= 0 && N >= 0 && K >= 0 && batch >= 1);
  BOUNDS(IN_HEAP(aOff + sA * (batch - 1), (double)M * K) && IN_HEAP(bOff + sB * (batch - 1), (double)K * N) &&
         IN_HEAP(cOff + sC * (batch - 1), (double)M * N));
  const int lda = ta ? M : K, ldb = tb ? K : N, ldc = N;
#ifdef _OPENMP
  // Batched small products (attention: batch × heads products of 64×64, or 256×256×64 in a
  // 135M model's prompt): threads take whole entries. Only where wn_sgemm would not split an entry
  // itself, so every entry is the same single call, hence the same bytes, at any thread count.
  // (wn_gemm_splits, evaluated before any thread starts, has loaded the BLAS and read the mode.)
  const int T = wn_threads();
  if (batch >= 2 && T > 1 && omp_get_level() == 0 && !wn_gemm_splits(M, N, K) && 2.0 * M * N * K * batch >= 1e6) {
#pragma omp parallel for schedule(static) num_threads(T < batch ? T : batch)
    for (int i = 0; i < batch; i++)
      wn_sgemm1(ta, tb, M, N, K, (const float *)(heap + (size_t)(aOff + sA * i)), lda,
                (const float *)(heap + (size_t)(bOff + sB * i)), ldb, beta, (float *)(heap + (size_t)(cOff + sC * i)), ldc);
    return NULL;
  }
#endif
  for (int i = 0; i < batch; i++)
    wn_sgemm(ta, tb, M, N, K, (const float *)(heap + (size_t)(aOff + sA * i)), lda,
             (const float *)(heap + (size_t)(bOff + sB * i)), ldb, beta, (float *)(heap + (size_t)(cOff + sC * i)), ldc);
  return NULL;
}

HOT static void bias_act_loop(const float *x, const float *bias, float *o, int M, int N, int act) {
  const long par_n = (long)M * N;
  PAR_FOR
  for (int i = 0; i < M; i++) {
    const float *xr = x + (size_t)i * N;
    float *orow = o + (size_t)i * N;
    if (bias && act == 1)
      for (int j = 0; j < N; j++) { float v = xr[j] + bias[j]; orow[j] = v > 0.f ? v : 0.f; }
    else if (bias)
      for (int j = 0; j < N; j++) orow[j] = xr[j] + bias[j];
    else if (act == 1)
      for (int j = 0; j < N; j++) orow[j] = xr[j] > 0.f ? xr[j] : 0.f;
    else if (orow != xr)
      memcpy(orow, xr, sizeof(float) * N);
  }
}

// biasAct(heap, xOff, biasOff, outOff, M, N, act): out = act(x + bias[None, :]); act 0 = none,
// 1 = relu. biasOff < 0 means no bias. out may alias x.
static napi_value BiasAct(napi_env env, napi_callback_info info) {
  napi_value a[7];
  if (!wn_get_args(env, info, 7, a)) return NULL;
  size_t heap_len = 0;
  uint8_t *heap = wn_heap_ptr(env, a[0], &heap_len);
  if (!heap) return NULL;
  const double xOff = num(env, a[1]), bOff = num(env, a[2]), oOff = num(env, a[3]);
  const int M = (int)num(env, a[4]), N = (int)num(env, a[5]), act = (int)num(env, a[6]);
  BOUNDS(IN_HEAP(xOff, (double)M * N) && IN_HEAP(oOff, (double)M * N) && (bOff < 0 || IN_HEAP(bOff, N)));
  bias_act_loop((const float *)(heap + (size_t)xOff), bOff < 0 ? NULL : (const float *)(heap + (size_t)bOff),
                (float *)(heap + (size_t)oOff), M, N, act);
  return NULL;
}

// Float partial sums over blocks of 64 rows (vectorisable), added into double accumulators: at
// least as accurate as the reference kernel's sequential float sum.
static void col_sum_cols(const float *x, float *o, int M, int N, int j0, int j1);

HOT static void col_sum_loop(const float *x, float *o, int M, int N) {
  // Threads take disjoint column ranges (each sums its columns over all rows): same result for
  // any thread count.
  const int chunks = N >= 64 ? (N + 31) / 32 : 1;
  const long par_n = (long)M * N;
  PAR_FOR
  for (int c = 0; c < chunks; c++) {
    const int j0 = chunks == 1 ? 0 : c * 32, j1 = chunks == 1 ? N : (j0 + 32 < N ? j0 + 32 : N);
    col_sum_cols(x, o, M, N, j0, j1);
  }
}

HOT static void col_sum_cols(const float *x, float *o, int M, int N, int j0, int j1) {
  const int w = j1 - j0;
  double *acc = (double *)calloc((size_t)w, sizeof(double));
  float *part = (float *)malloc(sizeof(float) * (size_t)w);
  for (int i0 = 0; i0 < M; i0 += 64) {
    const int i1 = M - i0 < 64 ? M : i0 + 64;
    memset(part, 0, sizeof(float) * (size_t)w);
    for (int i = i0; i < i1; i++) {
      const float *xr = x + (size_t)i * N + j0;
      for (int j = 0; j < w; j++) part[j] += xr[j];
    }
    for (int j = 0; j < w; j++) acc[j] += part[j];
  }
  for (int j = 0; j < w; j++) o[j0 + j] = (float)acc[j];
  free(part);
  free(acc);
}

// colSum(heap, xOff, outOff, M, N): out[j] = Σ_i x[i, j] (the bias gradient), accumulated in
// float per column like the reference kernels, row by row so the loop is contiguous.
static napi_value ColSum(napi_env env, napi_callback_info info) {
  napi_value a[5];
  if (!wn_get_args(env, info, 5, a)) return NULL;
  size_t heap_len = 0;
  uint8_t *heap = wn_heap_ptr(env, a[0], &heap_len);
  if (!heap) return NULL;
  const double xOff = num(env, a[1]), oOff = num(env, a[2]);
  const int M = (int)num(env, a[3]), N = (int)num(env, a[4]);
  BOUNDS(IN_HEAP(xOff, (double)M * N) && IN_HEAP(oOff, N));
  const float *x = (const float *)(heap + (size_t)xOff);
  float *o = (float *)(heap + (size_t)oOff);
  col_sum_loop(x, o, M, N);
  return NULL;
}

// Branch-free on purpose: the sign of y is random, so a branch mispredicts half the time (a
// branchy loop measured 5 ns/element, ten times the cost of a pass over memory).
HOT static void relu_grad_loop(const float *dy, const float *y, float *o, size_t n) {
  const long nn = (long)n;
  const long par_n = nn;
  PAR_FOR
  for (long i = 0; i < nn; i++) {
    const float keep = (float)(y[i] > 0.f);
    o[i] = dy[i] * keep;
  }
}

// reluGrad(heap, dyOff, yOff, outOff, n): out = dy · (y > 0). y may be the pre- or
// post-activation (same sign test). out may alias dy.
static napi_value ReluGrad(napi_env env, napi_callback_info info) {
  napi_value a[5];
  if (!wn_get_args(env, info, 5, a)) return NULL;
  size_t heap_len = 0;
  uint8_t *heap = wn_heap_ptr(env, a[0], &heap_len);
  if (!heap) return NULL;
  const double dOff = num(env, a[1]), yOff = num(env, a[2]), oOff = num(env, a[3]);
  const double n = num(env, a[4]);
  BOUNDS(IN_HEAP(dOff, n) && IN_HEAP(yOff, n) && IN_HEAP(oOff, n));
  relu_grad_loop((const float *)(heap + (size_t)dOff), (const float *)(heap + (size_t)yOff),
                 (float *)(heap + (size_t)oOff), (size_t)n);
  return NULL;
}

// PyTorch's Adam for one variable (see src/worker/train/optimizers.ts for the rule), one pass.
// The float32 moments as stored feed the update, as in the op-by-op version. The outputs are
// fresh tensors, never the inputs: `restrict` lets the compiler vectorise (seven pointers are too
// many for its run-time alias checks, and the scalar loop ran at 2.6 ns per element).
HOT static void adam_loop(const float *WN_RESTRICT p, const float *WN_RESTRICT m, const float *WN_RESTRICT v,
                          const float *WN_RESTRICT g, float *WN_RESTRICT p2, float *WN_RESTRICT m2,
                          float *WN_RESTRICT v2, size_t n, float lr, float b1, float b2, float eps, float step, float rbc2,
                          float shrink, float l2) {
  const long nn = (long)n;
  const long par_n = nn;
  PAR_FOR
  for (long i = 0; i < nn; i++) {
    const float gi = g[i] + l2 * p[i];
    const float mi = b1 * m[i] + (1.f - b1) * gi;
    const float vi = b2 * v[i] + (1.f - b2) * gi * gi;
    m2[i] = mi;
    v2[i] = vi;
    p2[i] = p[i] * shrink - step * mi / (sqrtf(vi) * rbc2 + eps);
  }
  (void)lr;
}

// adam(heap, pOff, mOff, vOff, gOff, p2Off, m2Off, v2Off, n, lr, beta1, beta2, eps, bc1, bc2,
//      weightDecay, decoupled)
static napi_value Adam(napi_env env, napi_callback_info info) {
  napi_value a[17];
  if (!wn_get_args(env, info, 17, a)) return NULL;
  size_t heap_len = 0;
  uint8_t *heap = wn_heap_ptr(env, a[0], &heap_len);
  if (!heap) return NULL;
  double off[7];
  for (int i = 0; i < 7; i++) off[i] = num(env, a[1 + i]);
  const double n = num(env, a[8]);
  for (int i = 0; i < 7; i++) BOUNDS(IN_HEAP(off[i], n));
  const double lr = num(env, a[9]), b1 = num(env, a[10]), b2 = num(env, a[11]), eps = num(env, a[12]);
  const double bc1 = num(env, a[13]), bc2 = num(env, a[14]), wd = num(env, a[15]);
  bool decoupled = false;
  napi_get_value_bool(env, a[16], &decoupled);
#define F(i) ((float *)(heap + (size_t)off[i]))
  adam_loop(F(0), F(1), F(2), F(3), F(4), F(5), F(6), (size_t)n, (float)lr, (float)b1, (float)b2, (float)eps,
            (float)(lr / bc1), (float)(1.0 / sqrt(bc2)), decoupled ? (float)(1.0 - lr * wd) : 1.f,
            decoupled ? 0.f : (float)wd);
#undef F
  return NULL;
}

// setThreads(n): threads for the native kernels, the fused MLP's and the per-layer GEMMs' splits
// included (the BLAS itself runs one thread per call). Returns the count in effect.
static napi_value SetThreads(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (!wn_get_args(env, info, 1, a)) return NULL;
  wn_set_threads((int)num(env, a[0]));
  napi_value out;
  CHECK(napi_create_int32(env, wn_threads(), &out));
  return out;
}

// useGemm('auto' | 'blas' | 'avx512' | 'builtin') → the GEMM that now serves large calls.
static napi_value UseGemm(napi_env env, napi_callback_info info) {
  napi_value a[1], out;
  if (!wn_get_args(env, info, 1, a)) return NULL;
  char name[16] = {0};
  size_t len = 0;
  napi_get_value_string_utf8(env, a[0], name, sizeof(name), &len);
  if (!wn_use_gemm(name)) {
    napi_throw_range_error(env, NULL, "whittle_native: useGemm expects 'auto', 'blas', 'avx512' or 'builtin'");
    return NULL;
  }
  CHECK(napi_create_string_utf8(env, wn_gemm_in_use(), NAPI_AUTO_LENGTH, &out));
  return out;
}

// info() → { blas: path (+ OpenBLAS core) or 'builtin', gemm: the GEMM serving large calls }
static napi_value Info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out, name, gemm;
  CHECK(napi_create_object(env, &out));
  CHECK(napi_create_string_utf8(env, wn_blas_name(), NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_string_utf8(env, wn_gemm_in_use(), NAPI_AUTO_LENGTH, &gemm));
  CHECK(napi_set_named_property(env, out, "gemm", gemm));
  CHECK(napi_set_named_property(env, out, "blas", name));
  return out;
}

static void cleanup(void *arg) {
  (void)arg;
  wn_mlp_free_scratch();
  wn_gemm_free_scratch();
}

NAPI_MODULE_INIT() {
  napi_add_env_cleanup_hook(env, cleanup, NULL);
  napi_property_descriptor props[] = {
      {"gemm", NULL, Gemm, NULL, NULL, NULL, napi_default, NULL},
      {"biasAct", NULL, BiasAct, NULL, NULL, NULL, napi_default, NULL},
      {"colSum", NULL, ColSum, NULL, NULL, NULL, napi_default, NULL},
      {"reluGrad", NULL, ReluGrad, NULL, NULL, NULL, napi_default, NULL},
      {"adam", NULL, Adam, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, SetThreads, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, Info, NULL, NULL, NULL, napi_default, NULL},
      {"useGemm", NULL, UseGemm, NULL, NULL, NULL, napi_default, NULL},
      {"mlpForward", NULL, MlpForward, NULL, NULL, NULL, napi_default, NULL},
      {"mlpBackward", NULL, MlpBackward, NULL, NULL, NULL, napi_default, NULL},
      {"cmspFill", NULL, CmspFill, NULL, NULL, NULL, napi_default, NULL},
      {"geluForward", NULL, GeluForward, NULL, NULL, NULL, napi_default, NULL},
      {"geluBackward", NULL, GeluBackward, NULL, NULL, NULL, napi_default, NULL},
      {"layerNormForward", NULL, LayerNormForward, NULL, NULL, NULL, napi_default, NULL},
      {"layerNormBackward", NULL, LayerNormBackward, NULL, NULL, NULL, napi_default, NULL},
      {"causalSoftmaxForward", NULL, CausalSoftmaxForward, NULL, NULL, NULL, napi_default, NULL},
      {"causalSoftmaxBackward", NULL, CausalSoftmaxBackward, NULL, NULL, NULL, napi_default, NULL},
      {"splitHeads", NULL, SplitHeads, NULL, NULL, NULL, napi_default, NULL},
      {"mergeHeads", NULL, MergeHeads, NULL, NULL, NULL, napi_default, NULL},
      {"softmaxCe", NULL, SoftmaxCe, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}
