// The one prune step (score → select → pruner) on both families through their UnitModel: the
// same call keeps the best-scoring units, never revives a masked one, and zeroes every slice a
// removed unit owns (an MLP's in/bias/out, a decoder's gate/up/down).
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend';
import { Rng } from '../engine/rng';
import { tf } from '../engine/tf';
import { decoderConfig } from '../models/decoder/config';
import { Transformer } from '../models/decoder/model';
import { transformerUnits } from '../models/decoder/units';
import { MaskableMlp } from '../models/mlp/model';
import { mlpUnits } from '../models/mlp/units';
import type { UnitModel } from '../models/units';
import { applyUnitMasks, pruneUnits } from './prune';

beforeAll(async () => { await initBackend('cpu'); });

/** Every slice of every masked unit is exactly zero; every kept unit has a non-zero slice. */
function expectPruned(units: UnitModel) {
  units.widths.forEach((w, l) => {
    for (const s of units.slices(l, 'inBiasOut')) {
      const v = s.param.arraySync() as number[] | number[][];
      for (let j = 0; j < w; j++) {
        const slice = s.param.rank === 1 ? [(v as number[])[j]] : s.axis === 0 ? (v as number[][])[j] : (v as number[][]).map((r) => r[j]);
        if (units.masks[l][j] === 0) expect(slice.every((x) => x === 0), `layer ${l} unit ${j} ${s.role}`).toBe(true);
        else if (s.role !== 'bias') expect(slice.some((x) => x !== 0), `layer ${l} unit ${j} ${s.role}`).toBe(true);
      }
    }
  });
}

describe('pruneUnits', () => {
  const scores = [Float32Array.from([5, 1, 4, 2, 3, 6]), Float32Array.from([1, 9, 8, 2, 7])];

  it('prunes an MLP and a gated decoder with the same call', () => {
    const before = tf.memory().numTensors;
    const mlp = MaskableMlp.create({ inputs: 3, hidden: [6, 5], outputs: 2, activation: 'relu' }, new Rng(1));
    const dec = Transformer.create(decoderConfig({
      vocab: 7, context: 4, dModel: 8, heads: 2, headDim: 4, mlp: [6, 5], gatedMlp: true, activation: 'silu', bias: { qkv: true, attnOut: true, mlp: true },
    }), new Rng(2));
    // biases start at zero in the decoder: give them values so zeroing is visible
    tf.tidy(() => dec.params().forEach((v) => { if (v.rank === 1) v.assign(tf.add(v, 0.5)); }));
    for (const units of [mlpUnits(mlp), transformerUnits(dec)]) {
      units.setMask(1, [1, 1, 1, 0, 1]); // unit 3 of layer 1 was pruned before
      const masks = pruneUnits(units, scores, { scope: 'global', keep: 6, minPerLayer: 1 });
      // each layer's best first (6, 9), then 8, 7, 5, 4 across layers; the masked unit stays out
      expect(masks.map((m) => Array.from(m))).toEqual([[1, 0, 1, 0, 0, 1], [0, 1, 1, 0, 1]]);
      expect(units.masks.map((m) => Array.from(m))).toEqual(masks.map((m) => Array.from(m)));
      expectPruned(units);
      expect(() => applyUnitMasks(units, [masks[0]])).toThrow(/1 masks for 2 prunable layers/);
    }
    mlp.dispose(); dec.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
