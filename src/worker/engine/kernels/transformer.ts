// The transformer step's fused kernels on the wasm backend (native/transformer.c does the work on
// the wasm heap in place): activation (GELU tanh/erf, SiLU) and its gradient, LayerNorm/RMSNorm and
// its gradient, causal softmax and its gradient. Registered only with the native addon; without it
// the model keeps its tfjs composition (transformerOps.ts says which route a call takes).
import { type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapBuffer, offsetOf, type WasmBackendLike } from './heap';
import type { NativeKernels } from './native';

type Args = { inputs: Record<string, TensorInfo | undefined>; backend: WasmBackendLike; attrs: NamedAttrMap };
const kf = (f: (a: Args) => TensorInfo | TensorInfo[]) => f as unknown as KernelFunc;

export const ACT = 'WhittleActivation';
export const ACT_GRAD = 'WhittleActivationGrad';
export const NORM = 'WhittleNorm';
export const NORM_GRAD = 'WhittleNormGrad';
export const CAUSAL_SOFTMAX = 'WhittleCausalSoftmax';
export const CAUSAL_SOFTMAX_GRAD = 'WhittleCausalSoftmaxGrad';
export const SPLIT_HEADS = 'WhittleSplitHeads';
/** The same kernel with rotary tables among its inputs (its gradient saves them; without tables
 *  there is nothing to save, and tfjs cannot save an absent input). */
export const SPLIT_HEADS_ROPE = 'WhittleSplitHeadsRope';
export const MERGE_HEADS = 'WhittleMergeHeads';

/** Activation kinds as native/transformer.c numbers them. */
export const ACT_KINDS = { gelu_tanh: 0, gelu: 1, silu: 2 } as const;
export type FusedActivation = keyof typeof ACT_KINDS;
/** Norm kinds as native/transformer.c numbers them. */
export const NORM_KINDS = { layernorm: 0, rmsnorm: 1 } as const;
export type FusedNorm = keyof typeof NORM_KINDS;

/** The native entry points these kernels call (absent from an addon built from older sources). */
export interface NativeTransformerKernels {
  geluForward(heap: ArrayBuffer, args: Float64Array): void;
  geluBackward(heap: ArrayBuffer, args: Float64Array): void;
  layerNormForward(heap: ArrayBuffer, args: Float64Array): void;
  layerNormBackward(heap: ArrayBuffer, args: Float64Array): void;
  causalSoftmaxForward(heap: ArrayBuffer, args: Float64Array): void;
  causalSoftmaxBackward(heap: ArrayBuffer, args: Float64Array): void;
  splitHeads(heap: ArrayBuffer, args: Float64Array): void;
  mergeHeads(heap: ArrayBuffer, args: Float64Array): void;
  /** Returns the row of the first label outside [0, C), or −1 when all are valid. */
  softmaxCe(heap: ArrayBuffer, args: Float64Array): number;
}

const size = (t: TensorInfo) => t.shape.reduce((a, b) => a * b, 1);

