// WebGPU route: the probe always answers (never throws or hangs); where a real adapter exists, a
// 2-layer MLP's values, gradients and a few Adam steps on 'webgpu' match the cpu backend. Skips at
// run time, with the probe's reason, on machines without one. Only async reads (data()): the
// webgpu backend cannot read back synchronously under Node.
import '@tensorflow/tfjs-backend-cpu';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { relErr } from '../../../test/helpers/numeric';
import { initBackend, preferenceOrder } from './backend';
import { Rng } from './rng';
import { tf, type Tensor } from './tf';
import { initWebgpu, probeWebgpu, webgpuTesting } from './webgpu';
import { initWeights, MaskableMlp, type MlpWeights } from '../models/mlp/model';
import { createOptimizer } from '../train/optimizers';
import { crossEntropy } from '../train/loss';
import { trainStep } from '../train/step';
import type { Batch } from '../tasks/types';

const weights: MlpWeights = initWeights({ inputs: 12, hidden: [32], outputs: 5, activation: 'relu' }, new Rng(7));
const batch: Batch = (() => {
  const r = new Rng(11), count = 64;
  const x = Float32Array.from({ length: count * 12 }, () => r.uniform(-1, 1));
  const y = Int32Array.from({ length: count }, (_, i) => i % 5);
  return { x, y, count };
})();

/** Loss, logits, gradients, then weights after 3 Adam steps, all read back with data(). */
async function runMlp(backend: string): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  await tf.ready();
  expect(tf.getBackend()).toBe(backend);
  const before = tf.memory().numTensors;
  const model = new MaskableMlp(weights);
  const x = tf.tensor2d(batch.x, [batch.count, 12]);
  const y = tf.tensor1d(batch.y, 'int32');
  const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x), y), model.params());
  const logits = model.forward(x);
  const first = [value, logits, ...model.params().map((p) => grads[p.name])] as Tensor[];
  const out: Float32Array[] = await Promise.all(first.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose([...first, ...Object.values(grads), x, y]);
  const opt = createOptimizer({ name: 'adam', lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false }, model.params());
  for (let s = 0; s < 3; s++) trainStep(model, opt, batch);
  const after = await model.toWeights();
  out.push(...after.W, ...after.b);
  opt.dispose();
  model.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

describe('webgpu backend', () => {
  afterAll(async () => { await tf.setBackend('cpu'); });

  it('probe answers within 10 s without throwing and gives a reason', async () => {
    const t0 = performance.now();
    const p = await probeWebgpu({ timeoutMs: 5000 });
    const ms = performance.now() - t0;
    console.log(`webgpu probe: available=${p.available} (${Math.round(ms)} ms): ${p.reason}`);
    expect(ms).toBeLessThan(10_000);
    expect(typeof p.available).toBe('boolean');
    expect(p.reason.length).toBeGreaterThan(0);
    // cached: a second call answers the same at once
    expect(await probeWebgpu()).toEqual(p);
  }, 15_000);

  it('is opt-in: never in the automatic order, accepted when named', () => {
    expect(preferenceOrder('')).not.toContain('webgpu');
    expect(preferenceOrder(undefined)).not.toContain('webgpu');
    expect(preferenceOrder('webgpu')[0]).toBe('webgpu');
    expect(() => preferenceOrder('webgl')).toThrow(/webgpu/);
  });

  it('without an adapter, initWebgpu reports why and leaves no backend registered; initBackend falls back and says so', async (t) => {
    const p = await probeWebgpu();
    if (p.available) t.skip(`runs only where there is no WebGPU adapter, and this machine has one (${p.reason})`);
    const r = await initWebgpu();
    expect(r.available).toBe(false);
    expect(r.reason).toBe(p.reason);
    expect(tf.findBackendFactory('webgpu')).toBeNull();
    const info = await initBackend('webgpu');
    expect(info.backend).not.toBe('webgpu');
    expect(info.note).toContain(p.reason);
  });

  it('a backend that fails after the probe is unregistered, globals undone, previous backend restored', async (t) => {
    const real = await probeWebgpu();
    // the backend package registers itself once per process: keep it for the real adapter when there is one
    if (real.available) t.skip('runs only without a real WebGPU adapter; this machine has one, and the MLP test covers it');
    try { createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-webgpu'); } catch { t.skip('@tensorflow/tfjs-backend-webgpu is not installed'); }
    await tf.setBackend('cpu');
    const hadNavigator = 'navigator' in globalThis;
    // an adapter the probe "found" but that tfjs cannot get a device from (requestAdapter gives null)
    webgpuTesting.fakeAdapter({ requestAdapter: async () => null }, { vendor: 'fake', architecture: 'test', description: 'stand-in', fallback: false }, { GPUBufferUsage: {}, GPUMapMode: {} });
    try {
      const r = await initWebgpu();
      expect(r.available).toBe(false);
      expect(r.reason).toMatch(/webgpu backend did not start/);
      expect(tf.findBackendFactory('webgpu')).toBeNull();
      expect(tf.getBackend()).toBe('cpu');
      expect('navigator' in globalThis).toBe(hadNavigator);
      expect('GPUBufferUsage' in globalThis).toBe(false);
      expect(tf.sum(tf.ones([3])).arraySync()).toBe(3);
    } finally {
      webgpuTesting.reset();
    }
  });

  it('MLP values, gradients and Adam steps match the cpu backend within 1e-4', async (t) => {
    const p = await probeWebgpu();
    if (!p.available) t.skip(`no WebGPU adapter (${p.reason}); to run it here: apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1 (Mesa 25 gives a software adapter; bench/README.md, WebGPU)`);
    const r = await initWebgpu();
    expect(r.reason).toBeTruthy();
    if (!r.available) throw new Error(`probe found an adapter but the backend did not start: ${r.reason}`);
    const info = await initBackend('webgpu');
    expect(info.backend).toBe('webgpu');
    const ref = await runMlp('cpu');
    const got = await runMlp('webgpu');
    expect(got.length).toBe(ref.length);
    for (let i = 0; i < ref.length; i++) expect(relErr(got[i], ref[i]), `output ${i}`).toBeLessThanOrEqual(1e-4);
  });
});
