import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../shared/canonicalJson';
import { accuracyPerSkill, keptSkill, removedSkills, specHash } from './card';

describe('model card facts', () => {
  it('reads the kept and removed skills from compression and training specs', () => {
    expect(keptSkill({ kind: 'prune', keep: [0, 1] })).toBe('[0,1]');
    expect(keptSkill({ kind: 'train', target: 'even' })).toBe('even');
    expect(keptSkill({ kind: 'train' })).toBeNull();
    expect(removedSkills({ remove: [[1], 'odd'] }, null)).toEqual(['[1]', 'odd']);
    expect(removedSkills({}, { removed: [{ skill: '[2]', acc: 0.5 }] })).toEqual(['[2]']);
    expect(removedSkills({}, null)).toEqual([]);
  });

  it('reads accuracy per skill from compression, training and flat summaries', () => {
    expect(accuracyPerSkill({ kept: { skill: '[0]', acc: 0.9 }, removed: [{ skill: '[1]', acc: 0.5 }] })).toEqual({ '[0]': 0.9, '[1]': 0.5 });
    expect(accuracyPerSkill({ finalAcc: { '[0]': 0.8, '[1]': null } })).toEqual({ '[0]': 0.8 });
    expect(accuracyPerSkill({ 'acc/even': 0.7, steps: 3 })).toEqual({ even: 0.7 });
    expect(accuracyPerSkill({ steps: 3 })).toBeNull();
    expect(accuracyPerSkill(null)).toBeNull();
  });

  it('hashes specs canonically: key order does not matter, values do', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }], u: undefined })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    expect(specHash({ a: 1, b: 2 })).toBe(specHash({ b: 2, a: 1 }));
    expect(specHash({ a: 1 })).not.toBe(specHash({ a: 2 }));
  });
});
