// The transformer step's attention kernels (issue #18; the element-wise ones are in transformer.c):
//   causalSoftmaxForward / ...Backward softmax(scale·s) over the keys a query may see (causal
//                                     mask built in), and its gradient
//   splitHeads / mergeHeads           the fused q|k|v projection to per-head q, k, v (rotary
//                                     positions applied to q and k), and back
// The products QKᵀ and PV stay on the addon's GEMM (batched; matmul.ts).
//
// Arguments: (heap, Float64Array) read by args.c; layouts at each entry point, built by
// src/worker/engine/kernels/transformer.ts. Rows are split across threads once a call is large
// enough; a row's result never depends on the split (the same bytes at any thread count).
#include "xf_common.h"
#ifdef _OPENMP
#include <omp.h>
#endif

// ---- causal softmax -----------------------------------------------------------------------------

// Row r of the scores [R, S] is query position q = P + (r mod T) (T queries after P cached keys,
// the rows of every batch entry and head stacked): it sees keys 0..q, and the rest get exactly 0
// (as exp(−1e9 − max) does in the additive-mask route).
static int visible(int r, int S, int T, int P) {
  const int q = P + r % T + 1;
  return q < S ? q : S;
}

HOT static void causal_softmax_rows(int S, int T, int P, float scale, const float *x, float *y, int r0, int r1) {
  for (int r = r0; r < r1; r++) {
    const float *xr = x + (size_t)r * S;
    float *yr = y + (size_t)r * S;
    const int n = visible(r, S, T, P);
    float max = -INFINITY;
#pragma omp simd reduction(max : max)
    for (int j = 0; j < n; j++) max = xr[j] > max ? xr[j] : max;
    float sum = 0.f;
#pragma omp simd reduction(+ : sum)
    for (int j = 0; j < n; j++) { const float e = vexpf(scale * (xr[j] - max)); yr[j] = e; sum += e; }
    const float inv = 1.f / sum;
    for (int j = 0; j < n; j++) yr[j] *= inv;
    for (int j = n; j < S; j++) yr[j] = 0.f;
  }
}

static void causal_softmax_forward(int R, int S, int T, int P, float scale, const float *x, float *y) {
  const int tasks = (R + SOFTMAX_ROWS - 1) / SOFTMAX_ROWS;
  const int nt = XF_THREADS((long)R * S);
  (void)nt;
#pragma omp parallel for schedule(static) num_threads(nt)
  for (int t = 0; t < tasks; t++)
    causal_softmax_rows(S, T, P, scale, x, y, t * SOFTMAX_ROWS, t + 1 < tasks ? (t + 1) * SOFTMAX_ROWS : R);
}

// ds_j = scale · y_j · (dy_j − Σ_k dy_k y_k); masked keys (y = 0) get 0.
HOT static void causal_softmax_grad_rows(int S, int T, int P, float scale, const float *y, const float *dy, float *dx,
                                         int r0, int r1) {
  for (int r = r0; r < r1; r++) {
    const float *yr = y + (size_t)r * S, *dyr = dy + (size_t)r * S;
    float *dxr = dx + (size_t)r * S;
    const int n = visible(r, S, T, P);
    float dot = 0.f;
#pragma omp simd reduction(+ : dot)
    for (int j = 0; j < n; j++) dot += dyr[j] * yr[j];
    for (int j = 0; j < n; j++) dxr[j] = scale * yr[j] * (dyr[j] - dot);
    for (int j = n; j < S; j++) dxr[j] = 0.f;
  }
}

static void causal_softmax_backward(int R, int S, int T, int P, float scale, const float *y, const float *dy, float *dx) {
  const int tasks = (R + SOFTMAX_ROWS - 1) / SOFTMAX_ROWS;
  const int nt = XF_THREADS((long)R * S);
  (void)nt;
#pragma omp parallel for schedule(static) num_threads(nt)
  for (int t = 0; t < tasks; t++)
    causal_softmax_grad_rows(S, T, P, scale, y, dy, dx, t * SOFTMAX_ROWS, t + 1 < tasks ? (t + 1) * SOFTMAX_ROWS : R);
}

static int softmax_head(napi_env env, WnArgs *r, int *R, int *S, int *T, int *P, float *scale) {
  *R = (int)wn_next(r); *S = (int)wn_next(r); *T = (int)wn_next(r); *P = (int)wn_next(r);
  *scale = (float)wn_next(r);
  if (r->ok && (*R < 0 || *S < 1 || *T < 1 || *P < 0 || *P + *T != *S || *R % *T || !(*scale > 0.f))) {
    xf_fail(env, "whittle_native: causal softmax needs keys S = P + T, rows a multiple of T and a scale > 0");
    return 0;
  }
  return 1;
}

