import { describe, expect, it } from 'vitest';
import { Rng } from '../../../engine/rng';
import { decoderConfig, paramDecls, paramShape, type DecoderConfigInput } from '../config';
import { decoderConfigFromHf, hfArchitectureFor, hfConfigFromDecoder } from './config';
import { fillFromHf, hfFromWhittle, hfTensorMap, isIgnoredHfTensor } from './names';

const llama: DecoderConfigInput = {
  vocab: 50, context: 64, dModel: 12, heads: 6, headDim: 2, kvHeads: 3, mlp: [20, 20], norm: 'rmsnorm', normEps: 1e-5,
  positions: 'rotary', ropeTheta: 500000, ropeScaling: { factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 8192 },
  activation: 'silu', gatedMlp: true, tiedEmbeddings: true, bias: { qkv: false, attnOut: false, mlp: false },
};
const qwen: DecoderConfigInput = { ...llama, ropeScaling: null, tiedEmbeddings: false, bias: { qkv: true, attnOut: false, mlp: false } };
const gpt: DecoderConfigInput = { vocab: 40, context: 16, dModel: 8, heads: 2, headDim: 4, mlp: [32, 32], activation: 'gelu' };

describe('config.json ↔ DecoderConfig', () => {
  for (const [label, c, arch] of [['Llama 3', llama, 'LlamaForCausalLM'], ['Qwen2', qwen, 'Qwen2ForCausalLM'], ['GPT-2', gpt, 'GPT2LMHeadModel']] as const) {
    it(`round-trips ${label} as ${arch}`, () => {
      const dc = decoderConfig(c);
      expect(hfArchitectureFor(dc)).toBe(arch);
      const json = JSON.parse(JSON.stringify(hfConfigFromDecoder(dc, { eosId: 3 })));
      expect(json.architectures).toEqual([arch]);
      const back = decoderConfigFromHf(json);
      expect(back.config).toEqual(dc);
      expect(back.architecture).toBe(arch);
      expect(back.eosId).toBe(3);
    });
  }

  it('reads Mistral (sliding window bounds the context), SmolLM-style Llama and Llama defaults', () => {
    const m = decoderConfigFromHf({ architectures: ['MistralForCausalLM'], model_type: 'mistral', hidden_size: 16, intermediate_size: 40, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 1, vocab_size: 99, max_position_embeddings: 32768, sliding_window: 4096 });
    expect(m.config).toMatchObject({ context: 4096, kvHeads: 1, headDim: 4, tiedEmbeddings: false, normEps: 1e-6, ropeTheta: 10000, activation: 'silu' });
    const s = decoderConfigFromHf({ architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: 576, intermediate_size: 1536, num_hidden_layers: 30, num_attention_heads: 9, num_key_value_heads: 3, vocab_size: 49152, max_position_embeddings: 2048, tie_word_embeddings: true, hidden_act: 'silu', rms_norm_eps: 1e-5 });
    expect(s.config).toMatchObject({ dModel: 576, headDim: 64, kvHeads: 3, tiedEmbeddings: true, bias: { qkv: false, attnOut: false, mlp: false } });
    expect(s.config.mlp).toEqual(Array(30).fill(1536));
  });

  it('names what is wrong', () => {
    expect(() => decoderConfigFromHf({ architectures: ['BertForMaskedLM'], model_type: 'bert' }, 'x/config.json'))
      .toThrow(/x\/config\.json: unsupported architecture BertForMaskedLM \(model_type bert\); supported: GPT2LMHeadModel, LlamaForCausalLM .*MistralForCausalLM, Qwen2ForCausalLM/);
    expect(() => decoderConfigFromHf({ model_type: 'gpt2', n_embd: 8, n_head: 2, n_layer: 1, vocab_size: 9 })).toThrow(/missing n_positions \(GPT2LMHeadModel needs it\)/);
    expect(() => decoderConfigFromHf({ model_type: 'gpt2', n_embd: 8, n_head: 2, n_layer: 1, vocab_size: 9, n_positions: 4, activation_function: 'tanh' })).toThrow(/unsupported activation_function "tanh"/);
    expect(() => decoderConfigFromHf({ model_type: 'llama', hidden_size: 8, intermediate_size: 8, num_hidden_layers: 1, num_attention_heads: 2, vocab_size: 9, rope_scaling: { type: 'yarn', factor: 2 } })).toThrow(/unsupported rope_scaling type "yarn"/);
    expect(() => hfConfigFromDecoder(decoderConfig({ ...llama, mlp: [20, 12] }))).toThrow(/different MLP widths \(20, 12\)/);
    const wide = hfConfigFromDecoder(decoderConfig({ ...llama, mlp: [20, 12] }), { perLayerMlp: true });
    expect(decoderConfigFromHf(wide).config.mlp).toEqual([20, 12]);
    expect(() => hfArchitectureFor(decoderConfig({ ...gpt, norm: 'rmsnorm' }))).toThrow(/no Hugging Face architecture/);
  });
});

