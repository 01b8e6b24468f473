// The built-in CMSP train and curriculum recipes parse against the current schemas and plan as intended.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TrainSpec } from '../../../shared/specs';
import { CurriculumStudySpec } from '../../../shared/studies';
import { curriculumStudy } from './curriculum';

/** Parameters of a CMSP MLP from the spec alone (services may not import the engine). */
function countParamsOf(spec: TrainSpec): number {
  if (spec.task.suite !== 'cmsp' || spec.model.arch !== 'mlp') throw new Error('CMSP MLP specs only');
  const dims = [spec.task.m + spec.task.n, ...spec.model.hidden, 2];
  let n = 0;
  for (let l = 0; l + 1 < dims.length; l++) n += dims[l] * dims[l + 1] + dims[l + 1];
  return n;
}

const dir = path.resolve(__dirname, '../../../../resources/recipes');
const load = (name: string) => JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'));

describe('CMSP recipes', () => {
  it('cmsp-reference is the paper configuration (68→128→128→2, 25,602 parameters)', () => {
    const r = load('cmsp-reference');
    expect(r.kind).toBe('run');
    const spec = TrainSpec.parse(r.spec);
    expect(spec.task).toMatchObject({ suite: 'cmsp', m: 4, k: 4, n: 64 });
    expect(spec.optimizer).toMatchObject({ name: 'adam', lr: 1e-3, eps: 1e-5 });
    expect(countParamsOf(spec)).toBe(25_602);
  });

  it('cmsp-cpu is the broad regime of curriculum-cpu', () => {
    const run = TrainSpec.parse(load('cmsp-cpu').spec);
    const study = CurriculumStudySpec.parse(load('curriculum-cpu').spec);
    const broad = curriculumStudy.plan(study).find((p) => p.key === 'broad/seed0')!.spec as TrainSpec;
    expect(run.task).toEqual(broad.task);
    expect(run.model).toEqual(broad.model);
    expect(run.optimizer).toEqual(broad.optimizer);
    expect(run.mixture).toEqual(broad.mixture);
  });

  for (const name of ['curriculum-reference', 'curriculum-cpu']) {
    it(`${name} parses and plans every regime × seed with the same base`, () => {
      const r = load(name);
      expect(r.kind).toBe('study');
      const spec = CurriculumStudySpec.parse(r.spec);
      const plan = curriculumStudy.plan(spec);
      expect(plan.length).toBe(spec.regimes.length * spec.seeds.length);
      expect(new Set(plan.map((p) => JSON.stringify((p.spec as TrainSpec).task))).size).toBe(1);
      expect(spec.regimes.map((g) => g.name)).toContain('narrow');
      // every regime trains on the target
      for (const g of spec.regimes) {
        expect(JSON.stringify(g.mixture)).toContain(JSON.stringify(spec.target));
      }
    });
  }
});
