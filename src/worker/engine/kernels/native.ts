// Loads the optional native addon (native/whittle_native.c, built by `node native/build.mjs`).
// Absent or disabled (WHITTLE_NATIVE=0) → null, and the wasm-only kernels are used.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The GEMMs the addon has: its AVX-512 packed kernel, the loaded BLAS, its portable blocked one. */
export type NativeGemm = 'avx512' | 'blas' | 'builtin';

export interface NativeKernels {
  /** C = op(A)·op(B) + beta·C per batch entry, row-major; offsets/strides in bytes into `heap`. */
  gemm(heap: ArrayBuffer, ta: boolean, tb: boolean, M: number, N: number, K: number,
    aOff: number, bOff: number, cOff: number, beta: number,
    batch: number, strideA: number, strideB: number, strideC: number): void;
  /** out[M,N] = act(x + bias); act 0 = none, 1 = relu; biasOff < 0 = no bias. */
  biasAct(heap: ArrayBuffer, xOff: number, biasOff: number, outOff: number, M: number, N: number, act: number): void;
  /** out[N] = column sums of x[M,N]. */
  colSum(heap: ArrayBuffer, xOff: number, outOff: number, M: number, N: number): void;
  /** out = dy · (y > 0), n elements. */
  reluGrad(heap: ArrayBuffer, dyOff: number, yOff: number, outOff: number, n: number): void;
  /** One Adam update (PyTorch's rule) of n floats: p, m, v, g → p2, m2, v2 (byte offsets). */
  adam(heap: ArrayBuffer, p: number, m: number, v: number, g: number, p2: number, m2: number, v2: number, n: number,
    lr: number, beta1: number, beta2: number, eps: number, bc1: number, bc2: number, weightDecay: number, decoupled: boolean): void;
  /** Whole ReLU-MLP forward / backward (native/mlp.c; argument layout documented there and built by
   *  kernels/mlp.ts). */
  mlpForward(heap: ArrayBuffer, args: Float64Array): void;
  mlpBackward(heap: ArrayBuffer, args: Float64Array): void;
  /** CMSP batch rows from pre-drawn random words (native/data.c documents the layout). */
  cmspFill(words: Uint32Array, x: Float32Array, y: Int32Array, rowOffset: number, rows: number, m: number, n: number,
    code: Uint32Array, masks: Uint32Array): void;
  /** Threads for the native kernels (their splits of the work; the BLAS runs one thread per call);
   *  returns the count they now use. */
  setThreads(n: number): number;
  /** blas: the library loaded (with OpenBLAS's kernel set) or 'builtin'; gemm: what serves large GEMMs. */
  info(): { blas: string; gemm: NativeGemm };
  /** Choose the GEMM ('auto' = AVX-512 kernel where the CPU has it, else the BLAS, else built-in);
   *  returns the one now serving large calls. Tests use it to cover every route. */
  useGemm(mode: 'auto' | NativeGemm): NativeGemm;
}

const GEMM_MODES = ['auto', 'avx512', 'blas', 'builtin'];

/** Why WHITTLE_GEMM did not get what it names (the addon reads it once and falls back to auto). */
export function gemmRequestNote(asked: string | undefined, got: NativeGemm): string | undefined {
  if (!asked || asked === 'auto' || asked === got) return undefined;
  if (!GEMM_MODES.includes(asked)) return `WHITTLE_GEMM='${asked}' is not one of ${GEMM_MODES.join(', ')}: ignored, using the ${got} GEMM`;
  return `WHITTLE_GEMM=${asked} is not available here (${asked === 'avx512' ? 'this CPU has no AVX-512' : 'no BLAS library was found'}): using the ${got} GEMM`;
}

const FILE = 'whittle_native.node';
let cached: NativeKernels | null | undefined;
let loadError: string | null = null;

/** Where the addon may live: explicit path, next to the sources (dev), next to a bundle, cwd. */
function candidates(): string[] {
  const out: string[] = [];
  if (process.env.WHITTLE_NATIVE_PATH) out.push(process.env.WHITTLE_NATIVE_PATH);
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    out.push(path.join(dir, 'native', 'build', 'Release', FILE));
    dir = path.dirname(dir);
  }
  out.push(path.join(process.cwd(), 'native', 'build', 'Release', FILE));
  return out;
}

export function loadNative(): NativeKernels | null {
  if (cached !== undefined) return cached;
  cached = null;
  if (process.env.WHITTLE_NATIVE === '0') { loadError = 'disabled by WHITTLE_NATIVE=0'; return null; }
  const file = candidates().find((p) => fs.existsSync(p));
  if (!file) { loadError = 'not built (run `node native/build.mjs`)'; return null; }
  try {
    cached = createRequire(import.meta.url)(file) as NativeKernels;
  } catch (e) {
    loadError = `failed to load ${file}: ${(e as Error).message}`;
  }
  return cached;
}

/** Why the addon is not in use (null when it is). */
export function nativeLoadError(): string | null {
  loadNative();
  return loadError;
}
