import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../engine/rng';
import { tf } from '../engine/tf';
import { MaskableMlp } from '../models/mlp/model';
import type { Batch, Skill, SkillSuite } from '../tasks/types';
import { createOptimizer } from '../train/optimizers';
import { groupLassoPenalty } from './groupLasso';
import { runPhase } from './phase';
import { mlpUnits } from './units';

beforeAll(async () => { await tf.setBackend('cpu'); await tf.ready(); });

/** Toy suite: 4 inputs uniform in ±1; skill "a": sign of x0, skill "b": sign of x1. */
export function toySuite(): SkillSuite {
  const fill = (skill: Skill, count: number, rng: Rng, out: Batch, offset: number) => {
    for (let i = 0; i < count; i++) {
      const r = offset + i;
      for (let j = 0; j < 4; j++) out.x[r * 4 + j] = rng.uniform(-1, 1);
      out.y[r] = out.x[r * 4 + (skill.key === 'a' ? 0 : 1)] > 0 ? 1 : 0;
    }
  };
  const sample = (skill: Skill, count: number, rng: Rng): Batch => {
    const b = { x: new Float32Array(count * 4), y: new Int32Array(count), count };
    fill(skill, count, rng, b, 0);
    return b;
  };
  return {
    inputDim: 4, numClasses: 2,
    skill: (ref) => { if (ref !== 'a' && ref !== 'b') throw new Error(`unknown skill ${String(ref)}`); return { key: ref, description: ref }; },
    sample, sampleInto: fill, evalSet: sample,
  };
}

describe('recovery phase', () => {
  for (const opt of [{ name: 'adam', lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2, decoupled: true }, { name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 1e-3 }] as const) {
    it(`masked weights stay exactly 0 through recovery (${opt.name} with weight decay), and the model learns`, async () => {
      const suite = toySuite();
      const before = tf.memory().numTensors;
      const model = MaskableMlp.create({ inputs: 4, hidden: [8, 6], outputs: 2, activation: 'relu' }, new Rng(2));
      const units = mlpUnits(model);
      units.setMask(0, [1, 0, 1, 0, 1, 1, 0, 1]);
      units.setMask(1, [0, 1, 1, 1, 0, 1]);
      units.applyMasks();
      const optimizer = createOptimizer(opt, model.params());
      const losses: number[] = [];
      await runPhase({
        model, optimizer, suite, skill: suite.skill('a'), steps: 60, batch: 64, rng: new Rng(3),
        // group lasso too, so every masked group also sees a penalty term
        step: { afterStep: () => model.applyMasks(), extraLoss: () => groupLassoPenalty(units, 1e-3, 'inBiasOut') },
        stepOffset: 0, sampleOffset: 0, evalEvery: 20, cancelled: () => false,
        onEval: async (_s, _n, l) => { losses.push(l!); },
      });
      const w = model.toWeightsSync();
      const d = [4, 8, 6, 2];
      for (let h = 0; h < 2; h++) {
        for (let j = 0; j < d[h + 1]; j++) {
          if (w.masks[h][j]) continue;
          for (let r = 0; r < d[h]; r++) expect(w.W[h][r * d[h + 1] + j] === 0).toBe(true); // ±0 both exact zeros
          expect(w.b[h][j] === 0).toBe(true);
          for (let c = 0; c < d[h + 2]; c++) expect(w.W[h + 1][j * d[h + 2] + c] === 0).toBe(true);
        }
      }
      expect(losses.length).toBe(3);
      expect(losses[2]).toBeLessThan(losses[0]);
      optimizer.dispose();
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('stops early when onEval says so and at cancel', async () => {
    const suite = toySuite();
    const model = MaskableMlp.create({ inputs: 4, hidden: [4], outputs: 2, activation: 'relu' }, new Rng(2));
    const optimizer = createOptimizer({ name: 'sgd', lr: 0.1, momentum: 0, weightDecay: 0 }, model.params());
    const base = { model, optimizer, suite, skill: suite.skill('b'), steps: 50, batch: 8, rng: new Rng(1), stepOffset: 100, sampleOffset: 1000, evalEvery: 5 };
    const seen: [number, number][] = [];
    const r = await runPhase({ ...base, cancelled: () => false, onEval: async (s, n) => { seen.push([s, n]); return s >= 110; } });
    expect(r).toEqual({ steps: 10, samples: 1080, stoppedEarly: true, cancelled: false });
    expect(seen).toEqual([[105, 1040], [110, 1080]]);
    let calls = 0;
    const c = await runPhase({ ...base, cancelled: () => ++calls > 3 });
    expect(c.cancelled).toBe(true);
    expect(c.steps).toBe(3);
    optimizer.dispose();
    model.dispose();
  });
});
