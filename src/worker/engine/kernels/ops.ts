// Fused ops for the training step: one kernel where tfjs composes many.
//
// Why: on the wasm backend every tfjs op costs ≈20–50 µs of engine bookkeeping plus a full pass
// over its operands, and an MLP step built from primitive ops runs ≈160 of them (bias add, relu,
// step, cast, multiply, the six ops of log-softmax, a dozen per variable for Adam …). For the
// paper's 68→128→128→2 shape at batch 10,000 that overhead is as large as the matrix products.
//
//  dense(x, W, b, act)          y = act(x·W + b); gradient: one masking pass, then only the products
//                               whose inputs need gradients (the data's dx is never computed)
//  softmaxCrossEntropy(z, y)    mean CE in nats; gradient (softmax − onehot)/B in one pass
//  adamUpdate(p, m, v, g, cfg)  PyTorch's Adam for one variable in one pass
//
// Each op runs its fused kernel when the current backend has one (wasm, registered by
// installKernels) and otherwise the plain tfjs composition with identical math, so callers need
// no backend checks. Tested against the composition on the cpu backend, values and gradients.
import type { NamedAttrMap } from '@tensorflow/tfjs-core';
import { tf, type Tensor, type Tensor1D, type Tensor2D } from '../tf';
import { ADAM, DENSE, RELU_GRAD, SOFTMAX_CE, SOFTMAX_CE_GRAD } from './fusedKernels';

export type DenseActivation = 'linear' | 'relu' | 'tanh';

/** Whether the current backend has `kernel` (the fused ops here and in transformerOps.ts). */
export const hasKernel = (kernel: string) => tf.getKernel(kernel, tf.getBackend()) != null;
/** Runs `kernel` through the engine (taped, so its registered gradient applies). */
export const runKernel = (kernel: string, inputs: Record<string, Tensor>, attrs: NamedAttrMap = {}) =>
  tf.engine().runKernel(kernel, inputs as never, attrs);

let gradientsRegistered = false;
/** Gradients of the fused kernels (global, backend-independent: they call ops). Idempotent. */
export function registerFusedGradients(): void {
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  tf.registerGradient({
    kernelName: DENSE,
    inputsToSave: ['x', 'W'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, W, y] = saved as Tensor[];
      const d = dy as Tensor;
      // relu' from the output's sign (y > 0 ⇔ pre-activation > 0); computed once, shared
      const g = attrs.activation === 'relu' ? (runKernel(RELU_GRAD, { dy: d, y }) as Tensor) : d;
      return {
        x: () => tf.matMul(g, W, false, true), // [M,K]
        W: () => tf.matMul(x, g, true, false), // [K,N]
        b: () => tf.sum(g, 0), // [N]
      };
    },
  });
  tf.registerGradient({
    kernelName: SOFTMAX_CE,
    inputsToSave: ['logits', 'labels'],
    gradFunc: (dy, saved) => {
      const [logits, labels] = saved as Tensor[];
      return {
        logits: () => runKernel(SOFTMAX_CE_GRAD, { dy: dy as Tensor, logits, labels }) as Tensor,
        labels: () => tf.zerosLike(labels),
      };
    },
  });
}

/** y [M,N] = act(x [M,K] · W [K,N] + b [N]). */
export function dense(x: Tensor2D, W: Tensor2D, b: Tensor1D, activation: DenseActivation): Tensor2D {
  if (activation !== 'tanh' && hasKernel(DENSE)) return runKernel(DENSE, { x, W, b }, { activation }) as Tensor2D;
  return tf.tidy(() => {
    const z = tf.add(tf.matMul(x, W), b) as Tensor2D;
    return activation === 'relu' ? tf.relu(z) : activation === 'tanh' ? tf.tanh(z) : z;
  });
}

/** Mean softmax cross-entropy in nats: logits [B,C], labels int32 [B] → scalar. */
export function softmaxCrossEntropy(logits: Tensor2D, labels: Tensor1D): tf.Scalar {
  if (hasKernel(SOFTMAX_CE)) return runKernel(SOFTMAX_CE, { logits, labels: labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32') }) as tf.Scalar;
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    return tf.neg(tf.mean(tf.sum(tf.mul(logp, tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1])), 1))) as tf.Scalar;
  });
}

export interface AdamStep {
  lr: number; beta1: number; beta2: number; eps: number;
  /** Bias corrections 1 − β^t for this step t. */
  bc1: number; bc2: number;
  weightDecay: number; decoupled: boolean;
}

/** PyTorch's Adam update of one variable: returns new [p, m, v] (the caller assigns them). */
export function adamUpdate(p: Tensor, m: Tensor, v: Tensor, g: Tensor, s: AdamStep): [Tensor, Tensor, Tensor] {
  if (hasKernel(ADAM)) return runKernel(ADAM, { p, m, v, g }, { ...s }) as unknown as [Tensor, Tensor, Tensor];
  return tf.tidy(() => {
    let grad = g;
    let base: Tensor = p;
    if (s.weightDecay > 0) {
      if (s.decoupled) base = tf.mul(p, 1 - s.lr * s.weightDecay);
      else grad = tf.add(g, tf.mul(p, s.weightDecay));
    }
    const m2 = tf.add(tf.mul(m, s.beta1), tf.mul(grad, 1 - s.beta1));
    const v2 = tf.add(tf.mul(v, s.beta2), tf.mul(tf.square(grad), 1 - s.beta2));
    const denom = tf.add(tf.div(tf.sqrt(v2), Math.sqrt(s.bc2)), s.eps);
    return [tf.sub(base, tf.mul(tf.div(m2, denom), s.lr / s.bc1)), m2, v2] as [Tensor, Tensor, Tensor];
  });
}
