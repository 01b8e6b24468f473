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
    expect(lmCompareStudy.plan({ ...spec, general: { ...spec.general!, run: 'r123' } }).map((r) => r.key)[0]).toBe('attribution/32');
  });

  it('plans heads + MLP sizes: prune runs keep a fraction of the head units, distill and scratch students get fewer heads', () => {
    for (const general of [true, false]) {
      const s = LmCompareStudySpec.parse({ ...spec, ...(general ? {} : { general: undefined, source: { run: 'r1' } }), sizes: [{ mlp: 0.5, heads: 0.5 }], prune: { headGroup: 'query' } });
      const runs = lmCompareStudy.plan(s);
      const by = Object.fromEntries(runs.map((r) => [r.key, r.spec as any]));
      expect(by['attribution/mlp0.5-heads0.5'].prune).toMatchObject({ keepFraction: 0.5, keepHeadsFraction: 0.5, headGroup: 'query', headScope: 'perLayer' });
      expect(by['attribution/mlp0.5-heads0.5'].name).toMatch(/50% of MLP neurons, 50% of heads/);
      expect(by['distill/mlp0.5-heads0.5'].student).toEqual({ mlpFraction: 0.5, headsFraction: 0.5, headGroup: 'query' });
      expect(by['distill/mlp0.5-heads0.5'].inputs.shape).toBeDefined();
      expect(by['scratch/mlp0.5-heads0.5'].student.headsFraction).toBe(0.5);
    }
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

  it('plans a carve from a source run: evaluate, fraction sizes, students of its shape, relearn', () => {
    const carve = LmCompareStudySpec.parse({
      kind: 'lmCompare', source: { run: 'rImp' }, task: { suite: 'text', domains: ['code', 'prose'], context: 32 },
      target: 'code', remove: ['prose'], targetLossFactor: 1.1, sizes: [{ mlp: 0.5 }, 40], methods: ['attribution', 'ablation', 'distill', 'scratch'], steps: 50,
      prune: { scope: 'perLayer', minPerLayer: 2, teacher: { alpha: 0.5, temperature: 2 } }, relearn: { steps: 20 },
    });
    const runs = lmCompareStudy.plan(carve);
    expect(runs.map((r) => r.key)).toEqual(['general', 'attribution/mlp0.5', 'ablation/mlp0.5', 'distill/mlp0.5', 'scratch/mlp0.5', 'attribution/40', 'ablation/40', 'distill/40', 'scratch/40',
      'relearn/general', 'relearn/attribution/mlp0.5', 'relearn/ablation/mlp0.5', 'relearn/attribution/40', 'relearn/ablation/40']);
    const by = Object.fromEntries(runs.map((r) => [r.key, r.spec as any]));
    expect(by.general).toMatchObject({ method: 'evaluate', inputs: { source: 'rImp' } });
    expect(by['attribution/mlp0.5']).toMatchObject({ method: 'prune', inputs: { source: 'rImp', reference: '@general', teacher: 'rImp' }, distill: { alpha: 0.5 }, prune: { keepFraction: 0.5, scope: 'perLayer', minPerLayer: 2 } });
    expect(by['ablation/40'].prune).toMatchObject({ score: 'ablation', keep: 40 });
    expect(by['distill/mlp0.5']).toMatchObject({ method: 'distill', inputs: { teacher: 'rImp', shape: 'rImp' }, student: { mlpFraction: 0.5 } });
    expect(by['scratch/40']).toMatchObject({ method: 'train', inputs: { shape: 'rImp', reference: '@general' }, student: { mlpTotal: 40 } });
    expect(by['relearn/attribution/40']).toMatchObject({ method: 'finetune', inputs: { source: '@attribution/40' }, mixture: [{ skill: 'prose' }], steps: 20 });
    expect(by['relearn/general'].inputs).toEqual({ source: 'rImp' });

    const row = (key: string, losses: Record<string, number>): RunRow => ({
      id: `id-${key}`, name: key, kind: 'lm', status: 'done', studyId: 's', studyKey: key, spec: by[key], dependsOn: [],
      createdAt: 0, startedAt: 0, endedAt: 0, progress: null, error: null, errorKind: null, backend: 'cpu', summary: { losses, tokensToTarget: 1000 },
    });
    const s = lmCompareStudy.summarize(carve, [row('general', { code: 1, prose: 1.5 }), row('attribution/mlp0.5', { code: 1.05, prose: 3 }),
      row('relearn/general', { code: 1.2, prose: 1.4 }), row('relearn/attribution/mlp0.5', { code: 1.3, prose: 2.5 })]) as any;
    expect(s.frontier.attribution[0]).toMatchObject({ size: '50% MLP', sizeLabel: 'mlp0.5', tokensToTarget: 1000 });
    expect(s.domains).toEqual([
      { domain: 'code', role: 'keep', general: 1, byRun: expect.objectContaining({ 'attribution/mlp0.5': 1.05, 'scratch/40': null }) },
      { domain: 'prose', role: 'remove', general: 1.5, byRun: expect.objectContaining({ 'attribution/mlp0.5': 3 }) },
    ]);
    expect(s.relearn[0]).toEqual({ key: 'attribution/mlp0.5', method: 'attribution', size: 'mlp0.5', domain: 'prose', before: 3, after: 2.5, generalAfter: 1.4 });
    expect(s.relearn).toHaveLength(4);
  });

  it('refuses a carve spec that is not one', () => {
    const base = { kind: 'lmCompare', task: { suite: 'text', domains: ['code', 'prose'], context: 32 }, target: 'code', targetLoss: 2, sizes: [{ mlp: 0.5 }], steps: 5 };
    expect(() => LmCompareStudySpec.parse(base)).toThrow(/exactly one of general .* and source/);
    expect(() => LmCompareStudySpec.parse({ ...base, source: { run: 'r' }, general: spec.general })).toThrow(/exactly one of general/);
    expect(() => LmCompareStudySpec.parse({ ...base, source: { run: 'r' }, remove: ['code'] })).toThrow(/cannot also be removed/);
    expect(() => LmCompareStudySpec.parse({ ...base, source: { run: 'r' }, remove: ['rust'] })).toThrow(/'rust' is not one of the task's domains/);
    expect(() => LmCompareStudySpec.parse({ ...base, source: { run: 'r' }, relearn: { steps: 3 } })).toThrow(/relearn needs a domain/);
    expect(LmCompareStudySpec.parse({ ...base, source: { run: 'r' }, sizes: [{ mlp: 0.5, heads: 0.5 }] }).sizes).toEqual([{ mlp: 0.5, heads: 0.5 }]);
    for (const heads of [0, 1.5, -0.5]) {
      const r = LmCompareStudySpec.safeParse({ ...base, source: { run: 'r' }, sizes: [{ mlp: 0.5, heads }] });
      expect(r.success).toBe(false);
      expect(r.error!.issues[0].path).toEqual(['sizes', 0, 'heads']);
    }
    expect(() => LmCompareStudySpec.parse({ ...base, source: { run: 'r' }, prune: { headGroup: 'value' } })).toThrow();
    expect(() => LmCompareStudySpec.parse({ ...base, source: { run: 'r' }, sizes: [{ mlp: 1.5 }] })).toThrow();
  });
});
