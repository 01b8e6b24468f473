// Compression's view of a model is each family's UnitModel (models/units.ts; adapters in
// models/mlp/units.ts and models/decoder/units.ts). This file adds what compression computes on
// it: per-unit sums of squares of a slice, unit counts.
import { tf, type Tensor } from '../engine/tf';
import type { UnitModel, UnitSlice } from '../models/units';

export type { GroupKind, UnitHooks, UnitModel, UnitSlice } from '../models/units';
export { mlpUnits } from '../models/mlp/units';
export { transformerUnits } from '../models/decoder/units';

/** Per-unit sum of squares of one slice: [width]. (Tensor-level; call inside tf.tidy.) */
export function sliceSumSquares(s: UnitSlice): Tensor {
  const sq = tf.square(s.param);
  if (s.block) {
    const { offset, size, units } = s.block;
    if (s.param.rank === 1) return tf.sum(tf.reshape(tf.slice(sq, [offset], [units * size]), [units, size]), 1);
    const part = s.axis === 0 ? tf.slice(sq, [offset, 0], [units * size, -1]) : tf.transpose(tf.slice(sq, [0, offset], [-1, units * size]));
    return tf.sum(tf.reshape(part, [units, -1]), 1); // [units]: unit j's rows are j·size..(j+1)·size−1 of part
  }
  if (s.param.rank === 1) return sq;
  // reduce every axis except the unit axis
  return tf.sum(sq, s.axis === 0 ? 1 : 0);
}

export function totalUnits(m: UnitModel): number {
  return m.widths.reduce((a, b) => a + b, 0);
}
