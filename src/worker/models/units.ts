// The model as compression sees it: prunable units addressed as (layer, index), each owning
// slices of some parameters. Every family exposes its units through this interface (mlp/units.ts,
// decoder/units.ts); scores, selection, group lasso and recovery in compress/ work on it only.
// It lives in models/ so that models never import compress/.
import type { Tensor2D, Variable } from '../engine/tf';
import type { Axis } from './decoder/config';

/** Unit j of a layer owns index j of `param` along `axis` (a row when axis 0, a column when 1). */
export interface UnitSlice {
  param: Variable;
  axis: 0 | 1;
  /** 'in' = the unit's incoming weights, 'bias' = its bias, 'out' = its outgoing weights. */
  role: 'in' | 'bias' | 'out';
  /** A unit that owns a block of indices (an attention head: hd columns): unit j owns
   *  [offset + j·size, offset + (j+1)·size) along `axis`, for j < units. Absent: index j. */
  block?: { offset: number; size: number; units: number };
}

/** Hooks on unit activations: `z`/`a` are [N, width] (N = batch for an MLP, B·T for a decoder);
 *  a hook returns the tensor the forward pass continues with. */
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

/** A parameter named with symbolic axes ('f<l>' = prunable layer l's width, 'd' = the residual
 *  stream, a number = a fixed size). Every family declares its parameters this way. */
export interface ParamDeclaration { name: string; axes: readonly Axis[] }

/**
 * Unit slices read off parameter declarations: unit j of layer l owns index j of every parameter
 * with an axis 'f<l>'. A matrix whose first axis is 'f<l>' is read by the unit's output ('out',
 * a row); one whose second axis is 'f<l>' feeds the unit ('in', a column); a vector is its bias.
 * Slices come in declaration order, so a family lists a unit's parameters in the order its
 * group norm should sum them.
 */
export function unitSlicesFromDecls(decls: readonly ParamDeclaration[], layer: number, group: GroupKind, variable: (name: string) => Variable): UnitSlice[] {
  const f = `f${layer}`;
  const out: UnitSlice[] = [];
  for (const d of decls) {
    const at = d.axes.indexOf(f as Axis);
    if (at < 0) continue;
    if (d.axes.length === 1) { if (group === 'inBiasOut') out.push({ param: variable(d.name), axis: 0, role: 'bias' }); continue; }
    if (d.axes.length !== 2) throw new Error(`parameter ${d.name}: unit slices of rank-${d.axes.length} tensors are not supported`);
    out.push({ param: variable(d.name), axis: at as 0 | 1, role: at === 1 ? 'in' : 'out' });
  }
  if (out.length === 0) throw new Error(`no parameter has the unit axis ${f}`);
  return out;
}
