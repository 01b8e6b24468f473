// Greedy generation with a key/value cache: the prompt runs once, then each new token runs alone
// against the cached keys and values of every earlier position, which gives the same tokens as
// re-running the whole sequence at every step (generate.test.ts checks both against PyTorch).
import { throwIfCancelled, type CancelCheck } from '../../engine/cancelled';
import { tf, type Tensor2D } from '../../engine/tf';
import { disposeKvCache, type KvCache, type Transformer } from './model';

export interface GreedyOptions {
  /** Checked before each new token; when it says stop, generation throws JobCancelled. */
  cancelled?: CancelCheck;
  /** Stop after emitting this token (it is included in the result). */
  eosId?: number | null;
  /** Called with each new token as it is chosen (streaming output). */
  onToken?(id: number, index: number): void;
}

/** Index of the largest value (the first of equal ones, as torch.argmax). */
function argmax(v: Float32Array | Int32Array | Uint8Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/** Up to `maxNew` greedy tokens after `promptIds` (the new tokens only). Generation also stops
 *  at `eosId` and where the model's context is full. */
export function greedy(model: Transformer, promptIds: ArrayLike<number>, maxNew: number, opts: GreedyOptions = {}): number[] {
  const { vocab, context } = model.config;
  if (promptIds.length < 1) throw new Error('greedy generation needs a prompt of at least one token');
  if (promptIds.length > context) throw new Error(`prompt of ${promptIds.length} tokens is longer than the model's context ${context}`);
  for (let i = 0; i < promptIds.length; i++) {
    const t = promptIds[i];
    if (!Number.isInteger(t) || t < 0 || t >= vocab) throw new Error(`prompt token ${t} at position ${i} is outside the vocabulary 0..${vocab - 1}`);
  }
  const out: number[] = [];
  let cache: KvCache | null = null;
  let input = Array.from(promptIds);
  try {
    const steps = Math.min(maxNew, context - promptIds.length + 1);
    for (let s = 0; s < steps; s++) {
      throwIfCancelled(opts.cancelled, 'generation');
      const past: KvCache | null = cache;
      let next: KvCache | null = null;
      const last = tf.tidy(() => {
        const r = model.forwardCached(tf.tensor2d(input, [1, input.length], 'int32') as Tensor2D, past); // [T, V]
        next = r.cache;
        return tf.slice(r.logits, [input.length - 1, 0], [1, vocab]);
      });
      const id = argmax(last.dataSync() as Float32Array);
      last.dispose();
      disposeKvCache(past);
      cache = next;
      out.push(id);
      opts.onToken?.(id, s);
      if (opts.eosId != null && id === opts.eosId) break;
      input = [id];
    }
  } finally {
    disposeKvCache(cache);
  }
  return out;
}
