// Attention-head masks, units, scores and compaction against independent oracles:
//   - every head mask at 1 (and an identity gate hook) leaves the logits unchanged;
//   - a head masked to 0 computes what the same weights with that head's wo rows zeroed compute;
//   - attribution = |∂L/∂unit mask| matches a central finite difference of the loss in the mask,
//     ablation = |L(unit masked) − L| (brute force), over the same windows;
//   - compaction (and GPT-2's zero-head padding) keeps the masked model's logits;
//   - no tensor leaks.
import { beforeAll, describe, expect, it } from 'vitest';
import { headScores } from '../../compress/headScores';
import { pruneUnits } from '../../compress/prune';
import { initBackend } from '../../engine/backend';
import { Rng } from '../../engine/rng';
import { tf, type Tensor2D } from '../../engine/tf';
import { evaluateWindows } from '../../train/evaluate';
import { compactTransformer } from './compact';
import { headUnitCount, headUnits, padHeads, type HeadGroup } from './heads';
import { Transformer, type TransformerWeights } from './model';

beforeAll(async () => { await initBackend('cpu'); });

const LLAMA = { kvHeads: 2, norm: 'rmsnorm' as const, positions: 'rotary' as const, activation: 'silu' as const, gatedMlp: true, tiedEmbeddings: false, bias: { qkv: true, attnOut: false, mlp: false } };
function setup(llama: boolean) {
  const model = Transformer.create({ vocab: 19, context: 8, dModel: 8, heads: 4, headDim: 2, mlp: [6, 5], ...(llama ? LLAMA : {}) }, new Rng(5));
  // biases and embeddings away from init's zeros so every slice matters
  const w = model.toWeightsSync();
  const r = new Rng(7);
  for (const [name, v] of Object.entries(w.params)) if (!name.endsWith('.g')) for (let i = 0; i < v.length; i++) v[i] = r.normal() * 0.5;
  model.dispose();
  const m = new Transformer(w);
  const rw = new Rng(9);
  const win = { tokens: Int32Array.from({ length: 5 * 9 }, () => rw.int(19)), count: 5, T: 8 };
  return { model: m, win };
}

const tokens = () => tf.tensor2d([[1, 4, 2, 9, 3, 0, 7, 5], [6, 6, 1, 18, 2, 3, 11, 4]], [2, 8], 'int32');
async function logitsOf(model: Transformer, hooks = {}): Promise<Float32Array> {
  const x = tokens();
  const y = tf.tidy(() => model.forward(x as Tensor2D, hooks));
  const out = (await y.data()) as Float32Array;
  x.dispose(); y.dispose();
  return out;
}
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };
const maxAbs = (a: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i])); return m; };

