// The Llama-family conventions of the decoder forward (RMSNorm, rotary positions, grouped-query
// attention, gated MLP, untied head, optional biases) as the training and pruning code uses them:
// gradients against finite differences, masks against physical compaction, and causality.
// (Parity with PyTorch: hf/parity.test.ts.)
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../engine/backend';
import { Rng } from '../../engine/rng';
import { tf, type Tensor2D } from '../../engine/tf';
import { compactTransformer } from './compact';
import { decoderConfig, type DecoderActivation } from './config';
import { initTransformer, lmLoss, Transformer, windowTensors, type TransformerWeights } from './model';

beforeAll(async () => { await initBackend('cpu'); });

const cfgFor = (activation: DecoderActivation) => decoderConfig({
  vocab: 13, context: 8, dModel: 12, heads: 4, headDim: 2, kvHeads: 2, mlp: [10, 9], norm: 'rmsnorm', normEps: 1e-6,
  positions: 'rotary', ropeTheta: 50, activation, gatedMlp: true, tiedEmbeddings: false, bias: { qkv: true, attnOut: false, mlp: true },
});

function weights(activation: DecoderActivation, seed: number): TransformerWeights {
  const w = initTransformer(cfgFor(activation), new Rng(seed));
  const r = new Rng(seed + 100);
  for (const [name, v] of Object.entries(w.params)) {
    if (name.endsWith('.g')) for (let i = 0; i < v.length; i++) v[i] = 1 + 0.3 * r.normal();
    else for (let i = 0; i < v.length; i++) v[i] = 0.4 * r.normal();
  }
  return w;
}

function windows(seed: number, B: number, T: number, vocab: number): Int32Array {
  const r = new Rng(seed);
  return Int32Array.from({ length: B * (T + 1) }, () => r.int(vocab));
}

describe('decoder forward, Llama conventions', () => {
  for (const act of ['silu', 'gelu', 'relu', 'gelu_tanh'] as const) {
    it(`matches finite differences (${act}, RMSNorm, rotary, GQA, gated MLP, untied head)`, () => {
      const before = tf.memory().numTensors;
      const model = new Transformer(weights(act, 1));
      const B = 2, T = 6;
      const toks = windows(2, B, T, 13);
      const loss = () => tf.tidy(() => { const { x, y } = windowTensors(toks, B, T); return lmLoss(model.forward(x), y).dataSync()[0]; });
      const names = ['h.0.attn.wqkv', 'h.1.attn.bqkv', 'h.0.attn.wo', 'h.1.mlp.wg', 'h.0.mlp.bg', 'h.1.mlp.wi', 'h.0.mlp.wo', 'h.1.mlp.bo', 'wte', 'head', 'h.0.ln1.g', 'lnf.g'];
      const grads = tf.tidy(() => {
        const { x, y } = windowTensors(toks, B, T);
        const { grads } = tf.variableGrads(() => lmLoss(model.forward(x), y), model.params());
        return Object.fromEntries(names.map((n) => [n, Float32Array.from(grads[model.vars[n].name].dataSync())])) as Record<string, Float32Array>;
      });
      const r = new Rng(3);
      for (const n of names) {
        const v = model.vars[n];
        const p0 = v.dataSync().slice();
        const u = Float32Array.from(p0, () => r.normal());
        const norm = Math.sqrt(u.reduce((s, x) => s + x * x, 0));
        u.forEach((x, i) => { u[i] = x / norm; });
        const eps = 3e-3;
        const at = (s: number) => { tf.tidy(() => v.assign(tf.tensor(p0.map((p, i) => p + s * eps * u[i]), v.shape))); return loss(); };
        const fd = (at(1) - at(-1)) / (2 * eps);
        tf.tidy(() => v.assign(tf.tensor(p0, v.shape)));
        const an = grads[n].reduce((s, g, i) => s + g * u[i], 0);
        expect(Math.abs(fd - an), `${n}: analytic ${an} vs finite difference ${fd}`).toBeLessThan(0.03 * Math.abs(an) + 2e-3);
      }
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('is causal, and compacts a masked model (neurons, residual dims) to an equivalent smaller one', () => {
    const before = tf.memory().numTensors;
    const w = weights('silu', 5);
    w.masks.mlp[0].set([1, 0, 1, 1, 0, 0, 1, 1, 1, 0]);
    w.masks.resid.set([1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1]);
    const masked = new Transformer(w);
    const toks = tf.tensor2d(windows(6, 3, 6, 13).subarray(0, 18), [3, 6], 'int32') as Tensor2D;
    const ref = tf.tidy(() => masked.forward(toks).arraySync());
    masked.applyMasks();
    const zeroed = tf.tidy(() => masked.forward(toks).arraySync());
    const small = new Transformer(compactTransformer(masked.toWeightsSync()));
    expect(small.config.dModel).toBe(9);
    expect(small.config.mlp).toEqual([6, 9]);
    expect(small.paramCount()).toBe(masked.activeParamCount());
    const got = tf.tidy(() => small.forward(toks).arraySync());
    let moved = 0;
    for (let i = 0; i < ref.length; i++) for (let j = 0; j < 13; j++) {
      expect(Math.abs(zeroed[i][j] - ref[i][j])).toBeLessThan(1e-5);
      expect(Math.abs(got[i][j] - ref[i][j])).toBeLessThan(1e-4);
      moved = Math.max(moved, Math.abs(ref[i][j]));
    }
    expect(moved).toBeGreaterThan(1e-2);
    // causal: changing the last token leaves every earlier position as it was
    const changed = tf.tidy(() => {
      const t = toks.arraySync(); t[0][5] = (t[0][5] + 1) % 13;
      return small.forward(tf.tensor2d(t, [3, 6], 'int32') as Tensor2D).arraySync();
    });
    for (let p = 0; p < 5; p++) expect(Math.max(...changed[p].map((v, k) => Math.abs(v - got[p][k])))).toBeLessThan(1e-5);
    expect(Math.max(...changed[5].map((v, k) => Math.abs(v - got[5][k])))).toBeGreaterThan(1e-4);
    toks.dispose(); masked.dispose(); small.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