// causalSoftmaxForward(heap, [R, S, T, P, scale, x, y]): y = causal softmax of scale·x [R, S].
napi_value CausalSoftmaxForward(napi_env env, napi_callback_info info) {
  WnArgs r;
  int R, S, T, P;
  float scale;
  if (!wn_args_open(env, info, &r, "causal softmax")) return NULL;
  if (!softmax_head(env, &r, &R, &S, &T, &P, &scale)) return NULL;
  const float *x = wn_tensor_at(&r, (double)R * S, 0);
  float *y = wn_tensor_at(&r, (double)R * S, 0);
  if (!wn_args_done(env, &r, "causal softmax")) return NULL;
  causal_softmax_forward(R, S, T, P, scale, x, y);
  return NULL;
}

// causalSoftmaxBackward(heap, [R, S, T, P, scale, y, dy, dx]): dx = d(softmax)/dx given y and dy.
napi_value CausalSoftmaxBackward(napi_env env, napi_callback_info info) {
  WnArgs r;
  int R, S, T, P;
  float scale;
  if (!wn_args_open(env, info, &r, "causal softmax gradient")) return NULL;
  if (!softmax_head(env, &r, &R, &S, &T, &P, &scale)) return NULL;
  const float *y = wn_tensor_at(&r, (double)R * S, 0), *dy = wn_tensor_at(&r, (double)R * S, 0);
  float *dx = wn_tensor_at(&r, (double)R * S, 0);
  if (!wn_args_done(env, &r, "causal softmax gradient")) return NULL;
  causal_softmax_backward(R, S, T, P, scale, y, dy, dx);
  return NULL;
}

// ---- attention heads: split the fused q|k|v projection, and its gradient -------------------------

// Rotary positions (the rotate_half convention): for position p, with c = cos[p], s = sin[p] ([hd]
// rows of the model's tables) and h2 = hd/2, y_i = x_i·c_i − x_{i+h2}·s_i and
// y_{i+h2} = x_{i+h2}·c_{i+h2} + x_i·s_{i+h2} — what x·cos + rotate_half(x)·sin computes.
static inline void rotate_row(const float *x, const float *c, const float *s, int hd, float *y) {
  const int h2 = hd / 2;
  for (int i = 0; i < h2; i++) {
    y[i] = x[i] * c[i] + (-x[i + h2]) * s[i];
    y[i + h2] = x[i + h2] * c[i + h2] + x[i] * s[i + h2];
  }
}

// Its transpose (the gradient): dx_i = dy_i·c_i + dy_{i+h2}·s_{i+h2}, dx_{i+h2} = dy_{i+h2}·c_{i+h2} − dy_i·s_i.
static inline void unrotate_row(const float *dy, const float *c, const float *s, int hd, float *dx) {
  const int h2 = hd / 2;
  for (int i = 0; i < h2; i++) {
    dx[i] = dy[i] * c[i] + dy[i + h2] * s[i + h2];
    dx[i + h2] = dy[i + h2] * c[i + h2] - dy[i] * s[i];
  }
}

typedef struct {
  int B, T, W, hd, H, KV;
  const float *cos, *sin;  // rotary tables [rows, hd] (NULL: no rotation); row P + t for query t
  int P;
} Heads;

// Where head h (q heads, then k heads, then v heads) of token (b, t) lives in q, k or v
// ([B, H, T, hd] and [B, KV, T, hd]).
static float *head_at(const Heads *g, float *q, float *k, float *v, int b, int t, int h) {
  if (h < g->H) return q + (((size_t)b * g->H + h) * g->T + t) * g->hd;
  if (h < g->H + g->KV) return k + (((size_t)b * g->KV + (h - g->H)) * g->T + t) * g->hd;
  return v + (((size_t)b * g->KV + (h - g->H - g->KV)) * g->T + t) * g->hd;
}

// qkv [B·T, W] (W = (H + 2·KV)·hd) → q [B, H, T, hd], k and v [B, KV, T, hd], q and k rotated when
// the tables are given: the slice + reshape (+ rotation) + transpose of each, in one pass.
static void split_heads(const Heads *g, const float *qkv, float *q, float *k, float *v) {
  const int nh = g->H + 2 * g->KV;
  const int nt = XF_THREADS((long)g->B * g->T * g->W);
  (void)nt;
#pragma omp parallel for schedule(static) num_threads(nt)
  for (int bt = 0; bt < g->B * g->T; bt++) {
    const int b = bt / g->T, t = bt % g->T;
    const float *row = qkv + (size_t)bt * g->W;
    const float *c = g->cos ? g->cos + (size_t)(g->P + t) * g->hd : NULL, *s = g->cos ? g->sin + (size_t)(g->P + t) * g->hd : NULL;
    for (int h = 0; h < nh; h++) {
      float *dst = head_at(g, q, k, v, b, t, h);
      if (c && h < g->H + g->KV) rotate_row(row + (size_t)h * g->hd, c, s, g->hd, dst);
      else memcpy(dst, row + (size_t)h * g->hd, sizeof(float) * (size_t)g->hd);
    }
  }
}

