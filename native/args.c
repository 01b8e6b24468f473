// The one argument reader of the addon's "packed" entry points (the fused MLP, the transformer
// kernels): each takes (heap, args) where heap is the wasm heap's ArrayBuffer and args one
// Float64Array of sizes and byte offsets into it. Every tensor offset is checked against the heap
// (inside it, float-aligned) before any kernel touches memory.
#include "whittle_native.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

int wn_args_open(napi_env env, napi_callback_info info, WnArgs *r, const char *what) {
  napi_value a[2];
  memset(r, 0, sizeof(*r));
  if (!wn_get_args(env, info, 2, a)) return 0;
  r->ok = 1;
  r->heap = wn_heap_ptr(env, a[0], &r->heapLen);
  if (!r->heap) return 0;
  napi_typedarray_type type;
  size_t len = 0;
  void *data = NULL;
  bool isTa = false;
  napi_is_typedarray(env, a[1], &isTa);
  if (!isTa || napi_get_typedarray_info(env, a[1], &type, &len, &data, NULL, NULL) != napi_ok || type != napi_float64_array) {
    char msg[160];
    snprintf(msg, sizeof(msg), "whittle_native: expected a Float64Array of %s arguments", what);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  r->v = (const double *)data;
  r->len = len;
  return 1;
}

double wn_next(WnArgs *r) {
  if (r->at >= r->len) { r->ok = 0; return 0; }
  return r->v[r->at++];
}

float *wn_tensor_at(WnArgs *r, double count, int optional) {
  const double off = wn_next(r);
  if (optional && off < 0) return NULL;
  if (!(off >= 0 && count >= 0 && off + 4.0 * count <= (double)r->heapLen && fmod(off, 4.0) == 0)) { r->ok = 0; return NULL; }
  return (float *)(r->heap + (size_t)off);
}

int wn_args_done(napi_env env, WnArgs *r, const char *what) {
  if (r->ok && r->at == r->len) return 1;
  char msg[160];
  snprintf(msg, sizeof(msg), "whittle_native: %s arguments malformed or outside the heap", what);
  napi_throw_range_error(env, NULL, msg);
  return 0;
}
