// Whittle parameter names ↔ Hugging Face tensor names, and the layout change between them, for the
// two graphs Whittle reads and writes: GPT2LMHeadModel and LlamaForCausalLM (which Mistral, Qwen2
// and SmolLM share). Used by the reader (HF → Whittle) and by the exporter (Whittle → HF).
//
// GPT-2 stores Conv1D weights [in, out] like Whittle, and c_attn is already q|k|v fused, so every
// tensor is a plain copy. Llama stores nn.Linear weights [out, in]: each is transposed, and q, k, v
// (and Qwen2's q/k/v biases) are concatenated along Whittle's output axis into attn.wqkv / bqkv.
import { paramDecls, paramShape, type DecoderConfig } from '../config';

export type HfFamily = 'gpt2' | 'llama';

/** One Hugging Face tensor that fills (part of) a Whittle parameter. */
export interface HfSource {
  /** Name in the checkpoint (GPT-2: without the optional `transformer.` prefix). */
  name: string;
  /** Its shape in the checkpoint. */
  shape: number[];
  /** Stored [out, in] (nn.Linear): transposed into Whittle's [in, out]. */
  transpose: boolean;
  /** Columns [start, end) of the Whittle parameter's last axis that this tensor fills. */
  cols: [number, number];
}

export interface HfMapping { whittle: string; shape: number[]; sources: HfSource[] }

/** Tensors some checkpoints carry that are buffers or duplicates, not parameters: skipped on read. */
export function isIgnoredHfTensor(name: string, family: HfFamily, c: DecoderConfig): boolean {
  if (family === 'gpt2') return /(^|\.)attn\.(bias|masked_bias)$/.test(name) || name === 'lm_head.weight';
  if (/\.rotary_emb\.inv_freq$/.test(name)) return true;
  return c.tiedEmbeddings && name === 'lm_head.weight';
}

/** GPT-2 checkpoints name tensors with or without `transformer.`: the name without it. */
export function stripGpt2Prefix(name: string): string {
  return name.startsWith('transformer.') ? name.slice('transformer.'.length) : name;
}

/** Every Whittle parameter of `c` with the Hugging Face tensors it is made of, in paramDecls order. */
export function hfTensorMap(c: DecoderConfig, family: HfFamily): HfMapping[] {
  return paramDecls(c).map((decl) => {
    const shape = paramShape(c, decl);
    const sources = family === 'gpt2' ? [gpt2Source(decl.name, shape)] : llamaSources(c, decl.name, shape);
    return { whittle: decl.name, shape, sources };
  });
}

const lastDim = (shape: number[]) => shape[shape.length - 1];

function gpt2Source(name: string, shape: number[]): HfSource {
  const copy = (hf: string): HfSource => ({ name: hf, shape, transpose: false, cols: [0, lastDim(shape)] });
  if (name === 'wte' || name === 'wpe') return copy(`${name}.weight`);
  if (name === 'lnf.g') return copy('ln_f.weight');
  if (name === 'lnf.b') return copy('ln_f.bias');
  const m = /^h\.(\d+)\.(.+)$/.exec(name);
  const rest: Record<string, string> = {
    'ln1.g': 'ln_1.weight', 'ln1.b': 'ln_1.bias', 'ln2.g': 'ln_2.weight', 'ln2.b': 'ln_2.bias',
    'attn.wqkv': 'attn.c_attn.weight', 'attn.bqkv': 'attn.c_attn.bias', 'attn.wo': 'attn.c_proj.weight', 'attn.bo': 'attn.c_proj.bias',
    'mlp.wi': 'mlp.c_fc.weight', 'mlp.bi': 'mlp.c_fc.bias', 'mlp.wo': 'mlp.c_proj.weight', 'mlp.bo': 'mlp.c_proj.bias',
  };
  if (m && rest[m[2]]) return copy(`h.${m[1]}.${rest[m[2]]}`);
  throw new Error(`GPT2LMHeadModel has no tensor for Whittle parameter ${name} (gated MLP, untied head and RMSNorm are Llama-family features)`);
}

