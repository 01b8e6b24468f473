// UnsortedSegmentSum for the wasm backend (tfjs-backend-wasm 4.22 has none). It is the gradient
// of gather, i.e. of every embedding lookup: out[s] = Σ_{i: ids[i] = s} x[i]. Rows are added in
// index order with float32 accumulation, as the cpu reference kernel does; ids outside
// [0, numSegments) are dropped, as in TensorFlow.
import { util, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapBuffer, offsetOf, type WasmBackendLike } from './heap';

type Args = { inputs: { x: TensorInfo; segmentIds: TensorInfo }; backend: WasmBackendLike; attrs: NamedAttrMap };

export function segmentSumInto(x: Float32Array | Int32Array, ids: Int32Array, inner: number, numSegments: number,
  out: Float32Array | Int32Array): void {
  out.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner, dst = s * inner;
    for (let j = 0; j < inner; j++) out[dst + j] += x[src + j];
  }
}

function unsortedSegmentSum(args: Args): TensorInfo {
  const { x, segmentIds } = args.inputs;
  const { backend } = args;
  const numSegments = args.attrs.numSegments as number;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new Error(`UnsortedSegmentSum: unsupported dtype ${x.dtype}`);
  const nIds = util.sizeFromShape(segmentIds.shape);
  const inner = nIds === 0 ? 0 : util.sizeFromShape(x.shape) / nIds;
  util.assert(Number.isInteger(inner) && x.shape.length >= segmentIds.shape.length,
    () => `UnsortedSegmentSum: segmentIds shape ${segmentIds.shape} must be a prefix of x shape ${x.shape}`);
  const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const out = backend.makeOutput(outShape, x.dtype);
  const buf = heapBuffer(backend);
  const Arr = x.dtype === 'float32' ? Float32Array : Int32Array;
  const ids = segmentIds.dtype === 'int32'
    ? new Int32Array(buf, offsetOf(backend, segmentIds), nIds)
    : Int32Array.from(new Float32Array(buf, offsetOf(backend, segmentIds), nIds));
  segmentSumInto(new Arr(buf, offsetOf(backend, x), nIds * inner), ids, inner, numSegments,
    new Arr(buf, offsetOf(backend, out), numSegments * inner));
  return out;
}

export const unsortedSegmentSumKernel = unsortedSegmentSum as unknown as KernelFunc;
