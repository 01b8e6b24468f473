// One interface for every importance score: higher = more important to the scored skill.
// A score returns one Float32Array per prunable layer, indexed by unit. Masked units get 0
// (selection never revives them). Adding a score = one file + one line in index.ts.
import type { Rng } from '../../engine/rng';
import type { Tensor1D, Tensor2D } from '../../engine/tf';
import type { GroupKind, UnitModel } from '../units';

/** Samples of the skill the score is for: x [B, inputs], y [B] int32 class indices. */
export interface ScoreData { x: Tensor2D; y: Tensor1D }

export interface ScoreOptions {
  rng: Rng;
  /** Which parameter slices form a unit's group (magnitude, parameter gradient). */
  group: GroupKind;
  /** Activation attribution: pre- or post-activation. */
  site: 'pre' | 'post';
  /** Activation attribution: mean_i |a·∂ℓ_i/∂a| ('meanAbs') or |Σ_i −a·∂ℓ_i/∂a| / N ('absSum'). */
  reduce: 'meanAbs' | 'absSum';
}

export type ScoreName = 'ablation' | 'attribution' | 'paramGradient' | 'magnitude' | 'random';

export interface ImportanceScore {
  readonly name: ScoreName;
  /** Whether it needs `data` (all but magnitude and random do). */
  readonly needsData: boolean;
  /** Async: scores are read back from the backend with data() (webgpu cannot read synchronously). */
  compute(model: UnitModel, data: ScoreData | null, opts: ScoreOptions): Promise<Float32Array[]>;
}

export const DEFAULT_SCORE_OPTIONS: Omit<ScoreOptions, 'rng'> = { group: 'inBiasOut', site: 'pre', reduce: 'meanAbs' };

/** Zero the scores of masked units (in place) and return them. */
export function zeroMasked(model: UnitModel, scores: Float32Array[]): Float32Array[] {
  scores.forEach((s, l) => { const m = model.masks[l]; for (let j = 0; j < s.length; j++) if (m[j] === 0) s[j] = 0; });
  return scores;
}

export function requireData(name: string, data: ScoreData | null): ScoreData {
  if (!data) throw new Error(`the ${name} score needs samples of the skill`);
  return data;
}
