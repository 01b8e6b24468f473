// Random score: the baseline that shows how much a real score matters.
import { zeroMasked, type ImportanceScore } from './types';

export const randomScore: ImportanceScore = {
  name: 'random',
  needsData: false,
  async compute(model, _data, opts) {
    return zeroMasked(model, model.widths.map((w) => {
      const s = new Float32Array(w);
      for (let j = 0; j < w; j++) s[j] = opts.rng.next() + 1e-9; // > 0 so alive units outrank masked ones
      return s;
    }));
  },
};
