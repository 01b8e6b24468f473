// The model as compression sees it: prunable units addressed as (layer, index), each owning
// slices of some parameters. Scores, selection, group lasso and recovery work on this interface
// only, so a transformer's MLP neurons (gate/up column + down row) plug in with their own adapter.
import type { MaskableMlp } from '../models/mlp/model';
import { tf, type Tensor, type Tensor2D, type Variable } from '../engine/tf';

/** Unit j of a layer owns index j of `param` along `axis` (a row when axis 0, a column when 1). */
export interface UnitSlice {
  param: Variable;
  axis: 0 | 1;
  /** 'in' = the unit's incoming weights, 'bias' = its bias, 'out' = its outgoing weights. */
  role: 'in' | 'bias' | 'out';
}

/** Hooks on unit activations. `a` is [..., width]: [batch, width] for an MLP, [batch, T, width]
 *  for a transformer; a hook returns the tensor the forward pass continues with. */
export interface UnitHooks {
  onPreActivation?: (layer: number, z: Tensor2D) => Tensor2D;
  onActivation?: (layer: number, a: Tensor2D) => Tensor2D;
}

/** Which slices make up a unit's group (METHODS §2 uses in+bias+out; §3 uses in+out). */
export type GroupKind = 'inBiasOut' | 'inOut';

export interface UnitModel {
  /** Units per prunable layer (the full width, masked units included). */
  readonly widths: readonly number[];
  /** Host masks per layer, 1 = kept, 0 = removed (the source of truth; do not mutate directly). */
  readonly masks: readonly Float32Array[];
  setMask(layer: number, mask: ArrayLike<number>): void;
  /** Zero every parameter slice of every masked unit (masked weights become exactly 0). */
  applyMasks(): void;
  /** Logits for inputs x, with hooks on unit activations. */
  forward(x: Tensor2D, hooks?: UnitHooks): Tensor2D;
  /** The parameter slices unit j of `layer` owns. */
  slices(layer: number, group: GroupKind): UnitSlice[];
  /** All trainable variables (what a recovery optimizer updates). */
  params(): Variable[];
  activeUnits(): number[];
}

/** MaskableMlp as a UnitModel: hidden layer h's unit j owns column j of W[h], b[h][j], row j of W[h+1]. */
export function mlpUnits(model: MaskableMlp): UnitModel {
  return {
    widths: model.config.hidden,
    masks: model.masks,
    setMask: (layer, mask) => model.setMask(layer, mask),
    applyMasks: () => model.applyMasks(),
    forward: (x, hooks) => model.forward(x, hooks ?? {}),
    slices(layer, group) {
      const s: UnitSlice[] = [{ param: model.W[layer], axis: 1, role: 'in' }];
      if (group === 'inBiasOut') s.push({ param: model.b[layer], axis: 0, role: 'bias' });
      s.push({ param: model.W[layer + 1], axis: 0, role: 'out' });
      return s;
    },
    params: () => model.params(),
    activeUnits: () => model.activeUnits(),
  };
}

/** Per-unit sum of squares of one slice: [width]. (Tensor-level; call inside tf.tidy.) */
export function sliceSumSquares(s: UnitSlice): Tensor {
  const sq = tf.square(s.param);
  if (s.param.rank === 1) return sq;
  // reduce every axis except the unit axis
  return tf.sum(sq, s.axis === 0 ? 1 : 0);
}

export function totalUnits(m: UnitModel): number {
  return m.widths.reduce((a, b) => a + b, 0);
}
