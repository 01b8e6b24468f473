import { describe, expect, it } from 'vitest';
import type { RunRow } from '../../../shared/api';
import { StudySpec } from '../../../shared/studies';
import { LmCompareStudySpec } from '../../../shared/studies/text';
import { lmCompareStudy } from './lmCompare';

const spec = LmCompareStudySpec.parse({
  kind: 'lmCompare', task: { suite: 'text', domains: ['code', 'prose'], context: 32 },
  general: { model: { arch: 'transformer', layers: 2, dModel: 32, heads: 2, mlpWidth: 64, context: 32 }, mixture: [{ skill: 'code', perStep: 4 }, { skill: 'prose', perStep: 4 }], steps: 100 },
  target: 'code', targetLoss: 2, sizes: [32, 96], methods: ['attribution', 'groupLasso', 'distill', 'scratch'], steps: 50,
});

describe('lmCompare study', () => {
  it('is a registered study kind and rejects bad sizes and targets', () => {
    expect(StudySpec.parse({ ...spec }).kind).toBe('lmCompare');
    expect(() => LmCompareStudySpec.parse({ ...spec, sizes: [1000] })).toThrow(/more than the general model has \(128\)/);
    expect(() => LmCompareStudySpec.parse({ ...spec, target: 'rust' })).toThrow(/'rust' is not one of the task's domains/);
  });

  it('plans a general model and one lm run per method and size', () => {
    const runs = lmCompareStudy.plan(spec);
    expect(runs.map((r) => r.key)).toEqual(['general', 'attribution/32', 'groupLasso/32', 'distill/32', 'scratch/32', 'attribution/96', 'groupLasso/96', 'distill/96', 'scratch/96']);
    const by = Object.fromEntries(runs.map((r) => [r.key, r.spec as any]));
    expect(by.general.method).toBe('train');
    expect(by['attribution/32'].inputs).toEqual({ source: '@general', reference: '@general' });
    expect(by['scratch/32'].inputs).toEqual({ reference: '@general' });
    expect(by['attribution/32'].prune.keep).toBe(32);
    expect(by['attribution/32'].prune.groupLasso).toBeUndefined();
    expect(by['groupLasso/96'].prune.groupLasso.steps).toBe(200);
    expect(by['distill/32'].model.mlpWidth).toBe(16);
    expect(by['distill/32'].inputs).toEqual({ teacher: '@general', reference: '@general' });
    const rel = lmCompareStudy.plan({ ...spec, targetLoss: undefined, targetLossFactor: 1.1 });
    expect((rel[1].spec as any).targetLossFactor).toBe(1.1);
    expect(() => LmCompareStudySpec.parse({ ...spec, targetLossFactor: 1.1 })).toThrow(/exactly one of targetLoss/);
    expect(by['scratch/96'].mixture).toEqual([{ skill: 'code', perStep: 16 }]);
    expect(runs.slice(1).every((r) => (r.spec as any).stopAtTarget && (r.spec as any).targetLoss === 2)).toBe(true);
    expect(lmCompareStudy.plan({ ...spec, general: { ...spec.general, run: 'r123' } }).map((r) => r.key)[0]).toBe('attribution/32');
  });

  it('summarises tokens to the target per method and size', () => {
    const runs = lmCompareStudy.plan(spec).map((p, i): RunRow => ({
      id: `r${i}`, name: p.key, kind: 'lm', status: 'done', studyId: 's', studyKey: p.key, spec: p.spec, dependsOn: [],
      createdAt: 0, startedAt: 0, endedAt: 0, progress: null, error: null, errorKind: null, backend: 'cpu',
      summary: { tokensToTarget: p.key.startsWith('scratch') ? 40000 : p.key.startsWith('distill') ? 20000 : p.key.startsWith('attr') ? 5000 : 4000, pruneTokens: 512, params: 1000, losses: { code: 1.9 } },
    }));
    const s = lmCompareStudy.summarize(spec, runs) as any;
    expect(s.frontier.attribution[0]).toMatchObject({ size: 32, tokensToTarget: 5000, params: 1000, targetLoss: 1.9 });
    expect(s.advantage[0]).toMatchObject({ pruneTokens: 4000, scratchOverPrune: 10, distillOverPrune: 5 });
    expect(s.series.scratch).toEqual([[1000, 40000], [1000, 40000]]);
    expect(s.runs).toEqual({ done: 9 });
    const never = runs.map((r) => (r.studyKey?.startsWith('scratch') ? { ...r, summary: { tokensToTarget: null, tokens: 80000, params: 1000 } } : r));
    expect((lmCompareStudy.summarize(spec, never) as any).advantage[0]).toMatchObject({ scratchOverPrune: null, scratchOverPruneAtLeast: 20 });
  });
});
