// BatchMatMul and _FusedMatMul for the wasm backend.
//
// tfjs-backend-wasm 4.22 hands matMul to XNNPACK only when neither operand is transposed; every
// gradient matMul (dy·Wᵀ, xᵀ·dy) is transposed and falls to a naive loop at 0.4–2 GFLOP/s.
// Two routes, chosen at install time:
//  - native: the addon's GEMM (a real BLAS) reads and writes the wasm heap in place, any
//    transposition, bias + relu fused into one pass over the output;
//  - wasm-only: transpose explicitly with the wasm Transpose kernel, then call the original
//    kernel untransposed (its fast path).
import { broadcast_util, util, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapBuffer, offsetOf, type WasmBackendLike } from './heap';
import type { NativeKernels } from './native';

type Args = { inputs: Record<string, TensorInfo | null | undefined>; backend: WasmBackendLike; attrs?: NamedAttrMap };
type Kernel = (args: Args) => TensorInfo | TensorInfo[];

interface Dims {
  M: number; N: number; K: number;
  batchA: number; batchB: number;
  outShape: number[];
}

/** Shapes of op(a)·op(b) for rank ≥ 2 operands; null when batch dims need general broadcasting. */
export function matmulDims(a: TensorInfo, b: TensorInfo, ta: boolean, tb: boolean): Dims | null {
  const ra = a.shape.length, rb = b.shape.length;
  if (ra < 2 || rb < 2) return null;
  const M = ta ? a.shape[ra - 1] : a.shape[ra - 2];
  const Ka = ta ? a.shape[ra - 2] : a.shape[ra - 1];
  const Kb = tb ? b.shape[rb - 1] : b.shape[rb - 2];
  const N = tb ? b.shape[rb - 2] : b.shape[rb - 1];
  util.assert(Ka === Kb, () => `Error in matMul: inner shapes (${Ka}) and (${Kb}) of Tensors with shapes ` +
    `${a.shape} and ${b.shape} and transposeA=${ta} and transposeB=${tb} must match.`);
  const outerA = a.shape.slice(0, -2), outerB = b.shape.slice(0, -2);
  const batchA = util.sizeFromShape(outerA), batchB = util.sizeFromShape(outerB);
  const outer = broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  // One strided loop covers equal batch dims and a single broadcast operand; anything else
  // (e.g. [2,1]×[1,3] batch dims) goes to the original kernel.
  const same = outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i]);
  if (!same && batchA !== 1 && batchB !== 1) return null;
  return { M, N, K: Ka, batchA, batchB, outShape: [...outer, M, N] };
}

/** Transpose the last two dims with the backend's own Transpose kernel. */
function transposeLast2(transpose: Kernel, backend: WasmBackendLike, x: TensorInfo): TensorInfo {
  const r = x.shape.length;
  const perm = [...Array(r).keys()];
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return transpose({ inputs: { x }, backend, attrs: { perm } }) as TensorInfo;
}

/** Runs `kernel` with both operands untransposed, materialising transposes first. */
function viaExplicitTranspose(kernel: Kernel, transpose: Kernel, args: Args): TensorInfo {
  const { backend } = args;
  const attrs = { ...(args.attrs ?? {}) } as NamedAttrMap;
  const inputs = { ...args.inputs };
  const temps: TensorInfo[] = [];
  if (attrs.transposeA) { inputs.a = transposeLast2(transpose, backend, inputs.a!); temps.push(inputs.a); attrs.transposeA = false; }
  if (attrs.transposeB) { inputs.b = transposeLast2(transpose, backend, inputs.b!); temps.push(inputs.b); attrs.transposeB = false; }
  const out = kernel({ inputs, backend, attrs }) as TensorInfo;
  for (const t of temps) backend.disposeData(t.dataId);
  return out;
}

function nativeGemm(native: NativeKernels, backend: WasmBackendLike, a: TensorInfo, b: TensorInfo,
  ta: boolean, tb: boolean, d: Dims): TensorInfo {
  const out = backend.makeOutput(d.outShape, 'float32');
  const batch = Math.max(d.batchA, d.batchB);
  // Offsets are read after makeOutput: allocation may grow (and replace) the heap buffer.
  native.gemm(heapBuffer(backend), ta, tb, d.M, d.N, d.K,
    offsetOf(backend, a), offsetOf(backend, b), offsetOf(backend, out), 0, batch,
    d.batchA > 1 ? d.M * d.K * 4 : 0, d.batchB > 1 ? d.K * d.N * 4 : 0, d.M * d.N * 4);
  return out;
}

export function makeBatchMatMul(original: Kernel, transpose: Kernel, native: NativeKernels | null): KernelFunc {
  const fn = (args: Args): TensorInfo => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const ta = Boolean(args.attrs?.transposeA), tb = Boolean(args.attrs?.transposeB);
    if (a.dtype === 'float32' && b.dtype === 'float32') {
      const d = native ? matmulDims(a, b, ta, tb) : null;
      if (native && d) return nativeGemm(native, args.backend, a, b, ta, tb, d);
    }
    if (!ta && !tb) return original(args) as TensorInfo;
    return viaExplicitTranspose(original, transpose, args);
  };
  return fn as unknown as KernelFunc;
}

export function makeFusedMatMul(original: Kernel, transpose: Kernel, native: NativeKernels | null): KernelFunc {
  const fn = (args: Args): TensorInfo => {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
    const ta = Boolean(args.attrs?.transposeA), tb = Boolean(args.attrs?.transposeB);
    const activation = (args.attrs?.activation as string | undefined) ?? 'linear';
    if (native && a!.dtype === 'float32' && b!.dtype === 'float32' && !preluActivationWeights &&
      (activation === 'linear' || activation === 'relu')) {
      const d = matmulDims(a!, b!, ta, tb);
      const biasOk = !bias || util.sizeFromShape(bias.shape) === d?.N;
      if (d && biasOk) {
        const { backend } = args;
        const out = nativeGemm(native, backend, a!, b!, ta, tb, d);
        const rows = util.sizeFromShape(d.outShape) / d.N;
        if (bias || activation === 'relu') {
          const o = offsetOf(backend, out);
          native.biasAct(heapBuffer(backend), o, bias ? offsetOf(backend, bias) : -1, o, rows, d.N, activation === 'relu' ? 1 : 0);
        }
        return out;
      }
    }
    if (!ta && !tb) return original(args) as TensorInfo;
    return viaExplicitTranspose(original, transpose, args);
  };
  return fn as unknown as KernelFunc;
}
