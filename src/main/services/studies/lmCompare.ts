// Planner and summariser of the lmCompare study (shared/studies/text.ts): one general model, then
// one lm run per method × size, each stopping once the target domain reaches the target loss.
// The summary is the frontier the paper draws: tokens to the target loss against parameters kept.
import type { RunRow } from '../../../shared/api';
import { LmSpec } from '../../../shared/specs/text';
import type { LmCompareMethod, LmCompareStudySpec } from '../../../shared/studies/text';
import type { PlannedRun, StudyKind } from './types';

export const lmRunKey = (method: LmCompareMethod, size: number) => `${method}/${size}`;

/** A student shaped like the general model with `size` MLP neurons spread evenly over its layers. */
export function studentModel(spec: LmCompareStudySpec, size: number): LmCompareStudySpec['general']['model'] {
  const g = spec.general.model;
  return { ...g, mlpWidth: Math.max(1, Math.round(size / g.layers)) };
}

function planMethod(spec: LmCompareStudySpec, method: LmCompareMethod, size: number, generalRef: string): LmSpec {
  const common = {
    kind: 'lm' as const, name: `${method} ${size} neurons`, seed: spec.seed, task: spec.task,
    mixture: [{ skill: spec.target, perStep: spec.perStep }], target: spec.target,
    targetLoss: spec.targetLoss, targetLossFactor: spec.targetLossFactor, stopAtTarget: true, steps: spec.steps, optimizer: spec.optimizer, schedule: spec.schedule, eval: spec.eval,
  };
  const prune = (score: 'attribution' | 'random', gl: boolean) => ({
    score, keep: size, scoreWindows: spec.prune.scoreWindows, keepResid: spec.prune.keepResid,
    ...(gl ? { groupLasso: { lambda: spec.prune.groupLasso.lambda, steps: spec.prune.groupLasso.steps, offAtTarget: true } } : {}),
  });
  switch (method) {
    case 'attribution': return LmSpec.parse({ ...common, method: 'prune', inputs: { source: generalRef, reference: generalRef }, prune: prune('attribution', false) });
    case 'groupLasso': return LmSpec.parse({ ...common, method: 'prune', inputs: { source: generalRef, reference: generalRef }, prune: prune('attribution', true) });
    case 'random': return LmSpec.parse({ ...common, method: 'prune', inputs: { source: generalRef, reference: generalRef }, prune: prune('random', false) });
    case 'distill': return LmSpec.parse({ ...common, method: 'distill', inputs: { teacher: generalRef, reference: generalRef }, model: studentModel(spec, size), distill: spec.distill });
    case 'scratch': return LmSpec.parse({ ...common, method: 'train', inputs: { reference: generalRef }, model: studentModel(spec, size) });
  }
}

export interface LmFrontierPoint {
  size: number; runId: string | null; status: string;
  /** The target loss the run resolved (nats/token) and its final loss on the target domain. */
  target: number | null; tokensToTarget: number | null; pruneTokens: number | null; params: number | null; targetLoss: number | null;
}

export const lmCompareStudy: StudyKind<LmCompareStudySpec> = {
  plan(spec) {
    const runs: PlannedRun[] = [];
    let ref = spec.general.run ?? '@general';
    if (!spec.general.run) {
      runs.push({
        key: 'general',
        spec: LmSpec.parse({
          kind: 'lm', name: 'general model', seed: spec.seed, method: 'train', task: spec.task, model: spec.general.model,
          mixture: spec.general.mixture, target: spec.target, steps: spec.general.steps,
          optimizer: spec.general.optimizer, schedule: spec.general.schedule, eval: spec.eval,
        }),
      });
      ref = '@general';
    }
    for (const size of spec.sizes) for (const m of spec.methods) runs.push({ key: lmRunKey(m, size), spec: planMethod(spec, m, size, ref) });
    return runs;
  },

  summarize(spec, runs: RunRow[]) {
    const byKey = new Map(runs.filter((r) => r.studyKey).map((r) => [r.studyKey!, r]));
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    const frontier: Record<string, LmFrontierPoint[]> = {};
    for (const m of spec.methods) {
      frontier[m] = spec.sizes.map((size) => {
        const run = byKey.get(lmRunKey(m, size));
        const s = run?.summary ?? null;
        const losses = (s?.losses ?? {}) as Record<string, number>;
        return {
          size, runId: run?.id ?? null, status: run?.status ?? 'missing', target: num(s?.targetLoss),
          tokensToTarget: num(s?.tokensToTarget), pruneTokens: num(s?.pruneTokens), params: num(s?.params),
          targetLoss: num(losses[spec.target]),
        };
      });
    }
    // how many times fewer tokens the best pruning route needs than scratch / distillation
    const advantage = spec.sizes.map((size, i) => {
      const best = (['attribution', 'groupLasso'] as const).map((m) => frontier[m]?.[i]?.tokensToTarget ?? null).filter((v): v is number => v !== null);
      const prune = best.length ? Math.min(...best) : null;
      const ratio = (m: LmCompareMethod) => { const t = frontier[m]?.[i]?.tokensToTarget ?? null; return prune && t ? t / prune : null; };
      // a method that finished without reaching the target needed more than everything it trained on
      const atLeast = (m: LmCompareMethod) => {
        const p = frontier[m]?.[i];
        const run = p?.runId ? runs.find((r) => r.id === p.runId) : undefined;
        const trained = num(run?.summary?.tokens);
        return prune && p && p.tokensToTarget === null && run?.status === 'done' && trained ? trained / prune : null;
      };
      return {
        size, pruneTokens: prune, scratchOverPrune: ratio('scratch'), distillOverPrune: ratio('distill'),
        /** Lower bounds when scratch / distillation never reached the target. */
        scratchOverPruneAtLeast: atLeast('scratch'), distillOverPruneAtLeast: atLeast('distill'),
      };
    });
    const general = byKey.get('general');
    const statuses: Record<string, number> = {};
    for (const r of runs) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    return {
      target: spec.target, targetLoss: spec.targetLoss ?? null, targetLossFactor: spec.targetLossFactor ?? null, sizes: spec.sizes, methods: spec.methods,
      general: general ? { runId: general.id, status: general.status, losses: general.summary?.losses ?? null } : { runId: spec.general.run ?? null },
      frontier,
      /** x = parameters kept (else neurons), y = tokens to the target loss (null = not reached). */
      series: Object.fromEntries(Object.entries(frontier).map(([m, pts]) => [m, pts.map((p) => [p.params ?? p.size, p.tokensToTarget])])),
      advantage,
      runs: statuses,
    };
  },
};
