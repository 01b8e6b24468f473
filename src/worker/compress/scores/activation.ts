// Activation attribution (METHODS §3, §4): first-order estimate of what removing a unit does,
// from a·∂ℓ/∂a per sample. Two reductions:
//   meanAbs: mean_i |a_ij · ∂ℓ_i/∂a_ij|          (image experiment; ranks like Σ|·|)
//   absSum:  |Σ_i −a_ij · ∂ℓ_i/∂a_ij| / N         (language experiment; signed effects cancel)
// ℓ_i is sample i's own loss (we differentiate the summed loss), so scores do not depend on
// batch size. Rows i run over every leading axis (batch, and positions for a transformer).
// The gradient w.r.t. an activation is taken as the gradient w.r.t. a zero tensor added to it.
import { tf, type Tensor, type Tensor2D } from '../../engine/tf';
import { crossEntropyPerSample } from '../../train/loss';
import { requireData, zeroMasked, type ImportanceScore } from './types';

export const activationScore: ImportanceScore = {
  name: 'attribution',
  needsData: true,
  async compute(model, data, opts) {
    const { x, y } = requireData('attribution', data);
    const L = model.widths.length;
    const acts: Tensor[] = new Array(L);
    const zeros = model.widths.map((w) => tf.zeros([x.shape[0], w]) as Tensor2D);
    try {
      const hook = (l: number, a: Tensor2D, ds: Tensor2D[]) => {
        acts[l]?.dispose();
        acts[l] = tf.keep(tf.clone(a));
        return tf.add(a, ds[l]) as Tensor2D;
      };
      const f = (...ds: Tensor[]) => {
        const d = ds as Tensor2D[];
        const logits = model.forward(x, opts.site === 'pre'
          ? { onPreActivation: (l, z) => hook(l, z, d) }
          : { onActivation: (l, a) => hook(l, a, d) });
        return tf.sum(crossEntropyPerSample(logits, y));
      };
      const perLayer = tf.tidy(() => {
        const grads = tf.grads(f)(zeros); // ∂(Σ_i ℓ_i)/∂a, each [B, width]
        return grads.map((g, l) => {
          const w = model.widths[l];
          const prod = tf.reshape(tf.mul(acts[l], g), [-1, w]); // [N, width]
          const n = prod.shape[0];
          const s = opts.reduce === 'meanAbs' ? tf.mean(tf.abs(prod), 0) : tf.div(tf.abs(tf.sum(tf.neg(prod), 0)), n);
          return s; // [width]
        });
      });
      try {
        return zeroMasked(model, await Promise.all(perLayer.map(async (s) => new Float32Array(await s.data()))));
      } finally { tf.dispose(perLayer); }
    } finally {
      zeros.forEach((z) => z.dispose());
      acts.forEach((a) => a?.dispose());
    }
  },
};