// The reverse: dq, dk (un-rotated), dv back into dqkv [B·T, W] (each column has exactly one source).
static void merge_heads(const Heads *g, const float *dq, const float *dk, const float *dv, float *dqkv) {
  const int nh = g->H + 2 * g->KV;
  const int nt = XF_THREADS((long)g->B * g->T * g->W);
  (void)nt;
#pragma omp parallel for schedule(static) num_threads(nt)
  for (int bt = 0; bt < g->B * g->T; bt++) {
    const int b = bt / g->T, t = bt % g->T;
    float *row = dqkv + (size_t)bt * g->W;
    const float *c = g->cos ? g->cos + (size_t)(g->P + t) * g->hd : NULL, *s = g->cos ? g->sin + (size_t)(g->P + t) * g->hd : NULL;
    for (int h = 0; h < nh; h++) {
      const float *src = head_at(g, (float *)dq, (float *)dk, (float *)dv, b, t, h);
      if (c && h < g->H + g->KV) unrotate_row(src, c, s, g->hd, row + (size_t)h * g->hd);
      else memcpy(row + (size_t)h * g->hd, src, sizeof(float) * (size_t)g->hd);
    }
  }
}

// Common head of both layouts: [B, T, W, hd, H, KV, P, tableRows, cos | -1, sin | -1, ...].
static int heads_head(napi_env env, WnArgs *r, Heads *g) {
  g->B = (int)wn_next(r); g->T = (int)wn_next(r); g->W = (int)wn_next(r);
  g->hd = (int)wn_next(r); g->H = (int)wn_next(r); g->KV = (int)wn_next(r);
  g->P = (int)wn_next(r);
  const int rows = (int)wn_next(r);
  g->cos = wn_tensor_at(r, (double)rows * g->hd, 1);
  g->sin = wn_tensor_at(r, (double)rows * g->hd, 1);
  if (r->ok && (g->B < 0 || g->T < 1 || g->hd < 1 || g->H < 1 || g->KV < 1 || g->W != (g->H + 2 * g->KV) * g->hd)) {
    xf_fail(env, "whittle_native: attention heads need width W = (heads + 2·kvHeads)·headDim");
    return 0;
  }
  if (r->ok && (!g->cos != !g->sin || (g->cos && (g->hd % 2 || g->P < 0 || rows < g->P + g->T)))) {
    xf_fail(env, "whittle_native: rotary heads need cos and sin tables with rows for positions P..P+T-1 and an even head width");
    return 0;
  }
  return 1;
}

// splitHeads(heap, [B, T, W, hd, H, KV, P, tableRows, cos | -1, sin | -1, qkv, q, k, v]).
napi_value SplitHeads(napi_env env, napi_callback_info info) {
  WnArgs r;
  Heads g;
  if (!wn_args_open(env, info, &r, "split heads")) return NULL;
  if (!heads_head(env, &r, &g)) return NULL;
  const double bt = (double)g.B * g.T;
  const float *qkv = wn_tensor_at(&r, bt * g.W, 0);
  float *q = wn_tensor_at(&r, bt * g.H * g.hd, 0), *k = wn_tensor_at(&r, bt * g.KV * g.hd, 0), *v = wn_tensor_at(&r, bt * g.KV * g.hd, 0);
  if (!wn_args_done(env, &r, "split heads")) return NULL;
  split_heads(&g, qkv, q, k, v);
  return NULL;
}

// mergeHeads(heap, [B, T, W, hd, H, KV, P, tableRows, cos | -1, sin | -1, dq, dk, dv, dqkv]).
napi_value MergeHeads(napi_env env, napi_callback_info info) {
  WnArgs r;
  Heads g;
  if (!wn_args_open(env, info, &r, "merge heads")) return NULL;
  if (!heads_head(env, &r, &g)) return NULL;
  const double bt = (double)g.B * g.T;
  const float *dq = wn_tensor_at(&r, bt * g.H * g.hd, 0), *dk = wn_tensor_at(&r, bt * g.KV * g.hd, 0), *dv = wn_tensor_at(&r, bt * g.KV * g.hd, 0);
  float *dqkv = wn_tensor_at(&r, bt * g.W, 0);
  if (!wn_args_done(env, &r, "merge heads")) return NULL;
  merge_heads(&g, dq, dk, dv, dqkv);
  return NULL;
}
