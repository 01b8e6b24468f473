// decoderScores against oracles: ablation = the loss of the model with that neuron's mask set to
// 0 minus the loss without (brute force, one neuron at a time, over the same windows); attribution
// = the first-order estimate of that change, so for a tiny model it ranks neurons alike and
// agrees with a central finite difference of the loss in the mask. Streaming (batch size) does
// not change a score.
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend';
import { Rng } from '../engine/rng';
import { tf } from '../engine/tf';
import { Transformer } from '../models/decoder/model';
import { evaluateWindows } from '../train/evaluate';
import { decoderScores } from './decoderScores';

beforeAll(async () => { await initBackend('cpu'); });

function setup(llama: boolean) {
  const model = Transformer.create({
    vocab: 19, context: 8, dModel: 8, heads: 2, headDim: 4, mlp: [6, 5],
    ...(llama ? { kvHeads: 1, norm: 'rmsnorm' as const, positions: 'rotary' as const, activation: 'silu' as const, gatedMlp: true, tiedEmbeddings: false, bias: { qkv: false, attnOut: false, mlp: false } } : {}),
  }, new Rng(3));
  const r = new Rng(9);
  const w = { tokens: Int32Array.from({ length: 5 * 9 }, () => r.int(19)), count: 5, T: 8 };
  return { model, w };
}

const lossWith = async (model: Transformer, w: { tokens: Int32Array; count: number; T: number }, layer: number, j: number, value: number) => {
  const m = Float32Array.from(model.masks.mlp[layer]);
  const keep = m[j];
  m[j] = value; model.setMlpMask(layer, m);
  const loss = await evaluateWindows(model, w, 16);
  m[j] = keep; model.setMlpMask(layer, m);
  return loss;
};

describe.each([false, true])('decoder scores (llama conventions: %s)', (llama) => {
  it('ablation is |L(neuron masked) − L|, attribution the mask derivative (finite differences), streamed or not', async () => {
    const { model, w } = setup(llama);
    const base = await evaluateWindows(model, w, 16); // also builds the model's kept caches (causal mask, rotary tables)
    const before = tf.memory().numTensors;
    const abl = await decoderScores(model, 'ablation', w, new Rng(1), { batch: 2 });
    const att = await decoderScores(model, 'attribution', w, new Rng(1), { batch: 2 });
    const att1 = await decoderScores(model, 'attribution', w, new Rng(1), { batch: 5 });
    expect(abl.tokens).toBe(40);
    expect(tf.memory().numTensors).toBe(before);
    const h = 1e-2;
    for (const [l, f] of model.config.mlp.entries()) {
      for (let j = 0; j < f; j++) {
        const oracle = Math.abs(await lossWith(model, w, l, j, 0) - base);
        expect(Math.abs(abl.mlp[l][j] - oracle), `ablation ${l}.${j}`).toBeLessThanOrEqual(2e-5 + 1e-3 * oracle);
        const fd = Math.abs(await lossWith(model, w, l, j, 1 + h) - await lossWith(model, w, l, j, 1 - h)) / (2 * h);
        expect(Math.abs(att.mlp[l][j] - fd), `attribution ${l}.${j}`).toBeLessThanOrEqual(1e-4 + 2e-2 * fd);
        expect(att1.mlp[l][j]).toBeCloseTo(att.mlp[l][j], 5);
      }
    }
    const mag = await decoderScores(model, 'magnitude', w, new Rng(1));
    expect(mag.tokens).toBe(0);
    expect(mag.mlp.every((s) => s.every((v) => v > 0))).toBe(true);
    model.dispose();
  });

  it('a masked neuron scores 0 and ablation skips it', async () => {
    const { model, w } = setup(llama);
    model.setMlpMask(0, [1, 0, 1, 1, 1, 1]); model.applyMasks();
    for (const name of ['ablation', 'attribution', 'magnitude'] as const) expect((await decoderScores(model, name, w, new Rng(1))).mlp[0][1]).toBe(0);
    model.dispose();
  });
});
