import { describe, expect, it } from 'vitest';
import { ema, envelope, groupKeys, thin } from './smooth';

const pts = (ys: number[]) => ys.map((y, x) => ({ x, y }));

describe('smoothing', () => {
  it('EMA with weight 0 is the raw series; debiased from the first point', () => {
    expect(ema(pts([1, 2, 3]), 0).map((p) => p.y)).toEqual([1, 2, 3]);
    const s = ema(pts([4, 4, 4]), 0.9).map((p) => p.y);
    for (const y of s) expect(y).toBeCloseTo(4, 10);
    const t = ema(pts([0, 10]), 0.5).map((p) => p.y);
    expect(t[1]).toBeCloseTo((0.5 * 0 * 0.5 + 0.5 * 10) / (1 - 0.25), 10);
  });

  it('the envelope brackets the raw values', () => {
    const raw = pts([1, 5, 2, 8, 3]);
    const { lo, hi } = envelope(raw, 0.9);
    raw.forEach((p, i) => {
      expect(lo[i].y).toBeLessThanOrEqual(p.y);
      expect(hi[i].y).toBeGreaterThanOrEqual(p.y);
    });
    const none = envelope(raw, 0);
    expect(none.lo.map((p) => p.y)).toEqual([1, 5, 2, 8, 3]);
  });

  it('thins long series but keeps the last point', () => {
    const t = thin(pts(Array.from({ length: 1000 }, (_, i) => i)), 100);
    expect(t).toHaveLength(100);
    expect(t[99].y).toBe(999);
  });

  it('groups metric keys by prefix, loss and accuracy first', () => {
    const g = groupKeys(['units/active', 'count', 'acc/[0]', 'loss/[0,1]', 'loss/[0]', 'activeUnits']);
    expect(g.map((x) => x.group)).toEqual(['loss', 'acc', 'activeUnits', 'units', 'count']);
    expect(g[0].keys.map((k) => k.label)).toEqual(['[0,1]', '[0]']);
  });
});
