// Magnitude score: the L2 norm of the unit's whole group (the quantity group lasso shrinks).
import { tf } from '../../engine/tf';
import { sliceSumSquares } from '../units';
import { zeroMasked, type ImportanceScore } from './types';

export const magnitudeScore: ImportanceScore = {
  name: 'magnitude',
  needsData: false,
  async compute(model, _data, opts) {
    const norms = model.widths.map((_, layer) => tf.tidy(() => tf.sqrt(tf.addN(model.slices(layer, opts.group).map(sliceSumSquares))))); // [width] each
    try {
      return zeroMasked(model, await Promise.all(norms.map(async (t) => new Float32Array(await t.data()))));
    } finally { tf.dispose(norms); }
  },
};
