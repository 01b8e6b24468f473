// The transformer step's fused element-wise kernels (issue #18; attention's are in attention.c). Each
// replaces a chain of tfjs ops (one heap pass and ≈20–50 µs of engine bookkeeping each) with one pass:
//   geluForward / geluBackward        act(x) and dy·act'(x): GELU (tanh or erf form) and SiLU;
//                                     tfjs's tanh-GELU is 9 ops, its Pow alone a third of the step
//   layerNormForward / ...Backward    LayerNorm or RMSNorm over the last axis, its dx, dg, db
//   softmaxCe                         mean softmax cross-entropy over the vocabulary, its gradient
// The matrix products around them stay on the addon's GEMM (matmul.ts).
//
// Arguments: (heap, Float64Array) read by args.c; layouts are documented at each entry point and
// built by src/worker/engine/kernels/transformer.ts. Rows are split across threads (OpenMP) once a
// call has enough elements to pay for waking them; a row's result never depends on the split, and
// the column sums of the norm's gain/bias gradients run in row order, so every thread count gives
// the same bytes.
#include "xf_common.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

enum { ACT_GELU_TANH = 0, ACT_GELU_ERF = 1, ACT_SILU = 2 };
enum { NORM_LAYER = 0, NORM_RMS = 1 };

// ---- activations --------------------------------------------------------------------------------

#define GELU_C 0.7978845608028654f   // sqrt(2/pi)
#define GELU_A 0.044715f
#define INV_SQRT2 0.7071067811865476f
#define INV_SQRT_2PI 0.3989422804014327f


// GELU (tanh form) as x·σ(2u), u = √(2/π)(x + 0.044715x³): 0.5(1 + tanh u) = σ(2u) exactly, and σ
// has no cancellation near u = 0 where 1 + tanh would. Its derivative: σ + x·σ(1 − σ)·2u'.
// The loops run on ranges (HOT clones them for AVX-512/AVX2; OpenMP's outlined bodies would not
// be), and threads take chunks of ACT_CHUNK elements.
#define ACT_CHUNK 8192

HOT static void act_forward_range(int kind, const float *WN_RESTRICT x, float *WN_RESTRICT y, long i0, long i1) {
  if (kind == ACT_GELU_ERF) {
    for (long i = i0; i < i1; i++) y[i] = 0.5f * x[i] * (1.f + erff(x[i] * INV_SQRT2));
  } else if (kind == ACT_GELU_TANH) {
    for (long i = i0; i < i1; i++) {
      const float v = x[i];
      y[i] = v * vsigmoidf(2.f * GELU_C * (v + GELU_A * v * v * v));
    }
  } else {
    for (long i = i0; i < i1; i++) y[i] = x[i] * vsigmoidf(x[i]);
  }
}

HOT static void act_backward_range(int kind, const float *WN_RESTRICT x, const float *WN_RESTRICT dy,
                                   float *WN_RESTRICT dx, long i0, long i1) {
  if (kind == ACT_GELU_ERF) {
    for (long i = i0; i < i1; i++) {
      const float v = x[i];
      dx[i] = dy[i] * (0.5f * (1.f + erff(v * INV_SQRT2)) + v * INV_SQRT_2PI * vexpf(-0.5f * v * v));
    }
  } else if (kind == ACT_GELU_TANH) {
    for (long i = i0; i < i1; i++) {
      const float v = x[i];
      const float s = vsigmoidf(2.f * GELU_C * (v + GELU_A * v * v * v));
      const float dz = 2.f * GELU_C * (1.f + 3.f * GELU_A * v * v);  // d(2u)/dx
      dx[i] = dy[i] * (s + v * s * (1.f - s) * dz);
    }
  } else {
    for (long i = i0; i < i1; i++) {
      const float s = vsigmoidf(x[i]);
      dx[i] = dy[i] * (s + x[i] * s * (1.f - s));
    }
  }
}

static void act_forward(int kind, const float *x, float *y, long n) {
  const long chunks = (n + ACT_CHUNK - 1) / ACT_CHUNK;
  const int nt = XF_THREADS(n);
  (void)nt;
#pragma omp parallel for schedule(static) num_threads(nt)
  for (long c = 0; c < chunks; c++) act_forward_range(kind, x, y, c * ACT_CHUNK, c + 1 < chunks ? (c + 1) * ACT_CHUNK : n);
}

