// Magnitude score: the L2 norm of the unit's whole group (the quantity group lasso shrinks).
import { tf } from '../../engine/tf';
import { sliceSumSquares } from '../units';
import { zeroMasked, type ImportanceScore } from './types';

export const magnitudeScore: ImportanceScore = {
  name: 'magnitude',
  needsData: false,
  compute(model, _data, opts) {
    return zeroMasked(model, model.widths.map((_, layer) => tf.tidy(() =>
      new Float32Array(tf.sqrt(tf.addN(model.slices(layer, opts.group).map(sliceSumSquares))).dataSync()))));
  },
};
