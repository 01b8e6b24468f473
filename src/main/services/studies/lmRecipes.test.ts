// The built-in text recipes parse, plan, and have the sizes their titles promise.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunSpec } from '../../../shared/specs';
import { StudySpec } from '../../../shared/studies';
import type { LmCompareStudySpec } from '../../../shared/studies/text';
import { readRecipe } from '../recipes';
import { lmCompareStudy } from './lmCompare';

const dir = path.resolve(__dirname, '../../../../resources/recipes');
const recipe = (name: string) => readRecipe(path.join(dir, `${name}.json`));

/** Parameters of the transformer an LmModelSpec describes (byte vocabulary, tied embeddings). */
function params(m: { layers: number; dModel: number; mlpWidth: number; context: number }, vocab = 256): number {
  const d = m.dModel, f = m.mlpWidth;
  const layer = 2 * d + (3 * d * d + 3 * d) + (d * d + d) + 2 * d + (d * f + f) + (f * d + d);
  return vocab * d + m.context * d + m.layers * layer + 2 * d;
}

describe('text recipes', () => {
  it('import recipes are valid importCorpus runs', () => {
    for (const n of ['text-import-python', 'text-import-prose']) expect(RunSpec.parse(recipe(n).spec).kind).toBe('importCorpus');
  });

  it('the CPU general model has about a million parameters', () => {
    const spec = RunSpec.parse(recipe('lm-general-cpu').spec);
    expect(spec.kind).toBe('lm');
    const n = params((spec as any).model);
    expect(n).toBeGreaterThan(0.7e6);
    expect(n).toBeLessThan(1.3e6);
  });

  it('the compare studies plan a general model and every method at every size', () => {
    for (const name of ['lm-compare-cpu', 'lm-compare']) {
      const spec = StudySpec.parse(recipe(name).spec) as LmCompareStudySpec;
      const runs = lmCompareStudy.plan(spec);
      expect(runs.length).toBe(1 + spec.sizes.length * spec.methods.length);
      for (const r of runs) expect(RunSpec.parse(r.spec).kind).toBe('lm');
    }
  });
});

describe('train runs on text', () => {
  it('map to lm runs', async () => {
    const { TrainSpec } = await import('../../../shared/specs/train');
    const { lmSpecFromTrain } = await import('../../../shared/specs/textTrain');
    const t = TrainSpec.parse({
      kind: 'train', task: { suite: 'text', domains: ['python', 'prose'], context: 32 },
      model: { arch: 'transformer', layers: 2, dModel: 32, heads: 2, mlpWidth: 64, context: 32 },
      mixture: [{ skill: 'python', perStep: 8 }], target: 'python', steps: 100, eval: { every: 10, samples: 2000 },
    });
    const lm = lmSpecFromTrain(t);
    expect(lm).toMatchObject({ kind: 'lm', method: 'train', steps: 100, target: 'python', eval: { every: 10, windows: 256 }, mixture: [{ skill: 'python', perStep: 8 }] });
    expect(() => lmSpecFromTrain({ ...t, mixture: [{ skill: [0, 1], perStep: 1 }] })).toThrow(/domain names/);
  });
});
