// Unit groups and compaction of a Llama-style decoder (gated MLP, untied head, no biases, RMSNorm,
// rotary positions, grouped-query attention): both are read off paramDecls, so the gate prunes
// with the up projection and nothing assumes GPT-2's parameters. Checked at the weights level
// against slicing by hand, and by logits: masked model = zeroed model = compacted model.
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../engine/backend';
import { Rng } from '../../engine/rng';
import { tf, type Tensor2D } from '../../engine/tf';
import { countDecoderParams, decoderConfig } from './config';
import { compactTransformer } from './compact';
import { initTransformer, Transformer } from './model';
import { transformerUnits } from './units';

beforeAll(async () => { await initBackend('cpu'); });

const llama = decoderConfig({
  vocab: 13, context: 8, dModel: 8, heads: 4, headDim: 2, kvHeads: 2, mlp: [6, 5],
  norm: 'rmsnorm', positions: 'rotary', activation: 'silu', gatedMlp: true, tiedEmbeddings: false,
  bias: { qkv: false, attnOut: false, mlp: false },
});

/** Row-major [rows, cols] matrix as nested arrays. */
const mat = (a: Float32Array, cols: number) => Array.from({ length: a.length / cols }, (_, r) => Array.from(a.subarray(r * cols, (r + 1) * cols)));

describe('decoder unit groups', () => {
  it('unit j of a gated, bias-free layer owns column j of wg and wi and row j of wo', () => {
    const before = tf.memory().numTensors;
    const model = new Transformer(initTransformer(llama, new Rng(1)));
    const units = transformerUnits(model);
    for (const group of ['inBiasOut', 'inOut'] as const) {
      const s = units.slices(1, group);
      expect(s.map((x) => [x.param, x.axis, x.role])).toEqual([
        [model.vars['h.1.mlp.wg'], 1, 'in'], [model.vars['h.1.mlp.wi'], 1, 'in'], [model.vars['h.1.mlp.wo'], 0, 'out'],
      ]);
    }
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a GPT-style layer keeps its bias slice and the old order (wi, bi, wo)', () => {
    const model = Transformer.create(decoderConfig({ vocab: 7, context: 4, dModel: 4, heads: 1, headDim: 4, mlp: [3] }), new Rng(2));
    const s = transformerUnits(model).slices(0, 'inBiasOut');
    expect(s.map((x) => [x.param.name, x.axis, x.role])).toEqual([
      [model.vars['h.0.mlp.wi'].name, 1, 'in'], [model.vars['h.0.mlp.bi'].name, 0, 'bias'], [model.vars['h.0.mlp.wo'].name, 0, 'out'],
    ]);
    expect(transformerUnits(model).slices(0, 'inOut').map((x) => x.role)).toEqual(['in', 'out']);
    model.dispose();
  });

  it('masking a unit zeroes its gate column too', () => {
    const model = new Transformer(initTransformer(llama, new Rng(3)));
    const units = transformerUnits(model);
    units.setMask(0, [1, 0, 1, 1, 0, 1]);
    units.applyMasks();
    const wg = model.vars['h.0.mlp.wg'].arraySync() as number[][];
    const wi = model.vars['h.0.mlp.wi'].arraySync() as number[][];
    const wo = model.vars['h.0.mlp.wo'].arraySync() as number[][];
    for (const j of [1, 4]) {
      expect(wg.every((r) => r[j] === 0) && wi.every((r) => r[j] === 0) && wo[j].every((v) => v === 0)).toBe(true);
    }
    expect(wg.some((r) => r[0] !== 0)).toBe(true);
    model.dispose();
  });
});

