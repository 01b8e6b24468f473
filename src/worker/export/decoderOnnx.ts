// ONNX export of a decoder-only transformer (every DecoderConfig variant), with a key/value cache,
// in the form transformers.js and onnxruntime-genai-style callers expect of a decoder "with past":
//
//   inputs   input_ids                   int64 [batch_size, sequence_length]
//            attention_mask              int64 [batch_size, total_sequence_length]   (past + new)
//            past_key_values.<l>.key     float [batch_size, kvHeads, past_sequence_length, headDim]
//            past_key_values.<l>.value   float (same)
//   outputs  logits                      float [batch_size, sequence_length, vocab]
//            present.<l>.key / .value    float [batch_size, kvHeads, total_sequence_length, headDim]
//
// The first call passes empty past tensors (past_sequence_length 0); transformers.js builds them
// from the graph's input shapes (numeric dims kept, symbolic ones 0 except batch_size). Positions are
// computed inside the graph from attention_mask as Hugging Face does (cumsum − 1), so left-padded
// batches get the right positions and no position_ids input is needed. Keys are cached after the
// rotary embedding (as Hugging Face caches them). Grouped-query attention runs query heads grouped
// by the KV head they share ([B, KV, rep, S, hd] against [B, KV, 1, T, hd]), which is
// Hugging Face's repeat_kv without materialising the repeated keys.
import type { DecoderConfig } from '../models/decoder/config';
import { qkvWidth } from '../models/decoder/config';
import type { TransformerWeights } from '../models/decoder/model';
import type { ExportMeta } from './meta';
import { ONNX_IR_FOR_OPSET, ONNX_OPSETS, onnxRoot } from './onnx';
import { DT, f, GraphBuilder, i, type Obj, valueInfo } from './onnxGraph';

export const INPUT_IDS = 'input_ids';
export const ATTENTION_MASK = 'attention_mask';
export const LOGITS = 'logits';
export const pastName = (l: number, kv: 'key' | 'value') => `past_key_values.${l}.${kv}`;
export const presentName = (l: number, kv: 'key' | 'value') => `present.${l}.${kv}`;
/** Decoder graphs need LayerNormalization (opset 17) at least. */
export const DECODER_MIN_OPSET = 17;
/** Largest weight payload one ONNX protobuf can carry (2 GiB, less room for the graph). */
export const ONNX_MAX_BYTES = 2 ** 31 - 64 * 2 ** 20;
/** Added to the attention scores of masked keys (as the engine's causal mask). */
const MASKED = -1e9;

