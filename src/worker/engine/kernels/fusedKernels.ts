// Wasm implementations of Whittle's fused kernels (see ops.ts for what each computes and why).
// They work in place on the wasm heap: the native addon for the GEMM-sized work when present,
// plain JS loops (JIT-compiled, one pass each) for the rest.
import { type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf';
import { f32, heapBuffer, offsetOf, type WasmBackendLike } from './heap';
import type { NativeKernels } from './native';
import type { NativeTransformerKernels } from './transformer';

type Args = { inputs: Record<string, TensorInfo>; backend: WasmBackendLike; attrs: NamedAttrMap };
const kf = (f: (a: Args) => TensorInfo | TensorInfo[]) => f as unknown as KernelFunc;

export const DENSE = 'WhittleDense';
export const RELU_GRAD = 'WhittleReluGrad';
export const SOFTMAX_CE = 'WhittleSoftmaxCE';
export const SOFTMAX_CE_GRAD = 'WhittleSoftmaxCEGrad';
export const ADAM = 'WhittleAdam';

/** y [M,N] = act(x [M,K] · W [K,N] + b [N]), act ∈ {linear, relu}. */
function makeDense(native: NativeKernels | null): KernelFunc {
  return kf(({ inputs: { x, W, b }, backend, attrs }) => {
    const [M, K] = x.shape, N = W.shape[1];
    const relu = attrs.activation === 'relu';
    if (native) {
      const out = backend.makeOutput([M, N], 'float32');
      const heap = heapBuffer(backend);
      const o = offsetOf(backend, out);
      native.gemm(heap, false, false, M, N, K, offsetOf(backend, x), offsetOf(backend, W), o, 0, 1, 0, 0, 0);
      native.biasAct(heap, o, offsetOf(backend, b), o, M, N, relu ? 1 : 0);
      return out;
    }
    // Without the addon: XNNPACK's fully-connected path through the backend's fused kernel
    // (it wants rank-3 operands; these views share the data).
    const fused = tf.getKernel('_FusedMatMul', 'wasm')!.kernelFunc as unknown as (a: unknown) => TensorInfo;
    const out = fused({
      inputs: { a: { ...x, shape: [1, M, K] }, b: { ...W, shape: [1, K, N] }, bias: b }, backend,
      attrs: { transposeA: false, transposeB: false, activation: relu ? 'relu' : 'linear', leakyreluAlpha: 0 },
    });
    return { ...out, shape: [M, N] };
  });
}

/** dx = dy · (y > 0). */
function makeReluGrad(native: NativeKernels | null): KernelFunc {
  return kf((args) => {
    const { inputs: { dy, y }, backend } = args;
    if (native) {
      const n = dy.shape.reduce((a, b) => a * b, 1);
      const out = backend.makeOutput(dy.shape, 'float32');
      native.reluGrad(heapBuffer(backend), offsetOf(backend, dy), offsetOf(backend, y), offsetOf(backend, out), n);
      return out;
    }
    // Without the addon: the backend's SIMD Step and Multiply (a JS select loop branches on a
    // random sign and mispredicts half the time).
    const call = (k: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}) =>
      (tf.getKernel(k, 'wasm')!.kernelFunc as unknown as (a: unknown) => TensorInfo)({ inputs, backend, attrs });
    const mask = call('Step', { x: y }, { alpha: 0 });
    const out = call('Multiply', { a: dy, b: mask });
    backend.disposeData(mask.dataId);
    return out;
  });
}

/** log Σ_c exp(z[row + c]), shifted by the row's max for stability (float64). */
function rowLogSumExp(z: Float32Array, row: number, C: number): number {
  let max = -Infinity;
  for (let c = 0; c < C; c++) if (z[row + c] > max) max = z[row + c];
  let s = 0;
  for (let c = 0; c < C; c++) s += Math.exp(z[row + c] - max);
  return max + Math.log(s);
}

/** The first row whose label is outside [0, C), or −1. */
function badLabelRow(y: Int32Array, C: number): number {
  for (let i = 0; i < y.length; i++) if (!(y[i] >= 0 && y[i] < C)) return i;
  return -1;
}

/** Throws for a label outside [0, C) at row `bad` (−1: none), after freeing the kernel's output
 *  (nothing else would free it). Every route of these kernels, JS or native, refuses such a label. */
function checkLabels(bad: number, labels: TensorInfo, backend: WasmBackendLike, C: number, out: TensorInfo): void {
  if (bad < 0) return;
  const v = new Int32Array(heapBuffer(backend), offsetOf(backend, labels) + 4 * bad, 1)[0];
  backend.disposeData(out.dataId);
  throw new Error(`softmax cross-entropy: label ${v} at row ${bad} is outside the ${C} classes`);
}

/** Mean softmax cross-entropy in nats of logits [B,C] against int32 labels [B] (float64 inside). */
const softmaxCe = kf(({ inputs: { logits, labels }, backend }) => {
  const [B, C] = logits.shape;
  const out = backend.makeOutput([], 'float32');
  const z = f32(backend, logits, B * C);
  const y = new Int32Array(heapBuffer(backend), offsetOf(backend, labels), B);
  checkLabels(badLabelRow(y, C), labels, backend, C, out);
  let total = 0;
  for (let i = 0; i < B; i++) total += rowLogSumExp(z, i * C, C) - z[i * C + y[i]];
  f32(backend, out, 1)[0] = B > 0 ? total / B : 0;
  return out;
});

