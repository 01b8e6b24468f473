// Planner and summariser of the lmCompare study (shared/studies/text.ts): one general model, then
// one lm run per method × size, each stopping once the target domain reaches the target loss.
// The summary is the frontier the paper draws: tokens to the target loss against parameters kept.
import type { RunRow } from '../../../shared/api';
import { LmSpec } from '../../../shared/specs/text';
import { lmSizeLabel, lmSizeTitle, PRUNING_METHODS, relearnDomain, type LmCompareMethod, type LmCompareStudySpec, type LmSize } from '../../../shared/studies/text';
import type { PlannedRun, StudyKind } from './types';

/** Study key of one method × size run (opaque to the GUI, which shows the size labels). */
export const lmRunKey = (method: LmCompareMethod, size: LmSize) => `${method}/${lmSizeLabel(size)}`;
/** Study key of the relearn run after `key` ('general' = the general model fine-tuned alike). */
export const relearnKey = (key: string) => `relearn/${key}`;

/** A student shaped like the general model with `size` MLP neurons spread evenly over its layers. */
export function studentModel(spec: LmCompareStudySpec, size: number): NonNullable<LmCompareStudySpec['general']>['model'] {
  const g = spec.general!.model;
  return { ...g, mlpWidth: Math.max(1, Math.round(size / g.layers)) };
}

/** The domains the study evaluates, keep / remove roles. */
function domainRole(spec: LmCompareStudySpec, d: string): 'keep' | 'remove' | 'other' {
  return d === spec.target ? 'keep' : spec.remove.includes(d) ? 'remove' : 'other';
}

const common = (spec: LmCompareStudySpec, name: string) => ({
  kind: 'lm' as const, name, seed: spec.seed, task: spec.task, optimizer: spec.optimizer, schedule: spec.schedule, eval: spec.eval,
});

function planMethod(spec: LmCompareStudySpec, method: LmCompareMethod, size: LmSize, model: string, reference: string): LmSpec {
  const heads = typeof size !== 'number' && size.heads !== undefined && size.heads < 1 ? size.heads : undefined;
  const label = typeof size === 'number' ? `${size} neurons` : `${Math.round(size.mlp * 100)}% of MLP neurons${heads !== undefined ? `, ${Math.round(heads * 100)}% of heads` : ''}`;
  const base = {
    ...common(spec, `${method} ${label}`),
    mixture: [{ skill: spec.target, perStep: spec.perStep }], target: spec.target,
    targetLoss: spec.targetLoss, targetLossFactor: spec.targetLossFactor, stopAtTarget: true, steps: spec.steps,
  };
  const keep = { ...(typeof size === 'number' ? { keep: size } : { keepFraction: size.mlp }), ...(heads !== undefined ? { keepHeadsFraction: heads, headGroup: spec.prune.headGroup, headScope: spec.prune.headScope } : {}) };
  const teacher = spec.prune.teacher;
  const prune = (score: 'attribution' | 'random' | 'ablation' | 'magnitude', gl: boolean) => LmSpec.parse({
    ...base, method: 'prune', inputs: { source: model, reference, ...(teacher ? { teacher: model } : {}) },
    ...(teacher ? { distill: teacher } : {}),
    prune: {
      score, ...keep, scope: spec.prune.scope, minPerLayer: spec.prune.minPerLayer, scoreWindows: spec.prune.scoreWindows, keepResid: spec.prune.keepResid,
      ...(gl ? { groupLasso: { lambda: spec.prune.groupLasso.lambda, steps: spec.prune.groupLasso.steps, offAtTarget: true } } : {}),
    },
  });
  // a fresh model of the size: the trained general model's spec shrunk, or the source's architecture
  // fewer heads: the source's (or the general run's) architecture via inputs.shape, heads and MLP shrunk
  const student = heads !== undefined ? { student: { ...(typeof size === 'number' ? { mlpTotal: size } : { mlpFraction: size.mlp }), headsFraction: heads, headGroup: spec.prune.headGroup } }
    : spec.general ? { model: studentModel(spec, typeof size === 'number' ? size : Math.max(1, Math.round(size.mlp * spec.general.model.layers * spec.general.model.mlpWidth))) }
    : { student: typeof size === 'number' ? { mlpTotal: size } : { mlpFraction: size.mlp } };
  switch (method) {
    case 'attribution': return prune('attribution', false);
    case 'groupLasso': return prune('attribution', true);
    case 'random': return prune('random', false);
    case 'ablation': return prune('ablation', false);
    case 'magnitude': return prune('magnitude', false);
    case 'distill': return LmSpec.parse({ ...base, method: 'distill', inputs: { teacher: model, reference, ...(spec.general && heads === undefined ? {} : { shape: model }) }, ...student, distill: spec.distill });
    case 'scratch': return LmSpec.parse({ ...base, method: 'train', inputs: { reference, ...(spec.general && heads === undefined ? {} : { shape: model }) }, ...student });
  }
}

