import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor2D } from '../engine/tf';
import { Rng } from '../engine/rng';
import { decoderConfig } from '../models/decoder/config';
import { Transformer } from '../models/decoder/model';
import { MaskableMlp } from '../models/mlp/model';
import { batchTensors, type StepBatch } from '../train/batch';
import { crossEntropy } from '../train/loss';
import { Sgd } from '../train/optimizers';
import { readLoss, trainStep, type Trainable } from '../train/step';
import { distillStepOptions, kdLoss, softKl } from './kd';
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

describe('distillation through the one train step', () => {
  // Oracle: SGD on kdLoss (teacher logits as constants) by hand, then the step with
  // distillStepOptions must land on the same weights and report the same objective.
  type Model = Trainable & { dispose(): void };
  async function check(make: () => [Model, Model, Model], batch: StepBatch) {
    const before = tf.memory().numTensors;
    const [student, twin, teacher] = make();
    const o = { alpha: 0.3, temperature: 2 };
    const lr = 0.1;
    const want = tf.tidy(() => {
      const { x, y } = batchTensors(batch);
      const t = teacher.forward(x);
      const { value, grads } = tf.variableGrads(() => kdLoss(twin.forward(x), t, y, o), twin.params());
      twin.params().forEach((v) => v.assign(tf.sub(v, tf.mul(grads[v.name], lr))));
      return value.dataSync()[0];
    });
    const opt = new Sgd(student.params(), { name: 'sgd', lr, momentum: 0, weightDecay: 0 });
    const loss = trainStep(student, opt, batch, { ...distillStepOptions(teacher, o), keepLoss: true });
    const { total } = await readLoss(loss!);
    expect(total).toBeCloseTo(want, 5);
    student.params().forEach((v, i) => {
      const a = v.dataSync(), b = twin.params()[i].dataSync();
      a.forEach((x, j) => expect(Math.abs(x - b[j])).toBeLessThan(1e-6));
    });
    opt.dispose(); student.dispose(); twin.dispose(); teacher.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }

  it('an MLP student on a feature batch', async () => {
    const cfg = { inputs: 4, hidden: [5], outputs: 3, activation: 'tanh' as const };
    const r = new Rng(1);
    const batch = { x: Float32Array.from({ length: 24 }, () => r.uniform(-1, 1)), y: Int32Array.from({ length: 6 }, () => r.int(3)), count: 6 };
    await check(() => [MaskableMlp.create(cfg, new Rng(2)), MaskableMlp.create(cfg, new Rng(2)), MaskableMlp.create({ ...cfg, hidden: [9] }, new Rng(3))], batch);
  });

  it('a decoder student on token windows (x [B, T], y [B·T])', async () => {
    const cfg = decoderConfig({ vocab: 9, context: 6, dModel: 8, heads: 2, headDim: 4, mlp: [6] });
    const r = new Rng(4);
    const batch = { tokens: Int32Array.from({ length: 3 * 6 }, () => r.int(9)), count: 3, T: 5 };
    const big = (seed: number, mlp: number[]) => {
      const m = Transformer.create({ ...cfg, mlp }, new Rng(seed));
      tf.tidy(() => m.params().forEach((v) => v.assign(tf.mul(v, v.shape.length === 2 ? 10 : 1)))); // a clear signal
      return m;
    };
    await check(() => [big(5, [6]), big(5, [6]), big(6, [12])], batch);
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
