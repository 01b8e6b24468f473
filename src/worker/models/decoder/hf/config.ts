// Hugging Face config.json ↔ DecoderConfig for GPT2LMHeadModel and the Llama graph
// (LlamaForCausalLM with model_type llama, mistral, qwen2; SmolLM is a Llama). Defaults follow
// the transformers configuration classes (GPT2Config, LlamaConfig, MistralConfig, Qwen2Config).
import { decoderConfig, type DecoderActivation, type DecoderConfig, type Llama3RopeScaling } from '../config';
import type { HfFamily } from './names';

export const SUPPORTED_ARCHITECTURES = ['GPT2LMHeadModel', 'LlamaForCausalLM', 'MistralForCausalLM', 'Qwen2ForCausalLM'] as const;
export type HfArchitecture = (typeof SUPPORTED_ARCHITECTURES)[number];
const SUPPORTED_TEXT = 'GPT2LMHeadModel, LlamaForCausalLM (model_type llama, mistral, qwen2; SmolLM), MistralForCausalLM, Qwen2ForCausalLM';

const BY_MODEL_TYPE: Record<string, HfArchitecture> = { gpt2: 'GPT2LMHeadModel', llama: 'LlamaForCausalLM', mistral: 'MistralForCausalLM', qwen2: 'Qwen2ForCausalLM' };

export interface HfModelConfig {
  architecture: HfArchitecture;
  family: HfFamily;
  modelType: string;
  config: DecoderConfig;
  eosId: number | null;
  bosId: number | null;
}

type Json = Record<string, unknown>;

/** hidden_act / activation_function → Whittle's activation; null when unsupported. */
function activation(name: string): DecoderActivation | null {
  switch (name) {
    case 'gelu_new': case 'gelu_pytorch_tanh': case 'gelu_fast': return 'gelu_tanh';
    case 'gelu': return 'gelu';
    case 'silu': case 'swish': return 'silu';
    case 'relu': return 'relu';
    default: return null;
  }
}

function firstId(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && typeof v[0] === 'number') return v[0];
  return null;
}

