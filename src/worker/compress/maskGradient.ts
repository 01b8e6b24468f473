// The one mask-gradient path (METHODS §4 attribution): the gradient of the mean next-token loss
// over a domain's windows with respect to per-unit gates multiplied into the model, taken at the
// current masks. Since a gate m_j scales unit j's activation a_j, ∂L/∂m_j = (1/N)·Σ_{b,t} a_j·∂ℓ/∂a_j,
// so |∂L/∂m_j| is the attribution score |Σ a·∂ℓ/∂a| / N. Windows are streamed `batch` at a time
// (no activation of the whole domain is held); each batch's gradient is summed signed, weighted
// by its window count, and made absolute only at the end, so the batch size does not change a score.
// Callers say where the gates go (GatedLoss): windowScores.ts through a UnitModel's activation hook
// (MLP neurons, attention heads of any family), decoderScores.ts through the decoder's own masks
// (MLP neurons and residual-stream dimensions in one backward pass).
import { tf, type Tensor1D, type Tensor2D } from '../engine/tf';
import { windowTensors, type Windows } from '../train/batch';

/** The mean loss of windows x [n, T] (token ids) against next tokens y [n·T] with `gates` (one
 *  [U_k] tensor per host gate vector, same order) multiplied into the model. */
export type GatedLoss = (x: Tensor2D, y: Tensor1D, gates: Tensor1D[]) => tf.Scalar;

/** |∂L/∂gate| for every entry of every gate vector, taken at `gates` (the current host masks).
 *  A gate that is 0 (a masked unit) scores 0. `cancelled` is polled between batches (the scores
 *  then cover only the windows read). */
export async function maskGradientScores(gates: readonly Float32Array[], loss: GatedLoss, w: Windows, batch = 16, cancelled?: () => boolean): Promise<Float32Array[]> {
  const acc = gates.map((g) => new Float64Array(g.length));
  const stride = w.T + 1;
  for (let i = 0; i < w.count; i += batch) {
    if (cancelled?.()) break;
    const n = Math.min(batch, w.count - i);
    const grads = tf.tidy(() => {
      const { x, y } = windowTensors(w.tokens.subarray(i * stride, (i + n) * stride), n, w.T); // x [n, T], y [n·T]
      const at = gates.map((g) => tf.tensor1d(g)); // [U_k] each
      return tf.grads((...gs: tf.Tensor[]) => loss(x, y, gs as Tensor1D[]))(at); // ∂L/∂gate [U_k] each
    });
    const host = await Promise.all(grads.map((t) => t.data()));
    tf.dispose(grads);
    host.forEach((d, k) => { for (let j = 0; j < d.length; j++) acc[k][j] += d[j] * n; }); // signed, window-weighted
  }
  return acc.map((a, k) => Float32Array.from(a, (v, j) => (gates[k][j] === 0 ? 0 : Math.abs(v) / w.count)));
}
