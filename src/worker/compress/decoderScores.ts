// Importance of a decoder's MLP neurons on one domain, through one entry point for the four
// scores an lm prune run offers (compress/scores holds the family-independent ones):
//   attribution  |∂L/∂mask| = |Σ a·∂ℓ/∂a| / N over the domain's windows (decoderAttribution.ts)
//   ablation     |L(neuron removed) − L|, exact, over the same windows (small models: one forward
//                per neuron, many neurons per forward by tiling the batch)
//   magnitude    weight norms of each neuron's slices (no data)
//   random       seeded noise (how much the score matters)
// Every data score streams the windows in batches: no activation of the whole domain is held.
import type { Rng } from '../engine/rng';
import { tf, type Tensor2D } from '../engine/tf';
import type { Transformer } from '../models/decoder/model';
import { transformerUnits } from '../models/decoder/units';
import { windowTensors, type Windows } from '../train/batch';
import { crossEntropyPerSample } from '../train/loss';
import { attributionScores } from './decoderAttribution';
import { SCORES } from './scores';

export type DecoderScoreName = 'attribution' | 'ablation' | 'magnitude' | 'random';

export interface DecoderScores {
  /** One score per MLP neuron per layer (masked neurons 0). */
  mlp: Float32Array[];
  /** Residual dimensions (attribution only; the others score them at random when asked). */
  resid: Float32Array | null;
  /** Tokens of the domain the score read (0 for magnitude and random). */
  tokens: number;
}

/** Logit values one ablation forward may hold ([k·n·T, vocab]); bounds memory, not results. */
const ABLATION_LOGITS = 1 << 22;

export async function decoderScores(model: Transformer, name: DecoderScoreName, w: Windows, rng: Rng, opts: { batch?: number; cancelled?: () => boolean } = {}): Promise<DecoderScores> {
  const batch = opts.batch ?? 16;
  switch (name) {
    case 'attribution': {
      const a = await attributionScores(model, w, batch);
      return { mlp: a.mlp, resid: a.resid, tokens: w.count * w.T };
    }
    case 'ablation': return { mlp: await ablationScores(model, w, batch, opts.cancelled), resid: null, tokens: w.count * w.T };
    case 'magnitude':
    case 'random':
      return { mlp: await SCORES[name].compute(transformerUnits(model), null, { rng, group: 'inBiasOut', site: 'post', reduce: 'absSum' }), resid: null, tokens: 0 };
  }
}

/** |mean over the windows' tokens of ℓ(neuron j removed) − ℓ| for every kept neuron. */
export async function ablationScores(model: Transformer, w: Windows, batch = 16, cancelled?: () => boolean): Promise<Float32Array[]> {
  const widths = model.config.mlp;
  const acc = widths.map((f) => new Float64Array(f));
  const stride = w.T + 1;
  for (let i = 0; i < w.count; i += batch) {
    if (cancelled?.()) break;
    const n = Math.min(batch, w.count - i);
    const N = n * w.T; // logits rows of one copy of the batch
    const perPass = Math.max(1, Math.floor(ABLATION_LOGITS / (N * model.config.vocab)));
    const { x, y } = windowTensors(w.tokens.subarray(i * stride, (i + n) * stride), n, w.T); // x [n, T], y [N]
    try {
      const baseT = tf.tidy(() => tf.mean(crossEntropyPerSample(model.forward(x), y)));
      const base = (await baseT.data())[0];
      baseT.dispose();
      for (let layer = 0; layer < widths.length; layer++) {
        const width = widths[layer];
        const alive: number[] = [];
        for (let j = 0; j < width; j++) if (model.masks.mlp[layer][j] !== 0) alive.push(j);
        for (let start = 0; start < alive.length; start += perPass) {
          const units = alive.slice(start, start + perPass);
          const k = units.length;
          const lossT = tf.tidy(() => {
            const xt = tf.tile(x, [k, 1]) as Tensor2D; // [k·n, T]: copy c has neuron units[c] off
            const yt = tf.tile(y, [k]); // [k·N]
            const keep = tf.sub(1, tf.oneHot(tf.tensor1d(units, 'int32'), width)); // [k, width]
            const keepRows = tf.reshape(tf.tile(tf.expandDims(keep, 1), [1, N, 1]), [k * N, width]); // [k·N, width]
            const logits = model.forward(xt, { onActivation: (l, a) => (l === layer ? (tf.mul(a, keepRows) as Tensor2D) : a) }); // [k·N, V]
            return tf.mean(tf.reshape(crossEntropyPerSample(logits, yt as typeof y), [k, N]), 1); // [k]
          });
          const losses = await lossT.data();
          lossT.dispose();
          units.forEach((j, c) => { acc[layer][j] += (losses[c] - base) * n; });
        }
      }
    } finally { x.dispose(); y.dispose(); }
  }
  return acc.map((a, l) => Float32Array.from(a, (v, j) => (model.masks.mlp[l][j] === 0 ? 0 : Math.abs(v) / w.count)));
}
