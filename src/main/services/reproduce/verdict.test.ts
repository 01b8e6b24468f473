// The verdict rule, the spread over seeds, censored ratios and the band chart, against values
// worked out by hand.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { need } from '../../../../test/helpers/prereqs';
import { bandChartSvg, bandDomain } from '../report/bandChart';
import type { StudyRow } from '../../../shared/api';
import { censoredRatio, selectResults, SUITE } from './suite';
import { boundMark, formatSpread, spread, verdict } from './verdict';

describe('spread', () => {
  it('gives mean, sample sd, min and max (hand-computed)', () => {
    // values 1, 2, 4: mean 7/3, deviations -4/3, -1/3, 5/3 → sum of squares 42/9, / (n-1) = 7/3
    const s = spread([{ seed: 0, value: 1 }, { seed: 1, value: 2 }, { seed: 2, value: 4 }])!;
    expect(s.mean).toBeCloseTo(7 / 3, 14);
    expect(s.sd).toBeCloseTo(Math.sqrt(7 / 3), 14);
    expect([s.min, s.max, s.n, s.atLeast, s.atMost]).toEqual([1, 4, 3, false, false]);
    expect(formatSpread(s)).toBe('2.33 ± 1.53 (1.00–4.00, 3 seeds)');
    expect(spread([{ seed: 0, value: 0.5 }])!.sd).toBe(0);
    expect(spread([])).toBeNull();
    expect(formatSpread(spread([{ seed: 0, value: 3, atLeast: true }, { seed: 1, value: 5 }]))).toBe('≥ 4.00 ± 1.41 (3.00–5.00, 2 seeds)');
    expect(formatSpread(spread([{ seed: 0, value: 3, atLeast: true }, { seed: 1, value: 5, atMost: true }]))).toBe('~ 4.00 ± 1.41 (3.00–5.00, 2 seeds)');
    expect([boundMark({}), boundMark({ atLeast: true }), boundMark({ atMost: true }), boundMark({ atLeast: true, atMost: true })]).toEqual(['', '≥', '≤', '~']);
  });
});

describe('verdict', () => {
  const s = (mean: number) => spread([{ seed: 0, value: mean }]);
  it('agrees in the band with the ordering, ordering only outside it, disagrees when the ordering fails', () => {
    expect(verdict(s(3), { lo: 2, hi: Infinity }, true)).toBe('agrees');
    expect(verdict(s(1.5), { lo: 2, hi: Infinity }, true)).toBe('agrees in ordering only');
    expect(verdict(s(0.7), { lo: 2, hi: Infinity }, false)).toBe('disagrees');
    // in the band but the ordering fails: still disagrees
    expect(verdict(s(0), { lo: 0, hi: 0 }, false)).toBe('disagrees');
    // no ordering: the band alone decides
    expect(verdict(s(0.55), { lo: 0, hi: 0.65 }, null)).toBe('agrees');
    expect(verdict(s(0.9), { lo: 0, hi: 0.65 }, null)).toBe('disagrees');
    expect(verdict(null, { lo: 0, hi: 1 }, null)).toBe('no data');
  });
});

describe('censoredRatio', () => {
  it('is exact when both reached the target, a bound when one did not, nothing when neither did', () => {
    expect(censoredRatio(6000, 2000, 1e5, 1e5)).toEqual({ value: 3 });
    expect(censoredRatio(null, 2000, 96000, 1e5)).toEqual({ value: 48, atLeast: true });
    expect(censoredRatio(6000, null, 1e5, 12000)).toEqual({ value: 0.5, atMost: true });
    expect(censoredRatio(null, null, 1, 1)).toBeNull();
  });
});

describe('selectResults', () => {
  it('takes comma-separated names and names the known ones for an unknown one', () => {
    expect(selectResults('nonlocality, curriculum').map((r) => r.name)).toEqual(['curriculum', 'nonlocality']);
    expect(() => selectResults('fig9')).toThrow(/unknown result 'fig9' \(known: curriculum, nonlocality/);
  });
});

describe('the orderings between two arms', () => {
  const curriculum = SUITE.find((r) => r.name === 'curriculum')!;
  const study = (regimes: { regime: string; learned: (boolean | null)[] }[]): StudyRow => ({
    id: 's', name: 's', kind: 'curriculum', status: 'done', createdAt: 1, runIds: [], spec: {} as StudyRow['spec'],
    summary: { regimes: regimes.map((r) => ({ regime: r.regime, seeds: r.learned.map((l, seed) => ({ seed, status: l === null ? 'failed' : 'done', stepsToLearn: l ? 100 : null })) })) },
  });

  it("compares a row's mean with the other arm's, and tests no ordering when the other arm has no value", () => {
    // broad learns in 2 of 3 seeds (0.67), narrow in 0 of 2: both orderings hold
    const [broad, narrow] = curriculum.rows([study([{ regime: 'broad', learned: [true, true, false] }, { regime: 'narrow', learned: [false, false] }])]);
    expect([broad.whittle?.mean, narrow.whittle?.mean]).toEqual([2 / 3, 0]);
    expect([broad.orderingHolds, narrow.orderingHolds]).toEqual([true, true]);
    // narrow learns as often as broad (1 of 2 each): neither "more" nor "fewer" holds
    const [b2, n2] = curriculum.rows([study([{ regime: 'broad', learned: [true, false] }, { regime: 'narrow', learned: [false, true] }])]);
    expect([b2.orderingHolds, n2.orderingHolds, n2.verdict]).toEqual([false, false, 'disagrees']);
    // no narrow seed finished: the broad row has no ordering to test, the narrow row no data
    const [b3, n3] = curriculum.rows([study([{ regime: 'broad', learned: [true] }, { regime: 'narrow', learned: [null] }])]);
    expect([b3.orderingHolds, n3.orderingHolds, n3.verdict]).toEqual([null, null, 'no data']);
  });
});

describe('bandChartSvg', () => {
  const input = { title: 'ratio <a & b>', band: { lo: 2, hi: Infinity }, paper: null, seeds: [{ value: 1 }, { value: 5, bound: true }], mean: 3 };
  it('spans 0, the band and every value; an open band runs past the largest value', () => {
    const [lo, hi] = bandDomain(input);
    // values 0..5, pad 5% of the span (0.25) on each side
    expect(lo).toBeCloseTo(-0.25, 12);
    expect(hi).toBeCloseTo(5.25, 12);
    expect(bandDomain({ ...input, seeds: [], mean: 1 })[1]).toBeCloseTo(3 + 0.15, 12);
  });
  it.skipIf(!need('python3', import.meta.url))('is well-formed SVG with the band, each seed (hollow when a bound) and the mean, title escaped', () => {
    const svg = bandChartSvg(input);
    expect(svg).toContain('ratio &lt;a &amp; b&gt;');
    expect((svg.match(/class="seed"/g) ?? []).length).toBe(2);
    expect(svg).toMatch(/class="seed"[^>]*fill="none"/);
    expect(svg).toContain('class="mean"');
    expect(svg).not.toContain('class="paper"');
    // mean 3 on [-0.25, 5.25] over 16..544 px: 16 + 3.25/5.5 · 528 = 328
    expect(svg).toContain('x1="328.0"');
    const tag = execFileSync('python3', ['-c', 'import sys, xml.etree.ElementTree as E; print(E.fromstring(sys.stdin.read()).tag)'], { input: svg, encoding: 'utf8' }).trim();
    expect(tag).toBe('{http://www.w3.org/2000/svg}svg');
  });
});
