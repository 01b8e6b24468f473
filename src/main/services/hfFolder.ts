// A quick look at a Hugging Face checkpoint folder before an importModel run is registered: config.json
// (architecture, activation, the keys the graph needs), the safetensors headers (every expected tensor
// present with its shape, a supported dtype, data inside the file) and tokenizer.json (loaded by the same
// @huggingface/tokenizers the model will use). Headers only: no tensor data is read, so a folder of
// gigabytes is checked in milliseconds, and a folder that would fail is refused with nothing registered.
// The worker's reader (models/decoder/hf) checks all this again while it reads the data; this module
// exists because services may not import the engine (@tensorflow), not to replace that check.
import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { HF_ARCHITECTURES, HF_DTYPES } from '../../shared/specs/importModel';

/** A refusal naming the file (and the key, tensor or byte offset in it). */
export class HfFolderError extends Error {
  readonly kind = 'input' as const;
  constructor(message: string) { super(message); this.name = 'HfFolderError'; }
}

/** What the headers say the model is (the import's summary will name the same). */
export interface HfFolderFacts {
  architecture: string;
  modelType: string;
  layers: number;
  dModel: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  /** MLP width (the widest layer's, when a compacted model's layers differ: see `mlp`). */
  mlpWidth: number;
  /** Every layer's MLP width. */
  mlp: number[];
  vocab: number;
  context: number;
  activation: string;
  tiedEmbeddings: boolean;
  /** Parameters the import keeps (a tied head counted once). */
  params: number;
  dtypes: string[];
  /** Weight files (safetensors) and their bytes in total. */
  files: string[];
  bytes: number;
}

const DTYPE_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
/** HF activation names → the decoder's (models/decoder/config.ts DecoderActivation). */
const ACTIVATIONS: Record<string, string> = { gelu_new: 'gelu_tanh', gelu_pytorch_tanh: 'gelu_tanh', gelu_fast: 'gelu_tanh', gelu: 'gelu', silu: 'silu', swish: 'silu', relu: 'relu' };
const MODEL_TYPE_ARCH: Record<string, string> = { gpt2: 'GPT2LMHeadModel', llama: 'LlamaForCausalLM', mistral: 'MistralForCausalLM', qwen2: 'Qwen2ForCausalLM' };
const MAX_HEADER = 100 << 20;

type Json = Record<string, unknown>;
interface Expected { name: string; shape: number[]; optional?: boolean }
interface HeaderTensor { dtype: string; shape: number[]; data_offsets: [number, number] }

