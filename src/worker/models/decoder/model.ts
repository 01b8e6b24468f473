// A pre-norm decoder-only transformer whose MLP neurons and residual-stream dimensions are
// addressable and maskable, like MaskableMlp's units. One forward covers every convention of
// config.ts: Whittle's GPT-style model and GPT-2 (LayerNorm, learned positions, GELU MLP, tied
// embeddings) and the Llama family (RMSNorm, rotary positions in the rotate_half convention,
// grouped-query attention, gated MLP act(x·wg) ⊙ (x·wi), optional biases, untied head).
//
// Units: MLP neuron j of layer l owns column j of h.l.mlp.wi [d, F_l] (and of wg when gated),
// bi[j] (bg[j]) and row j of h.l.mlp.wo [F_l, d]. Residual dimension i owns column i of every
// matrix that writes the stream (wte, wpe, attn.wo, mlp.wo, their biases), row i of every matrix
// that reads it (attn.wqkv, mlp.wi, mlp.wg, head) and entry i of every norm gain/bias. Masked
// units output exactly 0; norm statistics (LayerNorm's mean and variance, RMSNorm's mean square)
// are taken over kept residual dimensions only, so a compacted copy (masked slices removed, see
// compact.ts) computes the same function.
//
// Every parameter's shape is declared with symbolic axes ('d' = residual, 'f<l>' = layer l's
// MLP width), which is all compaction, group lasso and checkpoints need to know.
import { fusedActivation, fusedCausalSoftmax, fusedNorm, fusedSplitHeads } from '../../engine/kernels';
import type { Rng } from '../../engine/rng';
import { tf, type Tensor, type Tensor1D, type Tensor2D, type Variable } from '../../engine/tf';
import type { UnitHooks } from '../units';
import { countDecoderParams, decoderConfig, paramDecls, paramShape, type DecoderActivation, type DecoderConfig, type DecoderConfigInput, type ParamDecl } from './config';
import { rotaryTables } from './rotary';

export type TransformerConfig = DecoderConfig;
export { axisSize, countDecoderParams as countTransformerParams, paramDecls, paramShape, type Axis, type ParamDecl } from './config';

/** Host masks. `heads[l]` [H] gates layer l's query heads (absent = every head kept): a masked head's
 *  output (before the output projection) is 0, so it owns its q columns and its rows of attn.wo; a
 *  KV head whose every query head is masked is dead and owns its k and v columns (models/decoder/heads.ts). */
export interface TransformerMasks { mlp: Float32Array[]; resid: Float32Array; heads?: Float32Array[] }
export interface TransformerWeights { config: TransformerConfig; params: Record<string, Float32Array>; masks: TransformerMasks }

/** Hooks on MLP neurons: z/a are [B·T, F_l]; return the tensor the forward pass continues with. */
export interface TransformerHooks extends UnitHooks {
  /** The training step's flags (models/family.ts ForwardOptions); the decoder has no dropout. */
  training?: boolean;
  dropoutSeed?: number;
  /** Mask tensors to use instead of the model's own (differentiate the loss w.r.t. them: the
   *  gradient of mask j is Σ a_j·∂L/∂a_j over every place it gates, i.e. attribution). */
  masks?: { mlp: Tensor1D[]; resid: Tensor1D; heads?: Tensor1D[] };
  /** Per-token head gates of layer l: gate [B·T, H] (the head masks broadcast over tokens, or 1s);
   *  return the gates the head outputs are multiplied by (ablation zeroes one head per batch copy). */
  onHeadGate?: (layer: number, gate: Tensor2D) => Tensor2D;
}

/** GPT-2 init: N(0, 0.02), projections into the residual stream N(0, 0.02/√(2L)), LN gain 1. */
export function initTransformer(input: DecoderConfigInput, rng: Rng): TransformerWeights {
  const c = decoderConfig(input);
  if (c.heads < 1 || c.headDim < 1) throw new Error('a transformer needs at least one head of at least one dimension');
  const params: Record<string, Float32Array> = {};
  const residStd = 0.02 / Math.sqrt(2 * c.mlp.length);
  for (const d of paramDecls(c)) {
    const n = paramShape(c, d).reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    if (d.init === 'ones') v.fill(1);
    else if (d.init !== 'zeros') {
      const std = d.init === 'resid' ? residStd : 0.02;
      for (let i = 0; i < n; i++) v[i] = rng.normal() * std;
    }
    params[d.name] = v;
  }
  return { config: cloneConfig(c), params, masks: fullMasks(c) };
}

