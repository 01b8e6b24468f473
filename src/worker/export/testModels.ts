// Models the export tests share: a CMSP-shaped MLP (control bits + data bits → 2 logits) and an
// image-shaped one (784 → … → 10), random weights from a seed, and the in-app reference forward.
import { Rng } from '../engine/rng';
import { tf, type Tensor2D } from '../engine/tf';
import { initWeights, MaskableMlp, type MlpConfig, type MlpWeights } from '../models/mlp/model';
import type { ExportMeta } from './meta';

export const CMSP_CONFIG: MlpConfig = { inputs: 4 + 40, hidden: [64, 48], outputs: 2, activation: 'relu' };
export const IMAGE_CONFIG: MlpConfig = { inputs: 784, hidden: [128, 64], outputs: 10, activation: 'tanh' };

export function randomModel(config: MlpConfig, seed = 1): MlpWeights {
  return initWeights(config, new Rng(seed));
}

/** Inputs in [0, 1) (bits for CMSP-like widths, pixel-like values otherwise). */
export function randomInputs(rows: number, width: number, seed = 2): Float32Array {
  const rng = new Rng(seed);
  const x = new Float32Array(rows * width);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform(0, 1);
  return x;
}

/** Logits from the in-app model (masks applied), as a flat [rows, outputs] array. */
export function referenceForward(w: MlpWeights, x: Float32Array, rows: number): Float32Array {
  const model = new MaskableMlp(w);
  try {
    return tf.tidy(() => model.forward(tf.tensor2d(x, [rows, w.config.inputs]) as Tensor2D).dataSync() as Float32Array).slice();
  } finally {
    model.dispose();
  }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export const TEST_META: ExportMeta = {
  name: 'test model', sourceRun: 'run-test', skill: '[0]', skillsRemoved: ['[1]', '[2]'],
  whittleVersion: '0.0.0-test', specHash: 'abc', exportedAt: '2026-01-01T00:00:00.000Z',
};

/** A model with every `every`-th hidden unit masked off (what a prune run leaves before compaction). */
export function maskedModel(config: MlpConfig, seed = 1, every = 3): MlpWeights {
  const w = randomModel(config, seed);
  w.masks.forEach((m) => m.forEach((_, j) => { if (j % every !== 0) m[j] = 0; }));
  return w;
}
