// The built-in Fashion-MNIST recipes are valid specs whose skills exist on Fashion-MNIST as an
// import records it (class names and subsets from the known-dataset table).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinSubsets, resolveClassSubset, RunSpec, type SkillRef } from '../../../shared/specs';
import { StudySpec } from '../../../shared/studies';
import { parseSpec } from '../../../shared/validate';
import { FASHION_MNIST } from './known';

const dir = path.resolve(__dirname, '../../../../resources/recipes');
const recipes = fs.readdirSync(dir).filter((f) => /fashion/.test(f)).map((f) => ({ file: f, ...JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) }));
const meta = { name: 'fashion-mnist', classes: FASHION_MNIST.classes, subsets: { ...builtinSubsets(10), ...FASHION_MNIST.subsets } };

describe('Fashion-MNIST recipes', () => {
  it('exist: teacher, CPU-scale and reference-scale frontier', () => {
    expect(recipes.map((r) => r.name).sort()).toEqual(['fashion-mnist-frontier', 'fashion-mnist-frontier-cpu', 'fashion-mnist-teacher']);
  });

  for (const r of recipes) {
    it(`${r.file} parses and names skills Fashion-MNIST has`, () => {
      const spec = r.kind === 'study' ? parseSpec(StudySpec, r.spec) : parseSpec(RunSpec, r.spec);
      expect((spec as { task: unknown }).task).toEqual({ suite: 'images', dataset: 'fashion-mnist' });
      const refs: SkillRef[] = r.kind === 'study'
        ? [r.spec.keep, ...r.spec.remove, ...(r.spec.teacher.train?.eval?.skills ?? [])]
        : [r.spec.target, ...r.spec.eval.skills];
      for (const ref of refs) expect(() => resolveClassSubset(meta, ref)).not.toThrow();
      if (r.kind === 'study') {
        // keep and remove partition the ten classes: every class is the skill or meant to go
        const all = [r.spec.keep, ...r.spec.remove].flatMap((s: SkillRef) => resolveClassSubset(meta, s)).sort((a: number, b: number) => a - b);
        expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      }
    });
  }
});