/** Read a Hugging Face config.json object. Errors name the file, the architecture and the key. */
export function decoderConfigFromHf(json: Json, source = 'config.json'): HfModelConfig {
  const archs = json.architectures;
  const modelType = typeof json.model_type === 'string' ? json.model_type : '';
  const named = Array.isArray(archs) && typeof archs[0] === 'string' ? archs[0] : null;
  const architecture = named ?? BY_MODEL_TYPE[modelType];
  if (!architecture) throw new Error(`${source}: no architectures and no known model_type (${modelType || 'none'}); supported: ${SUPPORTED_TEXT}`);
  if (!(SUPPORTED_ARCHITECTURES as readonly string[]).includes(architecture)) {
    throw new Error(`${source}: unsupported architecture ${architecture}${modelType ? ` (model_type ${modelType})` : ''}; supported: ${SUPPORTED_TEXT}`);
  }
  const arch = architecture as HfArchitecture;
  const num = (key: string, fallback?: number): number => {
    const v = json[key];
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      throw new Error(`${source}: missing ${key} (${arch} needs it)`);
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${source}: ${key} must be a number (got ${JSON.stringify(v)})`);
    return v;
  };
  const int = (key: string, fallback?: number): number => {
    const v = num(key, fallback);
    if (!Number.isInteger(v) || v < 1) throw new Error(`${source}: ${key} must be a positive integer (got ${v})`);
    return v;
  };
  const act = (key: string, fallback: string): DecoderActivation => {
    const name = json[key] ?? fallback;
    const a = typeof name === 'string' ? activation(name) : null;
    if (!a) throw new Error(`${source}: unsupported ${key} ${JSON.stringify(name)} (supported: gelu_new, gelu_pytorch_tanh, gelu, silu, relu)`);
    return a;
  };
  const eosId = firstId(json.eos_token_id);
  const bosId = firstId(json.bos_token_id);

  if (arch === 'GPT2LMHeadModel') {
    const d = int('n_embd');
    const heads = int('n_head');
    if (d % heads) throw new Error(`${source}: n_embd ${d} is not a multiple of n_head ${heads}`);
    if (json.scale_attn_by_inverse_layer_idx === true) throw new Error(`${source}: scale_attn_by_inverse_layer_idx is not supported`);
    if (json.tie_word_embeddings === false) throw new Error(`${source}: tie_word_embeddings false is not supported for GPT2LMHeadModel (its lm_head is wte)`);
    if (json.scale_attn_weights === false) throw new Error(`${source}: scale_attn_weights false is not supported`);
    const layers = int('n_layer');
    const config = decoderConfig({
      vocab: int('vocab_size'), context: int('n_positions'), dModel: d, heads, headDim: d / heads,
      mlp: widths(json, layers, int('n_inner', 4 * d), source),
      normEps: num('layer_norm_epsilon', 1e-5), activation: act('activation_function', 'gelu_new'),
    });
    return { architecture: arch, family: 'gpt2', modelType: modelType || 'gpt2', config, eosId, bosId };
  }

  const d = int('hidden_size');
  const heads = int('num_attention_heads');
  const kvHeads = int('num_key_value_heads', heads);
  if (heads % kvHeads) throw new Error(`${source}: num_attention_heads ${heads} is not a multiple of num_key_value_heads ${kvHeads}`);
  const headDim = int('head_dim', Math.floor(d / heads));
  const layers = int('num_hidden_layers');
  let context = int('max_position_embeddings', 2048);
  // Mistral's sliding window: exact as long as no sequence is longer than the window.
  const window = json.sliding_window;
  const usesWindow = arch === 'Qwen2ForCausalLM' ? json.use_sliding_window === true : true;
  if (usesWindow && typeof window === 'number' && window > 0) context = Math.min(context, window);
  const qwen = arch === 'Qwen2ForCausalLM' || modelType === 'qwen2';
  const attnBias = json.attention_bias === true;
  const config = decoderConfig({
    vocab: int('vocab_size'), context, dModel: d, heads, headDim, kvHeads,
    mlp: widths(json, layers, int('intermediate_size'), source),
    norm: 'rmsnorm', normEps: num('rms_norm_eps', 1e-6), positions: 'rotary', ropeTheta: num('rope_theta', 10000),
    ropeScaling: ropeScaling(json.rope_scaling, source),
    activation: act('hidden_act', 'silu'), gatedMlp: true,
    tiedEmbeddings: json.tie_word_embeddings === undefined ? false : json.tie_word_embeddings === true,
    bias: { qkv: qwen || attnBias, attnOut: attnBias, mlp: json.mlp_bias === true },
  });
  return { architecture: arch, family: 'llama', modelType: modelType || 'llama', config, eosId, bosId };
}

/** Per-layer MLP widths: Whittle's own `whittle_mlp_widths` (compacted models) or one width for all. */
function widths(json: Json, layers: number, uniform: number, source: string): number[] {
  const w = json.whittle_mlp_widths;
  if (w === undefined) return Array.from({ length: layers }, () => uniform);
  if (!Array.isArray(w) || w.length !== layers || !w.every((x) => Number.isInteger(x) && x >= 1)) {
    throw new Error(`${source}: whittle_mlp_widths must list ${layers} positive integers (one per layer)`);
  }
  return w as number[];
}

function ropeScaling(v: unknown, source: string): Llama3RopeScaling | null {
  if (v === undefined || v === null) return null;
  const r = v as Json;
  const type = r.rope_type ?? r.type;
  if (type === 'default') return null;
  if (type !== 'llama3') throw new Error(`${source}: unsupported rope_scaling type ${JSON.stringify(type)} (supported: llama3)`);
  const need = (k: string): number => {
    if (typeof r[k] !== 'number') throw new Error(`${source}: missing rope_scaling.${k} (llama3 scaling needs it)`);
    return r[k] as number;
  };
  return { factor: need('factor'), lowFreqFactor: need('low_freq_factor'), highFreqFactor: need('high_freq_factor'), originalContext: need('original_max_position_embeddings') };
}

/** The architecture a DecoderConfig is written as, or an error saying why none fits. */
export function hfArchitectureFor(c: DecoderConfig): HfArchitecture {
  const gptStyle = c.norm === 'layernorm' && c.positions === 'learned' && !c.gatedMlp && c.tiedEmbeddings
    && c.bias.qkv && c.bias.attnOut && c.bias.mlp && c.kvHeads === c.heads;
  if (gptStyle) {
    if (c.heads * c.headDim !== c.dModel) throw new Error(`GPT2LMHeadModel needs heads × head width = width (${c.heads} × ${c.headDim} ≠ ${c.dModel})`);
    return 'GPT2LMHeadModel';
  }
  if (c.norm !== 'rmsnorm' || c.positions !== 'rotary' || !c.gatedMlp) {
    throw new Error(`no Hugging Face architecture has norm ${c.norm}, positions ${c.positions} and ${c.gatedMlp ? 'a gated' : 'an ungated'} MLP together`);
  }
  if (c.bias.qkv && !c.bias.attnOut && !c.bias.mlp) return 'Qwen2ForCausalLM';
  if (c.bias.qkv !== c.bias.attnOut) throw new Error('LlamaForCausalLM has q/k/v/o biases all or none (attention_bias)');
  return 'LlamaForCausalLM';
}

export interface HfConfigOptions {
  architecture?: HfArchitecture;
  eosId?: number | null;
  bosId?: number | null;
  /** torch_dtype to record (the dtype of the written tensors). */
  torchDtype?: 'float32' | 'float16' | 'bfloat16';
  /** Layers of different MLP widths: write intermediate_size = the widest and whittle_mlp_widths
   *  (only Whittle reads it) instead of refusing. */
  perLayerMlp?: boolean;
}

/** DecoderConfig → config.json object (the inverse of decoderConfigFromHf). */
export function hfConfigFromDecoder(c: DecoderConfig, opts: HfConfigOptions = {}): Json {
  const arch = opts.architecture ?? hfArchitectureFor(c);
  const uniform = c.mlp.every((f) => f === c.mlp[0]);
  if (!uniform && !opts.perLayerMlp) {
    throw new Error(`layers have different MLP widths (${c.mlp.join(', ')}): a stock ${arch} config.json cannot describe them`);
  }
  const f = Math.max(...c.mlp);
  const common: Json = {
    architectures: [arch], vocab_size: c.vocab, torch_dtype: opts.torchDtype ?? 'float32',
    ...(opts.eosId != null ? { eos_token_id: opts.eosId } : {}), ...(opts.bosId != null ? { bos_token_id: opts.bosId } : {}),
    ...(uniform ? {} : { whittle_mlp_widths: [...c.mlp] }),
  };
  const actName: Record<DecoderActivation, string> = { gelu_tanh: arch === 'GPT2LMHeadModel' ? 'gelu_new' : 'gelu_pytorch_tanh', gelu: 'gelu', silu: 'silu', relu: 'relu' };
  if (arch === 'GPT2LMHeadModel') {
    return {
      ...common, model_type: 'gpt2', n_embd: c.dModel, n_head: c.heads, n_layer: c.mlp.length, n_positions: c.context, n_ctx: c.context,
      n_inner: f, activation_function: actName[c.activation], layer_norm_epsilon: c.normEps, tie_word_embeddings: true,
    };
  }
  const modelType = arch === 'Qwen2ForCausalLM' ? 'qwen2' : arch === 'MistralForCausalLM' ? 'mistral' : 'llama';
  const out: Json = {
    ...common, model_type: modelType, hidden_size: c.dModel, intermediate_size: f, num_hidden_layers: c.mlp.length,
    num_attention_heads: c.heads, num_key_value_heads: c.kvHeads, head_dim: c.headDim, max_position_embeddings: c.context,
    rms_norm_eps: c.normEps, rope_theta: c.ropeTheta, hidden_act: actName[c.activation], tie_word_embeddings: c.tiedEmbeddings,
    rope_scaling: c.ropeScaling ? {
      rope_type: 'llama3', factor: c.ropeScaling.factor, low_freq_factor: c.ropeScaling.lowFreqFactor,
      high_freq_factor: c.ropeScaling.highFreqFactor, original_max_position_embeddings: c.ropeScaling.originalContext,
    } : null,
  };
  if (arch === 'LlamaForCausalLM') Object.assign(out, { attention_bias: c.bias.qkv, mlp_bias: c.bias.mlp });
  if (arch === 'MistralForCausalLM') out.sliding_window = null;
  if (arch === 'Qwen2ForCausalLM') out.use_sliding_window = false;
  return out;
}
