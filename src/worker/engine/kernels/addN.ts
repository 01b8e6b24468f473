// AddN for the webgpu backend as a chain of its own Add kernel.
//
// tfjs-backend-webgpu 4.22's AddN (one packed shader over every input) returns the sum of the
// first two or three inputs only under Dawn/Vulkan here (measured on lavapipe: addN of 3..30 scalars
// 1, 2, … gave 3 or 6), and the engine sums with addN in global-norm clipping (train/clip.ts), the
// group-lasso penalty and the magnitude score. A wrong clip scale showed up as AdamW updates 1e-2
// off the cpu backend. Summing pairwise with Add is exact in the same order as the cpu backend's
// AddN (left to right) and costs N−1 small dispatches.
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

interface DisposesData { disposeData(dataId: object, force?: boolean): boolean }
type AddFn = (args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: unknown; attrs?: object }) => TensorInfo;

export function makeAddNFromAdd(add: KernelFunc, identity: KernelFunc): KernelFunc {
  const fn = (args: { inputs: TensorInfo[]; backend: DisposesData }): TensorInfo => {
    const xs = args.inputs;
    if (xs.length === 1) return (identity as unknown as (a: object) => TensorInfo)({ inputs: { x: xs[0] }, backend: args.backend });
    let acc = (add as unknown as AddFn)({ inputs: { a: xs[0], b: xs[1] }, backend: args.backend });
    for (let i = 2; i < xs.length; i++) {
      const next = (add as unknown as AddFn)({ inputs: { a: acc, b: xs[i] }, backend: args.backend });
      args.backend.disposeData(acc.dataId); // an intermediate no tensor refers to
      acc = next;
    }
    return acc;
  };
  return fn as unknown as KernelFunc;
}
