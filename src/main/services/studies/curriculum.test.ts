import { describe, expect, it } from 'vitest';
import type { RunRow } from '../../../shared/api';
import { CurriculumStudySpec } from '../../../shared/studies';
import { curriculumStudy, medianLearned } from './curriculum';

const spec = CurriculumStudySpec.parse({
  kind: 'curriculum', name: 'cur',
  base: { task: { suite: 'cmsp', m: 3, n: 12, k: 4 }, model: { arch: 'mlp', hidden: [16] }, steps: 100 },
  target: [0, 1, 2],
  regimes: [
    { name: 'broad', mixture: [{ skill: [0], perStep: 4 }, { skill: [0, 1, 2], perStep: 4 }] },
    { name: 'narrow', mixture: [{ skill: [0, 1, 2], perStep: 4 }] },
  ],
  seeds: [0, 1, 2],
});

function row(key: string, status: RunRow['status'], steps: number | null): RunRow {
  return {
    id: `id-${key}`, name: key, kind: 'train', status, studyId: 's', studyKey: key, spec: {} as RunRow['spec'], dependsOn: [],
    createdAt: 0, startedAt: 0, endedAt: 0, progress: null, error: null, errorKind: null, backend: 'cpu',
    summary: status === 'queued' ? null : {
      steps: 100, stepsToLearn: { '[0,1,2]': steps, '[0]': 10 }, samplesToLearn: { '[0,1,2]': steps === null ? null : steps * 8 },
      finalLossBits: { '[0,1,2]': steps === null ? 1 : 0.01 },
    },
  };
}

describe('curriculum study', () => {
  it('plans regimes × seeds as train runs keyed <regime>/seed<k>', () => {
    const plan = curriculumStudy.plan(spec);
    expect(plan.map((p) => p.key)).toEqual(['broad/seed0', 'broad/seed1', 'broad/seed2', 'narrow/seed0', 'narrow/seed1', 'narrow/seed2']);
    const s = plan[4].spec;
    expect(s.kind).toBe('train');
    if (s.kind !== 'train') return;
    expect(s.seed).toBe(1);
    expect(s.target).toEqual([0, 1, 2]);
    expect(s.mixture).toEqual([{ skill: [0, 1, 2], perStep: 4 }]);
    expect(s.steps).toBe(100);
    expect(s.eval.every).toBe(50); // defaults filled in
  });

  it('summarises learned fraction and medians per regime, counting unlearned seeds as never', () => {
    const runs = [
      row('broad/seed0', 'done', 40), row('broad/seed1', 'done', 60), row('broad/seed2', 'done', null),
      row('narrow/seed0', 'done', null), row('narrow/seed1', 'done', null), row('narrow/seed2', 'queued', null),
    ];
    const sum = curriculumStudy.summarize(spec, runs) as { target: string; regimes: { regime: string; learnedFraction: number; medianStepsToLearn: number | null; medianSamplesToLearn: number | null; finished: number; seeds: { stepsToLearn: number | null }[] }[] };
    expect(sum.target).toBe('[0,1,2]');
    const [broad, narrow] = sum.regimes;
    expect(broad.learnedFraction).toBeCloseTo(2 / 3);
    expect(broad.medianStepsToLearn).toBe(60); // sorted 40, 60, ∞
    expect(broad.medianSamplesToLearn).toBe(480);
    expect(broad.seeds.map((x) => x.stepsToLearn)).toEqual([40, 60, null]);
    expect(narrow.finished).toBe(2); // the queued seed is not counted yet
    expect(narrow.learnedFraction).toBe(0);
    expect(narrow.medianStepsToLearn).toBeNull();
  });

  it('medianLearned treats null as never learned', () => {
    expect(medianLearned([])).toBeNull();
    expect(medianLearned([5])).toBe(5);
    expect(medianLearned([10, 20])).toBe(15);
    expect(medianLearned([10, null])).toBeNull();
    expect(medianLearned([30, null, 10])).toBe(30);
  });
});
