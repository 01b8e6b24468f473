import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../engine/backend';
import { Rng } from '../../engine/rng';
import { tf, type Tensor2D } from '../../engine/tf';
import { crossEntropy } from '../../train/loss';
import { countParams, initWeights, MaskableMlp, type MlpConfig } from './model';
import { refCrossEntropy, refForward, refNumericGrad, refParams } from './reference';

beforeAll(async () => { await initBackend('cpu'); });

function randomBatch(rng: Rng, count: number, inputs: number, classes: number) {
  const x = Float32Array.from({ length: count * inputs }, () => rng.uniform(-1, 1));
  const y = Int32Array.from({ length: count }, () => rng.int(classes));
  return { x, y };
}

describe('MaskableMlp shape and init', () => {
  it('counts the reference sizes exactly', () => {
    const c = (hidden: number[]): MlpConfig => ({ inputs: 68, hidden, outputs: 2, activation: 'relu' });
    expect(countParams(c([128, 128]))).toBe(25_602);
    expect(countParams(c([128]))).toBe(9_090);
    expect(countParams(c([361]))).toBe(25_633);
    const before = tf.memory().numTensors;
    const m = MaskableMlp.create(c([128, 128]), new Rng(0));
    expect(m.paramCount()).toBe(25_602);
    expect(m.params().reduce((s, v) => s + v.size, 0)).toBe(25_602);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before); // creating and disposing a model leaks nothing
  });

  it('initialises weights and biases uniformly within ±1/√fan_in (PyTorch default)', () => {
    const w = initWeights({ inputs: 68, hidden: [128, 128], outputs: 2, activation: 'relu' }, new Rng(3));
    const fanIn = [68, 128, 128];
    fanIn.forEach((f, l) => {
      const bound = 1 / Math.sqrt(f);
      for (const arr of [w.W[l], w.b[l]]) {
        let max = 0;
        for (const v of arr) max = Math.max(max, Math.abs(v));
        expect(max).toBeLessThanOrEqual(bound);
        if (arr.length >= 100) expect(max).toBeGreaterThan(0.9 * bound); // fills the range, not a narrower one
      }
      // mean ≈ 0 and variance ≈ bound²/3 for the uniform distribution
      const W = w.W[l];
      const mean = W.reduce((s, v) => s + v, 0) / W.length;
      const variance = W.reduce((s, v) => s + (v - mean) ** 2, 0) / W.length;
      expect(Math.abs(mean)).toBeLessThan(0.05 * bound);
      expect(variance / (bound * bound / 3)).toBeGreaterThan(0.9);
      expect(variance / (bound * bound / 3)).toBeLessThan(1.1);
    });
  });
});

