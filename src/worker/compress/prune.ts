// The prune step every family and every job shares, Torch-Pruning style in three separate pieces:
//   importance  scores per unit (compress/scores, windowScores.ts, or a family-specific score
//               such as the decoder's residual-dimension mask gradient in decoderScores.ts)
//   selection   which units to keep (select.ts)
//   pruner      set the new masks on the family's UnitModel and zero what masked units own
// Recovery afterwards is ordinary training with `afterStep: () => units.applyMasks()` (masked
// weights held at exactly zero), through the one train step.
import type { UnitModel } from '../models/units';
import { selectUnits, type Selection } from './select';

/** The pruner: the masks become the units' masks; every masked unit's parameters become 0. */
export function applyUnitMasks(units: UnitModel, masks: readonly Float32Array[]): void {
  if (masks.length !== units.widths.length) throw new Error(`${masks.length} masks for ${units.widths.length} prunable layers`);
  masks.forEach((m, l) => units.setMask(l, m));
  units.applyMasks();
}

/** Select by `scores` and prune: returns the new masks (already applied). Units already masked
 *  stay masked. */
export function pruneUnits(units: UnitModel, scores: readonly Float32Array[], selection: Selection): Float32Array[] {
  const masks = selectUnits(scores, units.masks, selection);
  applyUnitMasks(units, masks);
  return masks;
}
