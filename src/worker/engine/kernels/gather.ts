// GatherV2 for the wasm backend along axis 0 (an embedding lookup: rows of a table by token id).
// tfjs-backend-wasm's own kernel took 4 ms to gather 1,024 rows of 128 floats (the lm-general-cpu
// step's token embedding; a profile of the step showed it at 5–8 % of the step); rows copied with
// copyWithin on the heap take microseconds. Other axes, batch dims and dtypes go to the original.
import { util, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapBuffer, offsetOf, type WasmBackendLike } from './heap';

type Args = { inputs: { x: TensorInfo; indices: TensorInfo }; backend: WasmBackendLike; attrs: NamedAttrMap };
type Kernel = (args: Args) => TensorInfo;

export function makeGather(original: Kernel): KernelFunc {
  const fn = (args: Args): TensorInfo => {
    const { inputs: { x, indices }, backend, attrs } = args;
    const axis = util.parseAxisParam(attrs.axis as number, x.shape)[0];
    if (axis !== 0 || (attrs.batchDims as number ?? 0) !== 0 || x.shape.length < 1 || indices.dtype !== 'int32' ||
      (x.dtype !== 'float32' && x.dtype !== 'int32')) return original(args);
    const rows = x.shape[0];
    const rowBytes = 4 * util.sizeFromShape(x.shape.slice(1));
    const n = util.sizeFromShape(indices.shape);
    const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
    // offsets and views after makeOutput: an allocation may grow (and replace) the heap
    const heap = new Uint8Array(heapBuffer(backend));
    const ids = new Int32Array(heap.buffer, offsetOf(backend, indices), n);
    const src = offsetOf(backend, x), dst = offsetOf(backend, out);
    for (let i = 0; i < n; i++) {
      const r = ids[i];
      if (!(r >= 0 && r < rows)) {
        backend.disposeData(out.dataId);
        throw new Error(`GatherV2: the index value ${r} is not in [0, ${rows - 1}]`);
      }
      heap.copyWithin(dst + i * rowBytes, src + r * rowBytes, src + (r + 1) * rowBytes);
    }
    return out;
  };
  return fn as unknown as KernelFunc;
}
