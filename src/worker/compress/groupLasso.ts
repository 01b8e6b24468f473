// Group lasso (METHODS §2–§4): penalty λ·Σ_layers Σ_units ‖group_j‖₂, where a unit's group is its
// incoming weights (+ bias) and outgoing weights. The L2-of-groups norm drives whole units to
// zero, which aligns a skill with few units; units whose norm falls below a threshold are then
// masked for good. λ follows a schedule: constant, or switched off once the number of active
// units reaches a target (METHODS §3).
import { tf, type Tensor1D } from '../engine/tf';
import { sliceSumSquares, type GroupKind, type UnitModel } from './units';

/** sqrt(max(s, FLOOR²)): the norm's gradient is finite at an all-zero (masked) group. */
const FLOOR = 1e-8;

/** Per-unit group norms of one layer, [width]. Differentiable. */
export function groupNorms(model: UnitModel, layer: number, group: GroupKind): Tensor1D {
  return tf.tidy(() => tf.sqrt(tf.maximum(tf.addN(model.slices(layer, group).map(sliceSumSquares)), FLOOR * FLOOR)) as Tensor1D);
}

/** λ·Σ ‖group‖₂ over every unit of every layer (masked units contribute 0: their weights are 0). */
export function groupLassoPenalty(model: UnitModel, lambda: number, group: GroupKind): tf.Scalar {
  return tf.tidy(() => {
    const terms = model.widths.map((_, l) => {
      const m = tf.tensor1d(model.masks[l]);
      return tf.sum(tf.mul(groupNorms(model, l, group), m));
    });
    return tf.mul(tf.addN(terms), lambda) as tf.Scalar;
  });
}

/** Group norms read back to the host (a readback: call every few steps; async, as webgpu needs). */
export async function readGroupNorms(model: UnitModel, group: GroupKind): Promise<Float32Array[]> {
  const norms = model.widths.map((_, l) => groupNorms(model, l, group)); // [width] each
  try {
    return await Promise.all(norms.map(async (t) => new Float32Array(await t.data())));
  } finally { tf.dispose(norms); }
}

/**
 * Mask every active unit whose group norm is below `threshold`, keeping at least `minPerLayer`
 * per layer (the largest). Zeroes their weights. Returns how many units were masked.
 */
export async function maskBelow(model: UnitModel, threshold: number, group: GroupKind, minPerLayer = 1): Promise<number> {
  if (!(threshold > 0)) return 0;
  const norms = await readGroupNorms(model, group);
  let masked = 0;
  norms.forEach((nrm, l) => {
    const mask = Float32Array.from(model.masks[l]);
    const alive = [...mask.keys()].filter((j) => mask[j] !== 0).sort((a, b) => nrm[b] - nrm[a]);
    alive.slice(minPerLayer).forEach((j) => { if (nrm[j] < threshold) { mask[j] = 0; masked++; } });
    if (masked) model.setMask(l, mask);
  });
  if (masked) model.applyMasks();
  return masked;
}

export type LambdaSchedule =
  | { kind: 'constant' }
  /** λ → 0 once Σ active units ≤ targetUnits (and stays 0). */
  | { kind: 'offAtTarget'; targetUnits: number };

/** λ in force given the schedule, the base λ and the current active count; `reached` latches. */
export class LambdaController {
  reached = false;
  constructor(readonly base: number, readonly schedule: LambdaSchedule) {}
  update(activeUnits: number): number {
    if (this.schedule.kind === 'offAtTarget' && activeUnits <= this.schedule.targetUnits) this.reached = true;
    return this.current();
  }
  current(): number { return this.reached ? 0 : this.base; }
}