static void act_backward(int kind, const float *x, const float *dy, float *dx, long n) {
  const long chunks = (n + ACT_CHUNK - 1) / ACT_CHUNK;
  const int nt = XF_THREADS(n);
  (void)nt;
#pragma omp parallel for schedule(static) num_threads(nt)
  for (long c = 0; c < chunks; c++) act_backward_range(kind, x, dy, dx, c * ACT_CHUNK, c + 1 < chunks ? (c + 1) * ACT_CHUNK : n);
}

// geluForward(heap, [n, kind, x, y]): y = act(x), kind 0 = GELU (tanh), 1 = GELU (erf), 2 = SiLU.
napi_value GeluForward(napi_env env, napi_callback_info info) {
  WnArgs r;
  if (!wn_args_open(env, info, &r, "activation")) return NULL;
  const double n = wn_next(&r);
  const int kind = (int)wn_next(&r);
  const float *x = wn_tensor_at(&r, n, 0);
  float *y = wn_tensor_at(&r, n, 0);
  if (!wn_args_done(env, &r, "activation")) return NULL;
  if (kind < 0 || kind > 2) return xf_fail(env, "whittle_native: activation kind must be 0 (gelu tanh), 1 (gelu erf) or 2 (silu)");
  act_forward(kind, x, y, (long)n);
  return NULL;
}

// geluBackward(heap, [n, kind, x, dy, dx]): dx = dy · act'(x).
napi_value GeluBackward(napi_env env, napi_callback_info info) {
  WnArgs r;
  if (!wn_args_open(env, info, &r, "activation gradient")) return NULL;
  const double n = wn_next(&r);
  const int kind = (int)wn_next(&r);
  const float *x = wn_tensor_at(&r, n, 0);
  const float *dy = wn_tensor_at(&r, n, 0);
  float *dx = wn_tensor_at(&r, n, 0);
  if (!wn_args_done(env, &r, "activation gradient")) return NULL;
  if (kind < 0 || kind > 2) return xf_fail(env, "whittle_native: activation kind must be 0 (gelu tanh), 1 (gelu erf) or 2 (silu)");
  act_backward(kind, x, dy, dx, (long)n);
  return NULL;
}

// ---- LayerNorm / RMSNorm ------------------------------------------------------------------------

// Row statistics in double (as a float64 reference would): mean (0 for RMSNorm) and 1/sqrt(var + eps)
// (RMSNorm: 1/sqrt(mean(x²) + eps)). `omp simd reduction` lets the sums vectorise without
// -ffast-math; the loops live in HOT range functions so they get the AVX-512/AVX2 clones.
static inline void row_stats(int kind, const float *WN_RESTRICT xr, int d, double eps, double *mean, double *rstd) {
  double s = 0, q = 0;
  if (kind == NORM_LAYER) {
#pragma omp simd reduction(+ : s)
    for (int j = 0; j < d; j++) s += xr[j];
    s /= d;
  }
#pragma omp simd reduction(+ : q)
  for (int j = 0; j < d; j++) { const double c = xr[j] - s; q += c * c; }
  *mean = s;
  *rstd = 1.0 / sqrt(q / d + eps);
}

HOT static void norm_forward_rows(int kind, int d, double eps, const float *x, const float *g, const float *b, float *y,
                                  int i0, int i1) {
  for (int i = i0; i < i1; i++) {
    const float *xr = x + (size_t)i * d;
    float *yr = y + (size_t)i * d;
    double mean, rstd;
    row_stats(kind, xr, d, eps, &mean, &rstd);
    const float m = (float)mean, rs = (float)rstd;
    if (b)
      for (int j = 0; j < d; j++) yr[j] = (xr[j] - m) * rs * g[j] + b[j];
    else
      for (int j = 0; j < d; j++) yr[j] = (xr[j] - m) * rs * g[j];
  }
}

// Rows per thread task: enough to amortise the call, few enough to balance two threads.
#define NORM_ROWS 32

static void norm_forward(int kind, int N, int d, double eps, const float *x, const float *g, const float *b, float *y) {
  const int tasks = (N + NORM_ROWS - 1) / NORM_ROWS;
  const int nt = XF_THREADS((long)N * d);
  (void)nt;
#pragma omp parallel for schedule(static) num_threads(nt)
  for (int t = 0; t < tasks; t++)
    norm_forward_rows(kind, d, eps, x, g, b, y, t * NORM_ROWS, t + 1 < tasks ? (t + 1) * NORM_ROWS : N);
}