describe('Whittle ↔ Hugging Face tensor names', () => {
  it('covers every Llama parameter, concatenating q|k|v, and inverts exactly', () => {
    const c = decoderConfig(qwen);
    const maps = hfTensorMap(c, 'llama');
    expect(maps.map((m) => m.whittle)).toEqual(paramDecls(c).map((d) => d.name));
    const wqkv = maps.find((m) => m.whittle === 'h.1.attn.wqkv')!;
    expect(wqkv.sources.map((s) => [s.name, s.shape, s.cols])).toEqual([
      ['model.layers.1.self_attn.q_proj.weight', [12, 12], [0, 12]],
      ['model.layers.1.self_attn.k_proj.weight', [6, 12], [12, 18]],
      ['model.layers.1.self_attn.v_proj.weight', [6, 12], [18, 24]],
    ]);
    expect(maps.find((m) => m.whittle === 'head')!.sources[0].name).toBe('lm_head.weight');
    const r = new Rng(1);
    for (const m of maps) {
      const w = Float32Array.from({ length: m.shape.reduce((a, b) => a * b, 1) }, () => r.normal());
      const back = new Float32Array(w.length);
      for (const s of m.sources) {
        const hf = hfFromWhittle(m, s, w);
        expect(hf.length).toBe(s.shape.reduce((a, b) => a * b, 1));
        fillFromHf(m, s, hf, back);
      }
      expect(back).toEqual(w);
    }
    // nn.Linear [out, in]: up_proj[j, i] is Whittle's wi[i, j]
    const up = maps.find((m) => m.whittle === 'h.0.mlp.wi')!;
    const w = Float32Array.from({ length: 12 * 20 }, (_, i) => i);
    expect(hfFromWhittle(up, up.sources[0], w)[3 * 12 + 5]).toBe(w[5 * 20 + 3]);
  });

  it('maps GPT-2 one to one and ignores its buffers', () => {
    const c = decoderConfig(gpt);
    const maps = hfTensorMap(c, 'gpt2');
    expect(maps.every((m) => m.sources.length === 1 && !m.sources[0].transpose && m.sources[0].shape.join() === m.shape.join())).toBe(true);
    expect(maps.find((m) => m.whittle === 'h.1.attn.wqkv')!.sources[0].name).toBe('h.1.attn.c_attn.weight');
    expect(paramDecls(c).map((d) => paramShape(c, d)).length).toBe(maps.length);
    expect(isIgnoredHfTensor('h.0.attn.bias', 'gpt2', c)).toBe(true);
    expect(isIgnoredHfTensor('h.0.attn.masked_bias', 'gpt2', c)).toBe(true);
    expect(isIgnoredHfTensor('h.0.attn.c_attn.bias', 'gpt2', c)).toBe(false);
  });
});

describe('F16 / BF16 widening', () => {
  it('decodes normal, subnormal, signed, infinite and NaN halves and bfloat16s exactly', async () => {
    const { toFloat32 } = await import('./read');
    const halves = Uint16Array.of(0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x3555);
    const out = new Float32Array(halves.length);
    toFloat32(new Uint8Array(halves.buffer), 'F16', out);
    expect(Array.from(out.subarray(0, 8))).toEqual([1, -2, 65504, 2 ** -24, 2 ** -14, -0, Infinity, -Infinity]);
    expect(out[8]).toBeNaN();
    expect(out[9]).toBe(Math.fround(0.333251953125));
    const f = Float32Array.of(1.5, -3.25e-12, 7e30);
    const bf = Uint16Array.from(new Uint32Array(f.buffer), (u) => u >>> 16); // truncation: exact for these
    toFloat32(new Uint8Array(bf.buffer), 'BF16', out);
    expect(out[0]).toBe(1.5);
    expect(Math.abs(out[1] / -3.25e-12 - 1)).toBeLessThan(2 ** -7);
    expect(Math.abs(out[2] / 7e30 - 1)).toBeLessThan(2 ** -7);
  });
});
