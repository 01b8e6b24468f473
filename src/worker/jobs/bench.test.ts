// The bench job's timing loop: runs the real training step, reports sane fields, leaks nothing.
// (Speed itself is measured by `npm run bench`, never asserted here.)
import { describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend';
import { tf } from '../engine/tf';
import { need } from '../../../test/helpers/prereqs';
import { timeTrainSteps } from './bench';
import { timeLmSteps } from './benchLm';

describe('bench job', () => {
  it.each(['wasm', 'cpu'] as const)('times a training step on %s without leaking tensors', async (name) => {
    const info = await initBackend(name);
    expect(info.backend).toBe(name);
    const before = tf.memory().numTensors;
    let calls = 0;
    const r = await timeTrainSteps({ inputDim: 10, hidden: [8, 8], outputs: 2, batch: 64, steps: 3, warmup: 1, seed: 1 }, () => { calls++; });
    expect(tf.memory().numTensors).toBe(before);
    expect(calls).toBe(4);
    expect(r).toMatchObject({ backend: name, dims: [10, 8, 8, 2], batch: 64, steps: 3, params: 10 * 8 + 8 + 8 * 8 + 8 + 8 * 2 + 2 });
    expect(r.medianMs).toBeGreaterThan(0);
    expect(r.minMs).toBeLessThanOrEqual(r.medianMs);
    expect(r.samplesPerSec).toBeGreaterThan(0);
    expect(r.threads).toBeGreaterThanOrEqual(1);
  });

  it('stops early when the step callback says so (cancel)', async () => {
    await initBackend('wasm');
    const r = await timeTrainSteps({ inputDim: 4, hidden: [4], outputs: 2, batch: 8, steps: 10, warmup: 0, seed: 0 }, (done) => done < 2);
    expect(r.steps).toBe(2);
  });

  it('times a transformer training step (the lm suite of npm run bench) without leaking tensors', async () => {
    await initBackend('cpu');
    const before = tf.memory().numTensors;
    const r = await timeLmSteps({ layers: 1, dModel: 16, heads: 2, mlp: 32, context: 8, vocab: 11, batch: 2, steps: 2, warmup: 1, seed: 0 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r).toMatchObject({ backend: 'cpu', steps: 2 });
    expect(r.tokensPerSec).toBeGreaterThan(0);
    expect(r.params).toBeGreaterThan(0);
  });

  it.runIf(need('webgpuAdapter', import.meta.url))('times the MLP and transformer steps on webgpu without leaking tensors', async () => {
    const info = await initBackend('webgpu');
    expect(info.backend).toBe('webgpu');
    const before = tf.memory().numTensors;
    const mlp = await timeTrainSteps({ inputDim: 10, hidden: [8, 8], outputs: 2, batch: 64, steps: 2, warmup: 1, seed: 1 });
    const lm = await timeLmSteps({ layers: 1, dModel: 16, heads: 2, mlp: 32, context: 8, vocab: 11, batch: 2, steps: 2, warmup: 1, seed: 0 });
    expect(tf.memory().numTensors).toBe(before);
    expect([mlp.backend, lm.backend]).toEqual(['webgpu', 'webgpu']);
    await initBackend('cpu');
  });
});