export function cloneConfig(c: DecoderConfigInput): TransformerConfig { return decoderConfig(c); }
export function fullMasks(c: TransformerConfig): TransformerMasks {
  return { mlp: c.mlp.map((f) => new Float32Array(f).fill(1)), resid: new Float32Array(c.dModel).fill(1), heads: c.mlp.map(() => new Float32Array(c.heads).fill(1)) };
}

/** A deep copy of masks, with every head mask present (all ones where absent). */
export function copyMasks(c: TransformerConfig, m: TransformerMasks): Required<TransformerMasks> {
  return { mlp: m.mlp.map((x) => Float32Array.from(x)), resid: Float32Array.from(m.resid), heads: c.mlp.map((_, l) => (m.heads?.[l] ? Float32Array.from(m.heads[l]) : new Float32Array(c.heads).fill(1))) };
}

/** Whether any MLP neuron, residual dimension or attention head is masked (a 0 in `m`). */
export function anyMasked(m: TransformerMasks): boolean {
  const zero = (a: Float32Array) => a.some((v) => v === 0);
  return m.mlp.some(zero) || zero(m.resid) || !!m.heads?.some(zero);
}

/** The kept query heads of one layer's head mask m [H], grouped by the KV head they read: entry k
 *  lists query heads k·g..(k+1)·g−1 whose mask is not 0 (g = H/KV; an empty entry is a dead KV head). */
export function keptByKvHead(m: ArrayLike<number>, heads: number, kvHeads: number): number[][] {
  const g = heads / kvHeads;
  return Array.from({ length: kvHeads }, (_, k) => {
    const q: number[] = [];
    for (let h = k * g; h < (k + 1) * g; h++) if (m[h] !== 0) q.push(h);
    return q;
  });
}

/** tanh approximation of GELU (as GPT-2). */
export function gelu(x: Tensor): Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
  });
}

/** The MLP nonlinearity named by the config: one fused kernel where the backend has it (wasm with
 *  the native addon), else the tfjs composition below (the fallback and the tests' oracle). */
export function activate(kind: DecoderActivation, x: Tensor): Tensor {
  const fused = fusedActivation(kind, x); // null for a kind it lacks (relu)
  if (fused) return fused;
  switch (kind) {
    case 'gelu_tanh': return gelu(x);
    case 'gelu': return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1))); // exact (erf) GELU
    case 'silu': return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
    case 'relu': return tf.relu(x);
  }
}

/** Keys and values of the positions seen so far, per layer: k[l], v[l] [B, KV, S, hd] (keys
 *  already rotated). `length` = S. Owned by the caller (kept tensors; dispose with disposeKvCache). */
export interface KvCache { length: number; k: tf.Tensor4D[]; v: tf.Tensor4D[] }

export function disposeKvCache(c: KvCache | null): void {
  c?.k.forEach((t) => t.dispose());
  c?.v.forEach((t) => t.dispose());
}

export class Transformer {
  readonly config: TransformerConfig;
  readonly decls: ParamDecl[];
  readonly vars: Record<string, Variable> = {};
  /** Host masks (source of truth); backend copies are rebuilt by syncMasks(). */
  readonly masks: Required<TransformerMasks>;
  private mlpMaskT: (Tensor1D | null)[] = [];
  private headMaskT: (Tensor1D | null)[] = [];
  private residMaskT: Tensor1D | null = null;
  private causal = new Map<number | string, Tensor2D>();
  /** Masks built for one cached call (disposed when it returns). */
  private scratch: Tensor2D[] = [];
  /** Rotary cos/sin tables [n, hd] for positions 0..n-1 (rotary positions only). */
  private rope: { n: number; cos: Tensor2D; sin: Tensor2D } | null = null;