describe.each([['llama (GQA: 4 query heads, 2 KV heads, q/k/v biases)', true], ['gpt-2 (multi-head)', false]] as const)('attention heads, %s', (_name, llama) => {
  it('head masks at 1 and an identity gate leave the logits unchanged; a masked head equals its wo rows zeroed', async () => {
    const { model } = setup(llama);
    const base = await logitsOf(model);
    const before = tf.memory().numTensors;
    const ones = model.masks.heads.map((m) => tf.ones([m.length]) as tf.Tensor1D);
    const given = { mlp: model.masks.mlp.map((m) => tf.tensor1d(m)), resid: tf.tensor1d(model.masks.resid), heads: ones };
    const withOnes = await logitsOf(model, { masks: given });
    expect(maxDiff(withOnes, base)).toBeLessThanOrEqual(1e-6);
    tf.dispose([...given.mlp, given.resid]);
    const gated = await logitsOf(model, { onHeadGate: (_l: number, g: Tensor2D) => g });
    expect(maxDiff(gated, base)).toBeLessThanOrEqual(1e-6);
    tf.dispose(ones);
    // head 1 of layer 0 and head 3 of layer 1 off
    const w = model.toWeightsSync();
    model.setHeadMask(0, [1, 0, 1, 1]); model.setHeadMask(1, [1, 1, 1, 0]);
    const masked = await logitsOf(model);
    const hd = 2, d = 8;
    w.params['h.0.attn.wo'].fill(0, 1 * hd * d, 2 * hd * d);
    w.params['h.1.attn.wo'].fill(0, 3 * hd * d, 4 * hd * d);
    const zeroed = new Transformer(w);
    expect(maxDiff(masked, await logitsOf(zeroed))).toBeLessThanOrEqual(1e-5);
    expect(maxDiff(masked, base)).toBeGreaterThan(1e-3); // the heads mattered
    zeroed.dispose();
    model.setHeadMask(0, [1, 1, 1, 1]); model.setHeadMask(1, [1, 1, 1, 1]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  for (const group of ['kv', 'query'] as HeadGroup[]) {
    it(`${group} units: attribution is |∂L/∂mask| (finite differences), ablation |L(unit off) − L|, magnitude and random`, async () => {
      const { model, win } = setup(llama);
      const base = await evaluateWindows(model, win, 16);
      const before = tf.memory().numTensors;
      const att = await headScores(model, 'attribution', group, win, new Rng(1), { batch: 2 });
      const att5 = await headScores(model, 'attribution', group, win, new Rng(1), { batch: 5 });
      const abl = await headScores(model, 'ablation', group, win, new Rng(1), { batch: 3 });
      const mag = await headScores(model, 'magnitude', group, win, new Rng(1));
      const rnd = await headScores(model, 'random', group, win, new Rng(1));
      expect(tf.memory().numTensors).toBe(before);
      const U = headUnitCount(model.config, group);
      const per = 4 / U;
      expect(att.map((s) => s.length)).toEqual([U, U]);
      const lossAt = async (l: number, u: number, v: number) => {
        const m = new Float32Array(4).fill(1).fill(v, u * per, (u + 1) * per);
        model.setHeadMask(l, m);
        const loss = await evaluateWindows(model, win, 16);
        model.setHeadMask(l, new Float32Array(4).fill(1));
        return loss;
      };
      const h = 1e-2;
      for (let l = 0; l < 2; l++) for (let u = 0; u < U; u++) {
        const fd = Math.abs(await lossAt(l, u, 1 + h) - await lossAt(l, u, 1 - h)) / (2 * h);
        expect(Math.abs(att[l][u] - fd), `attribution ${l}.${u}`).toBeLessThanOrEqual(1e-4 + 2e-2 * fd);
        expect(att5[l][u]).toBeCloseTo(att[l][u], 5);
        const oracle = Math.abs(await lossAt(l, u, 0) - base);
        expect(Math.abs(abl[l][u] - oracle), `ablation ${l}.${u}`).toBeLessThanOrEqual(2e-5 + 1e-3 * oracle);
        // magnitude: the norm of the unit's q (and for kv units k, v) columns with biases, and its wo rows
        const w = model.toWeightsSync();
        const KV = llama ? 2 : 4;
        const W = (4 + 2 * KV) * 2; // (H + 2·KV)·hd
        const kvOf = group === 'kv' ? [u] : [];
        let ss = 0;
        const cols: number[] = [];
        for (let h2 = u * per; h2 < (u + 1) * per; h2++) for (let c = 0; c < 2; c++) cols.push(h2 * 2 + c);
        for (const k of kvOf) for (let c = 0; c < 2; c++) { cols.push(8 + k * 2 + c); cols.push(8 + KV * 2 + k * 2 + c); }
        for (const c of cols) { for (let r = 0; r < 8; r++) ss += w.params[`h.${l}.attn.wqkv`][r * W + c] ** 2; ss += w.params[`h.${l}.attn.bqkv`][c] ** 2; }
        for (let r = u * per * 2; r < (u + 1) * per * 2; r++) for (let c = 0; c < 8; c++) ss += w.params[`h.${l}.attn.wo`][r * 8 + c] ** 2;
        expect(mag[l][u]).toBeCloseTo(Math.sqrt(ss), 4);
        expect(rnd[l][u]).toBeGreaterThan(0);
      }
      model.dispose();
    });
  }

  for (const group of ['kv', 'query'] as HeadGroup[]) {
    it(`${group} units: pruning, then compaction keeps the masked model's logits (uneven layers are padded with zero heads)`, async () => {
      const before = tf.memory().numTensors;
      const { model, win } = setup(llama);
      const units = headUnits(model, group);
      const scores = await headScores(model, 'attribution', group, win, new Rng(1));
      const U = headUnitCount(model.config, group);
      // global selection: one unit less than the total half, so the layers keep different counts
      pruneUnits(units, scores, { scope: 'global', keep: U - 1, minPerLayer: 0 });
      expect(units.activeUnits().reduce((a, b) => a + b, 0)).toBe(U - 1);
      const masked = await logitsOf(model);
      const small = compactTransformer(model.toWeightsSync());
      const kept = units.activeUnits();
      if (group === 'kv') expect(small.config.kvHeads).toBe(llama ? Math.max(...kept) : Math.max(...kept));
      expect(small.config.heads).toBeLessThan(4);
      const sm = new Transformer(small);
      const got = await logitsOf(sm);
      expect(maxDiff(got, masked)).toBeLessThanOrEqual(1e-4 * Math.max(1, maxAbs(masked)));
      expect(sm.activeParamCount()).toBe(model.activeParamCount()); // padding heads are masked, not counted
      // compaction is idempotent (padding heads stay where they are)
      const again = compactTransformer(small);
      expect(again.config).toEqual(small.config);
      for (const k of Object.keys(small.params)) expect(maxDiff(again.params[k], small.params[k]), k).toBe(0);
      sm.dispose();
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

it('GPT-2 padding: zero heads up to n_embd / head width keep the logits', async () => {
  const { model } = setup(false);
  model.setHeadMask(0, [0, 1, 0, 1]); model.setHeadMask(1, [1, 0, 0, 1]);
  model.applyMasks();
  const masked = await logitsOf(model);
  const small: TransformerWeights = compactTransformer(model.toWeightsSync());
  expect(small.config.heads).toBe(2);
  const padded = padHeads(small, 4);
  expect(padded.config.heads).toBe(4);
  const pm = new Transformer(padded);
  expect(maxDiff(await logitsOf(pm), masked)).toBeLessThanOrEqual(1e-4 * Math.max(1, maxAbs(masked)));
  pm.dispose(); model.dispose();
});
