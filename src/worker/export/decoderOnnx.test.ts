import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend';
import { tf } from '../engine/tf';
import { compactTransformer } from '../models/decoder/compact';
import type { DecoderConfigInput } from '../models/decoder/config';
import { decodeOnnx } from './onnx';
import { DECODER_MIN_OPSET, encodeDecoderOnnx, pastName, presentName } from './decoderOnnx';
import * as ort from 'onnxruntime-node';
import { checkDecoderOnnx, engineLogits, randomTokens } from './decoderVerify';
import { liveWeights } from './testDecoders';

beforeAll(async () => { await initBackend('cpu'); });

const GPT = { vocab: 37, context: 16, dModel: 16, heads: 4, headDim: 4, mlp: [24, 20] };

describe('decoder ONNX export', () => {
  it('onnxruntime-node reproduces the engine logits, whole and through the KV cache (GPT-style)', async () => {
    const before = tf.memory().numTensors;
    const w = liveWeights(GPT, 3);
    const bytes = encodeDecoderOnnx(w, { 'whittle.arch': 'decoder' }, 21);
    const check = await checkDecoderOnnx(bytes, w, 5);
    expect(check.skipped).toBeUndefined();
    expect(check.scale).toBeGreaterThan(1);
    expect(check.maxAbsDiff!).toBeLessThanOrEqual(1e-4 * check.scale);
    expect(check.withPastMaxAbsDiff!).toBeLessThanOrEqual(1e-4 * check.scale);
    expect(tf.memory().numTensors).toBe(before);
  });

  // Every DecoderConfig choice, against the engine's general forward.
  const VARIANTS: [string, Partial<DecoderConfigInput>][] = [
    ['Llama (RMSNorm, rotary, SwiGLU, untied, no biases)', { norm: 'rmsnorm', positions: 'rotary', gatedMlp: true, activation: 'silu', tiedEmbeddings: false, bias: { qkv: false, attnOut: false, mlp: false }, normEps: 1e-6 }],
    ['grouped-query attention (4 heads, 2 KV heads), tied', { norm: 'rmsnorm', positions: 'rotary', gatedMlp: true, activation: 'silu', kvHeads: 2, bias: { qkv: false, attnOut: false, mlp: false } }],
    ['multi-query (1 KV head), Qwen2 q/k/v biases, rope θ 1e6', { norm: 'rmsnorm', positions: 'rotary', gatedMlp: true, activation: 'silu', kvHeads: 1, ropeTheta: 1e6, tiedEmbeddings: false, bias: { qkv: true, attnOut: false, mlp: false } }],
    ['Llama 3 rope scaling', { norm: 'rmsnorm', positions: 'rotary', gatedMlp: true, activation: 'silu', kvHeads: 2, ropeTheta: 500000, ropeScaling: { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 8 } }],
    ['exact GELU, relu-gated, LayerNorm with rotary', { activation: 'gelu', positions: 'rotary' }],
    ['relu, gated, learned positions, RMSNorm, MLP biases only', { activation: 'relu', gatedMlp: true, norm: 'rmsnorm', bias: { qkv: false, attnOut: false, mlp: true } }],
  ];
  for (const [label, v] of VARIANTS) {
    it(`onnxruntime-node reproduces the engine logits: ${label}`, async () => {
      const before = tf.memory().numTensors;
      const w = liveWeights({ ...GPT, ...v } as DecoderConfigInput, 21);
      const check = await checkDecoderOnnx(encodeDecoderOnnx(w, {}, 21), w, 8, 2, 14);
      expect(check.maxAbsDiff!).toBeLessThanOrEqual(1e-4 * check.scale);
      expect(check.withPastMaxAbsDiff!).toBeLessThanOrEqual(1e-4 * check.scale);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('a compacted model (residual dims and uneven MLP widths removed) exports and matches its masked source', async () => {
    const w = liveWeights(GPT, 4);
    w.masks.mlp[0].forEach((_, j) => { if (j % 3 === 1) w.masks.mlp[0][j] = 0; });
    w.masks.mlp[1].forEach((_, j) => { if (j % 2) w.masks.mlp[1][j] = 0; });
    w.masks.resid[5] = 0; w.masks.resid[11] = 0;
    const small = compactTransformer(w);
    expect(small.config.dModel).toBe(14);
    expect(small.config.mlp).toEqual([16, 10]);
    const check = await checkDecoderOnnx(encodeDecoderOnnx(small, {}, 17), w, 6, 3, 9);
    expect(check.maxAbsDiff!).toBeLessThanOrEqual(1e-4 * check.scale);
  });

  for (const positions of ['learned', 'rotary'] as const) {
    it(`a left-padded batch (as transformers.js pads one) gives each sequence its own logits, also through the cache (${positions})`, async () => {
      const w = liveWeights({ ...GPT, positions, kvHeads: 2 }, 31);
      const session = await ort.InferenceSession.create(encodeDecoderOnnx(w, {}, 21));
      const a = Array.from(randomTokens(1, 10, GPT.vocab, 1)), b = Array.from(randomTokens(1, 6, GPT.vocab, 2));
      const empty = (l: number, kv: 'key' | 'value') => [pastName(l, kv), new ort.Tensor('float32', new Float32Array(0), [2, 2, 0, 4])] as const;
      const i64 = (v: number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(v, (x) => BigInt(x)), dims);
      const mask = [...Array(10).fill(1), ...Array(4).fill(0), ...Array(6).fill(1)];
      const first = await session.run({
        input_ids: i64([...a, 0, 0, 0, 0, ...b], [2, 10]), attention_mask: i64(mask, [2, 10]),
        ...Object.fromEntries([0, 1].flatMap((l) => [empty(l, 'key'), empty(l, 'value')])),
      });
      const V = GPT.vocab;
      const logits = first.logits.data as Float32Array;
      const close = (got: Float32Array, want: Float32Array) => {
        const scale = Math.max(...want.map(Math.abs));
        expect(Math.max(...got.map((v, k) => Math.abs(v - want[k])))).toBeLessThanOrEqual(1e-4 * scale);
      };
      close(logits.slice(0, 10 * V), engineLogits(w, Int32Array.from(a), 1, 10));
      close(logits.slice(14 * V, 20 * V), engineLogits(w, Int32Array.from(b), 1, 6));
      // one more token each, fed with the cache and the mask grown by one column
      const next = [3, 5];
      const past = Object.fromEntries([0, 1].flatMap((l) => (['key', 'value'] as const).map((kv) => [pastName(l, kv), first[presentName(l, kv)]])));
      const second = await session.run({ input_ids: i64(next, [2, 1]), attention_mask: i64([...mask.slice(0, 10), 1, ...mask.slice(10), 1], [2, 11]), ...past });
      const step = second.logits.data as Float32Array;
      close(step.slice(0, V), engineLogits(w, Int32Array.from([...a, 3]), 1, 11).slice(10 * V));
      close(step.slice(V), engineLogits(w, Int32Array.from([...b, 5]), 1, 7).slice(6 * V));
      await session.release();
    });
  }

  it('the check catches a file that computes something else', async () => {
    const w = liveWeights(GPT, 5);
    const wrong = { ...w, params: { ...w.params, 'h.1.mlp.wo': w.params['h.1.mlp.wo'].map((v) => v * 1.5) } };
    const check = await checkDecoderOnnx(encodeDecoderOnnx(wrong, {}, 21), w, 7);
    expect(check.maxAbsDiff!).toBeGreaterThan(1e-2);
  });

  it('declares the input and output names transformers.js looks for, with numeric KV dims', () => {
    const w = liveWeights({ ...GPT, kvHeads: 2, positions: 'rotary', norm: 'rmsnorm', gatedMlp: true, activation: 'silu', tiedEmbeddings: false, bias: { qkv: false, attnOut: false, mlp: false } }, 6);
    const m = decodeOnnx(encodeDecoderOnnx(w, { a: 'b' }, 21)) as { graph: { input: { name: string; type: { tensor_type: { shape: { dim: { dim_value?: number; dim_param?: string }[] } } } }[]; output: { name: string }[] }; metadata_props: { key: string }[] };
    expect(m.graph.input.map((x) => x.name)).toEqual(['input_ids', 'attention_mask', pastName(0, 'key'), pastName(0, 'value'), pastName(1, 'key'), pastName(1, 'value')]);
    expect(m.graph.output.map((x) => x.name)).toEqual(['logits', presentName(0, 'key'), presentName(0, 'value'), presentName(1, 'key'), presentName(1, 'value')]);
    expect(m.graph.input[2].type.tensor_type.shape.dim).toEqual([{ dim_param: 'batch_size' }, { dim_value: 2 }, { dim_param: 'past_sequence_length' }, { dim_value: 4 }]);
    expect(() => encodeDecoderOnnx(w, {}, DECODER_MIN_OPSET - 1)).toThrow(/opset/);
  });
});
