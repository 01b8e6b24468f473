// Attribution for a decoder (METHODS §4), computed as the gradient of the mean next-token loss
// with respect to the unit masks, taken at the current masks: ∂L/∂m_j = (1/N)·Σ_{b,t} a_j·∂ℓ/∂a_j,
// so the score |Σ −a·∂ℓ/∂a| / (B·T) is |∂L/∂m_j|. The same trick scores residual-stream
// dimensions, which the generic activation score (scores/activation.ts) cannot see.
import { tf, type Tensor1D } from '../engine/tf';
import type { Transformer } from '../models/decoder/model';
import { windowTensors, type Windows } from '../train/batch';
import { crossEntropy } from '../train/loss';

export interface Attribution { mlp: Float32Array[]; resid: Float32Array }

/** |∂L/∂mask| for every MLP neuron and residual dimension, accumulated over windows `batch` at a
 *  time (weighted by window count). Masked units score 0. */
export async function attributionScores(model: Transformer, w: Windows, batch = 16, cancelled?: () => boolean): Promise<Attribution> {
  const acc = { mlp: model.config.mlp.map((f) => new Float64Array(f)), resid: new Float64Array(model.config.dModel) };
  const stride = w.T + 1;
  for (let i = 0; i < w.count; i += batch) {
    if (cancelled?.()) break;
    const n = Math.min(batch, w.count - i);
    const g = tf.tidy(() => {
      const { x, y } = windowTensors(w.tokens.subarray(i * stride, (i + n) * stride), n, w.T);
      const masks = [...model.masks.mlp.map((m) => tf.tensor1d(m)), tf.tensor1d(model.masks.resid)];
      const f = (...ms: tf.Tensor[]) => crossEntropy(model.forward(x, {
        masks: { mlp: ms.slice(0, -1) as Tensor1D[], resid: ms[ms.length - 1] as Tensor1D },
      }), y);
      return tf.grads(f)(masks); // [mlp_l] per layer, then [dModel]
    });
    const host = await Promise.all(g.map((t) => t.data()));
    tf.dispose(g);
    host.forEach((d, k) => {
      const target = k < acc.mlp.length ? acc.mlp[k] : acc.resid;
      for (let j = 0; j < d.length; j++) target[j] += d[j] * n; // signed: Σ over all windows
    });
  }
  const fin = (a: Float64Array, m: Float32Array) => Float32Array.from(a, (v, j) => (m[j] === 0 ? 0 : Math.abs(v) / w.count));
  return { mlp: acc.mlp.map((a, l) => fin(a, model.masks.mlp[l])), resid: fin(acc.resid, model.masks.resid) };
}
