// The fused MLP: a whole ReLU MLP's forward pass, and its whole backward pass, each in one call.
//
// Why: an op-by-op step makes every intermediate ([batch, width], megabytes) travel through main
// memory several times (GEMM out, bias + relu, relu mask, column sums), and splits each GEMM
// across threads, which scales poorly for the narrow matrices of the paper's MLPs. Here
//  - the batch is cut into row blocks that threads take one at a time (data parallel: each thread
//    runs the whole network on its blocks with single-threaded GEMMs);
//  - blocks are small enough to stay in the core's L2 cache, so the element-wise work after a GEMM
//    (bias, relu, mask, relu gradient, bias gradient) reads data the GEMM just wrote.
//
// Same bytes at any thread count: float sums depend on their order, so nothing that decides an
// order may depend on the threads. The row blocks are sized from the shapes alone; the weight and
// bias gradients are summed per "lane" (a fixed run of consecutive blocks, in block order), and
// the lanes are then added in lane order. Which thread runs a block or a lane only changes when,
// never what is added to what (see backward()).
//
// Layout (row-major, float32, byte offsets into the wasm heap): layer l maps d[l] → d[l+1] with
// W_l [d[l], d[l+1]] and b_l [d[l+1]]; hidden layers (all but the last) apply relu and then an
// optional 0/1 unit mask; the last layer is linear (logits). Since h = relu(z)·mask ≥ 0, and
// h > 0 exactly where both relu and mask pass, the backward pass needs only h, not z or the masks.
//
// Arguments come as one Float64Array (see src/worker/engine/kernels/mlp.ts, which builds them):
//   forward:  [B, L, d0..dL, x, W_0..W_{L-1}, b_0..b_{L-1}, mask_1..mask_{L-1}, h_1..h_{L-1}, logits]
//   backward: [B, L, d0..dL, x, W_0..W_{L-1}, h_1..h_{L-1}, dlogits, dW_0..dW_{L-1}, db_0..db_{L-1}, dx]
// with -1 for an absent mask or an unwanted dx.
#include "whittle_native.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define MAX_LAYERS 32
// Rows a thread needs before a second thread pays for itself (waking it costs ~10 µs).
#define MIN_ROWS_PER_THREAD 64

typedef struct {
  int B, L;
  int d[MAX_LAYERS + 1];
  int maxw;  // widest layer
  const float *x;
  const float *W[MAX_LAYERS], *b[MAX_LAYERS], *mask[MAX_LAYERS + 1];
  float *h[MAX_LAYERS + 1];  // h[1..L-1] hidden activations, h[L] logits (forward)
  const float *dy;           // backward: dlogits [B, dL]
  float *dW[MAX_LAYERS], *db[MAX_LAYERS], *dx;
  // op(B) of layer l's weight GEMM in this pass (W_l forward, W_lᵀ backward) packed for the
  // AVX-512 GEMM; NULL = not packed
  const float *packed[MAX_LAYERS];
} Net;

// Rows per block: WHITTLE_MLP_BLOCK (tuning), else sized to the cache, and small enough that the
// batch makes at least MIN_BLOCKS of them (threads take blocks as they finish the last one, so a
// thread the OS preempts — a GUI, a second run — delays the step by a block, not by its whole
// share). Never a function of the thread count: the blocks decide the order of the gradient sums.
#define MIN_BLOCKS 4
static int block_rows(const Net *n) {
  const char *env = getenv("WHITTLE_MLP_BLOCK");
  int rb = env ? atoi(env) : 0;
  if (rb > 0) return rb;
  // ~512 KB of the widest activation (half of a typical L2), but at least 256 rows: fewer rows
  // make each GEMM call too small for the BLAS kernels to reach full speed.
  rb = (512 * 1024) / (4 * (n->maxw > 0 ? n->maxw : 1));
  if (rb < 256) rb = 256;
  // ≥ 4 blocks: 2 per thread on two cores, as the thread-count-based split had it. More (4 per
  // thread) balanced better but cost more than they saved: every block re-packs the weights for
  // its GEMMs (68→512→512→2 at batch 1,024 on 2 threads: 11.3 ms with 256-row blocks, 12.2 ms with 128).
  const int share = (n->B + MIN_BLOCKS - 1) / MIN_BLOCKS;
  if (share < rb) rb = share < 64 ? 64 : share;
  return rb;
}

