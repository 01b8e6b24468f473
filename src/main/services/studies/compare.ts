// The compare study (METHODS §3, Fig. 4): for one narrow skill and a list of sizes, how many
// training samples does each method need to reach the target accuracy? Methods:
//   attribution  prune the teacher by activation attribution, then train (stops at the target)
//   random       the same with a random score: shows how much the score matters
//   groupLasso   train the teacher with group lasso until it has the target size, then to target
//   distill      a fresh student of that size on the teacher's soft targets
//   scratch      a fresh model of that size on hard labels (a distill run with α = 1: same
//                training loop and the same evaluation, no teacher term)
// Sample counts include the pruning phase (score samples, group-lasso steps), never the teacher's.
import type { RunRow } from '../../../shared/api';
import { DistillSpec, GroupLassoSpec, PruneSpec, skillKey, type RunSpec } from '../../../shared/specs';
import { proportionalSplit, type CompareMethod, type CompareStudySpec } from '../../../shared/studies/compress';
import { planSource, statusCounts, summaryOf } from './compressCommon';
import type { PlannedRun, StudyKind } from './types';

export const runKey = (method: CompareMethod, size: number) => `${method}/${size}`;

/** Per-layer widths of a model with `size` hidden units shaped like the teacher. */
export function studentHidden(teacher: readonly number[], size: number): number[] {
  return proportionalSplit(teacher, Math.max(size, teacher.length)).map((w) => Math.max(1, w));
}

function planMethod(spec: CompareStudySpec, method: CompareMethod, size: number, teacherRef: string, hidden: number[]): RunSpec {
  const common = {
    name: `${method} ${size} units`, seed: spec.seed, task: spec.task, keep: spec.keep, remove: spec.remove,
    targetAccuracy: spec.targetAccuracy, stopAtTarget: true, eval: spec.eval,
  };
  switch (method) {
    case 'attribution':
    case 'random':
      return PruneSpec.parse({
        kind: 'prune', ...common, inputs: { source: teacherRef },
        score: { name: method === 'random' ? 'random' : 'attribution', site: spec.prune.site, reduce: 'meanAbs', samples: spec.prune.scoreSamples },
        selection: { scope: spec.prune.scope, keep: size, minPerLayer: 1 },
        recovery: spec.prune.recovery,
      });
    case 'groupLasso':
      return GroupLassoSpec.parse({
        kind: 'groupLasso', ...common, inputs: { source: teacherRef },
        lambda: spec.groupLasso.lambda, group: spec.groupLasso.group, threshold: spec.groupLasso.threshold,
        maskEvery: spec.groupLasso.maskEvery, schedule: { kind: 'offAtTarget', targetUnits: size }, train: spec.groupLasso.train,
        // leave the last part of the budget for training at the target size
        forceCutAt: Math.max(1, Math.round(spec.groupLasso.cutAt * spec.groupLasso.train.steps)),
      });
    case 'distill':
    case 'scratch':
      return DistillSpec.parse({
        kind: 'distill', ...common, inputs: { teacher: teacherRef },
        model: { arch: 'mlp', hidden: studentHidden(hidden, size) },
        alpha: method === 'scratch' ? 1 : spec.distill.alpha,
        temperature: spec.distill.temperature,
        train: method === 'scratch' ? spec.scratch : spec.distill.train,
      });
  }
}

export interface FrontierPoint {
  size: number; runId: string | null; status: string; samplesToTarget: number | null;
  accuracy: number | null; removedAccuracy: Record<string, number>; params: number | null; units: number | null;
}

export const compareStudy: StudyKind<CompareStudySpec> = {
  plan(spec) {
    const src = planSource(spec.teacher, 'teacher', { task: spec.task, seed: spec.seed, keep: spec.keep, name: 'teacher' });
    const runs: PlannedRun[] = [...src.runs];
    for (const size of spec.sizes) {
      for (const method of spec.methods) runs.push({ key: runKey(method, size), spec: planMethod(spec, method, size, src.ref, src.hidden) });
    }
    return runs;
  },

  summarize(spec, runs: RunRow[]) {
    const byKey = new Map(runs.filter((r) => r.studyKey).map((r) => [r.studyKey!, r]));
    const frontier: Record<string, FrontierPoint[]> = {};
    for (const method of spec.methods) {
      frontier[method] = spec.sizes.map((size) => {
        const run = byKey.get(runKey(method, size));
        const s = summaryOf(run);
        return {
          size, runId: run?.id ?? null, status: run?.status ?? 'missing',
          samplesToTarget: s?.samplesToTarget ?? null,
          accuracy: s?.kept?.acc ?? null,
          removedAccuracy: Object.fromEntries((s?.removed ?? []).map((r) => [r.skill, r.acc])),
          params: s?.paramsAfter ?? null, units: s?.units ?? null,
        };
      });
    }
    const teacher = byKey.get('teacher');
    return {
      skill: skillKey(spec.keep),
      targetAccuracy: spec.targetAccuracy,
      sizes: spec.sizes,
      methods: spec.methods,
      teacher: teacher ? { runId: teacher.id, status: teacher.status } : { runId: 'run' in spec.teacher ? spec.teacher.run : null },
      frontier,
      /** x = hidden units kept, y = samples to the target accuracy (null = not reached). */
      series: Object.fromEntries(Object.entries(frontier).map(([m, pts]) => [m, pts.map((p) => [p.size, p.samplesToTarget])])),
      runs: statusCounts(runs),
    };
  },
};
