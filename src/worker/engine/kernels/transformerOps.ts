// Fused transformer ops (the kernels in transformer.ts) with their gradients. Each op runs its
// kernel when the current backend has it (wasm with the native addon) and returns null otherwise:
// the model then runs its own tfjs composition, the route that stays as the fallback and as the
// oracle the tests compare these kernels with.
import { tf, type Tensor, type Tensor1D } from '../tf';
import { hasKernel, runKernel } from './ops';
import { ACT, ACT_GRAD, ACT_KINDS, CAUSAL_SOFTMAX, CAUSAL_SOFTMAX_GRAD, MERGE_HEADS, NORM, NORM_GRAD, NORM_KINDS, SPLIT_HEADS, SPLIT_HEADS_ROPE, type FusedActivation, type FusedNorm } from './transformer';

let registered = false;
/** Gradients of the fused transformer kernels (global; idempotent). */
export function registerTransformerGradients(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: ACT,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => ({ x: () => runKernel(ACT_GRAD, { x: saved[0] as Tensor, dy: dy as Tensor }, { kind: attrs.kind as number }) as Tensor }),
  });
  tf.registerGradient({
    kernelName: NORM,
    inputsToSave: ['x', 'g'],
    gradFunc: (dy, saved, attrs) => {
      const [x, g] = saved as Tensor[];
      // One kernel computes dx, dg and db, so it runs here, not in the closures: the tape runs each
      // closure in its own tidy, which would dispose the outputs a later closure returns. Here they
      // belong to the gradient pass's scope, which disposes the ones nobody returns.
      const [dx, dg, db] = runKernel(NORM_GRAD, { x, g, dy: dy as Tensor }, { kind: attrs.kind as number, eps: attrs.eps as number }) as unknown as Tensor[];
      return { x: () => dx, g: () => dg, b: () => db };
    },
  });
  // the tape fills zeros for an output (q, k or v) the loss does not use
  tf.registerGradient({
    kernelName: SPLIT_HEADS,
    gradFunc: (dys, _saved, attrs) => {
      const [dq, dk, dv] = dys as Tensor[];
      return { qkv: () => runKernel(MERGE_HEADS, { dq, dk, dv }, { ...attrs }) as Tensor };
    },
  });
  tf.registerGradient({
    kernelName: SPLIT_HEADS_ROPE,
    inputsToSave: ['cos', 'sin'],
    gradFunc: (dys, saved, attrs) => {
      const [dq, dk, dv] = dys as Tensor[];
      const [cos, sin] = saved as Tensor[];
      return {
        qkv: () => runKernel(MERGE_HEADS, { dq, dk, dv, cos, sin }, { ...attrs }) as Tensor,
        // the rotary tables are constants (never on a path from a variable); zeros for completeness
        cos: () => tf.zerosLike(cos), sin: () => tf.zerosLike(sin),
      };
    },
  });
  tf.registerGradient({
    kernelName: CAUSAL_SOFTMAX,
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => ({
      x: () => runKernel(CAUSAL_SOFTMAX_GRAD, { y: saved[0] as Tensor, dy: dy as Tensor }, { T: attrs.T as number, P: attrs.P as number, scale: attrs.scale as number }) as Tensor,
    }),
  });
}

/** q [B, H, T, hd], k and v [B, KV, T, hd] from the fused projection qkv [B·T, (H + 2·KV)·hd] in
 *  one kernel; with `rope` (cos, sin tables [rows ≥ P + T, hd]) q and k are rotated for positions
 *  P..P+T−1 (rotate_half convention). Null where the backend has no such kernel. */
export function fusedSplitHeads(qkv: Tensor, B: number, T: number, H: number, KV: number, hd: number,
  rope: { cos: Tensor; sin: Tensor; P: number } | null = null): [Tensor, Tensor, Tensor] | null {
  if (!hasKernel(SPLIT_HEADS) || !hasKernel(SPLIT_HEADS_ROPE)) return null;
  const attrs = { B, T, H, KV, hd, P: rope ? rope.P : 0 };
  const out = rope ? runKernel(SPLIT_HEADS_ROPE, { qkv, cos: rope.cos, sin: rope.sin }, attrs) : runKernel(SPLIT_HEADS, { qkv }, attrs);
  return out as unknown as [Tensor, Tensor, Tensor];
}

/** act(x) in one kernel, or null where the backend has none (use the tfjs composition). */
export function fusedActivation(kind: string, x: Tensor): Tensor | null {
  if (!(kind in ACT_KINDS) || !hasKernel(ACT) || x.dtype !== 'float32') return null;
  return runKernel(ACT, { x }, { kind: ACT_KINDS[kind as FusedActivation] }) as Tensor;
}

/** LayerNorm (x − mean)/√(var + eps)·g + b or RMSNorm x/√(mean x² + eps)·g over x's last axis, in
 *  one kernel; null where the backend has none. */
export function fusedNorm(kind: FusedNorm, x: Tensor, g: Tensor1D, b: Tensor1D | null, eps: number): Tensor | null {
  if (!hasKernel(NORM)) return null;
  return runKernel(NORM, b ? { x, g, b } : { x, g }, { kind: NORM_KINDS[kind], eps }) as Tensor;
}

/** softmax(scale·s) over the keys each query may see, for scores s [..., R, S] whose rows are T
 *  queries at positions P..P+T−1 (repeating) over S = P + T keys; null where the backend has none. */
export function fusedCausalSoftmax(s: Tensor, scale: number, T: number, P: number): Tensor | null {
  if (!hasKernel(CAUSAL_SOFTMAX) || !(scale > 0)) return null;
  return runKernel(CAUSAL_SOFTMAX, { x: s }, { scale, T, P }) as Tensor;
}
