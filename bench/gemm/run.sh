#!/bin/sh
# Builds bench/gemm/gemm_harness.c with the addon's GEMM sources (same flags as native/build.mjs) and
# runs it: bench/gemm/run.sh [threads] [seconds per shape] [shape filter]. OpenBLAS runs on its own
# kernel set (OPENBLAS_CORETYPE unset), our GEMM with the BLAS disabled so that the two never share it.
# GEMM_REV=<commit> measures that commit's native/gemm.c and gemm_avx512.c instead of the work tree's
# (e.g. the kernel before a change, in the same sitting); GEMM_CFLAGS adds compiler flags (-DMC=192).
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${TMPDIR:-/tmp}/whittle-gemm-harness-$$
src=$here/../../native
if [ -n "$GEMM_REV" ]; then
  src=${TMPDIR:-/tmp}/whittle-gemm-src-$$
  mkdir -p "$src"
  for f in gemm.c gemm_avx512.c whittle_native.h; do git -C "$here" show "$GEMM_REV:native/$f" > "$src/$f"; done
fi
inc=$(dirname "$(dirname "$(command -v node)")")/include/node
[ -f "$inc/node_api.h" ] || inc=/usr/include/node
${CC:-cc} $GEMM_CFLAGS -O3 -std=c11 -fno-math-errno -fopenmp -I"$inc" -o "$out" "$here/gemm_harness.c" \
  "$src/gemm.c" "$src/gemm_avx512.c" -ldl -lm
env -u OPENBLAS_CORETYPE WHITTLE_BLAS=builtin OMP_WAIT_POLICY=PASSIVE "$out" "$@"
rm -f "$out"
[ -z "$GEMM_REV" ] || rm -rf "$src"