/** Rotary inverse frequencies [headDim/2] (Hugging Face's default and "llama3" rope types). */
export function rotaryInvFreq(c: DecoderConfig): Float32Array {
  const half = c.headDim / 2;
  const inv = Array.from({ length: half }, (_, k) => 1 / Math.pow(c.ropeTheta, (2 * k) / c.headDim));
  const s = c.ropeScaling;
  if (!s) return Float32Array.from(inv);
  const lowWavelen = s.originalContext / s.lowFreqFactor;
  const highWavelen = s.originalContext / s.highFreqFactor;
  return Float32Array.from(inv, (fq) => {
    const wavelen = (2 * Math.PI) / fq;
    if (wavelen < highWavelen) return fq;
    if (wavelen > lowWavelen) return fq / s.factor;
    const smooth = (s.originalContext / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
    return (1 - smooth) * (fq / s.factor) + smooth * fq;
  });
}

function checkExportable(c: DecoderConfig): void {
  if (c.heads % c.kvHeads !== 0) throw new Error(`${c.heads} query heads cannot share ${c.kvHeads} key/value heads evenly`);
  if (c.positions === 'rotary' && c.headDim % 2 !== 0) throw new Error(`rotary positions need an even head dimension (got ${c.headDim})`);
}

/** The decoder graph's nodes and initializers, built from compact weights (no masks). */
export function decoderGraph(w: TransformerWeights, opset: number): GraphBuilder {
  const c = w.config;
  checkExportable(c);
  const g = new GraphBuilder(opset);
  const P = (name: string) => {
    const data = w.params[name];
    if (!data) throw new Error(`decoder weights lack ${name}`);
    return data;
  };
  const W = (name: string, dims: number[]) => g.weight(name, dims, P(name));
  const { heads: H, kvHeads: KV, headDim: hd, dModel: d } = c;
  const A = H * hd;
  const rep = H / KV;

  // ---- positions, masks ------------------------------------------------------------------------
  const S = g.dim(INPUT_IDS, 1); // [1]
  const total = g.dim(ATTENTION_MASK, 1); // [1]
  const past = g.op('Sub', [total, S]); // [1]
  // positions of all tokens so far: cumsum(mask) − 1, never below 0 (padding), new tokens only
  const cum = g.op('CumSum', [ATTENTION_MASK, g.i64([1], true)]); // [B, T]
  const posAll = g.op('Max', [g.op('Sub', [cum, g.i64([1], true)]), g.i64([0], true)]);
  const positions = g.op('Slice', [posAll, past, total, g.i64([1])]); // [B, S]
  // allowed[b, s, t] = key t is not padding and not after query s (absolute past + s)
  const keyIdx = g.op('Range', [g.i64([0], true), g.op('Squeeze', [total, g.i64([0])]), g.i64([1], true)]); // [T]
  const queryIdx = g.op('Range', [g.op('Squeeze', [past, g.i64([0])]), g.op('Squeeze', [total, g.i64([0])]), g.i64([1], true)]); // [S]
  const causal = g.op('LessOrEqual', [g.unsqueeze(keyIdx, [0]), g.unsqueeze(queryIdx, [1])]); // [S, T]
  const notPad = g.unsqueeze(g.op('Cast', [ATTENTION_MASK], { to: i(DT.BOOL) }), [1]); // [B, 1, T]
  const allowed = g.op('And', [g.unsqueeze(causal, [0]), notPad]); // [B, S, T]
  const bias = g.unsqueeze(g.op('Where', [allowed, g.f32(0), g.f32(MASKED)]), [1, 2]); // [B, 1, 1, S, T]

  let rot: { cos: string; sin: string } | null = null;
  if (c.positions === 'rotary') {
    const inv = g.weight('rotary.inv_freq', [1, hd / 2], rotaryInvFreq(c));
    const freqs = g.op('MatMul', [g.unsqueeze(g.op('Cast', [positions], { to: i(DT.FLOAT) }), [2]), inv]); // [B, S, hd/2]
    const emb = g.op('Concat', [freqs, freqs], { axis: i(-1) }); // [B, S, hd]
    rot = { cos: g.unsqueeze(g.op('Cos', [emb]), [1]), sin: g.unsqueeze(g.op('Sin', [emb]), [1]) }; // [B, 1, S, hd]
  }
  /** x·cos + rotate_half(x)·sin on [B, heads, S, hd], rotate_half(x) = [−x₂, x₁]. */
  const rotary = (x: string): string => {
    if (!rot) return x;
    const x1 = g.slice(x, 3, 0, hd / 2);
    const x2 = g.slice(x, 3, hd / 2, hd);
    const rotated = g.op('Concat', [g.op('Neg', [x2]), x1], { axis: i(-1) });
    return g.op('Add', [g.op('Mul', [x, rot.cos]), g.op('Mul', [rotated, rot.sin])]);
  };

  const norm = (x: string, name: string): string => {
    const gain = W(`${name}.g`, [d]);
    if (c.norm === 'layernorm') {
      return g.op('LayerNormalization', [x, gain, W(`${name}.b`, [d])], { axis: i(-1), epsilon: f(c.normEps) });
    }
    // RMSNorm: x / √(mean(x²) + ε) · g
    const ms = g.meanLast(g.op('Mul', [x, x]));
    return g.op('Mul', [g.op('Div', [x, g.op('Sqrt', [g.op('Add', [ms, g.f32(c.normEps)])])]), gain]);
  };
  const linear = (x: string, wName: string, wDims: number[], bName: string | null): string => {
    const y = g.op('MatMul', [x, W(wName, wDims)]);
    return bName ? g.op('Add', [y, W(bName, [wDims[1]])]) : y;
  };
  const act = (x: string): string => {
    switch (c.activation) {
      case 'relu': return g.op('Relu', [x]);
      case 'silu': return g.op('Mul', [x, g.op('Sigmoid', [x])]);
      case 'gelu': // 0.5·x·(1 + erf(x/√2))
        return g.op('Mul', [g.op('Mul', [x, g.f32(0.5)]), g.op('Add', [g.op('Erf', [g.op('Mul', [x, g.f32(Math.SQRT1_2)])]), g.f32(1)])]);
      case 'gelu_tanh': { // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
        const cube = g.op('Mul', [g.op('Mul', [x, x]), x]);
        const inner = g.op('Mul', [g.op('Add', [x, g.op('Mul', [cube, g.f32(0.044715)])]), g.f32(Math.sqrt(2 / Math.PI))]);
        return g.op('Mul', [g.op('Mul', [x, g.f32(0.5)]), g.op('Add', [g.op('Tanh', [inner]), g.f32(1)])]);
      }
    }
  };

  // ---- embeddings --------------------------------------------------------------------------------
  let x = g.op('Gather', [W('wte', [c.vocab, d]), INPUT_IDS], { axis: i(0) }); // [B, S, d]
  if (c.positions === 'learned') x = g.op('Add', [x, g.op('Gather', [W('wpe', [c.context, d]), positions], { axis: i(0) })]);

  // ---- blocks ------------------------------------------------------------------------------------
  c.mlp.forEach((F, l) => {
    const p = `h.${l}.`;
    const h = norm(x, `${p}ln1`);
    const qkv = linear(h, `${p}attn.wqkv`, [d, qkvWidth(c)], c.bias.qkv ? `${p}attn.bqkv` : null); // [B, S, (H+2KV)·hd]
    const heads = (start: number, n: number) => g.transpose(g.reshape(g.slice(qkv, 2, start, start + n * hd), [0, 0, n, hd]), [0, 2, 1, 3]); // [B, n, S, hd]
    const q = rotary(heads(0, H));
    const k = rotary(heads(A, KV));
    const v = heads(A + KV * hd, KV);
    const key = g.op('Concat', [pastName(l, 'key'), k], { axis: i(2) }, presentName(l, 'key')); // [B, KV, T, hd]
    const value = g.op('Concat', [pastName(l, 'value'), v], { axis: i(2) }, presentName(l, 'value'));
    const q5 = g.reshape(q, [0, KV, rep, -1, hd]); // [B, KV, rep, S, hd]
    const k5 = g.unsqueeze(key, [2]); // [B, KV, 1, T, hd]
    const v5 = g.unsqueeze(value, [2]);
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q5, g.transpose(k5, [0, 1, 2, 4, 3])]), g.f32(1 / Math.sqrt(hd))]), bias]); // [B, KV, rep, S, T]
    const probs = g.op('Softmax', [scores], { axis: i(-1) });
    const y = g.reshape(g.transpose(g.reshape(g.op('MatMul', [probs, v5]), [0, H, -1, hd]), [0, 2, 1, 3]), [0, 0, A]); // [B, S, A]
    x = g.op('Add', [x, linear(y, `${p}attn.wo`, [A, d], c.bias.attnOut ? `${p}attn.bo` : null)]);

    const h2 = norm(x, `${p}ln2`);
    let a = act(linear(h2, `${p}mlp.${c.gatedMlp ? 'wg' : 'wi'}`, [d, F], c.bias.mlp ? `${p}mlp.${c.gatedMlp ? 'bg' : 'bi'}` : null)); // [B, S, F]
    if (c.gatedMlp) a = g.op('Mul', [a, linear(h2, `${p}mlp.wi`, [d, F], c.bias.mlp ? `${p}mlp.bi` : null)]);
    x = g.op('Add', [x, linear(a, `${p}mlp.wo`, [F, d], c.bias.mlp ? `${p}mlp.bo` : null)]);
  });

  // ---- head: logits = lnf(x)·Eᵀ (E = wte when tied, else head; both [vocab, d]) ----------------------
  const hf = norm(x, 'lnf');
  const E = c.tiedEmbeddings ? 'wte' : W('head', [c.vocab, d]);
  g.op('MatMul', [hf, g.transpose(E, [1, 0])], {}, LOGITS); // [B, S, vocab]
  return g;
}

