import { describe, expect, it } from 'vitest';
import { initBackend } from './backend';
import { tf } from './tf';

describe('tf engine', () => {
  it('registers gradients and runs on the chosen backend', async () => {
    const info = await initBackend();
    expect(['tensorflow', 'wasm', 'cpu']).toContain(info.backend);
    const before = tf.memory().numTensors;
    const g = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(x, x)))(tf.tensor1d([1, 2, 3])).arraySync());
    expect(g).toEqual([2, 4, 6]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
