import { describe, expect, it } from 'vitest';
import { Rng } from '../engine/rng';
import { loadNative } from '../engine/kernels/native';
import { CmspSuite, defaultSubsets, fillRows, packedSkill } from './cmsp';

// Brute-force label oracle, written from the definition: y = Σ_{j ∈ ∪_{i∈c} S_i} b_j mod 2,
// reading the control bits back from x to find c (so x's layout is checked too).
function oracleLabel(x: Float32Array, row: number, m: number, n: number, subsets: number[][]): number {
  const D = m + n;
  const code: number[] = [];
  for (let i = 0; i < m; i++) if (x[row * D + i] === 1) code.push(i);
  const union = new Set<number>();
  for (const i of code) for (const j of subsets[i]) union.add(j);
  let sum = 0;
  for (const j of union) sum += x[row * D + m + j];
  return sum % 2;
}

describe('CMSP suite', () => {
  it('labels every sample with the parity over the union of its code\'s subsets (default subsets)', () => {
    const suite = new CmspSuite({ m: 4, n: 20, k: 3 });
    const rng = new Rng(1);
    for (const code of [[0], [3], [0, 1, 2, 3], [1, 3], [2, 0]]) {
      const b = suite.sample(suite.skill(code), 500, rng);
      expect(b.x.length).toBe(500 * 24);
      let bad = 0; // counted, not asserted per element: expect() per value is slow
      for (let r = 0; r < b.count; r++) {
        // control bits are exactly the code, data bits are 0/1
        for (let i = 0; i < 4; i++) if (b.x[r * 24 + i] !== (code.includes(i) ? 1 : 0)) bad++;
        for (let j = 0; j < 20; j++) if (b.x[r * 24 + 4 + j] !== 0 && b.x[r * 24 + 4 + j] !== 1) bad++;
        if (b.y[r] !== oracleLabel(b.x, r, 4, 20, defaultSubsets(4, 3))) bad++;
      }
      expect(bad).toBe(0);
    }
  });

  it('honours explicit, overlapping subsets (a shared bit counts once in the union)', () => {
    const subsets = [[0, 5, 7], [7, 1], [9]];
    const suite = new CmspSuite({ m: 3, n: 10, k: 2, subsets });
    const s = suite.skill([0, 1]);
    expect(s.bits).toEqual([0, 1, 5, 7]);
    const rng = new Rng(2);
    const b = suite.sample(s, 1000, rng);
    let bad = 0;
    for (let r = 0; r < b.count; r++) if (b.y[r] !== oracleLabel(b.x, r, 3, 10, subsets)) bad++;
    expect(bad).toBe(0);
  });

  it('makes balanced labels and data bits, and is deterministic given the rng', () => {
    const suite = new CmspSuite({ m: 4, n: 64, k: 4 });
    const s = suite.skill([0, 1, 2, 3]);
    const a = suite.sample(s, 4000, new Rng(7));
    const b = suite.sample(s, 4000, new Rng(7));
    const c = suite.sample(s, 4000, new Rng(8));
    const same = (p: Float32Array | Int32Array, q: Float32Array | Int32Array) => Buffer.from(p.buffer).equals(Buffer.from(q.buffer));
    expect(same(a.x, b.x)).toBe(true);
    expect(same(a.y, b.y)).toBe(true);
    expect(same(a.x, c.x)).toBe(false);
    const mean = a.y.reduce((t, v) => t + v, 0) / a.count;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.04);
  });

  it('fills a shared batch at an offset without touching other rows', () => {
    const suite = new CmspSuite({ m: 2, n: 8, k: 4 });
    const out = { x: new Float32Array(6 * 10).fill(9), y: new Int32Array(6).fill(9), count: 6 };
    suite.sampleInto(suite.skill([1]), 2, new Rng(3), out, 2);
    expect(Array.from(out.x.subarray(0, 20))).toEqual(new Array(20).fill(9));
    expect(Array.from(out.x.subarray(40))).toEqual(new Array(20).fill(9));
    expect(out.x[20]).toBe(0);
    expect(out.x[21]).toBe(1);
    expect([0, 1]).toContain(out.y[2]);
    expect(out.y[4]).toBe(9);
    expect(() => suite.sampleInto(suite.skill([1]), 3, new Rng(3), out, 4)).toThrow(/cannot hold/);
  });

  // Oracle: the definition, row by row from the same seed (control one-hot, rng.fillBits data bits,
  // parity of the skill's bits), against the batch expansion — native and JS — for widths that do
  // and do not fill whole 32-bit words.
  it.each([[4, 64, 4, [0, 1, 2, 3]], [6, 18, 3, [1, 4]], [5, 40, 7, [2]], [3, 33, 11, [0, 2]]] as const)(
    'batch rows equal the row-by-row definition (m=%i, n=%i, k=%i, code %j), native and JS alike', (m, n, k, code) => {
      const suite = new CmspSuite({ m, n, k });
      const skill = suite.skill([...code]);
      const count = 700;
      const want = { x: new Float32Array(count * (m + n)), y: new Int32Array(count) };
      const ref = new Rng(11);
      for (let r = 0; r < count; r++) {
        const row = r * (m + n);
        for (const i of code) want.x[row + i] = 1;
        ref.fillBits(want.x, row + m, n);
        want.y[r] = skill.bits.reduce((p, j) => p ^ want.x[row + m + j], 0);
      }
      const got = suite.sample(skill, count, new Rng(11));
      expect(Array.from(got.x)).toEqual(Array.from(want.x));
      expect(Array.from(got.y)).toEqual(Array.from(want.y));
      // the JS expansion equals the native one on the same words (where the addon is built)
      const native = loadNative();
      if (native) {
        const { code: c, masks } = packedSkill(skill, n);
        const words = Uint32Array.from({ length: count * masks.length }, (_, i) => Math.imul(i + 1, 0x9e3779b1) >>> 0);
        const js = { x: new Float32Array((count + 3) * (m + n)), y: new Int32Array(count + 3), count: count + 3 };
        const nat = { x: new Float32Array((count + 3) * (m + n)), y: new Int32Array(count + 3), count: count + 3 };
        fillRows(words, js, 3, count, m, n, c, masks);
        native.cmspFill(words, nat.x, nat.y, 3, count, m, n, c, masks);
        expect(Array.from(nat.x)).toEqual(Array.from(js.x));
        expect(Array.from(nat.y)).toEqual(Array.from(js.y));
      }
    });

  it('names skills by their codes and rejects invalid references', () => {
    const suite = new CmspSuite({ m: 4, n: 16, k: 4 });
    expect(suite.skill([0, 1, 2, 3]).key).toBe('[0,1,2,3]');
    expect(suite.skill([2]).description).toMatch(/atomic.*4 of 16/);
    expect(() => suite.skill([4])).toThrow(/atomic 4, outside 0..3/);
    expect(() => suite.skill('even')).toThrow(/not a code/);
    expect(() => new CmspSuite({ m: 2, n: 4, k: 2, subsets: [[0], [4]] })).toThrow(/outside 0..3/);
  });
});