/** d loss / d logits = dy · (softmax(logits) − onehot(labels)) / B. */
const softmaxCeGrad = kf(({ inputs: { dy, logits, labels }, backend }) => {
  const [B, C] = logits.shape;
  const out = backend.makeOutput([B, C], 'float32');
  const z = f32(backend, logits, B * C);
  const y = new Int32Array(heapBuffer(backend), offsetOf(backend, labels), B);
  checkLabels(badLabelRow(y, C), labels, backend, C, out);
  const g = f32(backend, out, B * C);
  const scale = f32(backend, dy, 1)[0] / B;
  for (let i = 0; i < B; i++) {
    const row = i * C;
    const lse = rowLogSumExp(z, row, C);
    for (let c = 0; c < C; c++) g[row + c] = (Math.exp(z[row + c] - lse) - (c === y[i] ? 1 : 0)) * scale;
  }
  return out;
});

/** One Adam update of (p, m, v) by g, PyTorch's rule (see train/optimizers.ts); returns [p, m, v]. */
const makeAdam = (native: NativeKernels | null) => kf(({ inputs: { p, m, v, g }, backend, attrs }) => {
  const n = p.shape.reduce((a, b) => a * b, 1);
  const outs = [backend.makeOutput(p.shape, 'float32'), backend.makeOutput(p.shape, 'float32'), backend.makeOutput(p.shape, 'float32')];
  if (native) {
    const o = (t: TensorInfo) => offsetOf(backend, t);
    native.adam(heapBuffer(backend), o(p), o(m), o(v), o(g), o(outs[0]), o(outs[1]), o(outs[2]), n,
      attrs.lr as number, attrs.beta1 as number, attrs.beta2 as number, attrs.eps as number,
      attrs.bc1 as number, attrs.bc2 as number, attrs.weightDecay as number, Boolean(attrs.decoupled));
    return outs;
  }
  const lr = attrs.lr as number, b1 = attrs.beta1 as number, b2 = attrs.beta2 as number, eps = attrs.eps as number;
  const wd = attrs.weightDecay as number, decoupled = Boolean(attrs.decoupled);
  const step = lr / (attrs.bc1 as number), rbc2 = 1 / Math.sqrt(attrs.bc2 as number);
  const P = f32(backend, p, n), M = f32(backend, m, n), V = f32(backend, v, n), G = f32(backend, g, n);
  const P2 = f32(backend, outs[0], n), M2 = f32(backend, outs[1], n), V2 = f32(backend, outs[2], n);
  const shrink = decoupled ? 1 - lr * wd : 1;
  const l2 = decoupled ? 0 : wd;
  for (let i = 0; i < n; i++) {
    const gi = G[i] + l2 * P[i];
    // the stored (float32) moments feed the update, as in the op-by-op version
    const mi = (M2[i] = Math.fround(b1 * M[i] + (1 - b1) * gi));
    const vi = (V2[i] = Math.fround(b2 * V[i] + (1 - b2) * gi * gi));
    P2[i] = P[i] * shrink - (step * mi) / (Math.sqrt(vi) * rbc2 + eps);
  }
  return outs;
});

type NativeCe = NativeTransformerKernels['softmaxCe'];

/** The same two kernels on the addon (native/transformer.c: threads, a vectorised exp; the JS loops
 *  above took 10 ms a step on the lm-general-cpu vocabulary). A label outside [0, C) is an error
 *  (the addon reports its row). */
function nativeSoftmaxCe(ce: NativeCe): { loss: KernelFunc; grad: KernelFunc } {
  return {
    loss: kf(({ inputs: { logits, labels }, backend }) => {
      const [B, C] = logits.shape;
      const out = backend.makeOutput([], 'float32');
      const o = (t: TensorInfo) => offsetOf(backend, t);
      checkLabels(ce(heapBuffer(backend), Float64Array.of(B, C, o(logits), o(labels), 0, o(out), 1)), labels, backend, C, out);
      return out;
    }),
    grad: kf(({ inputs: { dy, logits, labels }, backend }) => {
      const [B, C] = logits.shape;
      const out = backend.makeOutput([B, C], 'float32');
      const o = (t: TensorInfo) => offsetOf(backend, t);
      const scale = B > 0 ? f32(backend, dy, 1)[0] / B : 0;
      checkLabels(ce(heapBuffer(backend), Float64Array.of(B, C, o(logits), o(labels), 1, o(out), scale)), labels, backend, C, out);
      return out;
    }),
  };
}

/** Register the fused kernels on the wasm backend. */
export function registerFusedWasm(native: NativeKernels | null, register: (name: string, fn: KernelFunc) => void): void {
  register(DENSE, makeDense(native));
  register(RELU_GRAD, makeReluGrad(native));
  const ce = (native as Partial<NativeTransformerKernels> | null)?.softmaxCe; // absent from older builds
  const nativeCe = ce ? nativeSoftmaxCe(ce.bind(native)) : null;
  register(SOFTMAX_CE, nativeCe?.loss ?? softmaxCe);
  register(SOFTMAX_CE_GRAD, nativeCe?.grad ?? softmaxCeGrad);
  register(ADAM, makeAdam(native));
}