/** The ModelProto as a plain object. `meta` lands in metadata_props. */
export function decoderOnnxObject(w: TransformerWeights, meta: Record<string, string>, opset: number, docString: string): Obj {
  const irVersion = ONNX_IR_FOR_OPSET[opset];
  if (!irVersion) throw new Error(`ONNX opset ${opset} is not supported (choose one of ${ONNX_OPSETS.join(', ')})`);
  if (opset < DECODER_MIN_OPSET) throw new Error(`decoder models need ONNX opset ${DECODER_MIN_OPSET} or newer (got ${opset})`);
  const c = w.config;
  // One protobuf message holds at most 2 GiB; bigger models need ONNX external data (not written yet).
  const weightBytes = Object.values(w.params).reduce((n, p) => n + p.byteLength, 0);
  if (weightBytes > ONNX_MAX_BYTES) throw new Error(`the weights take ${(weightBytes / 2 ** 30).toFixed(2)} GiB; a single ONNX file holds at most 2 GiB (external data files are not written yet)`);
  const g = decoderGraph(w, opset);
  const kvDims = (len: string) => ['batch_size', c.kvHeads, len, c.headDim];
  const layers = c.mlp.map((_, l) => l);
  return {
    ir_version: irVersion,
    opset_import: [{ domain: '', version: opset }],
    producer_name: 'whittle',
    producer_version: meta['whittle.version'] ?? '',
    model_version: 1,
    doc_string: docString,
    graph: {
      name: 'whittle_decoder',
      node: g.nodes,
      initializer: g.initializers,
      input: [
        valueInfo(INPUT_IDS, DT.INT64, ['batch_size', 'sequence_length']),
        valueInfo(ATTENTION_MASK, DT.INT64, ['batch_size', 'total_sequence_length']),
        ...layers.flatMap((l) => (['key', 'value'] as const).map((kv) => valueInfo(pastName(l, kv), DT.FLOAT, kvDims('past_sequence_length')))),
      ],
      output: [
        valueInfo(LOGITS, DT.FLOAT, ['batch_size', 'sequence_length', c.vocab]),
        ...layers.flatMap((l) => (['key', 'value'] as const).map((kv) => valueInfo(presentName(l, kv), DT.FLOAT, kvDims('total_sequence_length')))),
      ],
    },
    metadata_props: Object.entries(meta).map(([key, value]) => ({ key, value })),
  };
}

export function encodeDecoderOnnx(w: TransformerWeights, meta: Record<string, string>, opset: number, docString = ''): Uint8Array {
  const Model = onnxRoot().lookupType('onnx.ModelProto');
  const obj = decoderOnnxObject(w, meta, opset, docString);
  const err = Model.verify(obj);
  if (err) throw new Error(`ONNX model does not match the schema: ${err}`);
  return Model.encode(Model.fromObject(obj)).finish();
}