function llamaSources(c: DecoderConfig, name: string, shape: number[]): HfSource[] {
  const copy = (hf: string): HfSource[] => [{ name: hf, shape, transpose: false, cols: [0, lastDim(shape)] }];
  // Whittle [in, out] from nn.Linear [out, in]; a 1-D bias is a plain copy.
  const linear = (hf: string): HfSource[] => [{ name: hf, shape: shape.length === 2 ? [shape[1], shape[0]] : shape, transpose: shape.length === 2, cols: [0, lastDim(shape)] }];
  if (name === 'wte') return copy('model.embed_tokens.weight');
  if (name === 'head') return copy('lm_head.weight');
  if (name === 'lnf.g') return copy('model.norm.weight');
  const m = /^h\.(\d+)\.(.+)$/.exec(name);
  if (!m) throw new Error(`the Llama graph has no tensor for Whittle parameter ${name} (learned positions and LayerNorm biases are GPT-2 features)`);
  const p = `model.layers.${m[1]}.`;
  const A = c.heads * c.headDim;
  const K = c.kvHeads * c.headDim;
  const d = c.dModel;
  switch (m[2]) {
    case 'ln1.g': return copy(`${p}input_layernorm.weight`);
    case 'ln2.g': return copy(`${p}post_attention_layernorm.weight`);
    case 'attn.wqkv': return [
      { name: `${p}self_attn.q_proj.weight`, shape: [A, d], transpose: true, cols: [0, A] },
      { name: `${p}self_attn.k_proj.weight`, shape: [K, d], transpose: true, cols: [A, A + K] },
      { name: `${p}self_attn.v_proj.weight`, shape: [K, d], transpose: true, cols: [A + K, A + 2 * K] },
    ];
    case 'attn.bqkv': return [
      { name: `${p}self_attn.q_proj.bias`, shape: [A], transpose: false, cols: [0, A] },
      { name: `${p}self_attn.k_proj.bias`, shape: [K], transpose: false, cols: [A, A + K] },
      { name: `${p}self_attn.v_proj.bias`, shape: [K], transpose: false, cols: [A + K, A + 2 * K] },
    ];
    case 'attn.wo': return linear(`${p}self_attn.o_proj.weight`);
    case 'attn.bo': return linear(`${p}self_attn.o_proj.bias`);
    case 'mlp.wg': return linear(`${p}mlp.gate_proj.weight`);
    case 'mlp.bg': return linear(`${p}mlp.gate_proj.bias`);
    case 'mlp.wi': return linear(`${p}mlp.up_proj.weight`);
    case 'mlp.bi': return linear(`${p}mlp.up_proj.bias`);
    case 'mlp.wo': return linear(`${p}mlp.down_proj.weight`);
    case 'mlp.bo': return linear(`${p}mlp.down_proj.bias`);
    default: throw new Error(`the Llama graph has no tensor for Whittle parameter ${name}`);
  }
}

/** Write the checkpoint tensor `hf` (float32, laid out as src.shape) into its place in the Whittle
 *  parameter `out` (laid out as m.shape). */
export function fillFromHf(m: HfMapping, src: HfSource, hf: Float32Array, out: Float32Array): void {
  const [c0, c1] = src.cols;
  const width = c1 - c0;
  const cols = lastDim(m.shape);
  const rows = m.shape.length === 2 ? m.shape[0] : 1;
  if (!src.transpose) {
    if (width === cols) { out.set(hf); return; }
    for (let r = 0; r < rows; r++) out.set(hf.subarray(r * width, (r + 1) * width), r * cols + c0);
    return;
  }
  // hf [width, rows] (out, in) → out[r, c0 + j] = hf[j, r], in tiles that stay in cache
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let j0 = 0; j0 < width; j0 += TILE) {
      const j1 = Math.min(width, j0 + TILE);
      for (let r = r0; r < r1; r++) {
        const o = r * cols + c0;
        for (let j = j0; j < j1; j++) out[o + j] = hf[j * rows + r];
      }
    }
  }
}

const TILE = 64;

/** The checkpoint tensor `src` cut out of the Whittle parameter `w` (laid out as m.shape). */
export function hfFromWhittle(m: HfMapping, src: HfSource, w: Float32Array): Float32Array {
  const [c0, c1] = src.cols;
  const width = c1 - c0;
  const cols = lastDim(m.shape);
  const rows = m.shape.length === 2 ? m.shape[0] : 1;
  if (!src.transpose && width === cols) return Float32Array.from(w);
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < width; j++) {
      const v = w[r * cols + c0 + j];
      if (src.transpose) out[j * rows + r] = v; else out[r * width + j] = v;
    }
  }
  return out;
}
