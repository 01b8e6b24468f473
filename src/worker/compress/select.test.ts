import { describe, expect, it } from 'vitest';
import { keepTarget, proportionalSplit, selectUnits } from './select';

const f = (a: number[]) => Float32Array.from(a);
const ones = (n: number) => new Float32Array(n).fill(1);
const kept = (m: Float32Array[]) => m.map((x) => [...x].map((v, j) => (v ? j : -1)).filter((j) => j >= 0));

describe('unit selection', () => {
  const scores = [f([5, 1, 4, 0.5]), f([3, 2, 6, 0.1])];

  it('global ranking keeps the highest scores across layers', () => {
    const m = selectUnits(scores, [ones(4), ones(4)], { scope: 'global', sparsity: 0.5, minPerLayer: 0 });
    expect(kept(m)).toEqual([[0, 2], [0, 2]]); // 6, 5, 4, 3
    const m2 = selectUnits(scores, [ones(4), ones(4)], { scope: 'global', keep: 3, minPerLayer: 0 });
    expect(kept(m2)).toEqual([[0, 2], [2]]);
  });

  it('minPerLayer reserves units in a layer the global ranking would empty', () => {
    const s = [f([9, 8, 7, 6]), f([1, 2, 0.5, 0.1])];
    expect(kept(selectUnits(s, [ones(4), ones(4)], { scope: 'global', keep: 2, minPerLayer: 0 }))).toEqual([[0, 1], []]);
    expect(kept(selectUnits(s, [ones(4), ones(4)], { scope: 'global', keep: 2, minPerLayer: 1 }))).toEqual([[0], [1]]);
  });

  it('per-layer keeps the same fraction of every layer', () => {
    const m = selectUnits([f([1, 2, 3, 4]), f([1, 2, 3, 4, 5, 6, 7, 8])], [ones(4), ones(8)], { scope: 'perLayer', sparsity: 0.75, minPerLayer: 0 });
    expect(kept(m)).toEqual([[3], [6, 7]]);
    const m2 = selectUnits([f([1, 2, 3, 4]), f([1, 2, 3, 4, 5, 6, 7, 8])], [ones(4), ones(8)], { scope: 'perLayer', keep: 6, minPerLayer: 0 });
    expect(kept(m2).map((k) => k.length)).toEqual([2, 4]);
  });

  it('never revives masked units', () => {
    const m = selectUnits(scores, [f([0, 1, 1, 1]), ones(4)], { scope: 'global', sparsity: 0.25, minPerLayer: 0 });
    expect(m[0][0]).toBe(0);
    expect(kept(m).flat().length).toBe(6);
  });

  it('targets and splits', () => {
    expect(keepTarget([100, 100], { scope: 'global', sparsity: 0.9, minPerLayer: 1 })).toBe(20);
    expect(() => keepTarget([4], { scope: 'global', sparsity: 1, minPerLayer: 1 })).toThrow(/sparsity/);
    expect(proportionalSplit([1200, 1200], 25)).toEqual([13, 12]);
    expect(proportionalSplit([3, 1], 2)).toEqual([2, 0]);
  });
});
