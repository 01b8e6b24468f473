// Ablation score (METHODS §2): |L(unit removed) − L| on the skill's samples, exact.
// Removing a unit = zeroing its incoming row, bias and outgoing column, which is the same as
// forcing its activation to 0 (relu(0) = tanh(0) = 0); we do the latter through the activation
// hook, so any UnitModel works. Many units are ablated in one forward pass by tiling the batch:
// copy k of the batch has unit k switched off.
import { tf, type Tensor2D } from '../../engine/tf';
import { crossEntropyPerSample } from '../../train/loss';
import { requireData, zeroMasked, type ImportanceScore } from './types';

/** Rows per forward pass (copies × batch); bounds memory, not results. */
const MAX_ROWS = 1 << 15;

export const ablationScore: ImportanceScore = {
  name: 'ablation',
  needsData: true,
  async compute(model, data) {
    const { x, y } = requireData('ablation', data);
    const B = x.shape[0];
    const baseT = tf.tidy(() => tf.mean(crossEntropyPerSample(model.forward(x), y))); // []
    const base = (await baseT.data())[0];
    baseT.dispose();
    const out = model.widths.map((w) => new Float32Array(w));
    const perPass = Math.max(1, Math.floor(MAX_ROWS / B));
    for (const [layer, width] of model.widths.entries()) {
      const alive: number[] = [];
      for (let j = 0; j < width; j++) if (model.masks[layer][j] !== 0) alive.push(j);
      for (let start = 0; start < alive.length; start += perPass) {
        const units = alive.slice(start, start + perPass);
        const k = units.length;
        const lossT = tf.tidy(() => {
          const xt = tf.tile(x, [k, 1]) as Tensor2D; // [k·B, inputs]
          const yt = tf.tile(y, [k]);
          // keep[c, j] = 0 where j = units[c]: [k, width] → [k·B, width] (copy c repeated B times)
          const keep = tf.sub(1, tf.oneHot(tf.tensor1d(units, 'int32'), width)); // [k, width]
          const keepRows = tf.reshape(tf.tile(tf.expandDims(keep, 1), [1, B, 1]), [k * B, width]);
          const logits = model.forward(xt, {
            onActivation: (l, a) => (l === layer ? (tf.mul(a, keepRows) as Tensor2D) : a),
          });
          const ce = tf.reshape(crossEntropyPerSample(logits, yt as typeof y), [k, B]);
          return tf.mean(ce, 1); // [k]
        });
        const losses = await lossT.data();
        lossT.dispose();
        units.forEach((j, c) => { out[layer][j] = Math.abs(losses[c] - base); });
      }
    }
    return zeroMasked(model, out);
  },
};
