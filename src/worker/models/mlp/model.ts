// Maskable MLP: every hidden unit is addressable as (layer, index) and can be masked off.
//
// Layout follows tfjs (x @ W): layer l has W[l] of shape [in, out] and b[l] of shape [out].
// Hidden unit j of hidden layer h (0-based) owns column j of W[h], b[h][j] (its incoming
// group) and row j of W[h+1] (its outgoing group). masks[h][j] = 1 keeps it, 0 removes it.
import { dense, fusedMlp, fusedMlpAvailable } from '../../engine/kernels';
import { Rng } from '../../engine/rng';
import { tf, type Tensor, type Tensor1D, type Tensor2D, type Variable } from '../../engine/tf';

export type Activation = 'relu' | 'tanh';

export interface MlpConfig {
  inputs: number;
  hidden: number[];
  outputs: number;
  activation: Activation;
  /** Dropout on hidden activations while training (0 = off). */
  dropout?: number;
}

export interface UnitRef { layer: number; index: number }

/** Weights as plain arrays: what checkpoints, compaction and export read and write. */
export interface MlpWeights {
  config: MlpConfig;
  /** W[l] row-major [in, out] */
  W: Float32Array[];
  b: Float32Array[];
  /** masks[h] per hidden layer, 1 = kept, 0 = removed */
  masks: Float32Array[];
}

export interface ForwardOptions {
  training?: boolean;
  /** Called with each hidden layer's pre-activation [batch, width] (for attribution scores). */
  onPreActivation?: (layer: number, z: Tensor2D) => Tensor2D;
  /** Called with each hidden layer's post-activation [batch, width]. */
  onActivation?: (layer: number, a: Tensor2D) => Tensor2D;
  /** Seed for dropout masks in training mode. */
  dropoutSeed?: number;
}

export function layerDims(c: MlpConfig): number[] {
  return [c.inputs, ...c.hidden, c.outputs];
}

/** Dense parameter count of an MLP of this shape (weights + biases). */
export function countParams(c: MlpConfig): number {
  const d = layerDims(c);
  let n = 0;
  for (let l = 0; l + 1 < d.length; l++) n += d[l] * d[l + 1] + d[l + 1];
  return n;
}

/** PyTorch-default init: weights and biases uniform in ±1/√fan_in. */
export function initWeights(config: MlpConfig, rng: Rng): MlpWeights {
  const d = layerDims(config);
  const W: Float32Array[] = [];
  const b: Float32Array[] = [];
  for (let l = 0; l + 1 < d.length; l++) {
    const bound = 1 / Math.sqrt(d[l]);
    const w = new Float32Array(d[l] * d[l + 1]);
    for (let i = 0; i < w.length; i++) w[i] = rng.uniform(-bound, bound);
    const bb = new Float32Array(d[l + 1]);
    for (let i = 0; i < bb.length; i++) bb[i] = rng.uniform(-bound, bound);
    W.push(w); b.push(bb);
  }
  return { config: { ...config, hidden: [...config.hidden] }, W, b, masks: config.hidden.map((h) => new Float32Array(h).fill(1)) };
}

export class MaskableMlp {
  readonly config: MlpConfig;
  readonly W: Variable[];
  readonly b: Variable[];
  /** Host copy of the masks (source of truth); `maskTensors` mirror it on the backend. */
  readonly masks: Float32Array[];
  private maskTensors: (Tensor | null)[];
  private binaryMasks = true;

  constructor(weights: MlpWeights) {
    this.config = { ...weights.config, hidden: [...weights.config.hidden] };
    const d = layerDims(this.config);
    // inside tidy so the temporary initial-value tensors are released (variables are never tidied)
    this.W = tf.tidy(() => weights.W.map((w, l) => tf.variable(tf.tensor2d(w, [d[l], d[l + 1]]), true)));
    this.b = tf.tidy(() => weights.b.map((bb) => tf.variable(tf.tensor1d(bb), true)));
    this.masks = weights.masks.map((m) => Float32Array.from(m));
    this.maskTensors = this.masks.map(() => null);
    this.syncMasks();
  }

  static create(config: MlpConfig, rng: Rng): MaskableMlp {
    return new MaskableMlp(initWeights(config, rng));
  }

  get dims(): number[] { return layerDims(this.config); }
  get hiddenLayers(): number { return this.config.hidden.length; }

  /** Trainable variables in a fixed order: W0, b0, W1, b1, … */
  params(): Variable[] {
    const out: Variable[] = [];
    for (let l = 0; l < this.W.length; l++) out.push(this.W[l], this.b[l]);
    return out;
  }

