// Sizes of a narrowed decoder: how many MLP neurons a prune keeps, and the per-layer widths of a
// fresh student shaped like a source model (the distillation / scratch baselines of a carve study).
import { proportionalSplit } from '../../../shared/studies/compress';
import { cloneConfig, type TransformerConfig } from './model';

/** MLP neurons kept in total: `keep`, or `keepFraction` of the model's; an error names the field. */
export function keptNeurons(widths: readonly number[], p: { keep?: number; keepFraction?: number }): number {
  const total = widths.reduce((a, b) => a + b, 0);
  if (p.keep !== undefined) {
    if (p.keep > total) throw new Error(`prune.keep: ${p.keep} neurons is more than the source model has (${total} in ${widths.length} layers)`);
    return p.keep;
  }
  if (p.keepFraction === undefined) throw new Error('prune: give keep or keepFraction');
  return Math.max(1, Math.round(p.keepFraction * total));
}

/** Per-layer widths for `total` neurons spread like `widths`, at least `floor` in each layer. */
export function spreadNeurons(widths: readonly number[], total: number, floor = 1): number[] {
  return proportionalSplit(widths, total).map((n, l) => Math.min(widths[l], Math.max(floor, n)));
}

/** A source model's architecture with fewer MLP neurons (a fraction of each layer's, or a total). */
export function studentConfig(source: TransformerConfig, s: { mlpFraction?: number; mlpTotal?: number; headsFraction?: number; headGroup?: 'kv' | 'query' }): TransformerConfig {
  const c = cloneConfig(source);
  const mlp = s.mlpFraction !== undefined ? c.mlp.map((f) => Math.max(1, Math.round(s.mlpFraction! * f))) : spreadNeurons(c.mlp, s.mlpTotal ?? 1);
  return { ...c, mlp, ...studentHeads(c, s.headsFraction, s.headGroup ?? 'kv') };
}

/** Head counts of a student with `fraction` of the attention units (heads.ts): fewer KV heads with
 *  all their query heads ('kv'), or fewer query heads per KV head ('query'); the head width stays. */
function studentHeads(c: TransformerConfig, fraction: number | undefined, group: 'kv' | 'query'): { heads: number; kvHeads: number } {
  if (fraction === undefined || fraction >= 1) return { heads: c.heads, kvHeads: c.kvHeads };
  const g = c.heads / c.kvHeads;
  if (group === 'kv' || g === 1) {
    const kv = Math.max(1, Math.round(fraction * c.kvHeads));
    return { heads: kv * g, kvHeads: kv };
  }
  return { heads: c.kvHeads * Math.max(1, Math.round(fraction * g)), kvHeads: c.kvHeads };
}
