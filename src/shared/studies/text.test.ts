// A size's names: the study key's label (lmSizeLabel), read back (parseLmSizeLabel), and the words
// people read (lmSizeTitle), which the lm-compare summary and the GUI share.
import { describe, expect, it } from 'vitest';
import { type LmSize, lmSizeLabel, lmSizeTitle, parseLmSizeLabel } from './text';

describe('lm-compare size labels', () => {
  it('reads back every label it writes, and nothing else', () => {
    const sizes: LmSize[] = [96, 1, { mlp: 0.5 }, { mlp: 1 }, { mlp: 0.25, heads: 0.5 }, { mlp: 0.001 }, { mlp: 1e-7, heads: 0.125 }];
    for (const s of sizes) expect(parseLmSizeLabel(lmSizeLabel(s))).toEqual(s);
    for (const bad of ['', 'mlp', 'mlp2', 'mlp0', 'mlp0.5-heads', 'mlp0.5-heads1.5', 'heads0.5', '0', '1.5', 'attribution/mlp0.5', '50% MLP']) expect(parseLmSizeLabel(bad), bad).toBeNull();
  });

  it('words a size for people', () => {
    expect(lmSizeTitle(1200)).toBe('1,200 neurons');
    expect(lmSizeTitle({ mlp: 0.5 })).toBe('50% MLP');
    expect(lmSizeTitle({ mlp: 0.125, heads: 0.5 })).toBe('12.5% MLP, 50% heads');
    expect(lmSizeTitle({ mlp: 0.5, heads: 1 })).toBe('50% MLP'); // all heads kept: not a head size
  });
});
