// Importance of a decoder's attention heads on one domain: the units of models/decoder/heads.ts
// ('kv': a key/value head with its query heads; 'query': one query head) scored by any of
// windowScores.ts's scores (attribution = |∂L/∂head mask| summed over the domain's tokens,
// ablation, magnitude = the norm of the unit's q/k/v columns and o rows, random), streamed.
import type { Rng } from '../engine/rng';
import { headUnits, type HeadGroup } from '../models/decoder/heads';
import type { Transformer } from '../models/decoder/model';
import type { Windows } from '../train/batch';
import { WINDOW_SCORES, type WindowScoreName } from './windowScores';

/** One score per head unit per layer (masked units 0). */
export function headScores(model: Transformer, name: WindowScoreName, group: HeadGroup, w: Windows, rng: Rng, opts: { batch?: number; cancelled?: () => boolean } = {}): Promise<Float32Array[]> {
  return WINDOW_SCORES[name](headUnits(model, group), w, { rng, vocab: model.config.vocab, ...opts });
}
