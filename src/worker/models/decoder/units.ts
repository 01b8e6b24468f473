// The transformer as compression sees it (compress/units.ts UnitModel): prunable layers are the
// MLP layers, unit j of layer l owns column j of mlp.wi, bi[j] and row j of mlp.wo. Group lasso,
// selection, magnitude and random scores work through this adapter unchanged.
//
// Attribution (METHODS §4) is computed here as the gradient of the mean loss with respect to the
// unit masks, taken at the current masks: ∂L/∂m_j = (1/N)·Σ_{b,t} a_j·∂ℓ/∂a_j, so the score
// |Σ −a·∂ℓ/∂a| / (B·T) is |∂L/∂m_j|. The same trick scores residual-stream dimensions.
import { tf, type Tensor1D, type Tensor2D } from '../../engine/tf';
import type { UnitModel, UnitSlice } from '../../compress/units';
import { lmLoss, windowTensors, type Transformer } from './model';
import type { Windows } from './train';

export function transformerUnits(model: Transformer): UnitModel {
  return {
    widths: model.config.mlp,
    masks: model.masks.mlp,
    setMask: (layer, mask) => model.setMlpMask(layer, mask),
    applyMasks: () => model.applyMasks(),
    // x: token ids [B, T]; logits [B·T, V]; hooks see [B·T, F_l]
    forward: (x: Tensor2D, hooks) => model.forward(x, hooks ?? {}),
    slices(layer, group): UnitSlice[] {
      const v = (n: string) => model.vars[`h.${layer}.mlp.${n}`];
      const s: UnitSlice[] = [{ param: v('wi'), axis: 1, role: 'in' }];
      if (group === 'inBiasOut') s.push({ param: v('bi'), axis: 0, role: 'bias' });
      s.push({ param: v('wo'), axis: 0, role: 'out' });
      return s;
    },
    params: () => model.params(),
    activeUnits: () => model.activeNeurons(),
  };
}

export interface Attribution { mlp: Float32Array[]; resid: Float32Array }

/** |∂L/∂mask| for every MLP neuron and residual dimension, accumulated over windows `batch` at a
 *  time (weighted by window count). Masked units score 0. */
export function attributionScores(model: Transformer, w: Windows, batch = 16): Attribution {
  const acc = { mlp: model.config.mlp.map((f) => new Float64Array(f)), resid: new Float64Array(model.config.dModel) };
  const stride = w.T + 1;
  for (let i = 0; i < w.count; i += batch) {
    const n = Math.min(batch, w.count - i);
    tf.tidy(() => {
      const { x, y } = windowTensors(w.tokens.subarray(i * stride, (i + n) * stride), n, w.T);
      const masks = [...model.masks.mlp.map((m) => tf.tensor1d(m)), tf.tensor1d(model.masks.resid)];
      const f = (...ms: tf.Tensor[]) => lmLoss(model.forward(x, {
        masks: { mlp: ms.slice(0, -1) as Tensor1D[], resid: ms[ms.length - 1] as Tensor1D },
      }), y);
      const g = tf.grads(f)(masks);
      g.forEach((t, k) => {
        const d = t.dataSync();
        const target = k < acc.mlp.length ? acc.mlp[k] : acc.resid;
        for (let j = 0; j < d.length; j++) target[j] += d[j] * n; // signed: Σ over all windows
      });
    });
  }
  const fin = (a: Float64Array, m: Float32Array) => Float32Array.from(a, (v, j) => (m[j] === 0 ? 0 : Math.abs(v) / w.count));
  return { mlp: acc.mlp.map((a, l) => fin(a, model.masks.mlp[l])), resid: fin(acc.resid, model.masks.resid) };
}

/** Keep the `keep` highest-scoring residual dimensions (already-masked ones stay masked). */
export function selectResid(scores: Float32Array, mask: Float32Array, keep: number): Float32Array {
  const alive = [...mask.keys()].filter((i) => mask[i] !== 0).sort((a, b) => scores[b] - scores[a] || a - b);
  const out = new Float32Array(mask.length);
  alive.slice(0, Math.max(1, keep)).forEach((i) => { out[i] = 1; });
  return out;
}
