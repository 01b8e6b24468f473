// Sampling from a decoder: continue a prompt token by token with temperature and top-k (the
// lm job's sample, lmSample, the Try panel). The full context is recomputed per token; the
// KV-cache greedy generator is generate.ts (greedy).
import { type CancelCheck, throwIfCancelled } from '../../engine/cancelled';
import type { Rng } from '../../engine/rng';
import { tf, type Tensor2D } from '../../engine/tf';
import type { Transformer } from './model';

export interface SampleOptions { maxTokens: number; temperature: number; topK?: number; rng: Rng; /** checked before each token (JobCancelled) */ cancelled?: CancelCheck }

/** Continue `prompt` (token ids) by sampling; returns only the new tokens. */
export async function generate(model: Transformer, prompt: ArrayLike<number>, o: SampleOptions): Promise<number[]> {
  const ctx = model.config.context;
  const seq = Array.from(prompt);
  if (seq.length === 0) seq.push(10); // an empty prompt starts after a newline
  const out: number[] = [];
  for (let i = 0; i < o.maxTokens; i++) {
    throwIfCancelled(o.cancelled, 'sampling');
    const window = seq.slice(-ctx);
    const logits = tf.tidy(() => {
      const x = tf.tensor2d(Int32Array.from(window), [1, window.length], 'int32') as Tensor2D;
      const all = model.forward(x); // [T, V]
      return tf.slice(all, [window.length - 1, 0], [1, -1]) as Tensor2D; // [1, V]
    });
    const host = Float32Array.from(await logits.data());
    logits.dispose();
    const next = sampleLogits(host, o.temperature, o.topK, o.rng);
    seq.push(next); out.push(next);
  }
  return out;
}

/** Draw a token from logits with temperature (≤ 0 = greedy) and optional top-k. */
export function sampleLogits(logits: Float32Array, temperature: number, topK: number | undefined, rng: Rng): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  if (!(temperature > 0)) return best;
  let idx = Array.from(logits.keys());
  if (topK && topK < idx.length) idx = idx.sort((a, b) => logits[b] - logits[a]).slice(0, topK);
  const max = logits[best];
  const p = idx.map((i) => Math.exp((logits[i] - max) / temperature));
  const sum = p.reduce((a, b) => a + b, 0);
  let r = rng.next() * sum;
  for (let k = 0; k < idx.length; k++) { r -= p[k]; if (r <= 0) return idx[k]; }
  return idx[idx.length - 1];
}
