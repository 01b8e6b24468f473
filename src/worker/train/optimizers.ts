// Optimizers over tf Variables with serialisable state (for checkpoints), matching PyTorch's
// update rules exactly (torch.optim.Adam / AdamW / SGD with momentum, dampening 0, no Nesterov),
// because the reference dynamics (METHODS.md §1) depend on them — eps in particular.
//
// Use: `const opt = createOptimizer(spec, model.params())`, then `opt.apply(grads)` with grads
// aligned to the variables (see step.ts, which also clips). `getState()` / `setState()` move the
// moment buffers and step counter to and from plain arrays (a readback: checkpoint time only; jobs use readState(), its async form).
import type { OptimizerSpec } from '../../shared/specs';
import { adamUpdate } from '../engine/kernels';
import { tf, type Tensor, type Variable } from '../engine/tf';

/** Plain-array optimizer state: slot tensors by name (`m.3`, `v.3`, `buf.0`) plus a step counter. */
export interface OptimizerState {
  name: 'adam' | 'sgd';
  step: number;
  slots: Record<string, Float32Array>;
}

export interface Optimizer {
  readonly name: 'adam' | 'sgd';
  /** Variables updated, in the order `apply` expects gradients. */
  readonly vars: readonly Variable[];
  /** Number of updates applied so far. */
  readonly step: number;
  /** One update. `grads[i]` is the gradient of `vars[i]`; not disposed here (the caller owns them). */
  apply(grads: readonly Tensor[]): void;
  getState(): OptimizerState;
  /** getState with async readbacks: what jobs use (webgpu cannot read back synchronously). */
  readState(): Promise<OptimizerState>;
  setState(s: OptimizerState): void;
  dispose(): void;
}

export type AdamConfig = Extract<OptimizerSpec, { name: 'adam' }>;
export type SgdConfig = Extract<OptimizerSpec, { name: 'sgd' }>;

function zerosLike(v: Variable): Variable {
  // inside tidy: the temporary zeros tensor is released, the variable (never tidied) survives
  return tf.tidy(() => tf.variable(tf.zeros(v.shape), false));
}

function readSlots(prefix: string, slots: Variable[], out: Record<string, Float32Array>): void {
  slots.forEach((s, i) => { out[`${prefix}.${i}`] = new Float32Array(s.dataSync()); });
}

async function readSlotsAsync(prefix: string, slots: Variable[], out: Record<string, Float32Array>): Promise<void> {
  const host = await Promise.all(slots.map((s) => s.data()));
  host.forEach((d, i) => { out[`${prefix}.${i}`] = new Float32Array(d as Float32Array); });
}

function writeSlots(prefix: string, slots: Variable[], from: Record<string, Float32Array>): void {
  slots.forEach((s, i) => {
    const data = from[`${prefix}.${i}`];
    if (!data) throw new Error(`optimizer state lacks slot ${prefix}.${i}`);
    if (data.length !== s.size) throw new Error(`optimizer slot ${prefix}.${i} has ${data.length} values, expected ${s.size}`);
    tf.tidy(() => s.assign(tf.tensor(data, s.shape)));
  });
}

export class Adam implements Optimizer {
  readonly name = 'adam' as const;
  readonly vars: readonly Variable[];
  private readonly m: Variable[];
  private readonly v: Variable[];
  private t = 0;

  constructor(vars: readonly Variable[], readonly cfg: AdamConfig) {
    this.vars = vars;
    this.m = vars.map(zerosLike);
    this.v = vars.map(zerosLike);
  }

  get step(): number { return this.t; }

