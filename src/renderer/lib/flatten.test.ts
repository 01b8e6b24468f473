import { describe, expect, it } from 'vitest';
import { flatten, specDiff } from './flatten';

describe('spec flattening and diff', () => {
  it('flattens nested specs to dotted paths', () => {
    expect(flatten({ a: 1, m: { hidden: [8, 8] }, mix: [{ skill: [0], perStep: 2 }] })).toEqual({
      a: 1, 'm.hidden': '[8,8]', 'mix[0].skill': '[0]', 'mix[0].perStep': 2,
    });
  });

  it('marks the fields that differ', () => {
    const d = specDiff([{ steps: 10, seed: 0 }, { steps: 10, seed: 1, extra: true }]);
    expect(d.filter((r) => r.differs).map((r) => r.path)).toEqual(['extra', 'seed']);
    expect(d.find((r) => r.path === 'steps')!.differs).toBe(false);
  });
});
