// Importance scores of any UnitModel on a text domain's windows, streamed `batch` windows at a time
// (no activation of the whole domain is ever held). Each score is one entry of WINDOW_SCORES:
//   attribution  |∂L/∂mask| = |Σ a·∂ℓ/∂a| / N (maskGradient.ts), with a per-unit gate multiplied
//                into the hooked activation
//   ablation     |L(unit removed) − L|, exact: many units per forward by tiling the batch (copy c
//                has unit c's activation zeroed); one forward per unit, for small models
//   magnitude, random  compress/scores (no data)
// For MLP neurons the hooked activation is a neuron's output; for attention heads (models/decoder/
// heads.ts) it is the head's gate, so the same code scores heads. Adding a score: one entry here.
import type { Rng } from '../engine/rng';
import { tf, type Tensor, type Tensor1D, type Tensor2D } from '../engine/tf';
import type { UnitModel } from '../models/units';
import { windowTensors, type Windows } from '../train/batch';
import { crossEntropy, crossEntropyPerSample } from '../train/loss';
import { maskGradientScores } from './maskGradient';
import { SCORES, zeroMasked } from './scores';

export interface WindowScoreOptions { rng: Rng; batch?: number; cancelled?: () => boolean; vocab: number }
export type WindowScore = (units: UnitModel, w: Windows, o: WindowScoreOptions) => Promise<Float32Array[]>;

/** Logit values one ablation forward may hold ([k·n·T, vocab]); bounds memory, not results. */
const ABLATION_LOGITS = 1 << 22;

// gates multiply each layer's hooked activation [N, U_l] (the model's own masks already applied)
const attribution: WindowScore = (units, w, o) => maskGradientScores(units.masks, (x, y, gates) =>
  crossEntropy(units.forward(x, { onActivation: (l, a) => tf.mul(a, gates[l]) as Tensor2D }), y), w, o.batch, o.cancelled);

const ablation: WindowScore = async (units, w, o) => {
  const batch = o.batch ?? 16;
  const acc = units.widths.map((f) => new Float64Array(f));
  const stride = w.T + 1;
  for (let i = 0; i < w.count; i += batch) {
    if (o.cancelled?.()) break;
    const n = Math.min(batch, w.count - i);
    const N = n * w.T; // logits rows of one copy of the batch
    const perPass = Math.max(1, Math.floor(ABLATION_LOGITS / (N * o.vocab)));
    const { x, y } = windowTensors(w.tokens.subarray(i * stride, (i + n) * stride), n, w.T); // x [n, T], y [N]
    // every pass's losses stay on the backend and are read back once per batch of windows
    const passes: { layer: number; chosen: number[]; loss: Tensor1D }[] = [];
    let baseT: Tensor | null = null;
    try {
      baseT = tf.tidy(() => tf.mean(crossEntropyPerSample(units.forward(x), y)));
      for (const [layer, width] of units.widths.entries()) {
        const alive: number[] = [];
        for (let j = 0; j < width; j++) if (units.masks[layer][j] !== 0) alive.push(j);
        for (let start = 0; start < alive.length; start += perPass) {
          const chosen = alive.slice(start, start + perPass);
          const k = chosen.length;
          const lossT = tf.tidy(() => {
            const xt = tf.tile(x, [k, 1]) as Tensor2D; // [k·n, T]: copy c has unit chosen[c] off
            const yt = tf.tile(y, [k]) as Tensor1D; // [k·N]
            const keep = tf.sub(1, tf.oneHot(tf.tensor1d(chosen, 'int32'), width)); // [k, width]
            const keepRows = tf.reshape(tf.tile(tf.expandDims(keep, 1), [1, N, 1]), [k * N, width]); // [k·N, width]
            const logits = units.forward(xt, { onActivation: (l, a) => (l === layer ? (tf.mul(a, keepRows) as Tensor2D) : a) }); // [k·N, V]
            return tf.mean(tf.reshape(crossEntropyPerSample(logits, yt), [k, N]), 1) as Tensor1D; // [k]
          });
          passes.push({ layer, chosen, loss: lossT });
        }
      }
      const host = await Promise.all([baseT, ...passes.map((p) => p.loss)].map((t) => t.data()));
      const base = host[0][0];
      passes.forEach(({ layer, chosen }, i) => chosen.forEach((j, c) => { acc[layer][j] += (host[i + 1][c] - base) * n; }));
    } finally { tf.dispose([x, y, ...(baseT ? [baseT] : []), ...passes.map((p) => p.loss)]); }
  }
  return zeroMasked(units, acc.map((a) => Float32Array.from(a, (v) => Math.abs(v) / w.count)));
};

const noData = (name: 'magnitude' | 'random'): WindowScore => (units, _w, o) =>
  SCORES[name].compute(units, null, { rng: o.rng, group: 'inBiasOut', site: 'post', reduce: 'absSum' });

export const WINDOW_SCORES = { attribution, ablation, magnitude: noData('magnitude'), random: noData('random') } satisfies Record<string, WindowScore>;
export type WindowScoreName = keyof typeof WINDOW_SCORES;

/** Tokens of the domain a score reads (the windows' for attribution and ablation, 0 for the no-data
 *  scores): what a prune run adds to its token count for one scoring. */
export function windowScoreTokens(name: WindowScoreName, w: Windows): number {
  return name === 'attribution' || name === 'ablation' ? w.count * w.T : 0;
}
