// Evaluation of a model of any family: on skills, mean cross-entropy in bits and accuracy, per
// skill, on the suite's evaluation samples (fresh ones for synthetic suites), one readback per
// skill; on token windows, the mean next-token loss in nats/token.
import { type CancelCheck, throwIfCancelled } from '../engine/cancelled';
import { tf, type Tensor1D } from '../engine/tf';
import type { Rng } from '../engine/rng';
import type { Batch, Skill, SkillSuite } from '../tasks/types';
import { batchTensors, windowTensors, type Windows } from './batch';
import { crossEntropy, crossEntropyPerSample } from './loss';
import type { Trainable } from './step';

export const BITS_PER_NAT = Math.LOG2E;

export interface SkillEval { key: string; lossBits: number; acc: number; count: number }

/** Rows evaluated per forward pass: bounds memory for large eval sets. */
const CHUNK = 8192;

/** Loss (bits) and accuracy of `model` on `batch`, chunked; `cancelled` is checked before each
 *  chunk (JobCancelled). */
export async function evaluateBatch(model: Trainable, batch: Batch, cancelled?: CancelCheck): Promise<{ lossBits: number; acc: number }> {
  const inputDim = batch.x.length / batch.count;
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < batch.count; start += CHUNK) {
    throwIfCancelled(cancelled, 'evaluation');
    const n = Math.min(CHUNK, batch.count - start);
    const chunk: Batch = {
      x: batch.x.subarray(start * inputDim, (start + n) * inputDim),
      y: batch.y.subarray(start, start + n),
      count: n,
    };
    const sums = tf.tidy(() => {
      const { x, y } = batchTensors(chunk);
      const logits = model.forward(x, { training: false }); // [n, classes]
      const ce = tf.sum(crossEntropyPerSample(logits, y)); // []
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y as Tensor1D), 'float32')); // []
      return tf.stack([ce, hits]); // [2]
    });
    const [ce, hits] = await sums.data();
    sums.dispose();
    lossSum += ce;
    correct += hits;
  }
  return { lossBits: (lossSum / batch.count) * BITS_PER_NAT, acc: correct / batch.count };
}

/** Evaluate each skill on `samples` evaluation samples drawn with `rng`. */
export async function evaluateSkills(model: Trainable, suite: SkillSuite, skills: readonly Skill[], samples: number, rng: Rng, cancelled?: CancelCheck): Promise<SkillEval[]> {
  const out: SkillEval[] = [];
  for (const skill of skills) {
    const batch = suite.evalSet(skill, samples, rng);
    const r = await evaluateBatch(model, batch, cancelled);
    out.push({ key: skill.key, lossBits: r.lossBits, acc: r.acc, count: batch.count });
  }
  return out;
}

/** Mean next-token loss (nats/token) over windows, `batch` windows at a time; `cancelled` is
 *  checked before each batch (JobCancelled). One async readback per batch (webgpu needs it). */
export async function evaluateWindows(model: Trainable, w: Windows, batch = 16, cancelled?: CancelCheck): Promise<number> {
  if (w.count === 0) return NaN;
  let total = 0;
  const stride = w.T + 1;
  for (let i = 0; i < w.count; i += batch) {
    throwIfCancelled(cancelled, 'evaluation');
    const n = Math.min(batch, w.count - i);
    const ce = tf.tidy(() => {
      const { x, y } = windowTensors(w.tokens.subarray(i * stride, (i + n) * stride), n, w.T);
      return crossEntropy(model.forward(x), y); // logits [n·T, V] → []
    });
    total += (await ce.data())[0] * n;
    ce.dispose();
  }
  return total / w.count;
}