  apply(grads: readonly Tensor[]): void {
    if (grads.length !== this.vars.length) throw new Error(`Adam: ${grads.length} gradients for ${this.vars.length} variables`);
    this.t++;
    const { lr, beta1, beta2, eps, weightDecay, decoupled } = this.cfg;
    const bc1 = 1 - beta1 ** this.t;
    const bc2 = 1 - beta2 ** this.t;
    const s = { lr, beta1, beta2, eps, bc1, bc2, weightDecay, decoupled };
    tf.tidy(() => {
      for (let i = 0; i < this.vars.length; i++) {
        // PyTorch: p -= (lr / bc1) · m / (sqrt(v) / sqrt(bc2) + eps), one fused kernel per variable
        const [p, m, v] = adamUpdate(this.vars[i], this.m[i], this.v[i], grads[i], s);
        this.vars[i].assign(p);
        this.m[i].assign(m);
        this.v[i].assign(v);
      }
    });
  }

  getState(): OptimizerState {
    const slots: Record<string, Float32Array> = {};
    readSlots('m', this.m, slots);
    readSlots('v', this.v, slots);
    return { name: 'adam', step: this.t, slots };
  }

  async readState(): Promise<OptimizerState> {
    const slots: Record<string, Float32Array> = {};
    await readSlotsAsync('m', this.m, slots);
    await readSlotsAsync('v', this.v, slots);
    return { name: 'adam', step: this.t, slots };
  }

  setState(s: OptimizerState): void {
    if (s.name !== 'adam') throw new Error(`cannot load ${s.name} optimizer state into Adam`);
    writeSlots('m', this.m, s.slots);
    writeSlots('v', this.v, s.slots);
    this.t = s.step;
  }

  dispose(): void {
    this.m.forEach((x) => x.dispose());
    this.v.forEach((x) => x.dispose());
  }
}

export class Sgd implements Optimizer {
  readonly name = 'sgd' as const;
  readonly vars: readonly Variable[];
  /** Momentum buffers; absent when momentum is 0 (plain SGD keeps no state). */
  private readonly buf: Variable[];
  private t = 0;

  constructor(vars: readonly Variable[], readonly cfg: SgdConfig) {
    this.vars = vars;
    this.buf = cfg.momentum > 0 ? vars.map(zerosLike) : [];
  }

  get step(): number { return this.t; }

  apply(grads: readonly Tensor[]): void {
    if (grads.length !== this.vars.length) throw new Error(`SGD: ${grads.length} gradients for ${this.vars.length} variables`);
    const { lr, momentum, weightDecay } = this.cfg;
    const first = this.t === 0;
    this.t++;
    tf.tidy(() => {
      for (let i = 0; i < this.vars.length; i++) {
        const p = this.vars[i];
        let g = grads[i];
        if (weightDecay > 0) g = tf.add(g, tf.mul(p, weightDecay));
        if (momentum > 0) {
          // PyTorch initialises the buffer with the first gradient, then buf = μ·buf + g.
          const b = first ? g : tf.add(tf.mul(this.buf[i], momentum), g);
          this.buf[i].assign(b);
          g = b;
        }
        p.assign(tf.sub(p, tf.mul(g, lr)));
      }
    });
  }

  getState(): OptimizerState {
    const slots: Record<string, Float32Array> = {};
    readSlots('buf', this.buf, slots);
    return { name: 'sgd', step: this.t, slots };
  }

  async readState(): Promise<OptimizerState> {
    const slots: Record<string, Float32Array> = {};
    await readSlotsAsync('buf', this.buf, slots);
    return { name: 'sgd', step: this.t, slots };
  }

  setState(s: OptimizerState): void {
    if (s.name !== 'sgd') throw new Error(`cannot load ${s.name} optimizer state into SGD`);
    writeSlots('buf', this.buf, s.slots);
    this.t = s.step;
  }

  dispose(): void { this.buf.forEach((x) => x.dispose()); }
}

/** Build the optimizer a spec names over these variables. */
export function createOptimizer(spec: OptimizerSpec, vars: readonly Variable[]): Optimizer {
  return spec.name === 'adam' ? new Adam(vars, spec) : new Sgd(vars, spec);
}
