// The decoder family's configuration and parameter declarations: one decoder-only transformer
// that covers Whittle's own GPT-style model, GPT-2 and the Llama family (Llama, Mistral, Qwen2,
// SmolLM). Every architectural choice is a plain field with the GPT-style default, so a config
// written before these fields existed (Whittle's own checkpoints) still reads as what it was.
//
// Parameter names are Whittle's own and do not depend on where the weights came from; the
// mapping to and from Hugging Face names lives in hf/names.ts.
//
//   wte            [vocab, d]                 token embedding
//   wpe            [context, d]               learned positions (positions 'learned' only)
//   h.<l>.ln1.g/b  [d]                        norm before attention (.b: layernorm only)
//   h.<l>.attn.wqkv [d, (H + 2·KV)·hd]        q | k | v projections side by side (GPT-2's c_attn
//                                             layout; Llama's q/k/v are concatenated on import)
//   h.<l>.attn.bqkv [(H + 2·KV)·hd]           bias.qkv only
//   h.<l>.attn.wo  [H·hd, d]   .bo [d]        output projection (.bo: bias.attnOut only)
//   h.<l>.ln2.g/b  [d]
//   h.<l>.mlp.wg   [d, f_l]    .bg [f_l]      gate (gated MLPs only: SwiGLU = act(x·wg) ⊙ (x·wi))
//   h.<l>.mlp.wi   [d, f_l]    .bi [f_l]      up / in
//   h.<l>.mlp.wo   [f_l, d]    .bo [d]        down / out (biases: bias.mlp only)
//   lnf.g/b        [d]                        final norm
//   head           [vocab, d]                 untied output embedding (logits = h·headᵀ); absent when tied
//
// All matrices are stored [in, out] (x·W), as tfjs multiplies.
export type Axis = number | 'd' | `f${number}`;
export interface ParamDecl { name: string; axes: Axis[]; init: 'normal' | 'resid' | 'zeros' | 'ones' }

export type DecoderNorm = 'layernorm' | 'rmsnorm';
export type DecoderPositions = 'learned' | 'rotary';
/** gelu_tanh = GPT-2's gelu_new / gelu_pytorch_tanh; gelu = exact erf GELU; silu = Llama's. */
export type DecoderActivation = 'gelu_tanh' | 'gelu' | 'silu' | 'relu';

/** Llama 3's rotary frequency rescaling (rope_scaling.rope_type "llama3"). */
export interface Llama3RopeScaling { factor: number; lowFreqFactor: number; highFreqFactor: number; originalContext: number }

export interface DecoderConfig {
  vocab: number;
  /** Longest sequence the model is run on (learned position table size; rotary: max_position_embeddings). */
  context: number;
  /** Residual-stream width. */
  dModel: number;
  heads: number;
  headDim: number;
  /** MLP width of each layer (its length is the depth). */
  mlp: number[];
  /** Key/value heads (grouped-query attention when < heads; each serves heads/kvHeads query heads). */
  kvHeads: number;
  norm: DecoderNorm;
  normEps: number;
  positions: DecoderPositions;
  /** Rotary base (rope_theta). */
  ropeTheta: number;
  ropeScaling: Llama3RopeScaling | null;
  activation: DecoderActivation;
  /** SwiGLU-style MLP: act(x·wg) ⊙ (x·wi), then ·wo. */
  gatedMlp: boolean;
  /** Output embedding is wte (true) or its own `head` matrix. */
  tiedEmbeddings: boolean;
  bias: { qkv: boolean; attnOut: boolean; mlp: boolean };
}

/** What older configs (Whittle's own checkpoints) carry; every other field takes the GPT-style default. */
export type DecoderConfigInput = Pick<DecoderConfig, 'vocab' | 'context' | 'dModel' | 'heads' | 'headDim' | 'mlp'> & Partial<DecoderConfig>;

