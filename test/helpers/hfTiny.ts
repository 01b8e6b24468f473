// A tiny Hugging Face checkpoint folder written from TypeScript (config.json, model.safetensors,
// tokenizer.json with a byte-level BPE of 256 byte tokens + <|endoftext|>): the starting point of the
// bad-input tests, which break one thing in it at a time. Numerics against PyTorch use the folders
// scripts/hf_fixtures.py writes (helpers/hfFixtures.ts); these weights are seeded noise.
import fs from 'node:fs';
import path from 'node:path';

export type TinyArch = 'gpt2' | 'llama';
export const TINY = { vocab: 257, d: 16, layers: 2, heads: 4, kvHeads: 2, mlp: 24, context: 32 } as const;

/** GPT-2's bytes_to_unicode: every byte as a printable character (the ByteLevel pre-tokenizer's alphabet). */
function byteChars(): string[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) { bs.push(b); cs.push(256 + n++); }
  const out: string[] = new Array(256);
  bs.forEach((b, i) => { out[b] = String.fromCodePoint(cs[i]); });
  return out;
}

export function tinyTokenizerJson(): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  byteChars().forEach((c, i) => { vocab[c] = i; });
  vocab['<|endoftext|>'] = 256;
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [{ id: 256, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null, pre_tokenizer: byteLevel, post_processor: null, decoder: byteLevel,
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges: [] },
  };
}

export interface TinyTensor { shape: number[]; dtype?: 'F32' | 'F16' | 'BF16' }

/** safetensors bytes for these tensors (values: a seeded sine pattern, F32/F16/BF16 as asked). */
export function safetensorsBytes(tensors: Record<string, TinyTensor>): Buffer {
  const header: Record<string, unknown> = {};
  const parts: Buffer[] = [];
  let offset = 0;
  let k = 1;
  for (const [name, t] of Object.entries(tensors)) {
    const numel = t.shape.reduce((a, b) => a * b, 1);
    const dtype = t.dtype ?? 'F32';
    const f = new Float32Array(numel).map(() => 0.05 * Math.sin(k++ * 12.9898));
    let data: Buffer;
    if (dtype === 'F32') data = Buffer.from(f.buffer);
    else {
      // BF16: the top half of the float32; F16 via the same truncation is close enough for noise
      const u = new Uint32Array(f.buffer);
      data = Buffer.alloc(2 * numel);
      for (let i = 0; i < numel; i++) {
        if (dtype === 'BF16') data.writeUInt16LE(u[i] >>> 16, 2 * i);
        else data.writeUInt16LE(f16(f[i]), 2 * i);
      }
    }
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + data.length] };
    parts.push(data);
    offset += data.length;
  }
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8) json += ' ';
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([len, Buffer.from(json), ...parts]);
}

function f16(x: number): number {
  const s = x < 0 ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a < 6.1e-5) return s | Math.round(a / 5.96e-8);
  const e = Math.floor(Math.log2(a));
  return s | ((e + 15) << 10) | Math.round((a / 2 ** e - 1) * 1024);
}

export function tinyConfig(arch: TinyArch): Record<string, unknown> {
  const t = TINY;
  if (arch === 'gpt2') {
    return { architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', vocab_size: t.vocab, n_embd: t.d, n_layer: t.layers, n_head: t.heads,
      n_positions: t.context, n_inner: t.mlp, activation_function: 'gelu_new', layer_norm_epsilon: 1e-5, eos_token_id: 256, bos_token_id: 256 };
  }
  return { architectures: ['LlamaForCausalLM'], model_type: 'llama', vocab_size: t.vocab, hidden_size: t.d, num_hidden_layers: t.layers,
    num_attention_heads: t.heads, num_key_value_heads: t.kvHeads, intermediate_size: t.mlp, max_position_embeddings: t.context,
    rms_norm_eps: 1e-6, rope_theta: 10000, hidden_act: 'silu', tie_word_embeddings: false, eos_token_id: 256 };
}

export function tinyTensors(arch: TinyArch, dtype: TinyTensor['dtype'] = 'F32'): Record<string, TinyTensor> {
  const { vocab: V, d, layers, heads, kvHeads, mlp: f, context } = TINY;
  const out: Record<string, TinyTensor> = {};
  const put = (name: string, ...shape: number[]) => { out[name] = { shape, dtype }; };
  if (arch === 'gpt2') {
    put('wte.weight', V, d); put('wpe.weight', context, d);
    for (let l = 0; l < layers; l++) {
      const h = `h.${l}.`;
      put(`${h}ln_1.weight`, d); put(`${h}ln_1.bias`, d);
      put(`${h}attn.c_attn.weight`, d, 3 * d); put(`${h}attn.c_attn.bias`, 3 * d);
      put(`${h}attn.c_proj.weight`, d, d); put(`${h}attn.c_proj.bias`, d);
      put(`${h}ln_2.weight`, d); put(`${h}ln_2.bias`, d);
      put(`${h}mlp.c_fc.weight`, d, f); put(`${h}mlp.c_fc.bias`, f);
      put(`${h}mlp.c_proj.weight`, f, d); put(`${h}mlp.c_proj.bias`, d);
    }
    put('ln_f.weight', d); put('ln_f.bias', d);
    return out;
  }
  const hd = d / heads;
  put('model.embed_tokens.weight', V, d);
  for (let l = 0; l < layers; l++) {
    const h = `model.layers.${l}.`;
    put(`${h}input_layernorm.weight`, d);
    put(`${h}self_attn.q_proj.weight`, heads * hd, d); put(`${h}self_attn.k_proj.weight`, kvHeads * hd, d);
    put(`${h}self_attn.v_proj.weight`, kvHeads * hd, d); put(`${h}self_attn.o_proj.weight`, d, heads * hd);
    put(`${h}post_attention_layernorm.weight`, d);
    put(`${h}mlp.gate_proj.weight`, f, d); put(`${h}mlp.up_proj.weight`, f, d); put(`${h}mlp.down_proj.weight`, d, f);
  }
  put('model.norm.weight', d); put('lm_head.weight', V, d);
  return out;
}

/** Writes a complete tiny checkpoint folder; `edit` may change the config or tensors first. */
export function writeTinyFolder(dir: string, arch: TinyArch, edit: { config?: (c: Record<string, unknown>) => void; tensors?: (t: Record<string, TinyTensor>) => void; dtype?: TinyTensor['dtype'] } = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  const config = tinyConfig(arch);
  edit.config?.(config);
  const tensors = tinyTensors(arch, edit.dtype);
  edit.tensors?.(tensors);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  fs.writeFileSync(path.join(dir, 'model.safetensors'), safetensorsBytes(tensors));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson()));
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: '<|endoftext|>', bos_token: '<|endoftext|>' }));
  return dir;
}
