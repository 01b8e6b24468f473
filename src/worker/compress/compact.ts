// What a compression summary reports about compaction. The compaction itself is each family's
// (models/mlp/compact.ts, models/decoder/compact.ts); compactMlp is re-exported for the jobs.
import { countParams, type MlpWeights } from '../models/mlp/model';

export { compactMlp } from '../models/mlp/compact';

export interface CompactionReport { paramsBefore: number; paramsAfter: number; hiddenBefore: number[]; hiddenAfter: number[] }

export function compactionReport(before: MlpWeights, after: MlpWeights): CompactionReport {
  return {
    paramsBefore: countParams(before.config), paramsAfter: countParams(after.config),
    hiddenBefore: [...before.config.hidden], hiddenAfter: [...after.config.hidden],
  };
}