/** Fine-tune `model` on the relearn domain for relearn.steps (no target: a fixed budget). */
function planRelearn(spec: LmCompareStudySpec, model: string, what: string): LmSpec {
  const r = spec.relearn!;
  const domain = relearnDomain(spec)!; // the spec's check requires one
  return LmSpec.parse({
    ...common(spec, `relearn '${domain}': ${what}`), method: 'finetune', inputs: { source: model },
    mixture: [{ skill: domain, perStep: r.perStep ?? spec.perStep }], steps: r.steps,
    schedule: { ...spec.schedule, warmup: Math.min(spec.schedule.warmup, Math.floor(r.steps / 10)) },
    eval: { ...spec.eval, every: Math.max(1, Math.min(spec.eval.every, r.steps)) },
  });
}

export interface LmFrontierPoint {
  /** The size as given: neurons kept (a number), or a label such as '50% MLP' (fractions). */
  size: number | string; sizeLabel: string; runId: string | null; status: string;
  /** The target loss the run resolved (nats/token) and its final loss on the target domain. */
  target: number | null; tokensToTarget: number | null; pruneTokens: number | null; params: number | null; targetLoss: number | null;
}

export const lmCompareStudy: StudyKind<LmCompareStudySpec> = {
  plan(spec) {
    const runs: PlannedRun[] = [];
    // `model`: the run whose model is pruned / teaches; `reference`: the run whose summary holds the
    // general model's losses (targetLossFactor, the per-domain table)
    let model: string;
    let reference: string;
    if (spec.source) {
      model = spec.source.run;
      reference = '@general';
      runs.push({ key: 'general', spec: LmSpec.parse({
        ...common(spec, 'general model (evaluated)'), method: 'evaluate', inputs: { source: model },
        mixture: [{ skill: spec.target, perStep: 1 }], target: spec.target, steps: 1,
      }) });
    } else if (spec.general!.run) {
      model = reference = spec.general!.run;
    } else {
      const g = spec.general!;
      runs.push({
        key: 'general',
        spec: LmSpec.parse({
          kind: 'lm', name: 'general model', seed: spec.seed, method: 'train', task: spec.task, model: g.model,
          mixture: g.mixture, target: spec.target, steps: g.steps,
          optimizer: g.optimizer, schedule: g.schedule, eval: spec.eval,
        }),
      });
      model = reference = '@general';
    }
    for (const size of spec.sizes) for (const m of spec.methods) runs.push({ key: lmRunKey(m, size), spec: planMethod(spec, m, size, model, reference) });
    if (spec.relearn) {
      runs.push({ key: relearnKey('general'), spec: planRelearn(spec, model, 'general model') });
      for (const size of spec.sizes) for (const m of spec.methods) {
        if (!PRUNING_METHODS.includes(m)) continue;
        const key = lmRunKey(m, size);
        runs.push({ key: relearnKey(key), spec: planRelearn(spec, `@${key}`, `${m} ${lmSizeLabel(size)}`) });
      }
    }
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
          size: sizeValue(size), sizeLabel: lmSizeLabel(size), runId: run?.id ?? null, status: run?.status ?? 'missing', target: num(s?.targetLoss),
          tokensToTarget: num(s?.tokensToTarget), pruneTokens: num(s?.pruneTokens), params: num(s?.params),
          targetLoss: num(losses[spec.target]),
        };
      });
    }
    // how many times fewer tokens the best pruning route needs than scratch / distillation
    const advantage = spec.sizes.map((sz, i) => {
      const size = sizeValue(sz);
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
    const lossOf = (r: RunRow | undefined, d: string) => num(((r?.summary?.losses ?? {}) as Record<string, unknown>)[d]);
    const methodRuns = spec.sizes.flatMap((size) => spec.methods.map((m) => lmRunKey(m, size)));
    // held-out loss per domain (nats/token, the lm runs' summary `losses`) before and after
    const domains = spec.task.domains.map((d) => ({
      domain: d, role: domainRole(spec, d), general: lossOf(general, d),
      byRun: Object.fromEntries(methodRuns.map((k) => [k, lossOf(byKey.get(k), d)])),
    }));
    const relearnOn = relearnDomain(spec);
    const relearn = !relearnOn ? [] : spec.sizes.flatMap((size) => spec.methods.filter((m) => PRUNING_METHODS.includes(m)).map((m) => {
      const key = lmRunKey(m, size);
      return {
        key, method: m, size: lmSizeLabel(size), domain: relearnOn, before: lossOf(byKey.get(key), relearnOn),
        after: lossOf(byKey.get(relearnKey(key)), relearnOn), generalAfter: lossOf(byKey.get(relearnKey('general')), relearnOn),
      };
    }));
    const statuses: Record<string, number> = {};
    for (const r of runs) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    return {
      target: spec.target, targetLoss: spec.targetLoss ?? null, targetLossFactor: spec.targetLossFactor ?? null, sizes: spec.sizes.map(sizeValue), methods: spec.methods,
      remove: spec.remove,
      general: general ? { runId: general.id, status: general.status, losses: general.summary?.losses ?? null } : { runId: spec.general?.run ?? null },
      frontier,
      /** x = parameters kept (else neurons), y = tokens to the target loss (null = not reached). */
      series: Object.fromEntries(Object.entries(frontier).map(([m, pts]) => [m, pts.map((p) => [p.params ?? p.size, p.tokensToTarget])])),
      advantage,
      domains,
      relearn,
      runs: statuses,
    };
  },
};

/** A size as the frontier reports it: the neuron count, or a label of the fractions kept. */
function sizeValue(size: LmSize): number | string {
  return typeof size === 'number' ? size : lmSizeTitle(size);
}