// dx = rstd·(dŷ − mean(dŷ) − x̂·mean(dŷ·x̂)) with dŷ = dy·g, x̂ = (x − mean)·rstd (LayerNorm);
// RMSNorm drops the mean(dŷ) term (its x̂ = x·rstd has no centring). Keeps each row's stats.
HOT static void norm_backward_rows(int kind, int d, double eps, const float *x, const float *g, const float *dy,
                                   float *dx, double *means, double *rstds, int i0, int i1) {
  for (int i = i0; i < i1; i++) {
    const float *xr = x + (size_t)i * d, *dyr = dy + (size_t)i * d;
    float *dxr = dx + (size_t)i * d;
    double mean, rstd;
    row_stats(kind, xr, d, eps, &mean, &rstd);
    means[i] = mean;
    rstds[i] = rstd;
    double sdh = 0, sdhx = 0;
#pragma omp simd reduction(+ : sdh, sdhx)
    for (int j = 0; j < d; j++) {
      const double xh = (xr[j] - mean) * rstd, dh = (double)dyr[j] * g[j];
      sdh += dh;
      sdhx += dh * xh;
    }
    const float mdh = kind == NORM_LAYER ? (float)(sdh / d) : 0.f, mdhx = (float)(sdhx / d);
    const float m = (float)mean, rs = (float)rstd;
    for (int j = 0; j < d; j++) dxr[j] = rs * (dyr[j] * g[j] - mdh - (xr[j] - m) * rs * mdhx);
  }
}

// Gain and bias gradients: column sums in row order (the same bytes at any thread count).
HOT static void norm_param_grads(int N, int d, const float *x, const float *dy, const double *means,
                                 const double *rstds, double *accg, double *accb) {
  for (int i = 0; i < N; i++) {
    const float *xr = x + (size_t)i * d, *dyr = dy + (size_t)i * d;
    const double m = means[i], rs = rstds[i];
    for (int j = 0; j < d; j++) {
      accg[j] += (double)dyr[j] * ((xr[j] - m) * rs);
      accb[j] += dyr[j];
    }
  }
}

static int norm_backward(int kind, int N, int d, double eps, const float *x, const float *g, const float *dy, float *dx,
                         float *dg, float *db) {
  double *buf = (double *)calloc((size_t)2 * N + 2 * (size_t)d, sizeof(double));
  if (!buf) return 0;
  double *means = buf, *rstds = buf + N, *accg = buf + 2 * (size_t)N, *accb = accg + d;
  const int tasks = (N + NORM_ROWS - 1) / NORM_ROWS;
  const int nt = XF_THREADS((long)N * d);
  (void)nt;
#pragma omp parallel for schedule(static) num_threads(nt)
  for (int t = 0; t < tasks; t++)
    norm_backward_rows(kind, d, eps, x, g, dy, dx, means, rstds, t * NORM_ROWS, t + 1 < tasks ? (t + 1) * NORM_ROWS : N);
  norm_param_grads(N, d, x, dy, means, rstds, accg, accb);
  for (int j = 0; j < d; j++) {
    dg[j] = (float)accg[j];
    if (db) db[j] = (float)accb[j];
  }
  free(buf);
  return 1;
}

// layerNormForward(heap, [N, d, kind, eps, x, g, b | -1, y]): y = norm(x)·g + b over the last axis
// of x [N, d]; kind 0 = LayerNorm, 1 = RMSNorm.
napi_value LayerNormForward(napi_env env, napi_callback_info info) {
  WnArgs r;
  if (!wn_args_open(env, info, &r, "norm")) return NULL;
  const int N = (int)wn_next(&r), d = (int)wn_next(&r), kind = (int)wn_next(&r);
  const double eps = wn_next(&r);
  const float *x = wn_tensor_at(&r, (double)N * d, 0), *g = wn_tensor_at(&r, d, 0), *b = wn_tensor_at(&r, d, 1);
  float *y = wn_tensor_at(&r, (double)N * d, 0);
  if (!wn_args_done(env, &r, "norm")) return NULL;
  if (N < 0 || d < 1 || kind < 0 || kind > 1) return xf_fail(env, "whittle_native: norm needs rows >= 0, width >= 1, kind 0 or 1");
  norm_forward(kind, N, d, eps, x, g, b, y);
  return NULL;
}

