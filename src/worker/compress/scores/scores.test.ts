import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../engine/rng';
import { tf } from '../../engine/tf';
import { MaskableMlp, type MlpConfig } from '../../models/mlp/model';
import { lcg, mean, refForward } from '../testutil';
import { mlpUnits } from '../units';
import { SCORES, type ScoreOptions } from './index';

beforeAll(async () => { await tf.setBackend('cpu'); await tf.ready(); });

function setup(activation: 'relu' | 'tanh', masked = false) {
  const config: MlpConfig = { inputs: 3, hidden: [5, 4], outputs: 3, activation };
  const model = MaskableMlp.create(config, new Rng(11));
  if (masked) { model.setMask(0, [1, 0, 1, 1, 1]); model.applyMasks(); }
  const r = lcg(5);
  const x = Array.from({ length: 7 }, () => [r() * 2, r() * 2, r() * 2]);
  const y = x.map((_, i) => i % 3);
  const weights = model.toWeightsSync();
  return { model, units: mlpUnits(model), x, y, weights };
}

async function run(name: keyof typeof SCORES, s: ReturnType<typeof setup>, opts: Partial<ScoreOptions> = {}) {
  const x = tf.tensor2d(s.x), y = tf.tensor1d(s.y, 'int32');
  try {
    return await SCORES[name].compute(s.units, { x, y }, { rng: new Rng(1), group: 'inBiasOut', site: 'pre', reduce: 'meanAbs', ...opts });
  } finally { x.dispose(); y.dispose(); }
}

const close = (got: number, want: number, rel = 2e-3, abs = 2e-5) => {
  expect(Math.abs(got - want), `got ${got}, want ${want}`).toBeLessThanOrEqual(abs + rel * Math.abs(want));
};

describe('importance scores vs float64 oracles', () => {
  it('ablation equals |L(unit removed) − L| (brute force)', async () => {
    const s = setup('relu', true);
    const before = tf.memory().numTensors;
    const got = await run('ablation', s);
    expect(tf.memory().numTensors).toBe(before);
    const base = mean(refForward(s.weights, s.x, s.y).losses);
    s.weights.config.hidden.forEach((w, layer) => {
      for (let j = 0; j < w; j++) {
        const want = s.weights.masks[layer][j] ? Math.abs(mean(refForward(s.weights, s.x, s.y, { remove: { layer, index: j } }).losses) - base) : 0;
        close(got[layer][j], want, 1e-4, 3e-6);
      }
    });
    s.model.dispose();
  });

  for (const act of ['relu', 'tanh'] as const) for (const site of ['pre', 'post'] as const) for (const reduce of ['meanAbs', 'absSum'] as const) {
    it(`activation attribution ${reduce} on ${site}-activation (${act}) matches finite differences`, async () => {
      const s = setup(act);
      const before = tf.memory().numTensors;
      const got = await run('attribution', s, { site, reduce });
      expect(tf.memory().numTensors).toBe(before);
      const eps = 1e-6;
      const ref = refForward(s.weights, s.x, s.y);
      s.weights.config.hidden.forEach((w, layer) => {
        for (let j = 0; j < w; j++) {
          const terms = s.x.map((_, i) => {
            const lp = refForward(s.weights, s.x, s.y, { perturb: { site, layer, row: i, index: j, eps } }).losses[i];
            const lm = refForward(s.weights, s.x, s.y, { perturb: { site, layer, row: i, index: j, eps: -eps } }).losses[i];
            const a = (site === 'pre' ? ref.pre : ref.post)[layer][i][j];
            return a * (lp - lm) / (2 * eps);
          });
          const want = reduce === 'meanAbs' ? mean(terms.map(Math.abs)) : Math.abs(terms.reduce((p, v) => p - v, 0)) / terms.length;
          close(got[layer][j], want);
        }
      });
      s.model.dispose();
    });
  }

  for (const group of ['inBiasOut', 'inOut'] as const) {
    it(`parameter-gradient attribution (${group}) matches finite differences`, async () => {
      const s = setup('tanh', true);
      const before = tf.memory().numTensors;
      const got = await run('paramGradient', s, { group });
      expect(tf.memory().numTensors).toBe(before);
      const W = s.weights.W.map((a) => Float64Array.from(a)), b = s.weights.b.map((a) => Float64Array.from(a));
      const L = () => mean(refForward(s.weights, s.x, s.y, { W, b }).losses);
      const term = (arr: Float64Array, k: number) => {
        const v = arr[k], eps = 1e-6;
        arr[k] = v + eps; const lp = L(); arr[k] = v - eps; const lm = L(); arr[k] = v;
        return Math.abs(v * (lp - lm) / (2 * eps));
      };
      const dims = [3, 5, 4, 3];
      s.weights.config.hidden.forEach((w, h) => {
        for (let j = 0; j < w; j++) {
          let want = 0;
          for (let r = 0; r < dims[h]; r++) want += term(W[h], r * dims[h + 1] + j);
          if (group === 'inBiasOut') want += term(b[h], j);
          for (let c = 0; c < dims[h + 2]; c++) want += term(W[h + 1], j * dims[h + 2] + c);
          close(got[h][j], s.weights.masks[h][j] ? want : 0);
        }
      });
      s.model.dispose();
    });
  }

  it('magnitude is the L2 norm of the unit group', async () => {
    const s = setup('relu');
    const got = await run('magnitude', s, { group: 'inBiasOut' });
    const got2 = await run('magnitude', s, { group: 'inOut' });
    const d = [3, 5, 4, 3];
    s.weights.config.hidden.forEach((w, h) => {
      for (let j = 0; j < w; j++) {
        let ss = 0;
        for (let r = 0; r < d[h]; r++) ss += s.weights.W[h][r * d[h + 1] + j] ** 2;
        for (let c = 0; c < d[h + 2]; c++) ss += s.weights.W[h + 1][j * d[h + 2] + c] ** 2;
        close(got2[h][j], Math.sqrt(ss), 1e-5, 1e-6);
        close(got[h][j], Math.sqrt(ss + s.weights.b[h][j] ** 2), 1e-5, 1e-6);
      }
    });
    s.model.dispose();
  });

  it('random is seeded, positive for live units and 0 for masked ones', async () => {
    const s = setup('relu', true);
    const a = await run('random', s), b = await run('random', s);
    expect(a).toEqual(b);
    expect(a[0][1]).toBe(0);
    expect(a[1].every((v) => v > 0)).toBe(true);
    s.model.dispose();
  });
});
