// A training batch of any family as tensors: inputs x and integer targets y with one target per
// logits row. A classifier's batch is features [count, inputDim] with one label each; a language
// model's batch is `count` windows of T+1 tokens, which become x [count, T] (int32) and the
// next-token targets y [count·T].
import { tf, type Tensor1D, type Tensor2D } from '../engine/tf';
import type { Batch } from '../tasks/types';

/** `count` windows of T+1 tokens, row-major (tasks/text/suite.ts SequenceBatch). */
export interface Windows { tokens: Int32Array; count: number; T: number }

export type StepBatch = Batch | Windows;

export const isWindows = (b: StepBatch): b is Windows => 'tokens' in b;

/** Rows of logits (and targets) the batch produces: count, or count·T for windows. */
export function targetCount(b: StepBatch): number { return isWindows(b) ? b.count * b.T : b.count; }

/** Split windows [B, T+1] into inputs [B, T] (int32) and flattened targets [B·T]. */
export function windowTensors(tokens: Int32Array, count: number, T: number): { x: Tensor2D; y: Tensor1D } {
  return tf.tidy(() => {
    const all = tf.tensor2d(tokens.subarray(0, count * (T + 1)), [count, T + 1], 'int32');
    return {
      x: tf.slice(all, [0, 0], [count, T]) as Tensor2D,
      y: tf.reshape(tf.slice(all, [0, 1], [count, T]), [count * T]) as Tensor1D,
    };
  });
}

/** Batch arrays → tensors: features x [count, inputDim] float32 and y [count] int32, or windows
 *  x [count, T] int32 and y [count·T] int32. */
export function batchTensors(batch: StepBatch): { x: Tensor2D; y: Tensor1D } {
  if (isWindows(batch)) return windowTensors(batch.tokens, batch.count, batch.T);
  const inputDim = batch.x.length / batch.count;
  if (!Number.isInteger(inputDim)) throw new Error(`batch x has ${batch.x.length} values for ${batch.count} rows`);
  return {
    x: tf.tensor2d(batch.x.subarray(0, batch.count * inputDim), [batch.count, inputDim]),
    y: tf.tensor1d(batch.y.subarray(0, batch.count), 'int32'),
  };
}