static int thread_count(const Net *n) {
  int t = wn_threads();
  int by_rows = n->B / MIN_ROWS_PER_THREAD;
  if (t > by_rows) t = by_rows;
  return t < 1 ? 1 : t;
}

// ---- element-wise passes over one block (in cache) ---------------------------------------------

// out[i,j] = relu(out[i,j] + b[j]) · mask[j]  (hidden) or out + b (last layer)
HOT static void bias_relu_mask(float *out, const float *b, const float *mask, int rows, int cols, int relu) {
  for (int i = 0; i < rows; i++) {
    float *o = out + (size_t)i * cols;
    if (!relu) {
      for (int j = 0; j < cols; j++) o[j] += b[j];
    } else if (mask) {
      for (int j = 0; j < cols; j++) { float v = o[j] + b[j]; o[j] = (v > 0.f ? v : 0.f) * mask[j]; }
    } else {
      for (int j = 0; j < cols; j++) { float v = o[j] + b[j]; o[j] = v > 0.f ? v : 0.f; }
    }
  }
}

// g ⊙= (h > 0), and acc[j] += Σ_i g[i,j] (the next layer down's bias gradient), one pass.
HOT static void relu_grad_colsum(float *g, const float *h, int rows, int cols, float *acc) {
  for (int i = 0; i < rows; i++) {
    float *gr = g + (size_t)i * cols;
    const float *hr = h + (size_t)i * cols;
    for (int j = 0; j < cols; j++) {
      const float v = gr[j] * (float)(hr[j] > 0.f);  // branch-free: the sign is random
      gr[j] = v;
      acc[j] += v;
    }
  }
}

HOT static void colsum(const float *g, int rows, int cols, float *acc) {
  for (int i = 0; i < rows; i++) {
    const float *gr = g + (size_t)i * cols;
    for (int j = 0; j < cols; j++) acc[j] += gr[j];
  }
}

// ---- weights packed once per pass -------------------------------------------------------------
// Every row block multiplies by the same weights; the AVX-512 GEMM would re-pack them per block
// (a 512×512 matrix is 1 MB of copying, against ~0.8 ms of arithmetic for a 256-row block).

static WN_THREAD_LOCAL float *packed_buf = NULL;  // the calling JS thread's, kept between calls
static WN_THREAD_LOCAL size_t packed_cap = 0;     // floats

// Whether layer l's weight GEMM goes to the AVX-512 kernel in this pass, and op(B)'s shape [K, N]:
// forward op(B) = W_l [din, dout]; backward op(B) = W_lᵀ [dout, din] (not needed for layer 0
// unless the input wants its gradient).
static int packs_layer(const Net *n, int l, int backward, int *N, int *K) {
  const int din = n->d[l], dout = n->d[l + 1];
  *N = backward ? din : dout;
  *K = backward ? dout : din;
  if (backward && l == 0 && !n->dx) return 0;
  return wn_gemm_uses_avx512(*N);
}

// Packs op(B) for the layers whose GEMM the AVX-512 kernel serves. Leaves every layer unpacked
// (plain wn_sgemm1) if memory runs out.
static void pack_weights(Net *n, int backward) {
  size_t need = 0;
  int N, K;
  for (int l = 0; l < n->L; l++) {
    n->packed[l] = NULL;
    if (packs_layer(n, l, backward, &N, &K)) need += wn_avx512_packed_floats(N, K);
  }
  if (!need) return;
  if (packed_cap < need) {
    free(packed_buf);
    packed_buf = (float *)malloc(sizeof(float) * need);
    packed_cap = packed_buf ? need : 0;
    if (!packed_buf) return;
  }
  float *at = packed_buf;
  for (int l = 0; l < n->L; l++) {
    if (!packs_layer(n, l, backward, &N, &K)) continue;
    wn_avx512_pack_b(backward, N, K, n->W[l], n->d[l + 1], at);  // W_l is [din, dout], row-major
    n->packed[l] = at;
    at += wn_avx512_packed_floats(N, K);
  }
}

