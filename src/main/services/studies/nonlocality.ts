// The nonlocality study (METHODS §2, Fig. 3): prune a general model for one skill at increasing
// sparsity, with and without group-lasso fine-tuning on that skill first. For each sparsity:
// kept- and removed-skill accuracy right after pruning and after a short recovery on each
// (a removed skill that comes back after a few steps was never really removed). Also the log-log
// correlation of attribution and ablation scores (how local / first-order the skill is).
import type { RunRow } from '../../../shared/api';
import { GroupLassoSpec, PruneSpec, skillKey } from '../../../shared/specs';
import type { NonlocalityStudySpec } from '../../../shared/studies/compress';
import { planSource, statusCounts, summaryOf } from './compressCommon';
import type { PlannedRun, StudyKind } from './types';

export const VARIANTS = ['plain', 'lasso'] as const;
export const sweepKey = (variant: (typeof VARIANTS)[number], sparsity: number) => `${variant}/s=${sparsity}`;

export const nonlocalityStudy: StudyKind<NonlocalityStudySpec> = {
  plan(spec) {
    const src = planSource(spec.source, 'source', { task: spec.task, seed: spec.seed, keep: spec.keep, name: 'source (all skills)' });
    const runs: PlannedRun[] = [...src.runs];
    runs.push({
      key: 'lasso',
      spec: GroupLassoSpec.parse({
        kind: 'groupLasso', name: 'group-lasso fine-tune', seed: spec.seed, task: spec.task, keep: spec.keep, remove: spec.remove,
        inputs: { source: src.ref }, lambda: spec.groupLasso.lambda, group: spec.groupLasso.group,
        schedule: { kind: 'constant' }, threshold: 0, train: spec.groupLasso.train, eval: spec.eval,
      }),
    });
    for (const variant of VARIANTS) {
      for (const s of spec.sparsities) {
        runs.push({
          key: sweepKey(variant, s),
          spec: PruneSpec.parse({
            kind: 'prune', name: `${variant} prune ${Math.round(s * 1000) / 10}%`, seed: spec.seed, task: spec.task,
            keep: spec.keep, remove: spec.remove, inputs: { source: variant === 'plain' ? src.ref : '@lasso' },
            score: spec.score, selection: { scope: spec.scope, sparsity: s, minPerLayer: 1 },
            recovery: spec.recovery, relearn: spec.recovery, eval: spec.eval, correlate: true,
          }),
        });
      }
    }
    return runs;
  },

  summarize(spec, runs: RunRow[]) {
    const byKey = new Map(runs.filter((r) => r.studyKey).map((r) => [r.studyKey!, r]));
    const keep = skillKey(spec.keep);
    const removed = spec.remove.map(skillKey);
    const sweeps = Object.fromEntries(VARIANTS.map((v) => [v, spec.sparsities.map((s) => {
      const run = byKey.get(sweepKey(v, s));
      const sum = summaryOf(run);
      return {
        sparsity: s, runId: run?.id ?? null, status: run?.status ?? 'missing', units: sum?.units ?? null,
        kept: { afterPrune: sum?.afterPrune?.[keep] ?? null, afterRecovery: sum?.afterRecovery?.[keep] ?? null },
        removed: Object.fromEntries(removed.map((k) => [k, { afterPrune: sum?.afterPrune?.[k] ?? null, afterRelearn: sum?.relearn?.[k] ?? null }])),
        correlation: sum?.correlation?.r ?? null,
      };
    })]));
    // the score correlation is a property of the source model: read it from any finished run
    const corr = (v: (typeof VARIANTS)[number]) => {
      for (const s of spec.sparsities) { const c = summaryOf(byKey.get(sweepKey(v, s)))?.correlation; if (c && Number.isFinite(c.r)) return c; }
      return null;
    };
    const lasso = summaryOf(byKey.get('lasso'));
    return {
      keep, removed, sparsities: spec.sparsities, sweeps,
      attributionVsAblation: { plain: corr('plain'), lasso: corr('lasso') },
      lassoFineTune: lasso ? { kept: lasso.kept?.acc ?? null, removed: Object.fromEntries((lasso.removed ?? []).map((r) => [r.skill, r.acc])) } : null,
      runs: statusCounts(runs),
    };
  },
};
