import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor2D } from '../engine/tf';
import { kdLoss, softKl } from './kd';
import { crossEntropy } from '../train/loss';
import { logLogPearson, pearson } from './correlation';

beforeAll(async () => { await tf.setBackend('cpu'); await tf.ready(); });

// Golden values computed by hand in float64 (log-sum-exp), independent of tfjs.
const S = [[1, 2, 0.5], [-1, 0, 3]];
const Tt = [[2, 1, 0], [0, 0, 1]];
const Y = [1, 2];
const lsm = (z: number[]) => { const m = Math.max(...z); const l = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0)); return z.map((v) => v - l); };
function golden(alpha: number, T: number) {
  const ce = S.reduce((s, z, i) => s - lsm(z)[Y[i]], 0) / S.length;
  const kl = S.reduce((s, z, i) => {
    const lt = lsm(Tt[i].map((v) => v / T)), ls = lsm(z.map((v) => v / T));
    return s + lt.reduce((a, v, c) => a + Math.exp(v) * (v - ls[c]), 0);
  }, 0) / S.length;
  return { ce, kl, kd: alpha * ce + (1 - alpha) * T * T * kl };
}

describe('distillation loss', () => {
  for (const [alpha, T] of [[0.1, 20], [0.5, 2], [1, 1]]) {
    it(`α=${alpha}, T=${T} matches golden values`, () => {
      const before = tf.memory().numTensors;
      const s = tf.tensor2d(S) as Tensor2D, t = tf.tensor2d(Tt) as Tensor2D, y = tf.tensor1d(Y, 'int32');
      const g = golden(alpha, T);
      expect(tf.tidy(() => crossEntropy(s, y).dataSync()[0])).toBeCloseTo(g.ce, 5);
      expect(tf.tidy(() => softKl(s, t, T).dataSync()[0])).toBeCloseTo(g.kl, 6);
      expect(tf.tidy(() => kdLoss(s, t, y, { alpha, temperature: T }).dataSync()[0])).toBeCloseTo(g.kd, 4);
      s.dispose(); t.dispose(); y.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
  it('KL is 0 when student equals teacher', () => {
    const t = tf.tensor2d(Tt) as Tensor2D;
    expect(tf.tidy(() => softKl(t, t, 3).dataSync()[0])).toBeCloseTo(0, 6);
    t.dispose();
  });
});

describe('log-log correlation', () => {
  it('is 1 for a power law and skips zeros', () => {
    const a = [Float32Array.from([1, 2, 4, 0]), Float32Array.from([8])];
    const b = [Float32Array.from([3, 12, 48, 5]), Float32Array.from([192])]; // b = 3a²
    const c = logLogPearson(a, b);
    expect(c.n).toBe(4);
    expect(c.r).toBeCloseTo(1, 6);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 9);
  });
});
