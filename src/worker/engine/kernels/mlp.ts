// The fused ReLU MLP: the whole forward pass in one kernel, the whole backward pass in another
// (native/mlp.c: batch split across threads, row blocks that stay in cache; see the why there).
//
//   fusedMlp(x, W, b, masks)  logits [B, C] of relu(…relu(x·W0 + b0)·m1 …)·W_last + b_last
//
// Registered only on the wasm backend with the native addon; `fusedMlpAvailable()` says whether
// the current backend has it, and callers otherwise compose dense() per layer (same math). The
// gradient reaches every W and b; the input x gets one only when it needs it (a trainable
// variable, or the output of an op recorded on the active gradient tape), so the data's dx — a
// full GEMM — is never computed for a training batch.
import type { GradSaveFunc, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { tf, type Tensor, type Tensor1D, type Tensor2D } from '../tf';
import { heapBuffer, offsetOf, type WasmBackendLike } from './heap';
import type { NativeKernels } from './native';

export const MLP_FORWARD = 'WhittleMlpForward';
export const MLP_BACKWARD = 'WhittleMlpBackward';

type Args = { inputs: Record<string, TensorInfo>; backend: WasmBackendLike; attrs: NamedAttrMap };
const kf = (f: (a: Args) => TensorInfo[]) => f as unknown as KernelFunc;

/** Layer widths d0..dL from x [B, d0] and W_l [d_l, d_{l+1}]. */
function widths(inputs: Record<string, TensorInfo>, L: number): number[] {
  const d = [inputs.x.shape[1]];
  for (let l = 0; l < L; l++) {
    const w = inputs[`W${l}`];
    if (w.shape[0] !== d[l]) throw new Error(`fused MLP: W${l} is [${w.shape}] but its input has width ${d[l]}`);
    d.push(w.shape[1]);
  }
  return d;
}

/** Heap offset of a tensor, or -1 for an absent optional one. */
function offsetOrNone(backend: WasmBackendLike, t: TensorInfo | undefined): number {
  return t ? offsetOf(backend, t) : -1;
}

/** [B, L, d0..dL, x, W_0..W_{L-1}]: the head both native entry points read (read_head in mlp.c). */
function headArgs(backend: WasmBackendLike, inputs: Record<string, TensorInfo>, L: number, d: number[]): number[] {
  const args = [inputs.x.shape[0], L, ...d, offsetOf(backend, inputs.x)];
  for (let l = 0; l < L; l++) args.push(offsetOf(backend, inputs[`W${l}`]));
  return args;
}

/** Forward: inputs x, W0.., b0.., optional m1.. (0/1 unit masks of the hidden layers);
 *  outputs [logits, h1, …, h_{L-1}] (the hidden activations, saved for the backward pass). */
function makeForward(native: NativeKernels): KernelFunc {
  return kf(({ inputs, backend, attrs }) => {
    const L = attrs.layers as number;
    const B = inputs.x.shape[0];
    const d = widths(inputs, L);
    const outs = d.slice(1).map((w) => backend.makeOutput([B, w], 'float32')); // h1..h_{L-1}, logits
    // Offsets after every makeOutput: an allocation may grow (and move) the heap.
    const off = (t: TensorInfo | undefined) => offsetOrNone(backend, t);
    const args = headArgs(backend, inputs, L, d);
    for (let l = 0; l < L; l++) args.push(off(inputs[`b${l}`]));
    for (let l = 1; l < L; l++) args.push(off(inputs[`m${l}`]));
    for (const o of outs) args.push(off(o));
    native.mlpForward(heapBuffer(backend), Float64Array.from(args));
    return [outs[L - 1], ...outs.slice(0, L - 1)];
  });
}

/** Backward: inputs x, W0.., h1.., dy (d loss / d logits); outputs [dW0, db0, dW1, db1, …, dx?]. */
function makeBackward(native: NativeKernels): KernelFunc {
  return kf(({ inputs, backend, attrs }) => {
    const L = attrs.layers as number;
    const wantDx = Boolean(attrs.wantDx);
    const B = inputs.x.shape[0];
    const d = widths(inputs, L);
    const dW = d.slice(0, L).map((din, l) => backend.makeOutput([din, d[l + 1]], 'float32'));
    const db = d.slice(1).map((w) => backend.makeOutput([w], 'float32'));
    const dx = wantDx ? backend.makeOutput([B, d[0]], 'float32') : undefined;
    const off = (t: TensorInfo | undefined) => offsetOrNone(backend, t);
    const args = headArgs(backend, inputs, L, d);
    for (let l = 1; l < L; l++) args.push(off(inputs[`h${l}`]));
    args.push(off(inputs.dy));
    for (const t of dW) args.push(off(t));
    for (const t of db) args.push(off(t));
    args.push(off(dx));
    native.mlpBackward(heapBuffer(backend), Float64Array.from(args));
    const out = dW.flatMap((w, l) => [w, db[l]]);
    return dx ? [...out, dx] : out;
  });
}

/** Register the fused MLP kernels (wasm backend, native addon). */
export function registerFusedMlp(native: NativeKernels, register: (name: string, fn: KernelFunc) => void): void {
  register(MLP_FORWARD, makeForward(native));
  register(MLP_BACKWARD, makeBackward(native));
}

export function fusedMlpAvailable(): boolean {
  return tf.getKernel(MLP_FORWARD, tf.getBackend()) != null;
}

interface TapeState { gradientDepth?: number; activeTape?: { outputs: { id: number }[] }[] | null }

/** Whether a gradient could flow to `x`: a trainable variable, or produced by a taped op. */
function inputNeedsGrad(x: Tensor): boolean {
  if (x instanceof tf.Variable) return x.trainable;
  const state = (tf.engine() as unknown as { state?: TapeState }).state;
  if (!state || typeof state.gradientDepth !== 'number') return true; // unknown engine: be safe
  if (state.gradientDepth === 0 || !state.activeTape) return false;
  return state.activeTape.some((node) => node.outputs.some((o) => o.id === x.id));
}

/** Logits [B, C] of the ReLU MLP (W_l [d_l, d_{l+1}], b_l [d_{l+1}], masks[h] [d_{h+1}] of 0/1 or null
 *  for hidden layer h). Needs fusedMlpAvailable(). */
export function fusedMlp(x: Tensor2D, W: Tensor2D[], b: Tensor1D[], masks: (Tensor | null)[]): Tensor2D {
  const L = W.length;
  const wantDx = inputNeedsGrad(x);
  const params: Tensor[] = W.flatMap((w, l) => [w, b[l]]);
  const run = (kernel: string, inputs: Record<string, Tensor>, attrs: NamedAttrMap) =>
    tf.engine().runKernel(kernel, inputs as never, attrs) as unknown as Tensor[];
  const f = tf.customGrad(((...args: (Tensor | GradSaveFunc)[]) => {
    const save = args[args.length - 1] as GradSaveFunc;
    const inputs: Record<string, Tensor> = { x };
    W.forEach((w, l) => { inputs[`W${l}`] = w; inputs[`b${l}`] = b[l]; });
    masks.forEach((m, h) => { if (m) inputs[`m${h + 1}`] = m; });
    const [logits, ...hidden] = run(MLP_FORWARD, inputs, { layers: L });
    save([x, ...W, ...hidden]);
    return {
      value: logits,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const bIn: Record<string, Tensor> = { x: saved[0], dy };
        for (let l = 0; l < L; l++) bIn[`W${l}`] = saved[1 + l];
        for (let h = 1; h < L; h++) bIn[`h${h}`] = saved[L + h];
        return run(MLP_BACKWARD, bIn, { layers: L, wantDx });
      },
    };
  }) as never) as unknown as (...t: Tensor[]) => Tensor2D;
  return wantDx ? f(...params, x) : f(...params);
}
