// Global-norm gradient clipping, as torch.nn.utils.clip_grad_norm_: scale every gradient by
// min(1, maxNorm / (‖g‖₂ + 1e-6)) where ‖g‖₂ is the norm of all gradients concatenated.
import { tf, type Tensor } from '../engine/tf';

type Scalar = tf.Scalar;

/** Global L2 norm of a set of tensors (a scalar tensor; no readback). */
export function globalNorm(tensors: readonly Tensor[]): Scalar {
  return tf.tidy(() => tf.sqrt(tf.addN(tensors.map((t) => tf.sum(tf.square(t))))) as Scalar);
}

/** Clipped copies of `grads` (new tensors; the inputs are left alone). maxNorm ≤ 0 = no clipping
 *  (the inputs are cloned so the caller can dispose the result either way). */
export function clipByGlobalNorm(grads: readonly Tensor[], maxNorm: number): Tensor[] {
  if (!(maxNorm > 0)) return grads.map((g) => tf.clone(g));
  return tf.tidy(() => {
    const norm = globalNorm(grads);
    const scale = tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1); // []
    return grads.map((g) => tf.mul(g, scale));
  });
}
