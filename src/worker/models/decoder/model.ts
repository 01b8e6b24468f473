// A GPT-style decoder (pre-norm, causal self-attention, GELU MLP, tied embeddings) whose MLP
// neurons and residual-stream dimensions are addressable and maskable, like MaskableMlp's units.
//
// Units: MLP neuron j of layer l owns column j of h.l.mlp.wi [d, F_l], bi[j] and row j of
// h.l.mlp.wo [F_l, d]. Residual dimension i owns column i of every matrix that writes the stream
// (wte, wpe, attn.wo, mlp.wo, their biases), row i of every matrix that reads it (attn.wqkv,
// mlp.wi) and entry i of every LayerNorm gain/bias. Masked units output exactly 0; LayerNorm
// statistics are taken over kept residual dimensions only, so a compacted copy (masked slices
// removed, see transformerCompact.ts) computes the same function.
//
// Every parameter's shape is declared with symbolic axes ('d' = residual, 'f<l>' = layer l's
// MLP width), which is all compaction, group lasso and checkpoints need to know.
import type { Rng } from '../../engine/rng';
import { tf, type Tensor, type Tensor1D, type Tensor2D, type Variable } from '../../engine/tf';
import type { UnitHooks } from '../units';
import { countDecoderParams, decoderConfig, paramDecls, paramShape, type DecoderConfig, type DecoderConfigInput, type ParamDecl } from './config';

export type TransformerConfig = DecoderConfig;
export { axisSize, countDecoderParams as countTransformerParams, paramDecls, paramShape, type Axis, type ParamDecl } from './config';

export interface TransformerMasks { mlp: Float32Array[]; resid: Float32Array }
export interface TransformerWeights { config: TransformerConfig; params: Record<string, Float32Array>; masks: TransformerMasks }

/** Hooks on MLP neurons: z/a are [B·T, F_l]; return the tensor the forward pass continues with. */
export interface TransformerHooks extends UnitHooks {
  /** The training step's flags (models/family.ts ForwardOptions); the decoder has no dropout. */
  training?: boolean;
  dropoutSeed?: number;
  /** Mask tensors to use instead of the model's own (differentiate the loss w.r.t. them: the
   *  gradient of mask j is Σ a_j·∂L/∂a_j over every place it gates, i.e. attribution). */
  masks?: { mlp: Tensor1D[]; resid: Tensor1D };
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
  return { mlp: c.mlp.map((f) => new Float32Array(f).fill(1)), resid: new Float32Array(c.dModel).fill(1) };
}

/** tanh approximation of GELU (as GPT-2). */
export function gelu(x: Tensor): Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
  });
}

export class Transformer {
  readonly config: TransformerConfig;
  readonly decls: ParamDecl[];
  readonly vars: Record<string, Variable> = {};
  /** Host masks (source of truth); backend copies are rebuilt by syncMasks(). */
  readonly masks: TransformerMasks;
  private mlpMaskT: (Tensor1D | null)[] = [];
  private residMaskT: Tensor1D | null = null;
  private causal = new Map<number, Tensor2D>();

  constructor(w: TransformerWeights) {
    this.config = cloneConfig(w.config);
    this.decls = paramDecls(this.config);
    for (const d of this.decls) {
      const data = w.params[d.name];
      const shape = paramShape(this.config, d);
      if (!data) throw new Error(`transformer weights lack ${d.name}`);
      if (data.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`transformer weight ${d.name} has ${data.length} values, expected shape [${shape}]`);
      const init = tf.tensor(data, shape);
      this.vars[d.name] = tf.variable(init, true);
      init.dispose(); // the variable holds its own reference to the data
    }
    this.masks = { mlp: w.masks.mlp.map((m) => Float32Array.from(m)), resid: Float32Array.from(w.masks.resid) };
    this.syncMasks();
  }

  static create(c: DecoderConfigInput, rng: Rng): Transformer { return new Transformer(initTransformer(c, rng)); }

  get layers(): number { return this.config.mlp.length; }

  /** Trainable variables in declaration order. */
  params(): Variable[] { return this.decls.map((d) => this.vars[d.name]); }

  syncMasks(): void {
    this.mlpMaskT.forEach((t) => t?.dispose());
    this.residMaskT?.dispose();
    const toT = (m: Float32Array) => (m.every((v) => v === 1) ? null : tf.keep(tf.tensor1d(m)));
    this.mlpMaskT = this.masks.mlp.map(toT);
    this.residMaskT = toT(this.masks.resid);
  }

  setMlpMask(layer: number, mask: ArrayLike<number>): void { this.masks.mlp[layer].set(mask); this.syncMasks(); }
  setResidMask(mask: ArrayLike<number>): void { this.masks.resid.set(mask); this.syncMasks(); }

  activeNeurons(): number[] { return this.masks.mlp.map((m) => m.reduce((s, v) => s + (v > 0 ? 1 : 0), 0)); }
  activeResid(): number { return this.masks.resid.reduce((s, v) => s + (v > 0 ? 1 : 0), 0); }