// layerNormBackward(heap, [N, d, kind, eps, x, g, dy, dx, dg, db | -1]).
napi_value LayerNormBackward(napi_env env, napi_callback_info info) {
  WnArgs r;
  if (!wn_args_open(env, info, &r, "norm gradient")) return NULL;
  const int N = (int)wn_next(&r), d = (int)wn_next(&r), kind = (int)wn_next(&r);
  const double eps = wn_next(&r);
  const float *x = wn_tensor_at(&r, (double)N * d, 0), *g = wn_tensor_at(&r, d, 0), *dy = wn_tensor_at(&r, (double)N * d, 0);
  float *dx = wn_tensor_at(&r, (double)N * d, 0), *dg = wn_tensor_at(&r, d, 0), *db = wn_tensor_at(&r, d, 1);
  if (!wn_args_done(env, &r, "norm gradient")) return NULL;
  if (N < 0 || d < 1 || kind < 0 || kind > 1) return xf_fail(env, "whittle_native: norm needs rows >= 0, width >= 1, kind 0 or 1");
  if (!norm_backward(kind, N, d, eps, x, g, dy, dx, dg, db)) return xf_fail(env, "whittle_native: out of memory for the norm gradient");
  return NULL;
}

// ---- softmax cross-entropy over the vocabulary ---------------------------------------------------

// log Σ_c e^{z_c}, shifted by the row's max; the sum in double (49,152-way vocabularies).
static inline double row_lse(const float *z, int C) {
  float max = -INFINITY;
#pragma omp simd reduction(max : max)
  for (int c = 0; c < C; c++) max = z[c] > max ? z[c] : max;
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (int c = 0; c < C; c++) s += vexpf(z[c] - max);
  return max + log(s);
}

// Rows [i0, i1): their losses (mode 0, into `rows`) or their gradient rows (mode 1, into g).
HOT static void ce_rows(int mode, int C, const float *z, const int32_t *y, double *rows, float *g, float scale, int i0,
                        int i1) {
  for (int i = i0; i < i1; i++) {
    const float *zr = z + (size_t)i * C;
    const double lse = row_lse(zr, C);
    if (mode == 0) {
      rows[i] = lse - zr[y[i]];
    } else {
      float *gr = g + (size_t)i * C;
      const float l = (float)lse;
      for (int c = 0; c < C; c++) gr[c] = scale * vexpf(zr[c] - l);
      gr[y[i]] -= scale;
    }
  }
}

// softmaxCe(heap, [N, C, logits, labels (int32), out, mode, scale]):
//   mode 0: out[0] = mean over rows of lse(z) − z[label] (nats);
//   mode 1: out [N, C] = scale · (softmax(z) − onehot(label)) (the gradient; scale = dy / N).
// Returns the first out-of-range label's row, or −1 (nothing written then).
napi_value SoftmaxCe(napi_env env, napi_callback_info info) {
  WnArgs r;
  if (!wn_args_open(env, info, &r, "softmax cross-entropy")) return NULL;
  const int N = (int)wn_next(&r), C = (int)wn_next(&r);
  const float *z = wn_tensor_at(&r, (double)N * C, 0);
  const int32_t *y = (const int32_t *)wn_tensor_at(&r, N, 0);
  const int mode = (int)wn_next(&r);
  float *out = wn_tensor_at(&r, mode == 0 ? 1.0 : (double)N * C, 0);
  const double scale = wn_next(&r);
  if (!wn_args_done(env, &r, "softmax cross-entropy")) return NULL;
  if (N < 0 || C < 1 || mode < 0 || mode > 1) return xf_fail(env, "whittle_native: softmax cross-entropy needs rows >= 0, classes >= 1, mode 0 or 1");
  napi_value bad;
  for (int i = 0; i < N; i++)
    if (y[i] < 0 || y[i] >= C) {
      napi_create_int32(env, i, &bad);
      return bad;
    }
  const int nt = XF_THREADS((long)N * C);
  (void)nt;
  const int tasks = (N + SOFTMAX_ROWS - 1) / SOFTMAX_ROWS;
  // mode 0: per-row losses in parallel, summed in row order (the same bytes at any thread count)
  double *rows = mode == 0 ? (double *)malloc(sizeof(double) * (size_t)(N > 0 ? N : 1)) : NULL;
  if (mode == 0 && !rows) return xf_fail(env, "whittle_native: out of memory for the cross-entropy rows");
#pragma omp parallel for schedule(static) num_threads(nt)
  for (int t = 0; t < tasks; t++) ce_rows(mode, C, z, y, rows, out, (float)scale, t * SOFTMAX_ROWS, t + 1 < tasks ? (t + 1) * SOFTMAX_ROWS : N);
  if (mode == 0) {
    double total = 0;
    for (int i = 0; i < N; i++) total += rows[i];
    free(rows);
    out[0] = N > 0 ? (float)(total / N) : 0.f;
  }
  napi_create_int32(env, -1, &bad);
  return bad;
}
