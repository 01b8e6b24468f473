// The rule that turns numbers into a verdict, and the spread over seeds. Nothing here is typed in
// by hand: a row's verdict follows from Whittle's per-seed values, the paper's band and the
// direction the paper's claim points.
import type { Band } from './paper';

export type Verdict = 'agrees' | 'agrees in ordering only' | 'disagrees' | 'no data';

/** One seed's value. `atLeast`: a lower bound (a method that never reached the target within its
 *  budget counts as needing at least its whole budget, so a ratio over it is "≥"; `atMost`: an
 *  upper bound, when the denominator's method never reached the target). */
export interface SeedValue { seed: number; value: number; atLeast?: boolean; atMost?: boolean }

export interface Spread { n: number; mean: number; sd: number; min: number; max: number; atLeast: boolean; atMost: boolean }

/** Mean, sample standard deviation (0 for one seed), min and max; `atLeast` when any seed is a bound. */
export function spread(xs: SeedValue[]): Spread | null {
  const v = xs.map((x) => x.value).filter(Number.isFinite);
  if (!v.length) return null;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { n: v.length, mean, sd, min: Math.min(...v), max: Math.max(...v), atLeast: xs.some((x) => x.atLeast), atMost: xs.some((x) => x.atMost) };
}

/**
 * The verdict rule (printed in the report):
 * - `ordering` is the sign the paper's claim has (e.g. "pruning needs fewer samples than scratch"
 *   is ratio > 1), tested on Whittle's mean over seeds: `orderingHolds`.
 * - agrees: the ordering holds (or the row has none) and the mean lies in the paper's band;
 *   a lower bound (≥) agrees when the bound lies in the band.
 * - agrees in ordering only: the ordering holds but the mean is outside the band.
 * - disagrees: the ordering fails, or (rows without an ordering) the mean is outside the band.
 */
export function verdict(s: Spread | null, band: Band, orderingHolds: boolean | null): Verdict {
  if (!s) return 'no data';
  const inBand = s.mean >= band.lo - 1e-12 && s.mean <= band.hi + 1e-12;
  if (orderingHolds === false) return 'disagrees';
  if (inBand) return 'agrees';
  return orderingHolds === true ? 'agrees in ordering only' : 'disagrees';
}

/** How a value that is a bound is marked: ≥ a lower bound, ≤ an upper one, ~ a mean over both at
 *  once (neither), nothing for an exact value. */
export function boundMark(b: { atLeast?: boolean; atMost?: boolean }): '~' | '≥' | '≤' | '' {
  return b.atLeast && b.atMost ? '~' : b.atLeast ? '≥' : b.atMost ? '≤' : '';
}

/** "0.83 ± 0.05 (0.78–0.88, 3 seeds)"; "≥ 4.2 …" when a seed's value is a lower bound, "≤" an upper. */
export function formatSpread(s: Spread | null, digits = 2): string {
  if (!s) return 'no data';
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(digits) : '∞');
  const mark = boundMark(s);
  const ge = mark ? `${mark} ` : '';
  if (s.n === 1) return `${ge}${f(s.mean)} (1 seed)`;
  return `${ge}${f(s.mean)} ± ${f(s.sd)} (${f(s.min)}–${f(s.max)}, ${s.n} seeds)`;
}