  /** `releaseHostWeights`: drop each array from `w.params` once its variable holds the values, so a
   *  large imported model is not held twice (host arrays and backend copies) while it is built. */
  constructor(w: TransformerWeights, opts: { releaseHostWeights?: boolean } = {}) {
    this.config = cloneConfig(w.config);
    const { heads, kvHeads, headDim, positions } = this.config;
    if (kvHeads < 1 || heads % kvHeads) throw new Error(`${heads} attention heads cannot share ${kvHeads} key/value heads (heads must be a multiple of kvHeads)`);
    if (positions === 'rotary' && headDim % 2) throw new Error(`rotary positions need an even head width (got ${headDim})`);
    this.decls = paramDecls(this.config);
    for (const d of this.decls) {
      const data = w.params[d.name];
      const shape = paramShape(this.config, d);
      if (!data) throw new Error(`transformer weights lack ${d.name}`);
      if (data.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`transformer weight ${d.name} has ${data.length} values, expected shape [${shape}]`);
      const init = tf.tensor(data, shape);
      this.vars[d.name] = tf.variable(init, true);
      init.dispose(); // the variable holds its own reference to the data
      if (opts.releaseHostWeights) delete w.params[d.name];
    }
    this.masks = copyMasks(this.config, w.masks);
    this.masks.heads.forEach((m, l) => { if (m.length !== heads) throw new Error(`transformer head mask ${l} has ${m.length} entries for ${heads} heads`); });
    this.syncMasks();
  }

  static create(c: DecoderConfigInput, rng: Rng): Transformer { return new Transformer(initTransformer(c, rng)); }

  get layers(): number { return this.config.mlp.length; }

  /** Trainable variables in declaration order. */
  params(): Variable[] { return this.decls.map((d) => this.vars[d.name]); }

  syncMasks(): void {
    this.mlpMaskT.forEach((t) => t?.dispose());
    this.headMaskT.forEach((t) => t?.dispose());
    this.residMaskT?.dispose();
    const toT = (m: Float32Array) => (m.every((v) => v === 1) ? null : tf.keep(tf.tensor1d(m)));
    this.mlpMaskT = this.masks.mlp.map(toT);
    this.headMaskT = this.masks.heads.map(toT);
    this.residMaskT = toT(this.masks.resid);
  }

  setHeadMask(layer: number, mask: ArrayLike<number>): void { this.masks.heads[layer].set(mask); this.syncMasks(); }
  /** Query heads kept per layer. */
  activeHeads(): number[] { return this.masks.heads.map((m) => m.reduce((s, v) => s + (v > 0 ? 1 : 0), 0)); }
  /** Whether any head is masked. */
  headsMasked(): boolean { return this.masks.heads.some((m) => m.some((v) => v === 0)); }

  setMlpMask(layer: number, mask: ArrayLike<number>): void { this.masks.mlp[layer].set(mask); this.syncMasks(); }
  setResidMask(mask: ArrayLike<number>): void { this.masks.resid.set(mask); this.syncMasks(); }

  activeNeurons(): number[] { return this.masks.mlp.map((m) => m.reduce((s, v) => s + (v > 0 ? 1 : 0), 0)); }
  activeResid(): number { return this.masks.resid.reduce((s, v) => s + (v > 0 ? 1 : 0), 0); }

  /** Additive attention mask [g·T, S] for T queries at positions P..P+T-1 over S = P+T keys,
   *  repeated for the g query heads that share a key head (row r is query r mod T). */
  private causalBias(T: number, P = 0, g = 1): Tensor2D {
    const key = P === 0 && g === 1 ? T : `${T},${P},${g}`;
    let t = this.causal.get(key);
    if (!t) {
      const S = P + T;
      const m = new Float32Array(g * T * S);
      for (let r = 0; r < g * T; r++) for (let j = P + (r % T) + 1; j < S; j++) m[r * S + j] = -1e9;
      t = tf.keep(tf.tensor2d(m, [g * T, S]));
      // generation asks for a new (T, P) at each call: keep only the plain causal masks
      if (P === 0) this.causal.set(key, t); else this.scratch.push(t);
    }
    return t;
  }

