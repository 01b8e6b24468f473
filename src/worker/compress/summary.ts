// The part of a compression job's summary every kind shares: which skills were kept and which
// were meant to be removed, with final accuracy on each, the sample count to the target, and the
// model's size. The compare and nonlocality studies read these fields.
import type { MlpWeights } from '../models/mlp/model';
import { compactionReport } from './compact';
import type { Evals } from './tracker';

export interface SkillResult { skill: string; acc: number; lossBits: number; relearnAcc?: number }

export interface CompressSummary {
  kept: SkillResult;
  removed: SkillResult[];
  targetAccuracy: number;
  /** Training samples (pruning phase included) until the kept skill first reached targetAccuracy
   *  at the final size; null if it never did. */
  samplesToTarget: number | null;
  stepsToTarget: number | null;
  /** All training samples this job used on the kept skill. */
  samples: number;
  /** Hidden units kept in total, per layer, and parameter counts before/after compaction. */
  units: number;
  hidden: number[];
  paramsBefore: number;
  paramsAfter: number;
}

export function compressSummary(a: {
  keepKey: string; removeKeys: string[]; final: Evals; relearn?: Record<string, number>;
  targetAccuracy: number; samplesToTarget: number | null; stepsToTarget: number | null; samples: number;
  before: MlpWeights; after: MlpWeights;
}): CompressSummary {
  const res = (k: string): SkillResult => ({
    skill: k, acc: a.final[k]?.acc ?? NaN, lossBits: a.final[k]?.lossBits ?? NaN,
    ...(a.relearn && k in a.relearn ? { relearnAcc: a.relearn[k] } : {}),
  });
  const rep = compactionReport(a.before, a.after);
  return {
    kept: res(a.keepKey),
    removed: a.removeKeys.map(res),
    targetAccuracy: a.targetAccuracy,
    samplesToTarget: a.samplesToTarget,
    stepsToTarget: a.stepsToTarget,
    samples: a.samples,
    units: rep.hiddenAfter.reduce((s, v) => s + v, 0),
    hidden: rep.hiddenAfter,
    paramsBefore: rep.paramsBefore,
    paramsAfter: rep.paramsAfter,
  };
}
