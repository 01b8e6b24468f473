// Parameter-gradient attribution: Σ over the unit's parameters θ of |θ · ∂L/∂θ| (L = mean loss
// on the skill's samples), the first-order Taylor estimate of each weight's removal summed over
// the unit's group. Unlike activation attribution it sees the incoming and outgoing weights.
import { tf } from '../../engine/tf';
import { crossEntropyPerSample } from '../../train/loss';
import { requireData, zeroMasked, type ImportanceScore } from './types';

export const paramGradientScore: ImportanceScore = {
  name: 'paramGradient',
  needsData: true,
  async compute(model, data, opts) {
    const { x, y } = requireData('paramGradient', data);
    const perLayer = tf.tidy(() => {
      const vars = model.params();
      const { grads } = tf.variableGrads(() => tf.mean(crossEntropyPerSample(model.forward(x), y)) as tf.Scalar, vars);
      return model.widths.map((w, layer) => {
        let acc = tf.zeros([w]);
        for (const s of model.slices(layer, opts.group)) {
          const g = grads[s.param.name];
          if (!g) continue; // the parameter does not reach the loss
          const prod = tf.abs(tf.mul(s.param, g));
          acc = tf.add(acc, s.param.rank === 1 ? prod : tf.sum(prod, s.axis === 0 ? 1 : 0));
        }
        return acc; // [width]
      });
    });
    try {
      return zeroMasked(model, await Promise.all(perLayer.map(async (s) => new Float32Array(await s.data()))));
    } finally { tf.dispose(perLayer); }
  },
};
