// Importance of a decoder's MLP neurons on one domain, through one entry point for the four
// scores an lm prune run offers (compress/scores holds the family-independent ones):
//   attribution  |∂L/∂mask| = |Σ a·∂ℓ/∂a| / N over the domain's windows (maskGradient.ts), for the
//                MLP neurons and the residual-stream dimensions, which the generic activation
//                score (scores/activation.ts) cannot see, in one backward pass
//   ablation     |L(neuron removed) − L|, exact, over the same windows (small models: one forward
//                per neuron, many neurons per forward by tiling the batch)
//   magnitude    weight norms of each neuron's slices (no data)
//   random       seeded noise (how much the score matters)
// Every data score streams the windows in batches: no activation of the whole domain is held.
import type { Rng } from '../engine/rng';
import type { Transformer } from '../models/decoder/model';
import { transformerUnits } from '../models/decoder/units';
import type { Windows } from '../train/batch';
import { crossEntropy } from '../train/loss';
import { maskGradientScores } from './maskGradient';
import { WINDOW_SCORES, windowScoreTokens, type WindowScoreName } from './windowScores';

export interface DecoderScores {
  /** One score per MLP neuron per layer (masked neurons 0). */
  mlp: Float32Array[];
  /** Residual dimensions (attribution only; the others score them at random when asked). */
  resid: Float32Array | null;
  /** Tokens of the domain the score read (0 for magnitude and random). */
  tokens: number;
}

export async function decoderScores(model: Transformer, name: WindowScoreName, w: Windows, rng: Rng, opts: { batch?: number; cancelled?: () => boolean } = {}): Promise<DecoderScores> {
  const batch = opts.batch ?? 16;
  switch (name) {
    case 'attribution': {
      // gates: the decoder's own masks, [F_l] per MLP layer then [dModel], passed as its forward's masks
      const gates = [...model.masks.mlp, model.masks.resid];
      const scores = await maskGradientScores(gates, (x, y, g) => crossEntropy(model.forward(x, {
        masks: { mlp: g.slice(0, -1), resid: g[g.length - 1] },
      }), y), w, batch, opts.cancelled);
      return { mlp: scores.slice(0, -1), resid: scores[scores.length - 1], tokens: windowScoreTokens(name, w) };
    }
    case 'ablation':
    case 'magnitude':
    case 'random': {
      const mlp = await WINDOW_SCORES[name](transformerUnits(model), w, { rng, batch, cancelled: opts.cancelled, vocab: model.config.vocab });
      return { mlp, resid: null, tokens: windowScoreTokens(name, w) };
    }
  }
}