function makeKernels(n: NativeTransformerKernels): Record<string, KernelFunc> {
  // Offsets are read after every makeOutput: an allocation may grow (and replace) the heap.
  const at = (backend: WasmBackendLike, t: TensorInfo | undefined) => (t ? offsetOf(backend, t) : -1);
  return {
    [ACT]: kf(({ inputs: { x }, backend, attrs }) => {
      const y = backend.makeOutput(x!.shape, 'float32');
      n.geluForward(heapBuffer(backend), Float64Array.of(size(x!), attrs.kind as number, at(backend, x), at(backend, y)));
      return y;
    }),
    [ACT_GRAD]: kf(({ inputs: { x, dy }, backend, attrs }) => {
      const dx = backend.makeOutput(x!.shape, 'float32');
      n.geluBackward(heapBuffer(backend), Float64Array.of(size(x!), attrs.kind as number, at(backend, x), at(backend, dy), at(backend, dx)));
      return dx;
    }),
    [NORM]: kf(({ inputs: { x, g, b }, backend, attrs }) => {
      const d = x!.shape[x!.shape.length - 1];
      const y = backend.makeOutput(x!.shape, 'float32');
      n.layerNormForward(heapBuffer(backend), Float64Array.of(size(x!) / d, d, attrs.kind as number, attrs.eps as number,
        at(backend, x), at(backend, g), at(backend, b), at(backend, y)));
      return y;
    }),
    [NORM_GRAD]: kf(({ inputs: { x, g, dy }, backend, attrs }) => {
      const d = x!.shape[x!.shape.length - 1];
      const dx = backend.makeOutput(x!.shape, 'float32');
      const dg = backend.makeOutput([d], 'float32');
      const db = backend.makeOutput([d], 'float32');
      n.layerNormBackward(heapBuffer(backend), Float64Array.of(size(x!) / d, d, attrs.kind as number, attrs.eps as number,
        at(backend, x), at(backend, g), at(backend, dy), at(backend, dx), at(backend, dg), at(backend, db)));
      return [dx, dg, db];
    }),
    [CAUSAL_SOFTMAX]: kf(({ inputs: { x }, backend, attrs }) => {
      const S = x!.shape[x!.shape.length - 1];
      const y = backend.makeOutput(x!.shape, 'float32');
      n.causalSoftmaxForward(heapBuffer(backend), Float64Array.of(size(x!) / S, S, attrs.T as number, attrs.P as number,
        attrs.scale as number, at(backend, x), at(backend, y)));
      return y;
    }),
    [CAUSAL_SOFTMAX_GRAD]: kf(({ inputs: { y, dy }, backend, attrs }) => {
      const S = y!.shape[y!.shape.length - 1];
      const dx = backend.makeOutput(y!.shape, 'float32');
      n.causalSoftmaxBackward(heapBuffer(backend), Float64Array.of(size(y!) / S, S, attrs.T as number, attrs.P as number,
        attrs.scale as number, at(backend, y), at(backend, dy), at(backend, dx)));
      return dx;
    }),
    // qkv [B·T, (H + 2·KV)·hd] → q [B, H, T, hd], k and v [B, KV, T, hd]; with rotary tables
    // cos, sin [rows, hd], q and k are rotated for positions P..P+T-1
    [SPLIT_HEADS]: kf(({ inputs: { qkv, cos, sin }, backend, attrs }) => {
      const { B, T, hd, H, KV, P } = attrs as Record<string, number>;
      const q = backend.makeOutput([B, H, T, hd], 'float32');
      const k = backend.makeOutput([B, KV, T, hd], 'float32');
      const v = backend.makeOutput([B, KV, T, hd], 'float32');
      n.splitHeads(heapBuffer(backend), Float64Array.of(B, T, qkv!.shape[1], hd, H, KV, P, cos ? cos.shape[0] : 0,
        at(backend, cos), at(backend, sin), at(backend, qkv), at(backend, q), at(backend, k), at(backend, v)));
      return [q, k, v];
    }),
    [MERGE_HEADS]: kf(({ inputs: { dq, dk, dv, cos, sin }, backend, attrs }) => {
      const { B, T, hd, H, KV, P } = attrs as Record<string, number>;
      const W = (H + 2 * KV) * hd;
      const dqkv = backend.makeOutput([B * T, W], 'float32');
      n.mergeHeads(heapBuffer(backend), Float64Array.of(B, T, W, hd, H, KV, P, cos ? cos.shape[0] : 0,
        at(backend, cos), at(backend, sin), at(backend, dq), at(backend, dk), at(backend, dv), at(backend, dqkv)));
      return dqkv;
    }),
  };
}

/** Register the transformer kernels on the wasm backend when the addon has them. */
export function registerTransformerKernels(native: NativeKernels, register: (name: string, fn: KernelFunc) => void): void {
  const n = native as unknown as Partial<NativeTransformerKernels>;
  if (typeof n.geluForward !== 'function' || typeof n.mergeHeads !== 'function') return; // addon built from older sources
  // WHITTLE_FUSED_TRANSFORMER=0 keeps the tfjs composition (A/B timing: bench/lm-profile.ts)
  if (process.env.WHITTLE_FUSED_TRANSFORMER === '0') return;
  const kernels = makeKernels(n as NativeTransformerKernels);
  kernels[SPLIT_HEADS_ROPE] = kernels[SPLIT_HEADS];
  for (const [name, fn] of Object.entries(kernels)) register(name, fn);
}
