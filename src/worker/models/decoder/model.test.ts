import { decoderConfig } from './config';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../engine/backend';
import { Rng } from '../../engine/rng';
import { tf, type Tensor2D } from '../../engine/tf';
import { windowTensors } from '../../train/batch';
import { crossEntropy as lmLoss } from '../../train/loss';
import { initTransformer, Transformer, type TransformerConfig, type TransformerWeights } from './model';
import { compactTransformer } from './compact';
import { decodeTransformer, encodeTransformer } from './file';

beforeAll(async () => { await initBackend('cpu'); });

const cfg: TransformerConfig = decoderConfig({ vocab: 11, context: 6, dModel: 8, heads: 2, headDim: 4, mlp: [12, 10] });

/** Larger-than-GPT init so that gradients are well above float32 noise. */
function weights(seed: number, scale = 12): TransformerWeights {
  const w = initTransformer(cfg, new Rng(seed));
  const r = new Rng(seed + 100);
  for (const [name, v] of Object.entries(w.params)) {
    if (name.endsWith('.g')) for (let i = 0; i < v.length; i++) v[i] = 1 + 0.3 * r.normal();
    else if (name.endsWith('.b') || name.includes('.b')) for (let i = 0; i < v.length; i++) v[i] = 0.1 * r.normal();
    else for (let i = 0; i < v.length; i++) v[i] *= scale;
  }
  return w;
}

function windows(seed: number, B: number, T: number): Int32Array {
  const r = new Rng(seed);
  return Int32Array.from({ length: B * (T + 1) }, () => r.int(cfg.vocab));
}

function lossOf(model: Transformer, toks: Int32Array, B: number, T: number): number {
  return tf.tidy(() => {
    const { x, y } = windowTensors(toks, B, T);
    return lmLoss(model.forward(x), y).dataSync()[0];
  });
}

describe('transformer', () => {
  it('matches finite differences on attention, MLP, embedding and LayerNorm parameters', () => {
    const before = tf.memory().numTensors;
    const model = new Transformer(weights(1));
    const B = 2, T = 5;
    const toks = windows(2, B, T);
    const names = ['h.0.attn.wqkv', 'h.1.attn.wo', 'h.0.attn.bqkv', 'h.1.mlp.wi', 'h.0.mlp.wo', 'h.1.mlp.bi', 'wte', 'wpe', 'h.0.ln1.g', 'lnf.b'];
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
      const at = (s: number) => {
        tf.tidy(() => v.assign(tf.tensor(p0.map((p, i) => p + s * eps * u[i]), v.shape)));
        return lossOf(model, toks, B, T);
      };
      const fd = (at(1) - at(-1)) / (2 * eps);
      tf.tidy(() => v.assign(tf.tensor(p0, v.shape)));
      const an = grads[n].reduce((s, g, i) => s + g * u[i], 0);
      expect(Math.abs(fd - an), `${n}: analytic ${an} vs finite difference ${fd}`).toBeLessThan(0.02 * Math.abs(an) + 1e-3);
    }
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is causal: changing a later token leaves earlier positions unchanged', () => {
    const before = tf.memory().numTensors;
    const model = new Transformer(weights(4, 3));
    const T = 6;
    const a = Int32Array.from([1, 2, 3, 4, 5, 6]);
    for (let t = 0; t < T; t++) {
      const b = a.slice(); b[t] = (b[t] + 3) % cfg.vocab;
      const [la, lb] = [a, b].map((s) => tf.tidy(() => model.forward(tf.tensor2d(s, [1, T], 'int32') as Tensor2D).arraySync()));
      for (let p = 0; p < T; p++) {
        const diff = Math.max(...la[p].map((v, i) => Math.abs(v - lb[p][i])));
        if (p < t) expect(diff, `position ${p} changed when token ${t} did`).toBeLessThan(1e-5);
        else expect(diff, `position ${p} ignored token ${t}`).toBeGreaterThan(1e-4);
      }
    }
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('compacts a masked model (neurons and residual dimensions) to an equivalent smaller one', () => {
    const before = tf.memory().numTensors;
    const w = weights(5, 3);
    w.masks.mlp[0].set([1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 1, 1]);
    w.masks.mlp[1].fill(0); w.masks.mlp[1][3] = 1;
    w.masks.resid.set([1, 1, 0, 1, 1, 0, 1, 1]);
    const masked = new Transformer(w);
    const toks = tf.tensor2d(windows(6, 3, 5).subarray(0, 15), [3, 5], 'int32') as Tensor2D;
    const ref = tf.tidy(() => masked.forward(toks).arraySync());
    // masked weights do not matter: zeroing them changes nothing
    masked.applyMasks();
    const zeroed = tf.tidy(() => masked.forward(toks).arraySync());
    const small = new Transformer(compactTransformer(masked.toWeightsSync()));
    expect(small.config.mlp).toEqual([8, 1]);
    expect(small.config.dModel).toBe(6);
    expect(small.paramCount()).toBe(masked.activeParamCount());
    expect(small.paramCount()).toBeLessThan(masked.paramCount());
    const got = tf.tidy(() => small.forward(toks).arraySync());
    for (let i = 0; i < ref.length; i++) for (let j = 0; j < cfg.vocab; j++) {
      expect(Math.abs(zeroed[i][j] - ref[i][j])).toBeLessThan(1e-5);
      expect(Math.abs(got[i][j] - ref[i][j])).toBeLessThan(1e-4);
    }
    toks.dispose(); masked.dispose(); small.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('round-trips weights, masks and config through safetensors', () => {
    const w = weights(7);
    w.masks.mlp[1][2] = 0;
    const { weights: back, metadata } = decodeTransformer(encodeTransformer(w, { 'whittle.tokenizer': '{"kind":"byte"}' }));
    expect(back.config).toEqual(cfg);
    expect(metadata['whittle.tokenizer']).toBe('{"kind":"byte"}');
    expect(Array.from(back.masks.mlp[1])).toEqual(Array.from(w.masks.mlp[1]));
    for (const k of Object.keys(w.params)) expect(Array.from(back.params[k])).toEqual(Array.from(w.params[k]));
  });
});
