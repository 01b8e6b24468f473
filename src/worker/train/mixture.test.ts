import { describe, expect, it } from 'vitest';
import { Rng } from '../engine/rng';
import { CmspSuite } from '../tasks/cmsp';
import { LearnedTracker } from './learned';
import { MixtureSampler, mixtureSkills } from './mixture';

describe('MixtureSampler', () => {
  const suite = new CmspSuite({ m: 3, n: 12, k: 4 });

  it('fills one contiguous block per component, in order', () => {
    const s = new MixtureSampler(suite, [{ skill: [0], perStep: 3 }, { skill: [1, 2], perStep: 5 }]);
    const b = s.sample(0, new Rng(1));
    expect(b.count).toBe(8);
    const controls = Array.from({ length: 8 }, (_, r) => Array.from(b.x.subarray(r * 15, r * 15 + 3)).join(''));
    expect(controls).toEqual(['100', '100', '100', '011', '011', '011', '011', '011']);
  });

  it('switches phases by step and counts samples seen across phases', () => {
    const s = new MixtureSampler(suite, { schedule: [
      { fromStep: 0, components: [{ skill: [0], perStep: 4 }, { skill: [0, 1, 2], perStep: 2 }] },
      { fromStep: 10, components: [{ skill: [0, 1, 2], perStep: 3 }] },
    ] });
    expect(s.batchSizeAt(9)).toBe(6);
    expect(s.batchSizeAt(10)).toBe(3);
    expect(s.sample(12, new Rng(2)).count).toBe(3);
    // brute force: sum of batch sizes over steps 0..n-1
    for (const n of [0, 1, 10, 11, 25]) {
      let want = 0;
      for (let i = 0; i < n; i++) want += s.batchSizeAt(i);
      expect(s.samplesSeen(n)).toBe(want);
    }
    expect(mixtureSkills({ schedule: [
      { fromStep: 0, components: [{ skill: [0], perStep: 1 }] },
      { fromStep: 5, components: [{ skill: [0], perStep: 1 }, { skill: [1], perStep: 1 }] },
    ] })).toEqual([[0], [1]]);
  });

  it('rejects a skill the suite does not have', () => {
    expect(() => new MixtureSampler(suite, [{ skill: [5], perStep: 1 }])).toThrow(/atomic 5/);
  });
});

describe('LearnedTracker', () => {
  it('records the first step whose window minimum is below the threshold, and round-trips its state', () => {
    const t = new LearnedTracker(['a', 'b'], { thresholdBits: 0.1, window: 100 });
    const losses = [1, 0.9, 0.5, 0.2, 0.09, 0.3, 0.05];
    losses.forEach((l, i) => { t.observe('a', (i + 1) * 50, l, (i + 1) * 500); t.observe('b', (i + 1) * 50, 1, (i + 1) * 500); });
    expect(t.stepsToLearn()).toEqual({ a: 250, b: null });
    expect(t.samplesToLearn()).toEqual({ a: 2500, b: null });
    // the window holds evaluations within the last 100 steps: at step 350 those of 300 and 350
    expect(t.windowMin('a')).toBe(0.05);
    const u = new LearnedTracker(['a', 'b']);
    u.setState(JSON.parse(JSON.stringify(t.getState())));
    expect(u.stepsToLearn()).toEqual(t.stepsToLearn());
    u.observe('b', 400, 0.01, 4000);
    expect(u.stepsToLearn()).toEqual({ a: 250, b: 400 });
  });
  it('drops evaluations older than the window', () => {
    const t = new LearnedTracker(['a'], { thresholdBits: 0.1, window: 100 });
    t.observe('a', 100, 0.5, 0);
    t.observe('a', 150, 0.7, 0);
    expect(t.windowMin('a')).toBe(0.5);
    t.observe('a', 200, 0.8, 0); // the evaluation at 100 is now outside (100, 200]
    expect(t.windowMin('a')).toBe(0.7);
  });
});
