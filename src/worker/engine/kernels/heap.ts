// Access to tfjs-backend-wasm's heap for kernels that compute in place (native or JS).
// The wasm backend keeps every tensor at a byte offset into one linear memory; kernels read
// inputs there and write outputs they allocate with backend.makeOutput.
import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';

/** The parts of BackendWasm these kernels use (its class is not exported in a stable path). */
export interface WasmBackendLike {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number; shape: number[]; dtype: DataType } | undefined };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** Byte offset of a tensor's data in the heap. */
export function offsetOf(backend: WasmBackendLike, t: TensorInfo): number {
  const d = backend.dataIdMap.get(t.dataId);
  if (!d) throw new Error('tensor data not on the wasm backend');
  return d.memoryOffset;
}

/** The heap's current ArrayBuffer. Read it after every allocation: growing memory replaces it. */
export function heapBuffer(backend: WasmBackendLike): ArrayBuffer {
  return backend.wasm.HEAPU8.buffer as ArrayBuffer;
}

/** A Float32Array view of a tensor's data (valid until the next allocation). */
export function f32(backend: WasmBackendLike, t: TensorInfo, size: number): Float32Array {
  return new Float32Array(heapBuffer(backend), offsetOf(backend, t), size);
}
