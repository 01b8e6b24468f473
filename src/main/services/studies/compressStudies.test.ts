import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRow } from '../../../shared/api';
import { RunSpec } from '../../../shared/specs';
import { StudySpec } from '../../../shared/studies';
import { compareStudy, studentHidden } from './compare';
import { nonlocalityStudy } from './nonlocality';

const task = { suite: 'cmsp', m: 6, k: 3, n: 18 };
const train = { model: { arch: 'mlp', hidden: [64, 64] }, mixture: [{ skill: [0, 1, 2], perStep: 100 }], steps: 100 };

function row(key: string, summary: Record<string, unknown> | null, status = 'done'): RunRow {
  return { id: `id-${key}`, name: key, kind: 'prune', status: status as RunRow['status'], studyId: 's', studyKey: key, spec: {} as RunRow['spec'], dependsOn: [], createdAt: 0, startedAt: 0, endedAt: 0, progress: null, summary, error: null, errorKind: null, backend: 'cpu' };
}

describe('compare study', () => {
  const spec = StudySpec.parse({ kind: 'compare', task, keep: [0, 1, 2], remove: [[3, 4, 5]], teacher: { train }, sizes: [8, 32] });
  if (spec.kind !== 'compare') throw new Error('parse');

  it('plans a teacher, then every method at every size reading it', () => {
    const runs = compareStudy.plan(spec);
    expect(runs.map((r) => r.key)).toEqual(['teacher',
      'attribution/8', 'groupLasso/8', 'random/8', 'distill/8', 'scratch/8',
      'attribution/32', 'groupLasso/32', 'random/32', 'distill/32', 'scratch/32']);
    for (const r of runs) expect(() => RunSpec.parse(r.spec)).not.toThrow();
    const get = (k: string) => runs.find((r) => r.key === k)!.spec as any;
    expect(get('attribution/8').inputs).toEqual({ source: '@teacher' });
    expect(get('attribution/8').selection).toMatchObject({ keep: 8, scope: 'perLayer' });
    expect(get('random/8').score.name).toBe('random');
    expect(get('groupLasso/32').schedule).toEqual({ kind: 'offAtTarget', targetUnits: 32 });
    expect(get('groupLasso/32').forceCutAt).toBe(14000);
    expect(get('distill/32').model.hidden).toEqual([16, 16]);
    expect(get('scratch/8').alpha).toBe(1);
    expect(get('distill/8').inputs).toEqual({ teacher: '@teacher' });
    for (const r of runs.slice(1)) expect((r.spec as any).stopAtTarget).toBe(true);
  });

  it('reuses an existing teacher run', () => {
    const s2 = StudySpec.parse({ ...spec, teacher: { run: 'abc', hidden: [100, 50] }, methods: ['distill'] });
    const runs = compareStudy.plan(s2 as typeof spec);
    expect(runs.map((r) => r.key)).toEqual(['distill/8', 'distill/32']);
    expect((runs[0].spec as any).inputs.teacher).toBe('abc');
    expect(studentHidden([100, 50], 8)).toEqual([5, 3]);
    expect(studentHidden([100, 50], 1)).toEqual([1, 1]);
  });

  it('summarises the frontier per method and size', () => {
    const runs = [
      row('teacher', {}),
      row('attribution/8', { samplesToTarget: 1000, kept: { skill: '[0,1,2]', acc: 0.98 }, removed: [{ skill: '[3,4,5]', acc: 0.5 }], units: 8, paramsAfter: 300 }),
      row('scratch/8', { samplesToTarget: null, kept: { skill: '[0,1,2]', acc: 0.6 }, removed: [], units: 8, paramsAfter: 300 }),
    ];
    const s = compareStudy.summarize(spec, runs) as any;
    expect(s.frontier.attribution[0]).toMatchObject({ size: 8, samplesToTarget: 1000, accuracy: 0.98, removedAccuracy: { '[3,4,5]': 0.5 } });
    expect(s.frontier.scratch[0].samplesToTarget).toBeNull();
    expect(s.frontier.distill[1].status).toBe('missing');
    expect(s.series.attribution).toEqual([[8, 1000], [32, null]]);
  });
});

describe('nonlocality study', () => {
  const spec = StudySpec.parse({ kind: 'nonlocality', task, keep: [0, 1, 2], remove: [[3, 4, 5]], source: { train }, sparsities: [0.5, 0.9] });
  if (spec.kind !== 'nonlocality') throw new Error('parse');

  it('plans source, group-lasso fine-tune and both sweeps with relearn', () => {
    const runs = nonlocalityStudy.plan(spec);
    expect(runs.map((r) => r.key)).toEqual(['source', 'lasso', 'plain/s=0.5', 'plain/s=0.9', 'lasso/s=0.5', 'lasso/s=0.9']);
    for (const r of runs) expect(() => RunSpec.parse(r.spec)).not.toThrow();
    const get = (k: string) => runs.find((r) => r.key === k)!.spec as any;
    expect(get('lasso')).toMatchObject({ kind: 'groupLasso', inputs: { source: '@source' }, lambda: 1e-3, threshold: 0 });
    expect(get('plain/s=0.9')).toMatchObject({ inputs: { source: '@source' }, selection: { sparsity: 0.9, scope: 'global' }, score: { name: 'ablation' } });
    expect(get('lasso/s=0.5').inputs).toEqual({ source: '@lasso' });
    expect(get('lasso/s=0.5').relearn.steps).toBe(1000);
  });

  it('summarises kept/removed accuracy after pruning and after recovery', () => {
    const sum = { afterPrune: { '[0,1,2]': 0.7, '[3,4,5]': 0.5 }, afterRecovery: { '[0,1,2]': 0.99 }, relearn: { '[3,4,5]': 0.95 }, correlation: { r: 0.8, n: 100 }, units: 13 };
    const s = nonlocalityStudy.summarize(spec, [row('plain/s=0.9', sum), row('lasso', { kept: { skill: '[0,1,2]', acc: 1 }, removed: [{ skill: '[3,4,5]', acc: 0.5 }] })]) as any;
    expect(s.sweeps.plain[1]).toMatchObject({ sparsity: 0.9, kept: { afterPrune: 0.7, afterRecovery: 0.99 }, removed: { '[3,4,5]': { afterPrune: 0.5, afterRelearn: 0.95 } } });
    expect(s.sweeps.lasso[0].status).toBe('missing');
    expect(s.attributionVsAblation.plain).toEqual({ r: 0.8, n: 100 });
    expect(s.lassoFineTune).toEqual({ kept: 1, removed: { '[3,4,5]': 0.5 } });
  });
});

describe('built-in recipes', () => {
  const dir = path.resolve(__dirname, '../../../../resources/recipes');
  const files = fs.readdirSync(dir).filter((f) => /^(compare|nonlocality)-cmsp.*\.json$/.test(f));
  it('exist at reference and CPU scale', () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
  });
  for (const f of files) {
    it(`${f} parses and plans`, () => {
      const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
      expect(r.kind).toBe('study');
      const spec = StudySpec.parse(r.spec);
      const kind = spec.kind === 'compare' ? compareStudy : spec.kind === 'nonlocality' ? nonlocalityStudy : null;
      expect(kind).not.toBeNull();
      const runs = kind!.plan(spec as never);
      for (const p of runs) expect(() => RunSpec.parse(p.spec)).not.toThrow();
    });
  }
});