  /** x [batch, inputs] → logits [batch, outputs]. Masked units output exactly 0. */
  forward(x: Tensor2D, opts: ForwardOptions = {}): Tensor2D {
    if (this.canFuse(opts)) {
      // the whole network in one kernel (and its gradient in one more): see engine/kernels/mlp.ts
      return fusedMlp(x, this.W as Tensor[] as Tensor2D[], this.b as Tensor[] as Tensor1D[], this.maskTensors);
    }
    let h: Tensor2D = x;
    const last = this.W.length - 1;
    for (let l = 0; l <= last; l++) {
      const W = this.W[l] as Tensor as Tensor2D, b = this.b[l] as Tensor as Tensor1D;
      if (l === last) return dense(h, W, b, 'linear'); // [batch, outputs]
      let a: Tensor2D;
      if (opts.onPreActivation) {
        // attribution hooks need the pre-activation itself: unfused
        const z = opts.onPreActivation(l, tf.add(tf.matMul(h, W), b) as Tensor2D); // [batch, d[l+1]]
        a = (this.config.activation === 'tanh' ? tf.tanh(z) : tf.relu(z)) as Tensor2D;
      } else {
        // one fused kernel (matMul + bias + activation) where the backend has it
        a = dense(h, W, b, this.config.activation);
      }
      const mask = this.maskTensors[l];
      if (mask) a = tf.mul(a, mask) as Tensor2D;
      if (opts.training && this.config.dropout && this.config.dropout > 0) {
        a = tf.dropout(a, this.config.dropout, undefined, opts.dropoutSeed) as Tensor2D;
      }
      if (opts.onActivation) a = opts.onActivation(l, a);
      h = a;
    }
    throw new Error('unreachable');
  }

  /** The fused kernel covers relu, 0/1 masks and no per-layer hooks or dropout. */
  private canFuse(opts: ForwardOptions): boolean {
    return this.config.activation === 'relu' && this.binaryMasks && !opts.onPreActivation && !opts.onActivation &&
      !(opts.training && this.config.dropout && this.config.dropout > 0) && fusedMlpAvailable();
  }

  /** Rebuild the backend copies of the masks after `masks` changed. */
  syncMasks(): void {
    this.maskTensors.forEach((t) => t?.dispose());
    this.maskTensors = this.masks.map((m) => (m.every((v) => v === 1) ? null : tf.keep(tf.tensor1d(m))));
    this.binaryMasks = this.masks.every((m) => m.every((v) => v === 0 || v === 1));
  }

  setMask(layer: number, mask: ArrayLike<number>): void {
    this.masks[layer].set(mask);
    this.syncMasks();
  }

  /** Zero every parameter owned by a masked unit, so the dense weights equal the masked model. */
  applyMasks(): void {
    const d = this.dims;
    tf.tidy(() => {
      for (let h = 0; h < this.masks.length; h++) {
        if (this.masks[h].every((v) => v === 1)) continue;
        const m = tf.tensor1d(this.masks[h]);
        this.W[h].assign(tf.mul(this.W[h], tf.reshape(m, [1, d[h + 1]])) as Tensor2D); // columns
        this.b[h].assign(tf.mul(this.b[h], m));
        this.W[h + 1].assign(tf.mul(this.W[h + 1], tf.reshape(m, [d[h + 1], 1])) as Tensor2D); // rows
      }
    });
  }

  activeUnits(): number[] {
    return this.masks.map((m) => m.reduce((s, v) => s + (v > 0 ? 1 : 0), 0));
  }

  paramCount(): number { return countParams(this.config); }

  /** Parameters a compacted copy would have (masked units removed). */
  activeParamCount(): number {
    return countParams({ ...this.config, hidden: this.activeUnits() });
  }

  /** Copy weights out to host arrays (a readback; call at checkpoint/metric boundaries only). */
  async toWeights(): Promise<MlpWeights> {
    const W = await Promise.all(this.W.map(async (w) => new Float32Array(await w.data())));
    const b = await Promise.all(this.b.map(async (bb) => new Float32Array(await bb.data())));
    return { config: { ...this.config, hidden: [...this.config.hidden] }, W, b, masks: this.masks.map((m) => Float32Array.from(m)) };
  }

  toWeightsSync(): MlpWeights {
    return {
      config: { ...this.config, hidden: [...this.config.hidden] },
      W: this.W.map((w) => new Float32Array(w.dataSync())),
      b: this.b.map((bb) => new Float32Array(bb.dataSync())),
      masks: this.masks.map((m) => Float32Array.from(m)),
    };
  }

  dispose(): void {
    this.W.forEach((w) => w.dispose());
    this.b.forEach((b) => b.dispose());
    this.maskTensors.forEach((t) => t?.dispose());
    this.maskTensors = this.masks.map(() => null);
  }
}
