// Unit selection: scores → which units to keep (new masks). Pruning never revives a unit that
// is already masked; the target counts are of the model's full width.
//   global:   rank every unit of every layer together (METHODS §2)
//   perLayer: keep the same fraction in every layer (METHODS §3)
// Target: a sparsity s (fraction of units removed) or a number of units kept in total.
// minPerLayer keeps at least that many units in each layer (a layer of 0 units breaks the model).
import { proportionalSplit } from '../../shared/studies/compress';

export interface Selection {
  scope: 'global' | 'perLayer';
  /** fraction of all units to remove, in [0, 1) */
  sparsity?: number;
  /** total units to keep (alternative to sparsity) */
  keep?: number;
  minPerLayer: number;
}

interface Cand { layer: number; index: number; score: number }

/** Highest score first; ties by (layer, index) so selection is deterministic. */
const byScore = (a: Cand, b: Cand) => b.score - a.score || a.layer - b.layer || a.index - b.index;

/** Units to keep in total for this selection on layers of these widths. */
export function keepTarget(widths: readonly number[], sel: Selection): number {
  const total = widths.reduce((a, b) => a + b, 0);
  if (sel.keep !== undefined) return Math.min(total, Math.max(0, Math.round(sel.keep)));
  if (sel.sparsity === undefined) throw new Error('selection needs a sparsity or a keep count');
  if (!(sel.sparsity >= 0 && sel.sparsity < 1)) throw new Error(`sparsity must be in [0, 1), got ${sel.sparsity}`);
  return Math.round((1 - sel.sparsity) * total);
}

export { proportionalSplit };

/**
 * New masks keeping the best units. `masks` are the current masks (0 = already removed).
 * Returns masks with exactly min(target, alive) units kept where minPerLayer allows; minPerLayer
 * wins over the target when they conflict.
 */
export function selectUnits(scores: readonly Float32Array[], masks: readonly Float32Array[], sel: Selection): Float32Array[] {
  const widths = masks.map((m) => m.length);
  scores.forEach((s, l) => { if (s.length !== widths[l]) throw new Error(`layer ${l}: ${s.length} scores for ${widths[l]} units`); });
  const alive: Cand[][] = masks.map((m, layer) => {
    const c: Cand[] = [];
    for (let j = 0; j < m.length; j++) if (m[j] !== 0) c.push({ layer, index: j, score: Number.isFinite(scores[layer][j]) ? scores[layer][j] : -Infinity });
    return c.sort(byScore);
  });
  const target = keepTarget(widths, sel);
  const out = widths.map((w) => new Float32Array(w));
  const take = (c: Cand) => { out[c.layer][c.index] = 1; };
  if (sel.scope === 'perLayer') {
    const quota = sel.keep !== undefined ? proportionalSplit(widths, target) : widths.map((w) => Math.round((1 - sel.sparsity!) * w));
    alive.forEach((c, l) => c.slice(0, Math.min(c.length, Math.max(quota[l], sel.minPerLayer))).forEach(take));
    return out;
  }
  // global: reserve each layer's best minPerLayer, then fill by score across layers
  let kept = 0;
  const rest: Cand[] = [];
  alive.forEach((c) => {
    const reserve = Math.min(c.length, sel.minPerLayer);
    c.slice(0, reserve).forEach(take);
    kept += reserve;
    rest.push(...c.slice(reserve));
  });
  rest.sort(byScore).slice(0, Math.max(0, target - kept)).forEach(take);
  return out;
}

/** Keep the `keep` highest-scoring entries of one mask (a decoder's residual dimensions); masked
 *  entries stay masked, at least one is kept. */
export function selectResid(scores: Float32Array, mask: Float32Array, keep: number): Float32Array {
  const alive = [...mask.keys()].filter((i) => mask[i] !== 0).sort((a, b) => scores[b] - scores[a] || a - b);
  const out = new Float32Array(mask.length);
  alive.slice(0, Math.max(1, keep)).forEach((i) => { out[i] = 1; });
  return out;
}
