// Shared pieces of the native addon, by concern: whittle_native.c (entry points of the GEMM and the
// element-wise kernels, settings, module registration), gemm.c (the GEMM: BLAS binding, AVX-512
// dispatch, GEMV, thread splits), args.c (the packed-argument reader), mlp.c (the fused MLP),
// transformer.c and attention.c (the transformer step's fused kernels), data.c (CMSP batches).
#ifndef WHITTLE_NATIVE_H
#define WHITTLE_NATIVE_H
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

// Portability: MSVC compiles these files as C without C11's keywords by default.
#if defined(_MSC_VER)
#define WN_RESTRICT __restrict
#define WN_THREAD_LOCAL __declspec(thread)
#else
#define WN_RESTRICT restrict
#define WN_THREAD_LOCAL _Thread_local
#endif

// Hot loops get AVX2 / AVX-512 clones picked at load time where the toolchain supports it
// (GCC/Clang on x86-64 Linux); elsewhere the compiler's baseline vectorisation.
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__)
#define HOT __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define HOT
#endif

// C[M,N] = op(A)·op(B) + beta·C, row-major, single call: the AVX-512 kernel, the loaded BLAS or the
// built-in GEMM (see WHITTLE_GEMM in gemm.c).
void wn_sgemm(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb, float beta,
              float *C, int ldc);
// The same as one single-threaded call, never split: for callers that bring their own threads and
// fix the split themselves (the fused MLP's row blocks).
void wn_sgemm1(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb, float beta,
               float *C, int ldc);
// The AVX-512 packed GEMM (gemm_avx512.c): single-threaded, returns 0 where it cannot run.
int wn_avx512_available(void);
int wn_sgemm_avx512(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                    float beta, float *C, int ldc);
void wn_gemm_free_scratch(void);
// The same with op(B) packed beforehand (wn_avx512_pack_b into wn_avx512_packed_floats(N, K) floats),
// for a B that many calls share: the fused MLP packs each weight matrix once per pass, not per block.
size_t wn_avx512_packed_floats(int N, int K);
void wn_avx512_pack_b(int tb, int N, int K, const float *B, int ldb, float *out);
int wn_sgemm_avx512_packed(int ta, int M, int N, int K, const float *A, int lda, const float *packedB, float beta,
                           float *C, int ldc);
// Whether wn_sgemm splits an [M, N, K] product across threads itself (gemm.c).
int wn_gemm_splits(int M, int N, int K);
// Whether wn_sgemm sends a product with N output columns to the AVX-512 kernel.
int wn_gemm_uses_avx512(int N);
// Threads the element-wise and fused kernels may use (setThreads), and the GEMM settings (gemm.c).
int wn_threads(void);
void wn_set_threads(int n);
const char *wn_gemm_in_use(void);  // 'avx512', 'blas' or 'builtin': what serves large calls now
const char *wn_blas_name(void);    // the BLAS library loaded (with OpenBLAS's kernel set) or 'builtin'
int wn_use_gemm(const char *name); // 'auto' | 'blas' | 'avx512' | 'builtin'; 0 for another name
// N-API argument helpers (throw a JS error and return 0/NULL on failure).
int wn_get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv);
uint8_t *wn_heap_ptr(napi_env env, napi_value v, size_t *len);

// The packed-argument reader (args.c) every (heap, Float64Array) entry point shares.
typedef struct {
  const double *v;
  size_t len, at;
  uint8_t *heap;
  size_t heapLen;
  int ok;  // 0 once a read ran past the end or an offset fell outside the heap
} WnArgs;
// Reads (heap, args) into r; throws a JS error naming `what` and returns 0 when they are not that.
int wn_args_open(napi_env env, napi_callback_info info, WnArgs *r, const char *what);
double wn_next(WnArgs *r);
// A tensor of `count` floats at the next offset; NULL when the offset is < 0 and `optional`.
float *wn_tensor_at(WnArgs *r, double count, int optional);
// 1 when every argument was read and valid; else throws a range error naming `what` and returns 0.
int wn_args_done(napi_env env, WnArgs *r, const char *what);

// Frees the calling thread's MLP scratch (env cleanup).
void wn_mlp_free_scratch(void);
napi_value MlpForward(napi_env env, napi_callback_info info);
napi_value CmspFill(napi_env env, napi_callback_info info);
napi_value MlpBackward(napi_env env, napi_callback_info info);
// The transformer's fused kernels (transformer.c: element-wise; attention.c: softmax and heads).
napi_value GeluForward(napi_env env, napi_callback_info info);
napi_value GeluBackward(napi_env env, napi_callback_info info);
napi_value LayerNormForward(napi_env env, napi_callback_info info);
napi_value LayerNormBackward(napi_env env, napi_callback_info info);
napi_value CausalSoftmaxForward(napi_env env, napi_callback_info info);
napi_value CausalSoftmaxBackward(napi_env env, napi_callback_info info);
napi_value SplitHeads(napi_env env, napi_callback_info info);
napi_value MergeHeads(napi_env env, napi_callback_info info);
napi_value SoftmaxCe(napi_env env, napi_callback_info info);
#endif
