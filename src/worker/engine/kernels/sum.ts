// Sum over leading axes for the wasm backend (the bias gradient: dy [batch, units] → [units]).
// tfjs-backend-wasm reduces only the innermost axis, so for axis 0 it first transposes the whole
// activation gradient and then sums strided rows (≈10 ns per element). Summing down the columns
// in place is one contiguous pass: the native addon when present, else a JS loop on the heap.
import { backend_util, util, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { f32, heapBuffer, offsetOf, type WasmBackendLike } from './heap';
import type { NativeKernels } from './native';

type Args = { inputs: { x: TensorInfo }; backend: WasmBackendLike; attrs: NamedAttrMap };
type Kernel = (args: Args) => TensorInfo;

/** Column sums of x viewed as [M, N], accumulated in float64 (order-independent, ≥ reference accuracy). */
export function colSumJs(x: Float32Array, M: number, N: number, out: Float32Array): void {
  const acc = new Float64Array(N);
  for (let i = 0; i < M; i++) {
    const row = i * N;
    for (let j = 0; j < N; j++) acc[j] += x[row + j];
  }
  out.set(acc);
}

export function makeSum(original: Kernel, native: NativeKernels | null): KernelFunc {
  const fn = (args: Args): TensorInfo => {
    const { x } = args.inputs;
    const { backend } = args;
    const rank = x.shape.length;
    const axes = util.parseAxisParam(args.attrs.axis as number | number[], x.shape).sort((p, q) => p - q);
    // Only the leading-axes case (axes = 0..k-1, k < rank) of float32 data is handled here.
    const leading = axes.length > 0 && axes.length < rank && axes.every((v, i) => v === i);
    if (x.dtype !== 'float32' || !leading) return original(args);
    const M = util.sizeFromShape(x.shape.slice(0, axes.length));
    const N = util.sizeFromShape(x.shape.slice(axes.length));
    let outShape = x.shape.slice(axes.length);
    if (args.attrs.keepDims) outShape = backend_util.expandShapeToKeepDim(outShape, axes);
    const out = backend.makeOutput(outShape, 'float32');
    if (native) native.colSum(heapBuffer(backend), offsetOf(backend, x), offsetOf(backend, out), M, N);
    else colSumJs(f32(backend, x, M * N), M, N, f32(backend, out, N));
    return out;
  };
  return fn as unknown as KernelFunc;
}
