import { describe, expect, it } from 'vitest';
import { Rng } from './rng';

describe('Rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new Rng(1), b = new Rng(1), c = new Rng(2);
    const xa = Array.from({ length: 5 }, () => a.u32());
    expect(Array.from({ length: 5 }, () => b.u32())).toEqual(xa);
    expect(Array.from({ length: 5 }, () => c.u32())).not.toEqual(xa);
  });
  it('resumes the same stream from a saved state', () => {
    const a = new Rng(7);
    for (let i = 0; i < 10; i++) a.u32();
    const b = new Rng(a.getState());
    expect(b.u32()).toBe(a.u32());
  });
  it('draws fair bits and uniform floats', () => {
    const r = new Rng(3);
    const bits = new Uint8Array(100_000);
    r.fillBits(bits);
    const mean = bits.reduce((s, v) => s + v, 0) / bits.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    for (let i = 0; i < 1000; i++) {
      const x = r.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});
