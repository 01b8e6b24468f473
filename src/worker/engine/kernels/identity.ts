// Zero-copy Identity for the wasm backend.
//
// The tfjs engine saves every tensor a gradient needs by clone() → the Identity kernel, and
// tfjs-backend-wasm's Identity copies the data. In an MLP step that is a full copy of every
// activation ([batch, width] each) on every step. Tensor data is immutable in tfjs (variables are
// re-pointed, never written in place, and no kernel writes into its inputs), so sharing the buffer
// by reference count — what the cpu backend and wasm's own Reshape already do — is safe.
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

interface RefCounted { incRef(dataId: object): void }

export function makeIdentity(original: KernelFunc): KernelFunc {
  const fn = (args: { inputs: { x: TensorInfo }; backend: RefCounted }): TensorInfo => {
    const { x } = args.inputs;
    if (x.dtype === 'string') return (original as unknown as (a: typeof args) => TensorInfo)(args);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return fn as unknown as KernelFunc;
}
