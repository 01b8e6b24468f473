// WebGPU without an adapter: the probe says why, the backend is not left registered, a forced
// webgpu falls back to the host order with the reason, and a job kind that would try the GPU first
// quietly runs on the host. Runs on every machine: the Vulkan loader is pointed at no driver before
// Dawn starts (this file runs in a process of its own), so this is the "no GPU" machine everywhere.
process.env.VK_ICD_FILENAMES = '/nonexistent/whittle-no-vulkan-driver.json';
process.env.VK_DRIVER_FILES = '/nonexistent/whittle-no-vulkan-driver.json';
import '@tensorflow/tfjs-backend-cpu';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend';
import { tf } from './tf';
import { initWebgpu, probeWebgpu, webgpuTesting } from './webgpu';
import { probeWebgpuQuietly } from './webgpuQuietProbe';

describe('webgpu without an adapter', () => {
  afterAll(async () => { await tf.setBackend('cpu'); });

  it('the probe answers within 10 s, says why, and nothing is registered', async () => {
    const t0 = performance.now();
    const p = await probeWebgpu({ timeoutMs: 5000 });
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(/no adapter|no package/);
    expect(await probeWebgpu()).toEqual(p); // cached
    const r = await initWebgpu({ allowSoftware: true });
    expect(r.available).toBe(false);
    expect(r.reason).toBe(p.reason);
    expect(tf.findBackendFactory('webgpu')).toBeNull();
  }, 15_000);

  it('forced webgpu falls back to the host order and says why; gpu-first job kinds run on the host quietly', async () => {
    const p = await probeWebgpu();
    const forced = await initBackend('webgpu');
    expect(forced.backend).not.toBe('webgpu');
    expect(forced.note).toContain(p.reason);
    const auto = await initBackend(undefined, 'gpu-first');
    expect(auto.backend).not.toBe('webgpu');
    expect(auto.note ?? '').not.toContain('webgpu');
  });

  it('the quiet lookup (a child process, same environment) finds no adapter either, or no package', async () => {
    const q = await probeWebgpuQuietly(10_000);
    expect(['none', 'noPackage']).toContain(q.kind);
  }, 15_000);

  it("the automatic choice (the user's path) looks only in the child process: with no adapter Dawn is never loaded here", async () => {
    webgpuTesting.reset(); // forget the earlier tests' in-process probe
    try {
      const auto = await initBackend(undefined, 'gpu-first');
      expect(auto.backend).not.toBe('webgpu');
      expect(auto.note ?? '').not.toContain('webgpu');
      expect(webgpuTesting.probedInProcess()).toBe(false);
    } finally {
      webgpuTesting.reset();
    }
  }, 15_000);

  it('a backend that fails after the probe is unregistered, globals undone, previous backend restored', async () => {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-webgpu'); // a dependency: must be installed
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
});
