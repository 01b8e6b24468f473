import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../engine/tf';
import { MaskableMlp, type MlpWeights } from '../models/mlp/model';
import { groupLassoPenalty, LambdaController, maskBelow } from './groupLasso';
import { mlpUnits } from './units';

beforeAll(async () => { await tf.setBackend('cpu'); await tf.ready(); });

// 2 → [2] → 1 with hand-picked weights. W0 [2,2] row-major, W1 [2,1].
// unit 0: in (W0[:,0]) = (3, 0), bias 4, out (W1[0,:]) = 0 → inBiasOut norm 5, inOut norm 3
// unit 1: in (W0[:,1]) = (1, 2), bias 2, out = 4 → inBiasOut norm 5, inOut norm √21
function hand(): MlpWeights {
  return {
    config: { inputs: 2, hidden: [2], outputs: 1, activation: 'relu' },
    W: [Float32Array.from([3, 1, 0, 2]), Float32Array.from([0, 4])],
    b: [Float32Array.from([4, 2]), Float32Array.from([0.5])],
    masks: [Float32Array.from([1, 1])],
  };
}

describe('group lasso', () => {
  it('penalty and gradient equal hand-computed values', () => {
    const before = tf.memory().numTensors;
    const m = new MaskableMlp(hand());
    const u = mlpUnits(m);
    const lam = 0.1;
    expect(tf.tidy(() => groupLassoPenalty(u, lam, 'inBiasOut').dataSync()[0])).toBeCloseTo(lam * 10, 5);
    expect(tf.tidy(() => groupLassoPenalty(u, lam, 'inOut').dataSync()[0])).toBeCloseTo(lam * (3 + Math.sqrt(21)), 5);
    // ∂(λ‖g‖)/∂θ = λ·θ/‖g‖ for each θ of the group
    const { value, grads } = tf.variableGrads(() => groupLassoPenalty(u, lam, 'inBiasOut'), m.params());
    value.dispose();
    const g = (i: number) => { const t = grads[m.params()[i].name]; return t ? Array.from(t.dataSync()) : [0]; };
    const want = (v: number[], n: number[]) => v.map((x, i) => (lam * x) / n[i]);
    expectClose(g(0), want([3, 1, 0, 2], [5, 5, 5, 5]));
    expectClose(g(1), want([4, 2], [5, 5]));
    expectClose(g(2), want([0, 4], [5, 5]));
    expectClose(g(3), [0]); // output bias is in no group (tfjs returns no gradient for it)
    Object.values(grads).forEach((t) => t.dispose());
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('masked (all-zero) groups add nothing and have finite gradients', () => {
    const m = new MaskableMlp(hand());
    const u = mlpUnits(m);
    u.setMask(0, [1, 0]);
    u.applyMasks();
    expect(tf.tidy(() => groupLassoPenalty(u, 1, 'inBiasOut').dataSync()[0])).toBeCloseTo(5, 4); // only unit 0: ‖(3, 0, 4, 0)‖ = 5
    const { grads } = tf.variableGrads(() => groupLassoPenalty(u, 1, 'inBiasOut'), m.params());
    Object.values(grads).forEach((t) => { expect(Array.from(t.dataSync()).every(Number.isFinite)).toBe(true); t.dispose(); });
    m.dispose();
  });

  it('masks units below the threshold and zeroes them, keeping minPerLayer', async () => {
    const m = new MaskableMlp(hand());
    const u = mlpUnits(m);
    expect(await maskBelow(u, 4, 'inOut', 1)).toBe(1); // unit 0 (norm 3) goes, unit 1 (√21) stays
    expect(Array.from(m.masks[0])).toEqual([0, 1]);
    expect(Array.from(m.W[0].dataSync())).toEqual([0, 1, 0, 2]);
    expect(await maskBelow(u, 100, 'inOut', 1)).toBe(0); // the last unit is kept
    m.dispose();
  });

  it('λ schedule switches off at the target and stays off', () => {
    const c = new LambdaController(1e-3, { kind: 'offAtTarget', targetUnits: 10 });
    expect(c.update(20)).toBe(1e-3);
    expect(c.update(10)).toBe(0);
    expect(c.update(12)).toBe(0);
    expect(new LambdaController(2e-3, { kind: 'constant' }).update(0)).toBe(2e-3);
  });
});

function expectClose(got: number[], want: number[], tol = 1e-6) {
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => expect(Math.abs(v - want[i]), `[${i}] ${v} vs ${want[i]}`).toBeLessThanOrEqual(tol));
}
