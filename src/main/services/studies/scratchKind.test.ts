// A compare study's "scratch" baseline is a distill run with α = 1; lists showed it as "distill".
import { describe, expect, it } from 'vitest';
import { RunSpec } from '../../../shared/specs';
import { runKindLabel } from '../../../shared/runKind';
import { StudySpec } from '../../../shared/studies';
import { compareStudy } from './compare';

describe('run kind labels', () => {
  it('names a compare study\'s scratch runs "scratch" and its distill runs "distill"', () => {
    const spec = StudySpec.parse({
      kind: 'compare', task: { suite: 'cmsp', m: 6, k: 3, n: 18 }, keep: [0, 1, 2], remove: [[3, 4, 5]], sizes: [8],
      teacher: { train: { model: { arch: 'mlp', hidden: [64, 64] }, mixture: [{ skill: [0, 1, 2], perStep: 100 }], steps: 100 } },
    });
    if (spec.kind !== 'compare') throw new Error('parse');
    const labels = Object.fromEntries(compareStudy.plan(spec).map((r) => {
      const s = RunSpec.parse(r.spec);
      return [r.key, runKindLabel({ kind: s.kind, spec: s })];
    }));
    expect(labels).toEqual({ teacher: 'train', 'attribution/8': 'prune', 'random/8': 'prune', 'groupLasso/8': 'groupLasso', 'distill/8': 'distill', 'scratch/8': 'scratch' });
  });
});