/** Fill defaults (GPT-style: LayerNorm 1e-5, learned positions, GELU tanh, tied, all biases) and copy. */
export function decoderConfig(c: DecoderConfigInput): DecoderConfig {
  return {
    vocab: c.vocab,
    context: c.context,
    dModel: c.dModel,
    heads: c.heads,
    headDim: c.headDim,
    mlp: [...c.mlp],
    kvHeads: c.kvHeads ?? c.heads,
    norm: c.norm ?? 'layernorm',
    normEps: c.normEps ?? 1e-5,
    positions: c.positions ?? 'learned',
    ropeTheta: c.ropeTheta ?? 10000,
    ropeScaling: c.ropeScaling ? { ...c.ropeScaling } : null,
    activation: c.activation ?? 'gelu_tanh',
    gatedMlp: c.gatedMlp ?? false,
    tiedEmbeddings: c.tiedEmbeddings ?? true,
    bias: { qkv: c.bias?.qkv ?? true, attnOut: c.bias?.attnOut ?? true, mlp: c.bias?.mlp ?? true },
  };
}

/** Width of the fused q|k|v projection. */
export function qkvWidth(c: DecoderConfig): number { return (c.heads + 2 * c.kvHeads) * c.headDim; }

/** Every parameter in a fixed order, with symbolic axes ('d' = residual, 'f<l>' = layer l's MLP width). */
export function paramDecls(c: DecoderConfig): ParamDecl[] {
  const A = c.heads * c.headDim;
  const out: ParamDecl[] = [{ name: 'wte', axes: [c.vocab, 'd'], init: 'normal' }];
  if (c.positions === 'learned') out.push({ name: 'wpe', axes: [c.context, 'd'], init: 'normal' });
  const norm = (name: string) => {
    out.push({ name: `${name}.g`, axes: ['d'], init: 'ones' });
    if (c.norm === 'layernorm') out.push({ name: `${name}.b`, axes: ['d'], init: 'zeros' });
  };
  c.mlp.forEach((_, l) => {
    const f = `f${l}` as const;
    const p = `h.${l}.`;
    norm(`${p}ln1`);
    out.push({ name: `${p}attn.wqkv`, axes: ['d', qkvWidth(c)], init: 'normal' });
    if (c.bias.qkv) out.push({ name: `${p}attn.bqkv`, axes: [qkvWidth(c)], init: 'zeros' });
    out.push({ name: `${p}attn.wo`, axes: [A, 'd'], init: 'resid' });
    if (c.bias.attnOut) out.push({ name: `${p}attn.bo`, axes: ['d'], init: 'zeros' });
    norm(`${p}ln2`);
    if (c.gatedMlp) {
      out.push({ name: `${p}mlp.wg`, axes: ['d', f], init: 'normal' });
      if (c.bias.mlp) out.push({ name: `${p}mlp.bg`, axes: [f], init: 'zeros' });
    }
    out.push({ name: `${p}mlp.wi`, axes: ['d', f], init: 'normal' });
    if (c.bias.mlp) out.push({ name: `${p}mlp.bi`, axes: [f], init: 'zeros' });
    out.push({ name: `${p}mlp.wo`, axes: [f, 'd'], init: 'resid' });
    if (c.bias.mlp) out.push({ name: `${p}mlp.bo`, axes: ['d'], init: 'zeros' });
  });
  norm('lnf');
  if (!c.tiedEmbeddings) out.push({ name: 'head', axes: [c.vocab, 'd'], init: 'normal' });
  return out;
}

export function axisSize(c: DecoderConfig, a: Axis): number {
  if (typeof a === 'number') return a;
  if (a === 'd') return c.dModel;
  return c.mlp[Number(a.slice(1))];
}

export function paramShape(c: DecoderConfig, d: ParamDecl): number[] { return d.axes.map((a) => axisSize(c, a)); }

export function countDecoderParams(input: DecoderConfigInput): number {
  const c = decoderConfig(input);
  return paramDecls(c).reduce((s, d) => s + paramShape(c, d).reduce((a, b) => a * b, 1), 0);
}