  private causalBias(T: number): Tensor2D {
    let t = this.causal.get(T);
    if (!t) {
      const m = new Float32Array(T * T);
      for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) m[i * T + j] = -1e9;
      t = tf.keep(tf.tensor2d(m, [T, T]));
      this.causal.set(T, t);
    }
    return t;
  }

  /** LayerNorm over the kept residual dimensions of x [N, d]. */
  private layerNorm(x: Tensor2D, g: Variable, b: Variable, hooks: TransformerHooks): Tensor2D {
    const m = hooks.masks ? hooks.masks.resid : this.residMaskT;
    if (!m) {
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

  /** Causal self-attention of layer l on normalised h [B·T, d] → [B·T, d]. */
  private attention(l: number, h: Tensor2D, B: number, T: number): Tensor2D {
    const { heads: H, headDim: hd } = this.config;
    const A = H * hd;
    const v = (n: string) => this.vars[`h.${l}.attn.${n}`];
    const qkv = tf.add(tf.matMul(h, v('wqkv')), v('bqkv')) as Tensor2D; // [B·T, 3A]
    const split = (i: number) => tf.transpose(tf.reshape(tf.slice(qkv, [0, i * A], [B * T, A]), [B, T, H, hd]), [0, 2, 1, 3]); // [B, H, T, hd]
    const q = split(0); const k = split(1); const val = split(2);
    let att = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd)); // [B, H, T, T]
    att = tf.softmax(tf.add(att, this.causalBias(T)));
    const y = tf.reshape(tf.transpose(tf.matMul(att, val), [0, 2, 1, 3]), [B * T, A]) as Tensor2D; // [B·T, A]
    return tf.add(tf.matMul(y, v('wo')), v('bo')) as Tensor2D; // [B·T, d]
  }

  /** MLP of layer l on normalised h [B·T, d] → [B·T, d]; neuron activations pass the hooks. */
  private mlp(l: number, h: Tensor2D, hooks: TransformerHooks): Tensor2D {
    const v = (n: string) => this.vars[`h.${l}.mlp.${n}`];
    let z = tf.add(tf.matMul(h, v('wi')), v('bi')) as Tensor2D; // [B·T, F]
    if (hooks.onPreActivation) z = hooks.onPreActivation(l, z);
    let a = gelu(z) as Tensor2D;
    const m = hooks.masks ? hooks.masks.mlp[l] : this.mlpMaskT[l];
    if (m) a = tf.mul(a, m) as Tensor2D;
    if (hooks.onActivation) a = hooks.onActivation(l, a);
    return tf.add(tf.matMul(a, v('wo')), v('bo')) as Tensor2D;
  }

  /** Final normalised residual stream for tokens [B, T] (int32) → [B·T, d]. */
  hidden(tokens: Tensor2D, hooks: TransformerHooks = {}): Tensor2D {
    const [B, T] = tokens.shape;
    if (T > this.config.context) throw new Error(`sequence of ${T} tokens is longer than the model's context ${this.config.context}`);
    const { dModel: d } = this.config;
    const ids = tf.reshape(tf.cast(tokens, 'int32'), [B * T]);
    const pos = tf.tile(tf.slice(this.vars.wpe, [0, 0], [T, d]), [B, 1]); // [B·T, d]
    const ln = (x: Tensor2D, name: string) => this.layerNorm(x, this.vars[`${name}.g`], this.vars[`${name}.b`], hooks);
    let x = this.resid(tf.add(tf.gather(this.vars.wte, ids), pos) as Tensor2D, hooks); // [B·T, d]
    for (let l = 0; l < this.layers; l++) {
      x = this.resid(tf.add(x, this.attention(l, ln(x, `h.${l}.ln1`), B, T)) as Tensor2D, hooks);
      x = this.resid(tf.add(x, this.mlp(l, ln(x, `h.${l}.ln2`), hooks)) as Tensor2D, hooks);
    }
    return ln(x, 'lnf');
  }

  /** Logits [B·T, vocab] for tokens [B, T] (row b·T + t predicts token t + 1 of sequence b). */
  forward(tokens: Tensor2D, hooks: TransformerHooks = {}): Tensor2D {
    return tf.matMul(this.hidden(tokens, hooks), this.vars.wte, false, true) as Tensor2D;
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
    });
  }

  paramCount(): number { return countDecoderParams(this.config); }
  /** Parameters a compacted copy would have. */
  activeParamCount(): number {
    return countDecoderParams({ ...this.config, dModel: this.activeResid(), mlp: this.activeNeurons() });
  }

  toWeightsSync(): TransformerWeights {
    const params: Record<string, Float32Array> = {};
    for (const d of this.decls) params[d.name] = new Float32Array(this.vars[d.name].dataSync());
    return { config: cloneConfig(this.config), params, masks: { mlp: this.masks.mlp.map((m) => Float32Array.from(m)), resid: Float32Array.from(this.masks.resid) } };
  }

  dispose(): void {
    Object.values(this.vars).forEach((v) => v.dispose());
    this.mlpMaskT.forEach((t) => t?.dispose());
    this.residMaskT?.dispose();
    this.causal.forEach((t) => t.dispose());
    this.causal.clear();
    this.mlpMaskT = []; this.residMaskT = null;
  }
}
