// Batch generation for the compositional sparse-parity task (src/worker/tasks/cmsp.ts), the part
// of a training step that runs outside the model: 10,000 rows of 68 floats took ≈2 ms in JS, a
// sixth of the whole step. The random words are drawn in JS (the same stream on every route);
// this only expands them into 0/1 floats and parity labels.
#include "whittle_native.h"
#include <string.h>

static void *typed(napi_env env, napi_value v, napi_typedarray_type want, size_t *len) {
  napi_typedarray_type type;
  void *data = NULL;
  bool is = false;
  napi_is_typedarray(env, v, &is);
  if (!is || napi_get_typedarray_info(env, v, &type, len, &data, NULL, NULL) != napi_ok || type != want) return NULL;
  return data;
}

HOT static void fill_rows(const uint32_t *words, float *x, int32_t *y, long rows, int m, int n, const uint32_t *code,
                          size_t ncode, const uint32_t *masks, int W) {
  // One thread: ≈0.1 ms for 10,000 rows, less than waking a second one is worth.
  const int D = m + n;
  for (long r = 0; r < rows; r++) {
    float *row = x + r * D;
    const uint32_t *wr = words + r * W;
    memset(row, 0, sizeof(float) * (size_t)m);
    for (size_t c = 0; c < ncode; c++) row[code[c]] = 1.f;
    uint32_t acc = 0;
    for (int w = 0; w < W; w++) {
      const uint32_t word = wr[w];
      const int bits = n - 32 * w < 32 ? n - 32 * w : 32;
      float *out = row + m + 32 * w;
      for (int j = 0; j < bits; j++) out[j] = (float)((word >> j) & 1u);
      acc ^= word & masks[w];
    }
    acc ^= acc >> 16; acc ^= acc >> 8; acc ^= acc >> 4; acc ^= acc >> 2; acc ^= acc >> 1;
    y[r] = (int32_t)(acc & 1u);
  }
}

// cmspFill(words Uint32Array [rows·W], x Float32Array, y Int32Array, rowOffset, rows, m, n,
//          code Uint32Array (control indices), masks Uint32Array [W]) with W = ceil(n / 32).
napi_value CmspFill(napi_env env, napi_callback_info info) {
  napi_value a[9];
  if (!wn_get_args(env, info, 9, a)) return NULL;
  size_t nw = 0, nx = 0, ny = 0, nc = 0, nm = 0;
  const uint32_t *words = typed(env, a[0], napi_uint32_array, &nw);
  float *x = typed(env, a[1], napi_float32_array, &nx);
  int32_t *y = typed(env, a[2], napi_int32_array, &ny);
  const uint32_t *code = typed(env, a[7], napi_uint32_array, &nc);
  const uint32_t *masks = typed(env, a[8], napi_uint32_array, &nm);
  double v[4];
  for (int i = 0; i < 4; i++) napi_get_value_double(env, a[3 + i], &v[i]);
  const long off = (long)v[0], rows = (long)v[1];
  const int m = (int)v[2], n = (int)v[3], W = (n + 31) / 32;
  int ok = words && x && y && masks && (code || nc == 0) && off >= 0 && rows >= 0 && m >= 0 && n >= 1 && (int)nm == W &&
           nw >= (size_t)(rows * W) && nx >= (size_t)((off + rows) * (m + n)) && ny >= (size_t)(off + rows);
  for (size_t c = 0; ok && c < nc; c++) ok = code[c] < (uint32_t)m;
  if (!ok) {
    napi_throw_range_error(env, NULL, "whittle_native: cmspFill arguments malformed or out of range");
    return NULL;
  }
  fill_rows(words, x + off * (m + n), y + off, rows, m, n, code, nc, masks, W);
  return NULL;
}
