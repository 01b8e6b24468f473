// Language-model training of the decoder family through the one train step (step.ts): token
// windows become x [B, T] / y [B·T], distillation and group lasso are step options, attribution
// and the unit adapter come from compress/ and models/decoder/units.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { decoderScores } from '../compress/decoderScores';
import { groupLassoPenalty, maskBelow } from '../compress/groupLasso';
import { selectResid } from '../compress/select';
import { initBackend } from '../engine/backend';
import { Rng } from '../engine/rng';
import { tf, type Tensor2D } from '../engine/tf';
import { decoderConfig } from '../models/decoder/config';
import { Transformer, type TransformerConfig } from '../models/decoder/model';
import { generate } from '../models/decoder/sample';
import { transformerUnits } from '../models/decoder/units';
import { windowTensors, type Windows } from './batch';
import { evaluateWindows } from './evaluate';
import { crossEntropy } from './loss';
import { Adam } from './optimizers';
import { setLearningRate, warmupCosine } from './schedule';
import { trainStep } from './step';

beforeAll(async () => { await initBackend('cpu'); });

const cfg: TransformerConfig = decoderConfig({ vocab: 8, context: 8, dModel: 16, heads: 2, headDim: 8, mlp: [16] });
const adam = () => ({ name: 'adam' as const, lr: 3e-3, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.01, decoupled: true });

/** Windows over a periodic sequence 0 1 2 … 7 0 1 … (learnable from position/previous token). */
function periodic(count: number, T: number, rng: Rng): Windows {
  const tokens = new Int32Array(count * (T + 1));
  for (let i = 0; i < count; i++) { const s = rng.int(8); for (let t = 0; t <= T; t++) tokens[i * (T + 1) + t] = (s + t) % 8; }
  return { tokens, count, T };
}

describe('warmup + cosine', () => {
  it('ramps up, decays to the floor, and sets the optimizer rate', () => {
    const s = { warmup: 10, total: 110, minFraction: 0.1 };
    expect(warmupCosine(0, s)).toBeCloseTo(0.1);
    expect(warmupCosine(9, s)).toBeCloseTo(1);
    expect(warmupCosine(60, s)).toBeCloseTo(0.55);
    expect(warmupCosine(110, s)).toBeCloseTo(0.1);
    expect(warmupCosine(500, s)).toBeCloseTo(0.1);
    const v = tf.variable(tf.zeros([1]));
    const opt = new Adam([v], adam());
    setLearningRate(opt, 0.5);
    expect(opt.cfg.lr).toBe(0.5);
    opt.dispose(); v.dispose();
  });
});

describe('transformer training', () => {
  it('learns a periodic sequence with AdamW, without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const model = Transformer.create(cfg, new Rng(1));
    const opt = new Adam(model.params(), adam());
    const rng = new Rng(2);
    const ev = periodic(16, 8, new Rng(3));
    const start = await evaluateWindows(model, ev);
    for (let s = 0; s < 80; s++) trainStep(model, opt, periodic(8, 8, rng), { gradClip: 1 });
    const end = await evaluateWindows(model, ev);
    expect(start).toBeGreaterThan(1.8); // ≈ ln 8
    expect(end).toBeLessThan(0.5 * start);
    const s = await generate(model, [0, 1, 2], { maxTokens: 6, temperature: 0, rng: new Rng(1) });
    expect(s).toEqual([3, 4, 5, 6, 7, 0]);
    opt.dispose(); model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('attribution equals the first-order effect of scaling each unit (finite differences on masks)', async () => {
    const before = tf.memory().numTensors;
    const model = Transformer.create({ ...cfg, mlp: [6, 5], dModel: 8, headDim: 4 }, new Rng(5));
    // bigger weights for a clear signal
    tf.tidy(() => model.params().forEach((v) => v.assign(tf.mul(v, v.shape.length === 2 ? 15 : 1))));
    model.setMlpMask(1, [1, 1, 0, 1, 1]);
    const w = periodic(3, 6, new Rng(6));
    const sc = await decoderScores(model, 'attribution', w, new Rng(1), { batch: 2 });
    const resid = sc.resid;
    if (!resid) throw new Error('attribution scores no residual dimensions');
    expect(sc.mlp[1][2]).toBe(0);
    const lossWith = (l: number | 'resid', j: number, v: number) => tf.tidy(() => {
      const ms = [...model.masks.mlp.map((m) => Float32Array.from(m)), Float32Array.from(model.masks.resid)];
      ms[l === 'resid' ? ms.length - 1 : l][j] = v;
      const { x, y } = windowTensors(w.tokens, w.count, w.T);
      return crossEntropy(model.forward(x, { masks: { mlp: ms.slice(0, -1).map((m) => tf.tensor1d(m)), resid: tf.tensor1d(ms[ms.length - 1]) } }), y).dataSync()[0];
    });
    const eps = 1e-2;
    for (const [l, j] of [[0, 0], [0, 3], [1, 4], ['resid', 2], ['resid', 7]] as const) {
      const fd = Math.abs((lossWith(l, j, 1 + eps) - lossWith(l, j, 1 - eps)) / (2 * eps));
      const got = l === 'resid' ? resid[j] : sc.mlp[l][j];
      expect(Math.abs(got - fd), `unit ${l}/${j}: ${got} vs ${fd}`).toBeLessThan(0.03 * fd + 2e-4);
    }
    expect(Array.from(selectResid(resid, model.masks.resid, 3)).reduce((a, b) => a + b, 0)).toBe(3);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('group lasso through the unit adapter shrinks neurons; recovery keeps masked weights at zero', async () => {
    const before = tf.memory().numTensors;
    const model = Transformer.create(cfg, new Rng(7));
    const units = transformerUnits(model);
    const manual = tf.tidy(() => {
      const wi = model.vars['h.0.mlp.wi'], bi = model.vars['h.0.mlp.bi'], wo = model.vars['h.0.mlp.wo'];
      const n = tf.sqrt(tf.add(tf.add(tf.sum(tf.square(wi), 0), tf.square(bi)), tf.sum(tf.square(wo), 1)));
      return tf.sum(n).dataSync()[0] * 0.1;
    });
    const pen = tf.tidy(() => groupLassoPenalty(units, 0.1, 'inBiasOut').dataSync()[0]);
    expect(pen).toBeCloseTo(manual, 4);
    const opt = new Adam(model.params(), adam());
    const rng = new Rng(8);
    for (let s = 0; s < 40; s++) trainStep(model, opt, periodic(4, 8, rng), { extraLoss: () => groupLassoPenalty(units, 0.05, 'inBiasOut') });
    const masked = await maskBelow(units, 0.2, 'inBiasOut', 2);
    expect(masked).toBeGreaterThan(0);
    const mask = Float32Array.from(model.masks.mlp[0]);
    for (let s = 0; s < 10; s++) trainStep(model, opt, periodic(4, 8, rng), { afterStep: () => model.applyMasks() });
    const wi = model.vars['h.0.mlp.wi'].arraySync() as number[][];
    const wo = model.vars['h.0.mlp.wo'].arraySync() as number[][];
    mask.forEach((m, j) => { if (m === 0) { expect(wi.every((r) => r[j] === 0)).toBe(true); expect(wo[j].every((v) => v === 0)).toBe(true); } });
    const logits = tf.tidy(() => (model.forward(tf.tensor2d([[1, 2, 3]], [1, 3], 'int32') as Tensor2D)).shape);
    expect(logits).toEqual([3, 8]);
    opt.dispose(); model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