describe('MaskableMlp forward and masks', () => {
  it('matches the float64 reference forward pass, with and without masks', () => {
    const rng = new Rng(11);
    for (const activation of ['relu', 'tanh'] as const) {
      const w = initWeights({ inputs: 6, hidden: [5, 4], outputs: 3, activation }, rng);
      w.masks[0][1] = 0; w.masks[1][3] = 0;
      const m = new MaskableMlp(w);
      const { x } = randomBatch(rng, 9, 6, 3);
      const got = tf.tidy(() => m.forward(tf.tensor2d(x, [9, 6])).arraySync());
      const want = refForward(w, refParams(w), x, 9);
      got.forEach((row, r) => row.forEach((v, j) => expect(Math.abs(v - want[r][j])).toBeLessThan(1e-5)));
      m.dispose();
    }
  });

  it('a masked unit contributes nothing: changing its weights leaves the output unchanged', () => {
    const rng = new Rng(5);
    const w = initWeights({ inputs: 6, hidden: [5, 4], outputs: 2, activation: 'relu' }, rng);
    const { x } = randomBatch(rng, 4, 6, 2);
    const mask = Float32Array.from([1, 0, 1, 1, 1]);
    const run = (ww: typeof w) => {
      const m = new MaskableMlp(ww);
      m.setMask(0, mask);
      const out = tf.tidy(() => m.forward(tf.tensor2d(x, [4, 6])).dataSync());
      m.dispose();
      return Array.from(out);
    };
    const base = run(w);
    const w2 = { ...w, W: w.W.map((a) => Float32Array.from(a)), b: w.b.map((a) => Float32Array.from(a)) };
    for (let i = 0; i < 6; i++) w2.W[0][i * 5 + 1] += 3; // incoming column of unit (0, 1)
    w2.b[0][1] += 3;
    for (let j = 0; j < 4; j++) w2.W[1][1 * 4 + j] -= 2; // outgoing row
    expect(run(w2)).toEqual(base);
  });

  it('applyMasks zeroes exactly the masked unit\'s incoming column, bias and outgoing row', () => {
    const w = initWeights({ inputs: 3, hidden: [4], outputs: 2, activation: 'relu' }, new Rng(2));
    const m = new MaskableMlp(w);
    m.setMask(0, [1, 1, 0, 1]);
    const before = tf.memory().numTensors;
    m.applyMasks();
    expect(tf.memory().numTensors).toBe(before);
    const after = m.toWeightsSync();
    // `+ 0` folds -0 (a negative weight times 0) into 0
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) expect(after.W[0][i * 4 + j] + 0).toBe(j === 2 ? 0 : w.W[0][i * 4 + j]);
    for (let j = 0; j < 4; j++) expect(after.b[0][j] + 0).toBe(j === 2 ? 0 : w.b[0][j]);
    for (let j = 0; j < 4; j++) for (let o = 0; o < 2; o++) expect(after.W[1][j * 2 + o] + 0).toBe(j === 2 ? 0 : w.W[1][j * 2 + o]);
    expect(m.activeUnits()).toEqual([3]);
    expect(m.activeParamCount()).toBe(3 * 3 + 3 + 3 * 2 + 2);
    m.dispose();
  });
});

describe('gradient of the cross-entropy loss', () => {
  // tfjs gradients (float32) against central finite differences of the float64 reference.
  for (const activation of ['relu', 'tanh'] as const) {
    it(`matches finite differences (${activation}, masked unit included)`, () => {
      const rng = new Rng(activation === 'relu' ? 21 : 22);
      const w = initWeights({ inputs: 6, hidden: [5, 4], outputs: 3, activation }, rng);
      w.masks[1][2] = 0;
      const count = 7;
      const { x, y } = randomBatch(rng, count, 6, 3);
      const m = new MaskableMlp(w);
      const before = tf.memory().numTensors;
      const grads = tf.tidy(() => {
        const xt = tf.tensor2d(x, [count, 6]) as Tensor2D;
        const yt = tf.tensor1d(y, 'int32');
        const { grads } = tf.variableGrads(() => crossEntropy(m.forward(xt), yt), m.params());
        return m.params().map((v) => Array.from(grads[v.name].dataSync()));
      });
      expect(tf.memory().numTensors).toBe(before);
      const p = refParams(w);
      const num = refNumericGrad(p, (q) => refCrossEntropy(refForward(w, q, x, count), y));
      let maxErr = 0, maxAbs = 0;
      for (let l = 0; l < 3; l++) {
        grads[2 * l].forEach((g, i) => { maxErr = Math.max(maxErr, Math.abs(g - num.W[l][i])); maxAbs = Math.max(maxAbs, Math.abs(num.W[l][i])); });
        grads[2 * l + 1].forEach((g, i) => { maxErr = Math.max(maxErr, Math.abs(g - num.b[l][i])); });
      }
      expect(maxAbs).toBeGreaterThan(1e-2); // the check compares real, non-vanishing gradients
      expect(maxErr).toBeLessThan(2e-5);
      // the masked unit's incoming weights get exactly zero gradient
      for (let i = 0; i < 5; i++) expect(grads[2][i * 4 + 2]).toBe(0);
      m.dispose();
    });
  }
});
