import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../engine/rng';
import { tf, type Tensor2D } from '../engine/tf';
import { MaskableMlp } from '../models/mlp/model';
import { compactionReport, compactMlp } from './compact';

beforeAll(async () => { await tf.setBackend('cpu'); await tf.ready(); });

describe('compaction', () => {
  for (const activation of ['relu', 'tanh'] as const) {
    it(`a compacted ${activation} MLP has the masked model's outputs and fewer parameters`, () => {
      const before = tf.memory().numTensors;
      const m = MaskableMlp.create({ inputs: 6, hidden: [10, 7, 5], outputs: 3, activation }, new Rng(3));
      m.setMask(0, [1, 0, 1, 1, 0, 0, 1, 1, 1, 0]);
      m.setMask(1, [0, 1, 1, 0, 1, 1, 0]);
      m.setMask(2, [1, 1, 0, 1, 1]);
      // no applyMasks: masked units still hold weights; the forward mask alone must be matched
      const w = m.toWeightsSync();
      const c = compactMlp(w);
      expect(c.config.hidden).toEqual([6, 4, 4]);
      const small = new MaskableMlp(c);
      const rng = new Rng(9);
      const x = tf.tensor2d(Array.from({ length: 64 * 6 }, () => rng.uniform(-2, 2)), [64, 6]) as Tensor2D;
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(m.forward(x), small.forward(x)))).dataSync()[0]);
      expect(diff).toBeLessThanOrEqual(1e-6);
      const rep = compactionReport(w, c);
      expect(rep.paramsBefore).toBe(m.paramCount());
      expect(rep.paramsAfter).toBe(m.activeParamCount());
      expect(rep.paramsAfter).toBe(small.paramCount());
      x.dispose(); m.dispose(); small.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
  it('refuses to empty a layer', () => {
    const m = MaskableMlp.create({ inputs: 2, hidden: [2], outputs: 2, activation: 'relu' }, new Rng(1));
    m.setMask(0, [0, 0]);
    expect(() => compactMlp(m.toWeightsSync())).toThrow(/no units/);
    m.dispose();
  });
});
