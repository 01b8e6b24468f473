import { beforeAll, describe, expect, it } from 'vitest';
import { hfFixture, type HfFixtureName } from '../../../../test/helpers/hfFixtures';
import { need } from '../../../../test/helpers/prereqs';
import { initBackend } from '../../engine/backend';
import { JobCancelled } from '../../engine/cancelled';
import { Rng } from '../../engine/rng';
import { tf, type Tensor2D } from '../../engine/tf';
import { decoderConfig, type DecoderConfigInput } from './config';
import { greedy } from './generate';
import { disposeKvCache, initTransformer, Transformer, type KvCache } from './model';
import { readHfFolder } from './hf/read';

const hasTorch = need('torch', import.meta.url);
beforeAll(async () => { await initBackend('cpu'); });

/** Greedy tokens by re-running the whole sequence at every step (no cache). */
function fullForwardGreedy(model: Transformer, prompt: number[], n: number): number[] {
  const seq = [...prompt];
  for (let s = 0; s < n; s++) {
    const row = tf.tidy(() => {
      const logits = model.forward(tf.tensor2d(seq, [1, seq.length], 'int32') as Tensor2D);
      return tf.slice(logits, [seq.length - 1, 0], [1, model.config.vocab]).dataSync();
    });
    let best = 0;
    for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
    seq.push(best);
  }
  return seq.slice(prompt.length);
}

/** A random model with weights large enough that tokens differ from step to step. */
function randomModel(input: DecoderConfigInput, seed: number, scale = 0.3): Transformer {
  const w = initTransformer(input, new Rng(seed));
  const r = new Rng(seed + 1);
  for (const [name, v] of Object.entries(w.params)) {
    if (name.endsWith('.g')) for (let i = 0; i < v.length; i++) v[i] = 1 + 0.2 * r.normal();
    else for (let i = 0; i < v.length; i++) v[i] = scale * r.normal();
  }
  return new Transformer(w);
}

const llamaLike: DecoderConfigInput = {
  vocab: 29, context: 24, dModel: 12, heads: 6, headDim: 2, mlp: [10, 7], kvHeads: 2, norm: 'rmsnorm', positions: 'rotary',
  activation: 'silu', gatedMlp: true, tiedEmbeddings: false, bias: { qkv: true, attnOut: false, mlp: false },
  ropeScaling: { factor: 4, lowFreqFactor: 1, highFreqFactor: 2, originalContext: 6 },
};
const gptLike: DecoderConfigInput = { vocab: 23, context: 20, dModel: 8, heads: 2, headDim: 4, mlp: [12, 10] };

describe('greedy with a KV cache', () => {
  // seeds and scales picked so that greedy tokens vary (many random tiny models repeat one token)
  for (const [label, cfg, seed, scale] of [['GPT-style', gptLike, 6, 0.6], ['Llama-style (GQA, rotary, untied)', llamaLike, 5, 0.3]] as const) {
    it(`equals re-running the full forward each step (${label}), with and without masks, leaking nothing`, () => {
      const before = tf.memory().numTensors;
      const model = randomModel(cfg, seed, scale);
      const prompt = [3, 1, 4, 1, 5];
      const n = decoderConfig(cfg).context - prompt.length; // up to the full context
      const cached = greedy(model, prompt, n + 10);
      expect(cached.length).toBe(n + 1); // the last token needs no position of its own
      expect(cached.slice(0, n)).toEqual(fullForwardGreedy(model, prompt, n));
      expect(new Set(cached).size).toBeGreaterThan(2);
      const mlp = model.masks.mlp[1].map((_, j) => (j % 3 === 0 ? 0 : 1));
      const resid = model.masks.resid.map((_, j) => (j === 1 || j === 6 ? 0 : 1));
      model.setMlpMask(1, mlp);
      model.setResidMask(resid);
      const masked = greedy(model, prompt, 8);
      expect(masked).toEqual(fullForwardGreedy(model, prompt, 8));
      expect(masked).not.toEqual(cached.slice(0, 8));
      model.dispose(); // the model's own caches (causal masks, rotary tables) go with it
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('cached chunks of several tokens give the rows of one full forward (rotary tables grown on the way)', () => {
    const before = tf.memory().numTensors;
    const cfg = { ...llamaLike, context: 200 };
    const full = randomModel(cfg, 3);
    const chunked = randomModel(cfg, 3);
    const r = new Rng(4);
    const seq = Array.from({ length: 150 }, () => r.int(29));
    const ref = tf.tidy(() => full.forward(tf.tensor2d(seq, [1, 150], 'int32') as Tensor2D).dataSync());
    let cache: KvCache | null = null;
    let at = 0;
    for (const n of [10, 60, 1, 79]) { // P + T = 10, 70, 71, 150: tables of 64, 128, 128, 200 positions
      const past: KvCache | null = cache;
      const logits = tf.tidy(() => {
        const o = chunked.forwardCached(tf.tensor2d(seq.slice(at, at + n), [1, n], 'int32') as Tensor2D, past);
        cache = o.cache;
        return o.logits.dataSync();
      });
      disposeKvCache(past);
      let diff = 0;
      for (let i = 0; i < logits.length; i++) diff = Math.max(diff, Math.abs(logits[i] - ref[at * 29 + i]));
      expect(diff, `chunk at ${at}`).toBeLessThan(1e-4);
      at += n;
    }
    expect((cache as KvCache | null)?.length).toBe(150);
    disposeKvCache(cache);
    full.dispose(); chunked.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops at eosId (included), reports each token, obeys cancel and checks its prompt', () => {
    const before = tf.memory().numTensors;
    const model = randomModel(llamaLike, 9);
    const all = greedy(model, [2, 7], 10);
    const seen: number[] = [];
    expect(greedy(model, [2, 7], 10, { eosId: all[3], onToken: (id) => seen.push(id) })).toEqual(all.slice(0, all.indexOf(all[3]) + 1));
    expect(seen).toEqual(all.slice(0, all.indexOf(all[3]) + 1));
    let calls = 0;
    expect(() => greedy(model, [2, 7], 10, { cancelled: () => ++calls > 3 })).toThrow(JobCancelled);
    expect(() => greedy(model, [2, 29], 3)).toThrow(/prompt token 29 at position 1 is outside the vocabulary 0..28/);
    expect(() => greedy(model, [], 3)).toThrow(/at least one token/);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe.skipIf(!hasTorch)('greedy vs PyTorch', () => {
  for (const name of ['gpt2', 'llama-untied-rope3', 'mistral', 'qwen2', 'smollm', 'llama-bf16'] as HfFixtureName[]) {
    it(`${name}: KV-cache greedy == full-forward greedy == PyTorch's greedy tokens`, async () => {
      const { dir, ref } = hfFixture(name);
      const weights = (await readHfFolder(dir)).weights;
      const before = tf.memory().numTensors;
      const model = new Transformer(weights);
      const tokens = greedy(model, ref.ids, ref.greedy.length);
      expect(tokens).toEqual(ref.greedy);
      expect(fullForwardGreedy(model, ref.ids, ref.greedy.length)).toEqual(ref.greedy);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
