// Language-model training pieces for the transformer: one optimisation step on a batch of token
// windows (with optional distillation and extra penalty terms), held-out evaluation in
// nats/token, and sampling from a prompt. Everything runs in tf.tidy; only requested loss
// scalars survive a step.
import type { Rng } from '../../engine/rng';
import { tf, type Tensor2D, type Variable } from '../../engine/tf';
import { kdLoss } from '../../compress/kd';
import { clipByGlobalNorm } from '../../train/clip';
import type { Optimizer } from '../../train/optimizers';
import { lmLoss, windowTensors, type Transformer } from './model';
import { type CancelCheck, throwIfCancelled } from '../../engine/cancelled';

type Scalar = tf.Scalar;

/** `count` windows of T+1 tokens, row-major (see tasks/text/suite.ts SequenceBatch). */
export interface Windows { tokens: Int32Array; count: number; T: number }

export interface LmStepOptions {
  /** Added to the objective inside the tape (group lasso). */
  extraLoss?: () => Scalar;
  /** Distillation: the teacher and α, T of α·CE + (1−α)·T²·KL(teacher‖student). */
  teacher?: { model: Transformer; alpha: number; temperature: number };
  gradClip?: number;
  /** After the update (re-zero masked weights). */
  afterStep?: () => void;
  keepLoss?: boolean;
}

/** One update; returns the cross-entropy (nats/token) scalar when keepLoss (caller disposes). */
export function lmTrainStep(model: Transformer, opt: Optimizer, batch: Windows, o: LmStepOptions = {}): Scalar | null {
  const kept = tf.tidy((): Scalar | undefined => {
    const { x, y } = windowTensors(batch.tokens, batch.count, batch.T);
    // teacher logits are constants: computed outside the differentiated function
    const teacherLogits = o.teacher ? o.teacher.model.forward(x) : null; // [B·T, V]
    let ce: Scalar | null = null;
    const { grads } = tf.variableGrads(() => {
      const logits = model.forward(x); // [B·T, V]
      ce = tf.keep(lmLoss(logits, y));
      let total: Scalar = teacherLogits && o.teacher
        ? kdLoss(logits, teacherLogits, y, { alpha: o.teacher.alpha, temperature: o.teacher.temperature })
        : ce;
      if (o.extraLoss) total = tf.add(total, o.extraLoss()) as Scalar;
      return total;
    }, opt.vars as Variable[]);
    const ordered = opt.vars.map((v) => grads[v.name] ?? tf.zerosLike(v));
    opt.apply(clipByGlobalNorm(ordered, o.gradClip ?? 0));
    if (!o.keepLoss) { (ce as Scalar | null)?.dispose(); return undefined; }
    return ce!;
  });
  o.afterStep?.();
  return kept ?? null;
}

/** Mean next-token loss (nats/token) over windows, `batch` windows at a time; `cancelled` is
 *  checked before each batch (JobCancelled). */
export function evaluateLm(model: Transformer, w: Windows, batch = 16, cancelled?: CancelCheck): number {
  if (w.count === 0) return NaN;
  let total = 0;
  const stride = w.T + 1;
  for (let i = 0; i < w.count; i += batch) {
    throwIfCancelled(cancelled, 'evaluation');
    const n = Math.min(batch, w.count - i);
    total += tf.tidy(() => {
      const { x, y } = windowTensors(w.tokens.subarray(i * stride, (i + n) * stride), n, w.T);
      return lmLoss(model.forward(x), y).dataSync()[0] * n;
    });
  }
  return total / w.count;
}

export interface SampleOptions { maxTokens: number; temperature: number; topK?: number; rng: Rng; /** checked before each token (JobCancelled) */ cancelled?: CancelCheck }

/** Continue `prompt` (token ids) by sampling; returns only the new tokens. */
export function generate(model: Transformer, prompt: ArrayLike<number>, o: SampleOptions): number[] {
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
      return (tf.slice(all, [window.length - 1, 0], [1, -1]) as Tensor2D).dataSync();
    });
    const next = sampleLogits(Float32Array.from(logits), o.temperature, o.topK, o.rng);
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