// C[M,N] = op(A)·op(B) + beta·C where op(B) is a weight matrix, packed or not.
static void gemm_w(const float *packed, int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B,
                   int ldb, float beta, float *C, int ldc) {
  if (packed && wn_sgemm_avx512_packed(ta, M, N, K, A, lda, packed, beta, C, ldc)) return;
  wn_sgemm1(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
}

// ---- forward ---------------------------------------------------------------------------------

// The forward pass of rows [r, r + rows).
static void forward_block(const Net *n, int r, int rows) {
  const int L = n->L;
  const float *in = n->x + (size_t)r * n->d[0];
  for (int l = 0; l < L; l++) {
    const int din = n->d[l], dout = n->d[l + 1];
    float *out = n->h[l + 1] + (size_t)r * dout;
    gemm_w(n->packed[l], 0, 0, rows, dout, din, in, din, n->W[l], dout, 0.f, out, dout);  // [rows, dout]
    bias_relu_mask(out, n->b[l], l + 1 < L ? n->mask[l + 1] : NULL, rows, dout, l + 1 < L);
    in = out;
  }
}

static void forward(const Net *n) {
  const int T = thread_count(n), rb = block_rows(n);
  const long blocks = ((long)n->B + rb - 1) / rb;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(T) if (T > 1)
#endif
  for (long k = 0; k < blocks; k++) {
    const int r = (int)(k * rb), rows = n->B - r < rb ? n->B - r : rb;
    forward_block(n, r, rows);
  }
  (void)T;
}

// ---- backward --------------------------------------------------------------------------------

// Per-thread scratch, kept between calls (no page faults on the hot path). Thread-local to the
// calling JS thread: two Node workers may train at once, each with its own OpenMP team.
typedef struct {
  uint8_t *buf;
  size_t cap;  // bytes
} Scratch;
#define MAX_THREADS 64
static WN_THREAD_LOCAL Scratch scratch[MAX_THREADS];
static WN_THREAD_LOCAL Scratch lane_scratch;  // the lanes' partial sums (see backward)

static uint8_t *scratch_get(Scratch *s, size_t bytes) {
  if (s->cap < bytes) {
    free(s->buf);
    s->buf = (uint8_t *)malloc(bytes);
    s->cap = s->buf ? bytes : 0;
  }
  return s->buf;
}

void wn_mlp_free_scratch(void) {
  free(packed_buf);
  packed_buf = NULL;
  packed_cap = 0;
  for (int t = 0; t < MAX_THREADS; t++) { free(scratch[t].buf); scratch[t].buf = NULL; scratch[t].cap = 0; }
  free(lane_scratch.buf);
  lane_scratch.buf = NULL;
  lane_scratch.cap = 0;
}

// One thread's working memory: two gradient blocks [rb, maxw] and the bias-gradient sums of the
// current block (float, vectorised).
typedef struct {
  float *ga, *gb, *dbBlock;
} Work;

#define ALIGN64(x) (((x) + 63) & ~(size_t)63)

static size_t work_bytes(size_t gFloats, size_t bTotal) { return 2 * ALIGN64(4 * gFloats) + ALIGN64(4 * bTotal); }

static Work work_at(uint8_t *base, size_t gFloats) {
  Work w;
  w.ga = (float *)base; base += ALIGN64(4 * gFloats);
  w.gb = (float *)base; base += ALIGN64(4 * gFloats);
  w.dbBlock = (float *)base;
  return w;
}

// ---- lanes: the fixed order of the gradient sums ------------------------------------------------
// A lane is a run of consecutive blocks whose weight gradients one GEMM after another accumulates
// (beta = 1, block order) into the lane's own sums; lane 0 sums into the outputs, the others into
// partials that are then added to the outputs in lane order. The lanes follow from the shapes
// alone, so the result is the same bytes whatever the thread count. (The earlier split — one
// partial per thread, blocks taken dynamically — summed in an order that changed from run to run
// at 2 threads, and two runs of one seed drifted apart.)
//   Lanes are one per block up to MAX_LANES, so threads take them one at a time as they took
// blocks before (batch 1,024 at width 512: 4 blocks, 4 lanes). Larger batches spread their blocks
// evenly over MAX_LANES lanes (batch 10,000: 40 blocks, lanes of 2 or 3), which bounds the
// partials' memory and the final additions; 16 lanes share out evenly over 2, 4, 8 or 16
// threads. LANE_BYTES caps the partials of very wide nets (at least 2 lanes remain, so two
// threads still share the work). Cost against the old one partial per thread: the extra
// partials' writes and additions, measured on 2 AVX-512 cores at 68→512→512→2 as 0–2 % of the
// backward pass on one thread and 1–4 % on two (batch 1,024 / 10,000); a step, ≤ 3 %.
#define MAX_LANES 16
#define LANE_BYTES ((size_t)256 << 20)

static int lane_count(long blocks, size_t wTotal) {
  long most = MAX_LANES;
  const long fit = 1 + (long)(LANE_BYTES / (4 * (wTotal ? wTotal : 1)));
  if (fit < most) most = fit < 2 ? 2 : fit;
  return (int)(blocks < most ? blocks : most);
}

// Lane s of `count` holds blocks [first_block(s), first_block(s + 1)).
static long first_block(long blocks, int count, int s) { return blocks * s / count; }

// The backward pass of one block of rows [r, r + rows) into its lane's dW (overwritten when
// `first`, then accumulated) and db (double sums of the block's float sums, in block order).
static void backward_block(const Net *n, int r, int rows, int first, float **dW, double *db, const Work *w,
                           size_t bTotal, const size_t *dbOff) {
  const int L = n->L;
  memset(w->dbBlock, 0, sizeof(float) * bTotal);
  const float *g = n->dy + (size_t)r * n->d[L];  // [rows, d[l+1]]: the gradient at layer l's output
  colsum(g, rows, n->d[L], w->dbBlock + dbOff[L - 1]);
  for (int l = L - 1; l >= 0; l--) {
    const int din = n->d[l], dout = n->d[l + 1];
    const float *act = (l == 0 ? n->x : n->h[l]) + (size_t)r * din;  // [rows, din]
    wn_sgemm1(1, 0, din, dout, rows, act, din, g, dout, first ? 0.f : 1.f, dW[l], dout);  // += actᵀ·g
    if (l > 0) {
      float *gn = g == w->ga ? w->gb : w->ga;
      gemm_w(n->packed[l], 0, 1, rows, din, dout, g, dout, n->W[l], dout, 0.f, gn, din);  // g·W_lᵀ [rows, din]
      relu_grad_colsum(gn, act, rows, din, w->dbBlock + dbOff[l - 1]);
      g = gn;
    } else if (n->dx) {
      gemm_w(n->packed[0], 0, 1, rows, din, dout, g, dout, n->W[0], dout, 0.f, n->dx + (size_t)r * din, din);
    }
  }
  for (size_t j = 0; j < bTotal; j++) {
    if (first) db[j] = 0;
    db[j] += w->dbBlock[j];
  }
}

// out[e0, e1) += partial lanes 1.., in lane order; in chunks that stay in L1 across the lanes.
HOT static void add_lanes(float *out, const float *parts, size_t stride, int count, size_t e0, size_t e1) {
  for (size_t c0 = e0; c0 < e1; c0 += 2048) {
    const size_t c1 = e1 - c0 < 2048 ? e1 : c0 + 2048;
    for (int s = 1; s < count; s++) {
      const float *p = parts + (size_t)(s - 1) * stride;
      for (size_t e = c0; e < c1; e++) out[e] += p[e];
    }
  }
}

// What every lane of one backward pass shares.
typedef struct {
  const Net *n;
  int rb;
  long blocks;
  int lanes;
  const size_t *wOff;  // layer l's offset in a partial
  double *laneDb;      // [lanes, bTotal]
  size_t bTotal;
  const size_t *dbOff;
} Lane;

// Lane s's blocks in order, into the outputs (part NULL: lane 0) or into `part`.
static void run_lane(const Lane *z, int s, float *part, const Work *w) {
  const Net *n = z->n;
  float *dW[MAX_LAYERS];
  for (int l = 0; l < n->L; l++) dW[l] = part ? part + z->wOff[l] : n->dW[l];
  const long k0 = first_block(z->blocks, z->lanes, s), k1 = first_block(z->blocks, z->lanes, s + 1);
  for (long k = k0; k < k1; k++) {
    const int r = (int)(k * z->rb), rows = n->B - r < z->rb ? n->B - r : z->rb;
    backward_block(n, r, rows, k == k0, dW, z->laneDb + (size_t)s * z->bTotal, w, z->bTotal, z->dbOff);
  }
}

static int backward(const Net *n) {
  int T = thread_count(n);
  if (T > MAX_THREADS) T = MAX_THREADS;
  const int rb = block_rows(n), L = n->L;
  const long blocks = ((long)n->B + rb - 1) / rb;
  size_t wTotal = 0, bTotal = 0, dbOff[MAX_LAYERS], wOff[MAX_LAYERS];
  for (int l = 0; l < L; l++) {
    dbOff[l] = bTotal;
    wOff[l] = wTotal;
    wTotal += (size_t)n->d[l] * n->d[l + 1];
    bTotal += (size_t)n->d[l + 1];
  }
  const int lanes = lane_count(blocks, wTotal);
  if (T > lanes) T = lanes;
#ifndef _OPENMP
  T = 1;  // no threads to share the lanes: the one-thread path below
#endif
  // Lane memory: the partial weight gradients of lanes 1.. (one, reused, on one thread: below),
  // then every lane's double bias sums.
  const size_t partBytes = ALIGN64(4 * wTotal * (size_t)(T == 1 ? lanes > 1 : lanes - 1));
  uint8_t *laneBase = scratch_get(&lane_scratch, partBytes + 8 * bTotal * (size_t)lanes);
  if (!laneBase) return 0;
  float *parts = (float *)laneBase;
  double *laneDb = (double *)(laneBase + partBytes);
  const size_t gFloats = (size_t)rb * n->maxw;
  Scratch *mine = scratch;  // the calling thread's; the team below shares it
  Work work[MAX_THREADS];
  for (int t = 0; t < T; t++) {
    uint8_t *base = scratch_get(&mine[t], work_bytes(gFloats, bTotal));
    if (!base) return 0;
    work[t] = work_at(base, gFloats);
  }
  const Lane lane = {n, rb, blocks, lanes, wOff, laneDb, bTotal, dbOff};
  if (T == 1) {
    // One thread: each lane is added to the outputs as soon as it is done, through one partial
    // that stays in cache (16 partials at batch 10,000, summed at the end, cost ~10 % of the pass
    // through memory). The same additions in the same order as the threads' path below, and the
    // same single GEMM calls (wn_sgemm1), so the same bytes.
    for (int s = 0; s < lanes; s++) {
      run_lane(&lane, s, s == 0 ? NULL : parts, &work[0]);
      if (s > 0)
        for (int l = 0; l < L; l++) add_lanes(n->dW[l], parts + wOff[l], wTotal, 2, 0, (size_t)n->d[l] * n->d[l + 1]);
    }
  } else {
#ifdef _OPENMP
#pragma omp parallel num_threads(T)
    {
      const int t = omp_get_thread_num(), nt = omp_get_num_threads();
#pragma omp for schedule(dynamic, 1)
      for (int s = 0; s < lanes; s++) run_lane(&lane, s, s == 0 ? NULL : parts + (size_t)(s - 1) * wTotal, &work[t]);
      // (the loop's barrier: every lane is done) Each thread adds the partials into a slice of
      // every layer's elements; a slice's bounds do not change any element's order of additions.
      for (int l = 0; l < L; l++) {
        const size_t cnt = (size_t)n->d[l] * n->d[l + 1];
        add_lanes(n->dW[l], parts + wOff[l], wTotal, lanes, cnt * t / nt, cnt * (t + 1) / nt);
      }
    }
#endif
  }
  for (int l = 0; l < L; l++)
    for (int j = 0; j < n->d[l + 1]; j++) {
      double sum = 0;
      for (int s = 0; s < lanes; s++) sum += laneDb[(size_t)s * bTotal + dbOff[l] + j];
      n->db[l][j] = (float)sum;
    }
  return 1;
}

// ---- N-API entry points ----------------------------------------------------------------------

// Reads the shared head [B, L, d0..dL, x, W_0..W_{L-1}] (args.c checks every offset against the heap).
static int read_head(napi_env env, napi_callback_info info, WnArgs *r, Net *n) {
  memset(n, 0, sizeof(*n));
  if (!wn_args_open(env, info, r, "MLP")) return 0;
  n->B = (int)wn_next(r);
  n->L = (int)wn_next(r);
  if (!r->ok || n->B < 0 || n->L < 1 || n->L > MAX_LAYERS) {
    napi_throw_range_error(env, NULL, "whittle_native: MLP needs 1 to 32 layers and a batch size >= 0");
    return 0;
  }
  for (int l = 0; l <= n->L; l++) {
    n->d[l] = (int)wn_next(r);
    if (n->d[l] < 1) r->ok = 0;
    if (n->d[l] > n->maxw) n->maxw = n->d[l];
  }
  // both layouts continue with x and W_0..W_{L-1}
  n->x = wn_tensor_at(r, (double)n->B * n->d[0], 0);
  for (int l = 0; l < n->L; l++) n->W[l] = wn_tensor_at(r, (double)n->d[l] * n->d[l + 1], 0);
  return 1;
}

static napi_value fail(napi_env env, const char *msg) {
  napi_throw_range_error(env, NULL, msg);
  return NULL;
}

// mlpForward(heap, args): see the layout at the top.
napi_value MlpForward(napi_env env, napi_callback_info info) {
  WnArgs r;
  Net n;
  if (!read_head(env, info, &r, &n)) return NULL;
  const int L = n.L;
  for (int l = 0; l < L; l++) n.b[l] = wn_tensor_at(&r, n.d[l + 1], 0);
  for (int l = 1; l < L; l++) n.mask[l] = wn_tensor_at(&r, n.d[l], 1);
  for (int l = 1; l <= L; l++) n.h[l] = wn_tensor_at(&r, (double)n.B * n.d[l], 0);
  if (!wn_args_done(env, &r, "mlpForward")) return NULL;
  if (n.B > 0) {
    pack_weights(&n, 0);
    forward(&n);
  }
  return NULL;
}

// mlpBackward(heap, args): see the layout at the top.
napi_value MlpBackward(napi_env env, napi_callback_info info) {
  WnArgs r;
  Net n;
  if (!read_head(env, info, &r, &n)) return NULL;
  const int L = n.L;
  for (int l = 1; l < L; l++) n.h[l] = wn_tensor_at(&r, (double)n.B * n.d[l], 0);
  n.dy = wn_tensor_at(&r, (double)n.B * n.d[L], 0);
  for (int l = 0; l < L; l++) n.dW[l] = wn_tensor_at(&r, (double)n.d[l] * n.d[l + 1], 0);
  for (int l = 0; l < L; l++) n.db[l] = wn_tensor_at(&r, n.d[l + 1], 0);
  n.dx = wn_tensor_at(&r, (double)n.B * n.d[0], 1);
  if (!wn_args_done(env, &r, "mlpBackward")) return NULL;
  if (n.B == 0) {
    for (int l = 0; l < L; l++) {
      memset(n.dW[l], 0, sizeof(float) * (size_t)n.d[l] * n.d[l + 1]);
      memset(n.db[l], 0, sizeof(float) * (size_t)n.d[l + 1]);
    }
    return NULL;
  }
  pack_weights(&n, 1);
  if (!backward(&n)) return fail(env, "whittle_native: out of memory for the MLP backward scratch");
  return NULL;
}
