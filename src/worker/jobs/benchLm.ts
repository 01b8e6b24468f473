// Times the engine's transformer training step (train/step.ts on a decoder: forward, softmax
// cross-entropy, backward, AdamW) for one GPT-2-style shape on the current backend: the figure
// `npm run bench` reports beside PyTorch's bench/torch/torch_lm_step.py (same model: pre-norm,
// causal attention, GELU MLP, tied embeddings, biases; same AdamW settings). Like the MLP timer
// (bench.ts) it reuses one random batch, and each step ends with a readback of one value so the
// clock stops when the backend's work is done (webgpu queues its work asynchronously).
import { Rng } from '../engine/rng';
import { tf } from '../engine/tf';
import { decoderConfig } from '../models/decoder/config';
import { Transformer } from '../models/decoder/model';
import type { Windows } from '../train/batch';
import { Adam } from '../train/optimizers';
import { trainStep } from '../train/step';

export interface LmBenchShape {
  layers: number; dModel: number; heads: number; mlp: number; context: number; vocab: number;
  /** Windows per step (each `context` tokens long). */
  batch: number;
  steps: number; warmup: number; seed: number;
}

/** The lm-general-cpu recipe's model (resources/recipes/lm-general-cpu.json), torch_lm_step.py's defaults. */
export const LM_GENERAL_CPU: Omit<LmBenchShape, 'steps' | 'warmup' | 'seed'> = { layers: 4, dModel: 128, heads: 4, mlp: 512, context: 64, vocab: 256, batch: 16 };

export interface LmBenchResult {
  backend: string; shape: Omit<LmBenchShape, 'steps' | 'warmup' | 'seed'>; params: number; steps: number;
  medianMs: number; minMs: number; tokensPerSec: number;
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const round = (x: number) => Math.round(x * 100) / 100;

/** Time `steps` transformer training steps (after `warmup`) on the current backend. Leaks no tensors. */
export async function timeLmSteps(s: LmBenchShape, onStep?: (done: number, total: number) => boolean | void): Promise<LmBenchResult> {
  const rng = new Rng(s.seed);
  const model = Transformer.create(decoderConfig({ vocab: s.vocab, context: s.context, dModel: s.dModel, heads: s.heads, headDim: s.dModel / s.heads, mlp: Array(s.layers).fill(s.mlp) }), rng);
  // torch.optim.AdamW(lr=2e-3, weight_decay=0.1) as in torch_lm_step.py
  const opt = new Adam(model.params(), { name: 'adam', lr: 2e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: true });
  const batch: Windows = { tokens: Int32Array.from({ length: s.batch * (s.context + 1) }, () => rng.int(s.vocab)), count: s.batch, T: s.context };
  const probe = model.params()[0];
  const times: number[] = [];
  try {
    for (let i = 0; i < s.warmup + s.steps; i++) {
      const t0 = performance.now();
      trainStep(model, opt, batch);
      const one = tf.slice(probe, [0, 0], [1, 1]); // a one-value readback: the step's work is done
      await one.data();
      one.dispose();
      if (i >= s.warmup) times.push(performance.now() - t0);
      if (onStep?.(i + 1, s.warmup + s.steps) === false) break;
    }
  } finally {
    opt.dispose();
    model.dispose();
  }
  if (!times.length) throw new Error('bench stopped before any timed step');
  const med = median(times);
  const { steps: _s, warmup: _w, seed: _d, ...shape } = s;
  return {
    backend: tf.getBackend(), shape, params: model.paramCount(), steps: times.length,
    medianMs: round(med), minMs: round(Math.min(...times)), tokensPerSec: Math.round((s.batch * s.context) / med * 1000),
  };
}