  /** The model's norm (LayerNorm or RMSNorm) named `name` on x [N, d], over kept residual dimensions. */
  private norm(x: Tensor2D, name: string, hooks: TransformerHooks): Tensor2D {
    if (this.config.norm === 'layernorm') return this.layerNorm(x, this.vars[`${name}.g`], this.vars[`${name}.b`], hooks);
    const g = this.vars[`${name}.g`];
    const m = hooks.masks ? hooks.masks.resid : this.residMaskT;
    if (!m) {
      const fused = fusedNorm('rmsnorm', x, g as Tensor1D, null, this.config.normEps);
      if (fused) return fused as Tensor2D;
      const ms = tf.mean(tf.square(x), -1, true); // [N, 1]
      return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, this.config.normEps))), g) as Tensor2D;
    }
    const ms = tf.div(tf.sum(tf.square(tf.mul(x, m)), -1, true), this.activeResid()); // [N, 1]
    return tf.mul(tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, this.config.normEps))), g), m) as Tensor2D;
  }

  /** LayerNorm over the kept residual dimensions of x [N, d]. */
  private layerNorm(x: Tensor2D, g: Variable, b: Variable, hooks: TransformerHooks): Tensor2D {
    const m = hooks.masks ? hooks.masks.resid : this.residMaskT;
    if (!m) {
      const fused = fusedNorm('layernorm', x, g as Tensor1D, b as Tensor1D, this.config.normEps);
      if (fused) return fused as Tensor2D;
      const { mean, variance } = tf.moments(x, -1, true);
      return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.config.normEps))), g), b) as Tensor2D;
    }
    const kept = this.activeResid();
    const mean = tf.div(tf.sum(tf.mul(x, m), -1, true), kept); // [N, 1]
    const xc = tf.mul(tf.sub(x, mean), m); // [N, d]
    const variance = tf.div(tf.sum(tf.square(xc), -1, true), kept);
    return tf.mul(tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, this.config.normEps))), g), b), m) as Tensor2D;
  }

  private resid(x: Tensor2D, hooks: TransformerHooks): Tensor2D {
    const m = hooks.masks ? hooks.masks.resid : this.residMaskT;
    return m ? (tf.mul(x, m) as Tensor2D) : x;
  }

  private addBias(x: Tensor2D, name: string): Tensor2D {
    const b = this.vars[name];
    return b ? (tf.add(x, b) as Tensor2D) : x;
  }

  /** cos, sin [T, 1, hd] for positions P..P+T-1 (broadcast over batch and heads of [B, T, H, hd]). */
  private rotary(P: number, T: number): [Tensor, Tensor] {
    const hd = this.config.headDim;
    const rope = this.ropeTables(P + T);
    return [tf.reshape(tf.slice(rope.cos, [P, 0], [T, hd]), [T, 1, hd]), tf.reshape(tf.slice(rope.sin, [P, 0], [T, hd]), [T, 1, hd])];
  }

  /** The rotary tables cos, sin [n ≥ positions, hd] (kept; grown as needed). */
  private ropeTables(positions: number): { cos: Tensor2D; sin: Tensor2D } {
    const hd = this.config.headDim;
    if (!this.rope || this.rope.n < positions) {
      this.rope?.cos.dispose(); this.rope?.sin.dispose();
      // grow geometrically: generation asks for one more position at a time
      const n = Math.min(Math.max(positions, 2 * (this.rope?.n ?? 0), 64), Math.max(this.config.context, positions));
      const { cos, sin } = rotaryTables(this.config, n);
      this.rope = { n, cos: tf.keep(tf.tensor2d(cos, [n, hd])), sin: tf.keep(tf.tensor2d(sin, [n, hd])) };
    }
    return this.rope;
  }

  /** x [B, T, n, hd] rotated: x·cos + rotate_half(x)·sin, rotate_half(x) = (−x₂, x₁). */
  private rotate(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
    const half = this.config.headDim / 2;
    const [x1, x2] = tf.split(x, [half, half], -1);
    return tf.add(tf.mul(x, cos), tf.mul(tf.concat([tf.neg(x2), x1], -1), sin));
  }

  /** Causal self-attention of layer l on normalised h [B·T, d] → [B·T, d]. With `cache`, the T
   *  tokens follow cache.k/v[l]'s positions and their own keys/values are appended to `out`. */
  private attention(l: number, h: Tensor2D, B: number, T: number, past: KvCache | null = null, out: KvCache | null = null, hooks: TransformerHooks = {}): Tensor2D {
    const { heads: H, kvHeads: KV, headDim: hd } = this.config;
    const A = H * hd;
    const K = KV * hd;
    const P = past ? past.length : 0;
    const v = (n: string) => this.vars[`h.${l}.attn.${n}`];
    const qkv = this.addBias(tf.matMul(h, v('wqkv')) as Tensor2D, `h.${l}.attn.bqkv`); // [B·T, A + 2K]
    const rotary = this.config.positions === 'rotary';
    // slice + reshape (+ rotation) + transpose of q, k and v in one kernel where the backend has it
    const heads = fusedSplitHeads(qkv, B, T, H, KV, hd, rotary ? { ...this.ropeTables(P + T), P } : null);
    const rope = rotary && !heads ? this.rotary(P, T) : null;
    const split = (start: number, n: number) => { // [B, n, T, hd]
      let t: Tensor = tf.reshape(tf.slice(qkv, [0, start], [B * T, n * hd]), [B, T, n, hd]);
      if (rope && start < A + K) t = this.rotate(t, rope[0], rope[1]);
      return tf.transpose(t, [0, 2, 1, 3]) as tf.Tensor4D;
    };
    const q = heads ? heads[0] as tf.Tensor4D : split(0, H);
    let k = heads ? heads[1] as tf.Tensor4D : split(A, KV);
    let val = heads ? heads[2] as tf.Tensor4D : split(A + K, KV); // [B, KV, T, hd]
    if (past) { k = tf.concat([past.k[l], k], 2); val = tf.concat([past.v[l], val], 2); } // [B, KV, P+T, hd]
    if (out) { out.k.push(tf.keep(k)); out.v.push(tf.keep(val)); }
    const g = H / KV;
    // Grouped-query attention without repeating K/V: the g query heads of one key head become g·T rows.
    const qg = g === 1 ? q : tf.reshape(q, [B, KV, g * T, hd]);
    const scores = tf.matMul(qg, k, false, true); // [B, KV, g·T, S]
    // scale, causal mask and softmax in one kernel where the backend has it
    let att = fusedCausalSoftmax(scores, 1 / Math.sqrt(hd), T, P);
    if (!att) {
      att = tf.mul(scores, 1 / Math.sqrt(hd));
      if (T > 1 || P === 0) att = tf.add(att, this.causalBias(T, P, g)); // one new token sees every key
      att = tf.softmax(att);
    }
    let y = tf.matMul(att, val); // [B, KV, g·T, hd]
    if (g > 1) y = tf.reshape(y, [B, H, T, hd]);
    y = this.gateHeads(l, y as tf.Tensor4D, B, T, hooks); // [B, H, T, hd]
    y = tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, A]) as Tensor2D; // [B·T, A]
    return this.addBias(tf.matMul(y, v('wo')) as Tensor2D, `h.${l}.attn.bo`); // [B·T, d]
  }

  /** Head outputs y [B, H, T, hd] times layer l's head mask (hooks.masks.heads or the model's), then
   *  the onHeadGate hook's per-token gates [B·T, H]. Unmasked and unhooked: y unchanged. */
  private gateHeads(l: number, y: tf.Tensor4D, B: number, T: number, hooks: TransformerHooks): tf.Tensor4D {
    const H = this.config.heads;
    const m = hooks.masks?.heads ? hooks.masks.heads[l] : this.headMaskT[l];
    if (!hooks.onHeadGate) return m ? (tf.mul(y, tf.reshape(m, [1, H, 1, 1])) as tf.Tensor4D) : y;
    const gate = hooks.onHeadGate(l, (m ? tf.tile(tf.reshape(m, [1, H]), [B * T, 1]) : tf.ones([B * T, H])) as Tensor2D); // [B·T, H]
    const perHead = tf.transpose(tf.reshape(gate, [B, T, H, 1]), [0, 2, 1, 3]); // [B, H, T, 1]
    return tf.mul(y, perHead) as tf.Tensor4D;
  }

  /** MLP of layer l on normalised h [B·T, d] → [B·T, d]; neuron activations pass the hooks
   *  (gated: the pre-activation hook sees the gate's x·wg, the activation is act(x·wg) ⊙ x·wi). */
  private mlp(l: number, h: Tensor2D, hooks: TransformerHooks): Tensor2D {
    const p = `h.${l}.mlp.`;
    const v = (n: string) => this.vars[p + n];
    let z = this.config.gatedMlp
      ? this.addBias(tf.matMul(h, v('wg')) as Tensor2D, `${p}bg`)
      : this.addBias(tf.matMul(h, v('wi')) as Tensor2D, `${p}bi`); // [B·T, F]
    if (hooks.onPreActivation) z = hooks.onPreActivation(l, z);
    let a = activate(this.config.activation, z) as Tensor2D;
    if (this.config.gatedMlp) a = tf.mul(a, this.addBias(tf.matMul(h, v('wi')) as Tensor2D, `${p}bi`)) as Tensor2D;
    const m = hooks.masks ? hooks.masks.mlp[l] : this.mlpMaskT[l];
    if (m) a = tf.mul(a, m) as Tensor2D;
    if (hooks.onActivation) a = hooks.onActivation(l, a);
    return this.addBias(tf.matMul(a, v('wo')) as Tensor2D, `${p}bo`);
  }

  /** Token (and learned position) embeddings of tokens [B, T] at positions P.. → [B·T, d]. */
  private embed(tokens: Tensor2D, P: number): Tensor2D {
    const [B, T] = tokens.shape;
    const ids = tf.reshape(tf.cast(tokens, 'int32'), [B * T]);
    const x = tf.gather(this.vars.wte, ids) as Tensor2D;
    if (this.config.positions !== 'learned') return x;
    const d = this.config.dModel;
    // broadcast over the batch rather than tile: the gradient is then one Sum, not B slices and adds
    const pos = tf.slice(this.vars.wpe, [P, 0], [T, d]); // [T, d]
    return tf.reshape(tf.add(tf.reshape(x, [B, T, d]), pos), [B * T, d]) as Tensor2D;
  }

  /** The final normalised residual stream [B·T, d] of T tokens after `past`'s positions. */
  private trunk(tokens: Tensor2D, hooks: TransformerHooks, past: KvCache | null, out: KvCache | null): Tensor2D {
    const [B, T] = tokens.shape;
    const P = past ? past.length : 0;
    if (P + T > this.config.context) throw new Error(`sequence of ${P + T} tokens is longer than the model's context ${this.config.context}`);
    let x = this.resid(this.embed(tokens, P), hooks); // [B·T, d]
    for (let l = 0; l < this.layers; l++) {
      x = this.resid(tf.add(x, this.attention(l, this.norm(x, `h.${l}.ln1`, hooks), B, T, past, out, hooks)) as Tensor2D, hooks);
      x = this.resid(tf.add(x, this.mlp(l, this.norm(x, `h.${l}.ln2`, hooks), hooks)) as Tensor2D, hooks);
    }
    return this.norm(x, 'lnf', hooks);
  }

  /** Final normalised residual stream for tokens [B, T] (int32) → [B·T, d]. */
  hidden(tokens: Tensor2D, hooks: TransformerHooks = {}): Tensor2D {
    return this.trunk(tokens, hooks, null, null);
  }

  /** Logits [N, vocab] of a final residual stream [N, d]: ·wteᵀ (tied) or ·headᵀ. */
  logits(hidden: Tensor2D): Tensor2D {
    return tf.matMul(hidden, this.config.tiedEmbeddings ? this.vars.wte : this.vars.head, false, true) as Tensor2D;
  }

  /** Logits [B·T, vocab] for tokens [B, T] (row b·T + t predicts token t + 1 of sequence b). */
  forward(tokens: Tensor2D, hooks: TransformerHooks = {}): Tensor2D {
    return this.logits(this.hidden(tokens, hooks));
  }

  /** Logits [B·T, vocab] of tokens [B, T] that follow the positions in `past` (null: none), and
   *  the cache extended by them (kept tensors the caller disposes; `past` is left as it was).
   *  Call inside tf.tidy: only the returned logits and cache survive it. */
  forwardCached(tokens: Tensor2D, past: KvCache | null, hooks: TransformerHooks = {}): { logits: Tensor2D; cache: KvCache } {
    const cache: KvCache = { length: (past?.length ?? 0) + tokens.shape[1], k: [], v: [] };
    try {
      return { logits: this.logits(this.trunk(tokens, hooks, past, cache)), cache };
    } catch (e) {
      disposeKvCache(cache);
      throw e;
    } finally {
      this.scratch.forEach((t) => t.dispose());
      this.scratch = [];
    }
  }
  /** Zero every parameter slice a masked neuron or residual dimension owns. */
  applyMasks(): void {
    tf.tidy(() => {
      for (const d of this.decls) {
        let factor: Tensor | null = null;
        d.axes.forEach((a, i) => {
          let m: Float32Array | null = null;
          if (a === 'd') m = this.masks.resid;
          else if (typeof a === 'string') m = this.masks.mlp[Number(a.slice(1))];
          if (!m || m.every((x) => x === 1)) return;
          const shape = d.axes.map((_, j) => (j === i ? m!.length : 1));
          const t = tf.reshape(tf.tensor1d(m), shape);
          factor = factor ? tf.mul(factor, t) : t;
        });
        if (factor) this.vars[d.name].assign(tf.mul(this.vars[d.name], factor));
      }
      if (!this.headsMasked()) return;
      const { heads: H, kvHeads: KV, headDim: hd } = this.config;
      this.masks.heads.forEach((m, l) => {
        if (m.every((x) => x === 1)) return;
        // q columns and wo rows of masked heads; k and v columns of KV heads none of whose query heads is kept
        const cols = new Float32Array((H + 2 * KV) * hd).fill(1);
        const rows = new Float32Array(H * hd).fill(1);
        for (let h = 0; h < H; h++) if (m[h] === 0) { cols.fill(0, h * hd, (h + 1) * hd); rows.fill(0, h * hd, (h + 1) * hd); }
        keptByKvHead(m, H, KV).forEach((q, k) => {
          if (q.length === 0) { cols.fill(0, (H + k) * hd, (H + k + 1) * hd); cols.fill(0, (H + KV + k) * hd, (H + KV + k + 1) * hd); }
        });
        const p = `h.${l}.attn.`;
        this.vars[`${p}wqkv`].assign(tf.mul(this.vars[`${p}wqkv`], tf.reshape(tf.tensor1d(cols), [1, cols.length])));
        if (this.vars[`${p}bqkv`]) this.vars[`${p}bqkv`].assign(tf.mul(this.vars[`${p}bqkv`], tf.tensor1d(cols)));
        this.vars[`${p}wo`].assign(tf.mul(this.vars[`${p}wo`], tf.reshape(tf.tensor1d(rows), [rows.length, 1])));
      });
    });
  }

  paramCount(): number { return countDecoderParams(this.config); }
  /** Parameters a compacted copy would have. */
  activeParamCount(): number {
    const c = { ...this.config, dModel: this.activeResid(), mlp: this.activeNeurons() };
    if (!this.headsMasked()) return countDecoderParams(c);
    // attention parameters of the kept heads only (a compacted copy may carry zero padding heads)
    const { heads: H, kvHeads: KV, headDim: hd } = this.config;
    const per = (h: number, k: number) => c.dModel * (h + 2 * k) * hd + (c.bias.qkv ? (h + 2 * k) * hd : 0) + h * hd * c.dModel;
    let full = 0, kept = 0;
    this.masks.heads.forEach((m) => {
      full += per(H, KV);
      const byKv = keptByKvHead(m, H, KV);
      kept += per(byKv.reduce((a, q) => a + q.length, 0), byKv.filter((q) => q.length > 0).length);
    });
    return countDecoderParams(c) - full + kept;
  }

  /** Copy weights out to host arrays with async readbacks (what jobs use: webgpu needs it). */
  async toWeights(): Promise<TransformerWeights> {
    const host = await Promise.all(this.decls.map((d) => this.vars[d.name].data()));
    const params: Record<string, Float32Array> = {};
    this.decls.forEach((d, i) => { params[d.name] = new Float32Array(host[i] as Float32Array); });
    return { config: cloneConfig(this.config), params, masks: copyMasks(this.config, this.masks) };
  }

  toWeightsSync(): TransformerWeights {
    const params: Record<string, Float32Array> = {};
    for (const d of this.decls) params[d.name] = new Float32Array(this.vars[d.name].dataSync());
    return { config: cloneConfig(this.config), params, masks: copyMasks(this.config, this.masks) };
  }

  dispose(): void {
    Object.values(this.vars).forEach((v) => v.dispose());
    this.mlpMaskT.forEach((t) => t?.dispose());
    this.headMaskT.forEach((t) => t?.dispose());
    this.headMaskT = [];
    this.residMaskT?.dispose();
    this.causal.forEach((t) => t.dispose());
    this.causal.clear();
    this.rope?.cos.dispose(); this.rope?.sin.dispose();
    this.rope = null;
    this.mlpMaskT = []; this.residMaskT = null;
  }
}