function readJson(file: string, what: string): Json {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) { throw new HfFolderError(`${what}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); }
  let v: unknown;
  try { v = JSON.parse(text); } catch (e) { throw new HfFolderError(`${what}: not valid JSON (${(e as Error).message})`); }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new HfFolderError(`${what}: expected a JSON object`);
  return v as Json;
}

/** The config's architecture, or a refusal naming it and listing the supported ones. */
function architectureOf(cfg: Json): string {
  const listed = Array.isArray(cfg.architectures) ? cfg.architectures[0] : undefined;
  const arch = typeof listed === 'string' ? listed : MODEL_TYPE_ARCH[String(cfg.model_type)];
  if (!arch) {
    if (listed === undefined && cfg.model_type === undefined) throw new HfFolderError("config.json: missing key 'architectures' (and no 'model_type' to infer it from)");
    throw new HfFolderError(`config.json: model_type '${String(cfg.model_type)}' is not supported; supported architectures: ${HF_ARCHITECTURES.join(', ')}`);
  }
  if (!(HF_ARCHITECTURES as readonly string[]).includes(arch)) throw new HfFolderError(`config.json: architecture '${arch}' is not supported; supported architectures: ${HF_ARCHITECTURES.join(', ')}`);
  return arch;
}

function int(cfg: Json, key: string, fallback?: number): number {
  const v = cfg[key] ?? fallback;
  if (v === undefined || v === null) throw new HfFolderError(`config.json: missing key '${key}'`);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new HfFolderError(`config.json: '${key}' must be a positive whole number, got ${JSON.stringify(v)}`);
  return v;
}

/** One MLP width for every layer, or Whittle's own per-layer `whittle_mlp_widths` (a compacted export). */
function widths(cfg: Json, layers: number, uniform: number): number[] {
  const w = cfg.whittle_mlp_widths;
  if (w === undefined) return Array.from({ length: layers }, () => uniform);
  if (!Array.isArray(w) || w.length !== layers || !w.every((x) => Number.isInteger(x) && x >= 1)) {
    throw new HfFolderError(`config.json: whittle_mlp_widths must list ${layers} positive whole numbers (one per layer)`);
  }
  return w as number[];
}

function activation(cfg: Json, key: string, fallback: string): string {
  const v = cfg[key] ?? fallback;
  const a = typeof v === 'string' ? ACTIVATIONS[v] : undefined;
  if (!a) throw new HfFolderError(`config.json: activation ${key} = ${JSON.stringify(v)} is not supported; supported: ${Object.keys(ACTIVATIONS).join(', ')}`);
  return a;
}

type Shape = Omit<HfFolderFacts, 'params' | 'dtypes' | 'files' | 'bytes'>;

/** GPT-2: Conv1D weights stored [in, out], fused c_attn; names with or without `transformer.`. */
function gpt2(cfg: Json, arch: string): { shape: Shape; expected: (prefix: string) => Expected[] } {
  const d = int(cfg, 'n_embd'), layers = int(cfg, 'n_layer'), heads = int(cfg, 'n_head'), vocab = int(cfg, 'vocab_size');
  const context = int(cfg, 'n_positions');
  const mlp = widths(cfg, layers, cfg.n_inner === null || cfg.n_inner === undefined ? 4 * d : int(cfg, 'n_inner'));
  if (d % heads) throw new HfFolderError(`config.json: n_embd ${d} is not divisible by n_head ${heads}`);
  if (cfg.scale_attn_by_inverse_layer_idx === true) throw new HfFolderError('config.json: scale_attn_by_inverse_layer_idx true is not supported');
  if (cfg.scale_attn_weights === false) throw new HfFolderError('config.json: scale_attn_weights false is not supported');
  if (cfg.tie_word_embeddings === false) throw new HfFolderError('config.json: tie_word_embeddings false is not supported for GPT2LMHeadModel (its lm_head is wte)');
  const shape: Shape = {
    architecture: arch, modelType: 'gpt2', layers, dModel: d, heads, kvHeads: heads, headDim: d / heads, mlpWidth: Math.max(...mlp), mlp, vocab, context,
    activation: activation(cfg, 'activation_function', 'gelu_new'), tiedEmbeddings: true,
  };
  return {
    shape,
    expected: (p) => {
      const out: Expected[] = [{ name: `${p}wte.weight`, shape: [vocab, d] }, { name: `${p}wpe.weight`, shape: [context, d] }];
      for (let l = 0; l < layers; l++) {
        const h = `${p}h.${l}.`;
        const f = mlp[l];
        out.push(
          { name: `${h}ln_1.weight`, shape: [d] }, { name: `${h}ln_1.bias`, shape: [d] },
          { name: `${h}attn.c_attn.weight`, shape: [d, 3 * d] }, { name: `${h}attn.c_attn.bias`, shape: [3 * d] },
          { name: `${h}attn.c_proj.weight`, shape: [d, d] }, { name: `${h}attn.c_proj.bias`, shape: [d] },
          { name: `${h}ln_2.weight`, shape: [d] }, { name: `${h}ln_2.bias`, shape: [d] },
          { name: `${h}mlp.c_fc.weight`, shape: [d, f] }, { name: `${h}mlp.c_fc.bias`, shape: [f] },
          { name: `${h}mlp.c_proj.weight`, shape: [f, d] }, { name: `${h}mlp.c_proj.bias`, shape: [d] },
        );
      }
      out.push({ name: `${p}ln_f.weight`, shape: [d] }, { name: `${p}ln_f.bias`, shape: [d] });
      return out;
    },
  };
}

/** Llama and the configs that share its graph (Mistral, Qwen2 with q/k/v biases, SmolLM). */
function llama(cfg: Json, arch: string): { shape: Shape; expected: () => Expected[] } {
  const d = int(cfg, 'hidden_size'), layers = int(cfg, 'num_hidden_layers'), heads = int(cfg, 'num_attention_heads');
  const kv = int(cfg, 'num_key_value_heads', heads), vocab = int(cfg, 'vocab_size');
  const mlp = widths(cfg, layers, int(cfg, 'intermediate_size'));
  let context = int(cfg, 'max_position_embeddings', 2048);
  // Mistral's sliding window: the model runs exactly as long as no sequence is longer than it
  const window = cfg.sliding_window;
  const usesWindow = arch === 'Qwen2ForCausalLM' ? cfg.use_sliding_window === true : true;
  if (usesWindow && typeof window === 'number' && window > 0) context = Math.min(context, window);
  const hd = int(cfg, 'head_dim', Math.floor(d / heads));
  if (heads % kv) throw new HfFolderError(`config.json: num_attention_heads ${heads} is not a multiple of num_key_value_heads ${kv}`);
  if (hd % 2) throw new HfFolderError(`config.json: head width ${hd} (head_dim, or hidden_size / num_attention_heads) is odd; rotary positions need an even head width`);
  const scaling = cfg.rope_scaling as Json | null | undefined;
  if (scaling && typeof scaling === 'object') {
    const type = scaling.rope_type ?? scaling.type;
    if (type !== 'llama3' && type !== 'default') throw new HfFolderError(`config.json: rope_scaling type ${JSON.stringify(type)} is not supported; supported: llama3`);
  }
  const modelType = typeof cfg.model_type === 'string' ? cfg.model_type : arch.replace(/ForCausalLM$/, '').toLowerCase();
  const qkvBias = arch === 'Qwen2ForCausalLM' || modelType === 'qwen2' || cfg.attention_bias === true;
  const oBias = cfg.attention_bias === true;
  const mlpBias = cfg.mlp_bias === true;
  const tied = cfg.tie_word_embeddings === true;
  const shape: Shape = {
    architecture: arch, modelType, layers, dModel: d, heads, kvHeads: kv, headDim: hd, mlpWidth: Math.max(...mlp), mlp, vocab, context,
    activation: activation(cfg, 'hidden_act', 'silu'), tiedEmbeddings: tied,
  };
  return {
    shape,
    expected: () => {
      const out: Expected[] = [{ name: 'model.embed_tokens.weight', shape: [vocab, d] }];
      for (let l = 0; l < layers; l++) {
        const h = `model.layers.${l}.`;
        out.push({ name: `${h}input_layernorm.weight`, shape: [d] });
        for (const [n, rows] of [['q', heads * hd], ['k', kv * hd], ['v', kv * hd]] as const) {
          out.push({ name: `${h}self_attn.${n}_proj.weight`, shape: [rows, d] });
          if (qkvBias) out.push({ name: `${h}self_attn.${n}_proj.bias`, shape: [rows] });
        }
        out.push({ name: `${h}self_attn.o_proj.weight`, shape: [d, heads * hd] });
        if (oBias) out.push({ name: `${h}self_attn.o_proj.bias`, shape: [d] });
        out.push({ name: `${h}post_attention_layernorm.weight`, shape: [d] });
        const f = mlp[l];
        for (const [n, s] of [['gate', [f, d]], ['up', [f, d]], ['down', [d, f]]] as const) {
          out.push({ name: `${h}mlp.${n}_proj.weight`, shape: [...s] });
          if (mlpBias) out.push({ name: `${h}mlp.${n}_proj.bias`, shape: [s[0]] });
        }
      }
      out.push({ name: 'model.norm.weight', shape: [d] });
      out.push({ name: 'lm_head.weight', shape: [vocab, d], optional: tied });
      return out;
    },
  };
}

/** One safetensors file's header: every tensor's entry checked against the file's size. */
export function readSafetensorsHeader(file: string): Map<string, HeaderTensor> {
  const label = path.basename(file);
  let fd: number;
  try { fd = fs.openSync(file, 'r'); } catch (e) { throw new HfFolderError(`${label}: cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); }
  try {
    const size = fs.fstatSync(fd).size;
    if (size < 8) throw new HfFolderError(`${label}: truncated: ${size} bytes, shorter than the 8-byte header length at byte 0`);
    const lenBuf = Buffer.alloc(8);
    fs.readSync(fd, lenBuf, 0, 8, 0);
    const n = lenBuf.readBigUInt64LE(0);
    if (n > BigInt(MAX_HEADER)) throw new HfFolderError(`${label}: corrupt: the header length at byte 0 says ${n} bytes (more than ${MAX_HEADER}); not a safetensors file?`);
    const len = Number(n);
    if (8 + len > size) throw new HfFolderError(`${label}: truncated: the header runs from byte 8 to byte ${8 + len}, but the file has ${size} bytes`);
    const head = Buffer.alloc(len);
    fs.readSync(fd, head, 0, len, 8);
    let json: unknown;
    try { json = JSON.parse(head.toString('utf8')); } catch (e) { throw new HfFolderError(`${label}: corrupt: the header at bytes 8..${8 + len} is not valid JSON (${(e as Error).message})`); }
    if (!json || typeof json !== 'object' || Array.isArray(json)) throw new HfFolderError(`${label}: corrupt: the header at byte 8 is not a JSON object`);
    const base = 8 + len;
    const out = new Map<string, HeaderTensor>();
    for (const [name, raw] of Object.entries(json as Json)) {
      if (name === '__metadata__') continue;
      const t = raw as Partial<HeaderTensor> | null;
      const offs = t?.data_offsets;
      if (!t || typeof t.dtype !== 'string' || !Array.isArray(t.shape) || !Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isInteger(o) && o >= 0) || offs[1] < offs[0]) {
        throw new HfFolderError(`${label}: corrupt: the header entry of tensor ${name} lacks a dtype, shape or data_offsets [begin, end]`);
      }
      const per = DTYPE_BYTES[t.dtype];
      const numel = t.shape.reduce((a: number, b: number) => a * b, 1);
      if (per !== undefined && offs[1] - offs[0] !== numel * per) {
        throw new HfFolderError(`${label}: corrupt: tensor ${name} (${t.dtype} [${t.shape.join(', ')}]) needs ${numel * per} bytes, its data_offsets [${offs[0]}, ${offs[1]}] hold ${offs[1] - offs[0]}`);
      }
      if (base + offs[1] > size) throw new HfFolderError(`${label}: truncated: tensor ${name}'s data ends at byte ${base + offs[1]}, but the file has ${size} bytes`);
      out.set(name, { dtype: t.dtype, shape: t.shape, data_offsets: [offs[0], offs[1]] });
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

/** The weight files of the folder and which file holds each tensor (an index names shards). */
function weightFiles(dir: string): { files: string[]; owner: Map<string, string> | null } {
  const single = path.join(dir, 'model.safetensors');
  const index = path.join(dir, 'model.safetensors.index.json');
  if (fs.existsSync(index)) {
    const map = readJson(index, 'model.safetensors.index.json').weight_map;
    if (!map || typeof map !== 'object') throw new HfFolderError("model.safetensors.index.json: missing key 'weight_map'");
    const owner = new Map(Object.entries(map as Record<string, string>));
    const files = [...new Set(owner.values())].sort();
    for (const f of files) {
      if (typeof f !== 'string' || f.includes('/') || f.includes('\\')) throw new HfFolderError(`model.safetensors.index.json: weight_map names ${JSON.stringify(f)}, not a file in the folder`);
      if (!fs.existsSync(path.join(dir, f))) throw new HfFolderError(`model.safetensors.index.json: names ${f}, which is not in ${dir}`);
    }
    return { files, owner };
  }
  if (fs.existsSync(single)) return { files: ['model.safetensors'], owner: null };
  const bin = ['pytorch_model.bin', 'model.bin'].find((f) => fs.existsSync(path.join(dir, f)));
  throw new HfFolderError(`${dir}: no model.safetensors (or model.safetensors.index.json with its shards)${bin ? `; ${bin} (a PyTorch pickle) is not read: save the model with save_pretrained(…, safe_serialization=True)` : ''}`);
}

/** Checks the folder's headers; throws HfFolderError naming the file, key, tensor or byte offset. */
export function checkHfFolder(dir: string): HfFolderFacts {
  let st: fs.Stats;
  try { st = fs.statSync(dir); } catch { throw new HfFolderError(`${dir}: no such folder`); }
  if (!st.isDirectory()) throw new HfFolderError(`${dir}: not a folder (give the checkpoint folder holding config.json)`);
  const cfgFile = path.join(dir, 'config.json');
  if (!fs.existsSync(cfgFile)) throw new HfFolderError(`${dir}: no config.json (a Hugging Face checkpoint folder has config.json, model.safetensors and tokenizer.json)`);
  const cfg = readJson(cfgFile, 'config.json');
  const arch = architectureOf(cfg);
  const g = arch === 'GPT2LMHeadModel' ? gpt2(cfg, arch) : null;
  const l = g ? null : llama(cfg, arch);
  const { shape } = g ?? l!;

  const { files, owner } = weightFiles(dir);
  const headers = new Map(files.map((f) => [f, readSafetensorsHeader(path.join(dir, f))]));
  const find = (name: string): [string, HeaderTensor] | null => {
    if (owner) {
      const f = owner.get(name);
      const t = f ? headers.get(f)?.get(name) : undefined;
      if (f && !t) throw new HfFolderError(`${f}: tensor ${name} is missing (model.safetensors.index.json says it is there)`);
      return f && t ? [f, t] : null;
    }
    const t = headers.get(files[0])!.get(name);
    return t ? [files[0], t] : null;
  };
  const prefix = g && find('transformer.wte.weight') ? 'transformer.' : '';
  const expected = g ? g.expected(prefix) : l!.expected();
  const dtypes = new Set<string>();
  let params = 0;
  for (const e of expected) {
    const hit = find(e.name);
    if (!hit) {
      if (e.optional) continue;
      throw new HfFolderError(`${files.length > 1 ? 'the weight files' : files[0]}: tensor ${e.name} is missing (${arch} with ${shape.layers} layers needs it)`);
    }
    const [file, t] = hit;
    if (!(HF_DTYPES as readonly string[]).includes(t.dtype)) throw new HfFolderError(`${file}: tensor ${e.name} has dtype ${t.dtype}; supported: ${HF_DTYPES.join(', ')}`);
    if (t.shape.length !== e.shape.length || t.shape.some((s, i) => s !== e.shape[i])) {
      throw new HfFolderError(`${file}: tensor ${e.name} has shape [${t.shape.join(', ')}], config.json implies [${e.shape.join(', ')}]`);
    }
    dtypes.add(t.dtype);
    if (!(e.optional && e.name === 'lm_head.weight')) params += e.shape.reduce((a, b) => a * b, 1);
  }

  const tokFile = path.join(dir, 'tokenizer.json');
  if (!fs.existsSync(tokFile)) throw new HfFolderError(`${dir}: no tokenizer.json (the model's tokenizer is needed to turn text into its tokens)`);
  const tokJson = readJson(tokFile, 'tokenizer.json');
  const tokCfgFile = path.join(dir, 'tokenizer_config.json');
  const tokCfg = fs.existsSync(tokCfgFile) ? readJson(tokCfgFile, 'tokenizer_config.json') : {};
  try { new Tokenizer(tokJson, tokCfg); } catch (e) { throw new HfFolderError(`tokenizer.json: cannot be loaded (${(e as Error).message})`); }

  const bytes = files.reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0);
  return { ...shape, params, dtypes: [...dtypes].sort(), files, bytes };
}