describe('decoder compaction by declared axes', () => {
  it('slices wg, wi, wo, the untied head and every norm gain; declares no biases', () => {
    const w = initTransformer(llama, new Rng(4));
    // distinct values so that a wrong slice cannot match by accident
    for (const v of Object.values(w.params)) for (let i = 0; i < v.length; i++) v[i] = i + 0.5;
    w.masks.mlp[0].set([1, 0, 1, 1, 0, 1]);
    w.masks.mlp[1].set([0, 0, 1, 0, 0]);
    w.masks.resid.set([1, 1, 0, 1, 0, 1, 1, 1]);
    const keepD = [0, 1, 3, 5, 6, 7], keepF0 = [0, 2, 3, 5], keepF1 = [2];
    const c = compactTransformer(w);
    expect(c.config).toEqual({ ...llama, dModel: 6, mlp: [4, 1] });
    expect(Object.keys(c.params).sort()).toEqual(Object.keys(w.params).sort());
    expect(Object.keys(c.params).some((n) => /\.b(qkv|o|g|i)?$/.test(n))).toBe(false);
    const pick = (name: string, rows: number[] | null, cols: number[] | null, width: number) => {
      const m = mat(w.params[name], width);
      return (rows ?? m.map((_, i) => i)).map((r) => (cols ?? m[0].map((_, j) => j)).map((cc) => m[r][cc]));
    };
    const qkv = (llama.heads + 2 * llama.kvHeads) * llama.headDim;
    expect(mat(c.params['h.0.mlp.wg'], 4)).toEqual(pick('h.0.mlp.wg', keepD, keepF0, 6));
    expect(mat(c.params['h.0.mlp.wi'], 4)).toEqual(pick('h.0.mlp.wi', keepD, keepF0, 6));
    expect(mat(c.params['h.0.mlp.wo'], 6)).toEqual(pick('h.0.mlp.wo', keepF0, keepD, 8));
    expect(mat(c.params['h.1.mlp.wg'], 1)).toEqual(pick('h.1.mlp.wg', keepD, keepF1, 5));
    expect(mat(c.params['h.1.attn.wqkv'], qkv)).toEqual(pick('h.1.attn.wqkv', keepD, null, qkv));
    expect(mat(c.params['h.0.attn.wo'], 6)).toEqual(pick('h.0.attn.wo', null, keepD, 8));
    expect(mat(c.params.head, 6)).toEqual(pick('head', null, keepD, 8));
    expect(mat(c.params.wte, 6)).toEqual(pick('wte', null, keepD, 8));
    expect(Array.from(c.params['lnf.g'])).toEqual(keepD.map((i) => w.params['lnf.g'][i]));
    expect(c.params.wpe).toBeUndefined(); // rotary: no position table
    expect(c.masks.mlp.map((m) => Array.from(m))).toEqual([[1, 1, 1, 1], [1]]);
    expect(Object.values(c.params).reduce((s, v) => s + v.length, 0)).toBe(countDecoderParams(c.config));
  });

  it('a masked gated, untied, bias-free model and its compacted copy give the same logits', () => {
    const before = tf.memory().numTensors;
    const w = initTransformer(llama, new Rng(6));
    const r = new Rng(7);
    // larger-than-init weights and non-trivial gains: a clear signal
    for (const [name, v] of Object.entries(w.params)) for (let i = 0; i < v.length; i++) v[i] = name.endsWith('.g') ? 1 + 0.3 * r.normal() : v[i] * 20;
    w.masks.mlp[0].set([1, 0, 1, 1, 0, 1]);
    w.masks.mlp[1].set([0, 1, 1, 0, 1]);
    w.masks.resid.set([1, 1, 0, 1, 1, 0, 1, 1]);
    const masked = new Transformer(w);
    const toks = tf.tensor2d(Int32Array.from({ length: 2 * 7 }, () => r.int(llama.vocab)), [2, 7], 'int32') as Tensor2D;
    const ref = tf.tidy(() => masked.forward(toks).arraySync());
    masked.applyMasks(); // masked weights do not matter
    const zeroed = tf.tidy(() => masked.forward(toks).arraySync());
    const small = new Transformer(compactTransformer(masked.toWeightsSync()));
    expect(small.config.mlp).toEqual([4, 3]);
    expect(small.config.dModel).toBe(6);
    expect(small.paramCount()).toBe(masked.activeParamCount());
    const got = tf.tidy(() => small.forward(toks).arraySync());
    let spread = 0;
    for (let i = 0; i < ref.length; i++) for (let j = 0; j < llama.vocab; j++) {
      expect(Math.abs(zeroed[i][j] - ref[i][j])).toBeLessThan(1e-5 * (1 + Math.abs(ref[i][j])));
      expect(Math.abs(got[i][j] - ref[i][j]), `row ${i} token ${j}`).toBeLessThan(1e-4 * (1 + Math.abs(ref[i][j])));
      spread = Math.max(spread, Math.abs(ref[i][j] - ref[i][0]));
    }
    expect(spread).toBeGreaterThan(0.1); // the logits are not trivially equal
    toks.dispose(); masked.dispose(); small.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
