import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend';
import { tf } from '../engine/tf';
import { compactTransformer } from '../models/decoder/compact';
import type { DecoderConfigInput } from '../models/decoder/config';
import { decodeOnnx } from './onnx';
import { DECODER_MIN_OPSET, encodeDecoderOnnx, pastName, presentName } from './decoderOnnx';
import { checkDecoderOnnx } from './decoderVerify';
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
