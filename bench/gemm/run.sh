#!/bin/sh
# Builds bench/gemm/gemm_harness.c with the addon's GEMM sources (same flags as native/build.mjs) and
# runs it: bench/gemm/run.sh [threads] [seconds per shape] [shape filter]. OpenBLAS runs on its own
# kernel set (OPENBLAS_CORETYPE unset), our GEMM with the BLAS disabled so that the two never share it.
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${TMPDIR:-/tmp}/whittle-gemm-harness
inc=$(dirname "$(dirname "$(command -v node)")")/include/node
[ -f "$inc/node_api.h" ] || inc=/usr/include/node
${CC:-cc} $GEMM_CFLAGS -O3 -std=c11 -fno-math-errno -fopenmp -I"$inc" -o "$out" "$here/gemm_harness.c" \
  "$here/../../native/gemm.c" "$here/../../native/gemm_avx512.c" -ldl -lm
env -u OPENBLAS_CORETYPE WHITTLE_BLAS=builtin OMP_WAIT_POLICY=PASSIVE "$out" "$@"
