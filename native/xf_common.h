// Shared by the transformer kernels (transformer.c: activation, norm, cross-entropy; attention.c:
// causal softmax, heads): the thread threshold, a vectorisable exp, the error helper.
#ifndef WHITTLE_XF_COMMON_H
#define WHITTLE_XF_COMMON_H
#include "whittle_native.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

// Elements a call needs before its rows are split across threads (a wake-up costs ~10 µs; these
// passes cost ≥ 1 ns per element).
#define XF_PAR_MIN 32768
#define XF_THREADS(n) ((n) >= XF_PAR_MIN ? wn_threads() : 1)

// Rows per thread task for row-wise kernels (each row S floats).
#define SOFTMAX_ROWS 16

static inline napi_value xf_fail(napi_env env, const char *msg) {
  napi_throw_range_error(env, NULL, msg);
  return NULL;
}

// e^x in float, vectorisable (glibc's tanhf/expf are calls the compiler cannot vectorise: a GELU
// through tanhf measured 27 ns per element). Cephes' expf: x = k·ln2 + r, |r| ≤ ln2/2, a degree-5
// polynomial for e^r, 2^k by the exponent bits; relative error ≈ 2e-7 over the clamped range.
static inline float vexpf(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  // round to nearest by the 1.5·2^23 trick (floorf is a libm call without SSE4.1)
  const float k = (x * 1.44269504088896341f + 12582912.f) - 12582912.f;
  const float r = x - k * 0.693359375f + k * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float e = p * r * r + r + 1.f;
  const int32_t bits = ((int32_t)k + 127) << 23;
  float scale;
  memcpy(&scale, &bits, sizeof(scale));
  return e * scale;
}

static inline float vsigmoidf(float z) { return 1.f / (1.f + vexpf(-z)); }

#endif
