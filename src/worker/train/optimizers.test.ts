import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend';
import { Rng } from '../engine/rng';
import { tf } from '../engine/tf';
import { clipByGlobalNorm } from './clip';
import { Adam, Sgd, type AdamConfig, type SgdConfig } from './optimizers';

beforeAll(async () => { await initBackend('cpu'); });

// Float64 oracles of PyTorch's update rules, written from the torch.optim documentation.
function adamOracle(p0: number[], grads: number[][], c: AdamConfig): number[] {
  const p = [...p0], m = p.map(() => 0), v = p.map(() => 0);
  grads.forEach((g0, t0) => {
    const t = t0 + 1;
    for (let i = 0; i < p.length; i++) {
      let g = g0[i];
      if (c.weightDecay > 0 && c.decoupled) p[i] *= 1 - c.lr * c.weightDecay;
      if (c.weightDecay > 0 && !c.decoupled) g += c.weightDecay * p[i];
      m[i] = c.beta1 * m[i] + (1 - c.beta1) * g;
      v[i] = c.beta2 * v[i] + (1 - c.beta2) * g * g;
      const mhat = m[i] / (1 - c.beta1 ** t);
      const vhat = v[i] / (1 - c.beta2 ** t);
      p[i] -= (c.lr * mhat) / (Math.sqrt(vhat) + c.eps);
    }
  });
  return p;
}

function sgdOracle(p0: number[], grads: number[][], c: SgdConfig): number[] {
  const p = [...p0];
  let buf: number[] | null = null;
  for (const g0 of grads) {
    const g = g0.map((g, i) => g + c.weightDecay * p[i]);
    if (c.momentum > 0) buf = buf ? buf.map((b, i) => c.momentum * b + g[i]) : [...g];
    const d = c.momentum > 0 ? buf! : g;
    for (let i = 0; i < p.length; i++) p[i] -= c.lr * d[i];
  }
  return p;
}

function randomCase(seed: number, size: number, steps: number) {
  const r = new Rng(seed);
  const p0 = Array.from({ length: size }, () => r.uniform(-1, 1));
  const grads = Array.from({ length: steps }, () => Array.from({ length: size }, () => r.normal() * 0.1));
  return { p0, grads };
}

function runOptimizer(make: (v: tf.Variable[]) => Adam | Sgd, p0: number[], grads: number[][]): { final: number[]; state: ReturnType<Adam['getState']> } {
  const v = tf.tidy(() => tf.variable(tf.tensor1d(p0), true));
  const opt = make([v]);
  for (const g of grads) {
    const gt = tf.tensor1d(g);
    opt.apply([gt]);
    gt.dispose();
  }
  const final = Array.from(v.dataSync());
  const state = opt.getState();
  opt.dispose();
  v.dispose();
  return { final, state };
}

const adamBase: AdamConfig = { name: 'adam', lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-5, weightDecay: 0, decoupled: false };

describe('optimizers match the PyTorch update rules (float64 oracle)', () => {
  const { p0, grads } = randomCase(1, 12, 25);
  const cases: [string, AdamConfig][] = [
    ['Adam eps=1e-5', adamBase],
    ['Adam with L2 weight decay', { ...adamBase, weightDecay: 0.1 }],
    ['AdamW (decoupled)', { ...adamBase, weightDecay: 0.1, decoupled: true }],
  ];
  for (const [name, cfg] of cases) {
    it(name, () => {
      const before = tf.memory().numTensors;
      const { final } = runOptimizer((v) => new Adam(v, cfg), p0, grads);
      const want = adamOracle(p0, grads, cfg);
      final.forEach((x, i) => expect(Math.abs(x - want[i])).toBeLessThan(1e-5));
      expect(tf.memory().numTensors).toBe(before);
    });
  }
  it('Adam eps matters when gradients are tiny (eps is added after the bias correction)', () => {
    const tiny = grads.map((g) => g.map((x) => x * 1e-5));
    const { final } = runOptimizer((v) => new Adam(v, adamBase), p0, tiny);
    const want = adamOracle(p0, tiny, adamBase);
    const wrongEps = adamOracle(p0, tiny, { ...adamBase, eps: 1e-8 });
    final.forEach((x, i) => expect(Math.abs(x - want[i])).toBeLessThan(1e-6));
    expect(Math.abs(want[0] - wrongEps[0])).toBeGreaterThan(1e-3); // the check above can tell them apart
  });
  for (const cfg of [
    { name: 'sgd', lr: 0.05, momentum: 0, weightDecay: 0 },
    { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 0 },
    { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 0.01 },
  ] as SgdConfig[]) {
    it(`SGD momentum=${cfg.momentum} wd=${cfg.weightDecay}`, () => {
      const { final } = runOptimizer((v) => new Sgd(v, cfg), p0, grads);
      const want = sgdOracle(p0, grads, cfg);
      final.forEach((x, i) => expect(Math.abs(x - want[i])).toBeLessThan(1e-5));
    });
  }
});

describe('optimizer state', () => {
  it('round-trips: splitting a run at any step and restoring the state gives the same result', () => {
    const { p0, grads } = randomCase(2, 8, 10);
    for (const make of [(v: tf.Variable[]) => new Adam(v, adamBase), (v: tf.Variable[]) => new Sgd(v, { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 0 })]) {
      const whole = runOptimizer(make, p0, grads).final;
      const first = runOptimizer(make, p0, grads.slice(0, 4));
      const v = tf.tidy(() => tf.variable(tf.tensor1d(first.final), true));
      const opt = make([v]);
      opt.setState(first.state);
      expect(opt.step).toBe(4);
      for (const g of grads.slice(4)) { const gt = tf.tensor1d(g); opt.apply([gt]); gt.dispose(); }
      const resumed = Array.from(v.dataSync());
      opt.dispose(); v.dispose();
      expect(resumed).toEqual(whole);
    }
  });
  it('rejects state of another optimizer', () => {
    const v = tf.tidy(() => tf.variable(tf.zeros([2]), true));
    const a = new Adam([v], adamBase);
    expect(() => a.setState({ name: 'sgd', step: 1, slots: {} })).toThrow(/sgd/);
    a.dispose(); v.dispose();
  });
});

describe('clipByGlobalNorm', () => {
  it('scales all gradients by min(1, max/(norm+1e-6)) of their joint norm', () => {
    const a = [3, 0, 0], b = [0, 4]; // joint norm 5
    const ga = tf.tensor1d(a), gb = tf.tensor1d(b);
    const before = tf.memory().numTensors;
    for (const max of [1, 2.5, 10, 0]) {
      const out = clipByGlobalNorm([ga, gb], max);
      const scale = max > 0 ? Math.min(1, max / (5 + 1e-6)) : 1;
      Array.from(out[0].dataSync()).forEach((x, i) => expect(x).toBeCloseTo(a[i] * scale, 6));
      Array.from(out[1].dataSync()).forEach((x, i) => expect(x).toBeCloseTo(b[i] * scale, 6));
      const norm = Math.hypot(...out[0].dataSync(), ...out[1].dataSync());
      if (max > 0 && max < 5) expect(norm).toBeCloseTo(max, 4);
      out.forEach((t) => t.dispose());
    }
    expect(tf.memory().numTensors).toBe(before);
    ga.dispose(); gb.dispose();
  });
});
