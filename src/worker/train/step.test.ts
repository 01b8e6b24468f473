import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend';
import { Rng } from '../engine/rng';
import { tf } from '../engine/tf';
import { initWeights, MaskableMlp, type MlpWeights } from '../models/mlp/model';
import { refCrossEntropy, refForward, refNumericGrad, refParams, type RefParams } from '../models/mlp/reference';
import type { Batch } from '../tasks/types';
import { evaluateBatch } from './evaluate';
import { Sgd } from './optimizers';
import { readLoss, trainStep } from './step';

beforeAll(async () => { await initBackend('cpu'); });

function setup(seed: number, masks = false) {
  const rng = new Rng(seed);
  const w = initWeights({ inputs: 5, hidden: [6, 4], outputs: 3, activation: 'tanh' }, rng);
  if (masks) w.masks[0][2] = 0;
  const count = 8;
  const batch: Batch = {
    x: Float32Array.from({ length: count * 5 }, () => rng.uniform(-1, 1)),
    y: Int32Array.from({ length: count }, () => rng.int(3)),
    count,
  };
  return { w, batch };
}

/** Parameters after one plain-SGD step on `loss`, in float64. */
function sgdOracle(w: MlpWeights, lr: number, loss: (p: RefParams) => number): RefParams {
  const p = refParams(w);
  const g = refNumericGrad(p, loss);
  return { W: p.W.map((a, l) => a.map((v, i) => v - lr * g.W[l][i])), b: p.b.map((a, l) => a.map((v, i) => v - lr * g.b[l][i])) };
}

function expectParams(m: MaskableMlp, want: RefParams, tol: number) {
  const got = m.toWeightsSync();
  let err = 0;
  got.W.forEach((a, l) => a.forEach((v, i) => { err = Math.max(err, Math.abs(v - want.W[l][i])); }));
  got.b.forEach((a, l) => a.forEach((v, i) => { err = Math.max(err, Math.abs(v - want.b[l][i])); }));
  expect(err).toBeLessThan(tol);
}

describe('trainStep', () => {
  it('takes an SGD step along the cross-entropy gradient and reports the loss in nats', async () => {
    const { w, batch } = setup(1);
    const m = new MaskableMlp(w);
    const opt = new Sgd(m.params(), { name: 'sgd', lr: 0.5, momentum: 0, weightDecay: 0 });
    const ceOf = (p: RefParams) => refCrossEntropy(refForward(w, p, batch.x, batch.count), batch.y);
    const want = sgdOracle(w, 0.5, ceOf);
    const wantLoss = ceOf(refParams(w));
    const loss = trainStep(m, opt, batch, { keepLoss: true });
    const { total, ce } = await readLoss(loss!);
    expect(total).toBeCloseTo(wantLoss, 5);
    expect(ce).toBeCloseTo(wantLoss, 5);
    expectParams(m, want, 2e-5);
    opt.dispose(); m.dispose();
  });

  it('adds an extra loss term inside the tape and weights the cross-entropy', async () => {
    const { w, batch } = setup(2);
    const m = new MaskableMlp(w);
    const opt = new Sgd(m.params(), { name: 'sgd', lr: 0.5, momentum: 0, weightDecay: 0 });
    const lambda = 0.3, alpha = 0.25;
    // the penalty reads the weights and the logits, as a group lasso or a KD term would
    const objective = (p: RefParams) => {
      const logits = refForward(w, p, batch.x, batch.count);
      const sq = p.W[0].reduce((s, v) => s + v * v, 0);
      const meanLogit0 = logits.reduce((s, z) => s + z[0], 0) / logits.length;
      return alpha * refCrossEntropy(logits, batch.y) + lambda * sq + meanLogit0;
    };
    const want = sgdOracle(w, 0.5, objective);
    const wantTotal = objective(refParams(w));
    const loss = trainStep(m, opt, batch, {
      ceWeight: alpha,
      extraLoss: ({ logits }) => tf.add(tf.mul(tf.sum(tf.square(m.W[0])), lambda), tf.mean(tf.slice(logits, [0, 0], [-1, 1]))) as tf.Scalar,
      keepLoss: true,
    });
    const { total } = await readLoss(loss!);
    expect(total).toBeCloseTo(wantTotal, 4);
    expectParams(m, want, 3e-5);
    opt.dispose(); m.dispose();
  });

  it('clips the global gradient norm and runs the post-step hook after the update', () => {
    const { w, batch } = setup(3, true);
    const m = new MaskableMlp(w);
    const opt = new Sgd(m.params(), { name: 'sgd', lr: 1, momentum: 0, weightDecay: 0 });
    const before = m.toWeightsSync();
    let updated: MlpWeights | null = null;
    trainStep(m, opt, batch, {
      gradClip: 1e-3,
      afterStep: () => { updated = m.toWeightsSync(); m.applyMasks(); },
    });
    const after = updated! as MlpWeights;
    let sq = 0;
    after.W.forEach((a, l) => a.forEach((v, i) => { sq += (v - before.W[l][i]) ** 2; }));
    after.b.forEach((a, l) => a.forEach((v, i) => { sq += (v - before.b[l][i]) ** 2; }));
    expect(Math.sqrt(sq)).toBeCloseTo(1e-3, 5); // the hook saw the update: lr · clipped norm
    expect(before.b[0][2]).not.toBe(0);
    expect(m.toWeightsSync().b[0][2] + 0).toBe(0); // and its re-zeroing of the masked unit stuck
    opt.dispose(); m.dispose();
  });

  it('leaks no tensors over many steps, with and without kept losses', async () => {
    const { w, batch } = setup(4);
    const m = new MaskableMlp(w);
    const opt = new Sgd(m.params(), { name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0 });
    const before = tf.memory().numTensors;
    for (let s = 0; s < 50; s++) {
      const loss = trainStep(m, opt, batch, { keepLoss: s % 10 === 0, gradClip: s % 2 ? 1 : 0 });
      if (loss) await readLoss(loss);
    }
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose(); m.dispose();
  });
});

describe('evaluateBatch', () => {
  it('gives the reference loss in bits and argmax accuracy', async () => {
    const { w, batch } = setup(5);
    const m = new MaskableMlp(w);
    const logits = refForward(w, refParams(w), batch.x, batch.count);
    const wantBits = refCrossEntropy(logits, batch.y) * Math.LOG2E;
    const wantAcc = logits.filter((z, r) => z.indexOf(Math.max(...z)) === batch.y[r]).length / batch.count;
    const before = tf.memory().numTensors;
    const r = await evaluateBatch(m, batch);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.lossBits).toBeCloseTo(wantBits, 5);
    expect(r.acc).toBe(wantAcc);
    m.dispose();
  });
});
