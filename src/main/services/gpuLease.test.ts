// The scheduler's GPU lease with real worker threads on a real adapter (lavapipe in CI): two runs
// forced onto webgpu, two worker slots free, still run one after the other — the second waits for
// the GPU and says so — while a run that does not use the GPU is not held up by them.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { need } from '../../../test/helpers/prereqs';
import { tmpHome } from '../../../test/helpers/tmp';
import { WhittleService } from './api';

const services: WhittleService[] = [];
afterEach(async () => { await Promise.all(services.splice(0).map((s) => s.close())); });

describe.runIf(need('webgpuAdapter', import.meta.url))('GPU lease in the scheduler', () => {
  it('two webgpu runs never share the GPU: the second waits, a CPU run goes ahead', async () => {
    const saved = process.env.WHITTLE_BACKEND;
    process.env.WHITTLE_BACKEND = 'webgpu'; // the worker threads copy the environment when they start
    try {
      const svc = new WhittleService({ home: tmpHome(), workers: 3 });
      services.push(svc);
      const bench = { kind: 'bench', inputDim: 8, hidden: [16], outputs: 2, batch: 32, steps: 40, warmup: 2 } as const;
      const a = await svc.createRun(bench);
      const b = await svc.createRun(bench);
      const cpu = await svc.createRun({ kind: 'selftest', steps: 5, stepMs: 1 }); // host work: no lease
      const [ra, rb, rc] = await Promise.all([a, b, cpu].map((r) => svc.waitForRun(r.id)));
      for (const r of [ra, rb]) {
        expect(r.status).toBe('done');
        expect(r.backend).toMatch(/^webgpu×1 \(.+\)$/); // names its adapter
      }
      expect(rc.status).toBe('done');
      const [first, second] = ra.startedAt! <= rb.startedAt! ? [ra, rb] : [rb, ra];
      expect(second.startedAt!).toBeGreaterThanOrEqual(first.endedAt!);
      expect((await svc.logs(second.id)).some((l) => /^waiting for the GPU \(in use by /.test(l.message))).toBe(true);
      expect(rc.startedAt!).toBeLessThan(second.startedAt!); // not queued behind the GPU runs
      expect((await svc.logs(first.id)).some((l) => /^WebGPU adapter: vendor .+, architecture .+, device /.test(l.message))).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.WHITTLE_BACKEND; else process.env.WHITTLE_BACKEND = saved;
    }
  });

  it('under WHITTLE_BACKEND=webgpu: train and prune run on the adapter, export of their model runs on the host', async () => {
    const saved = process.env.WHITTLE_BACKEND;
    process.env.WHITTLE_BACKEND = 'webgpu';
    try {
      const home = tmpHome();
      const svc = new WhittleService({ home, workers: 1 });
      services.push(svc);
      const train = await svc.createRun({
        kind: 'train', task: { suite: 'cmsp', m: 2, n: 8, k: 3 }, model: { arch: 'mlp', hidden: [16] },
        mixture: [{ skill: [0], perStep: 32 }, { skill: [1], perStep: 32 }], steps: 40, eval: { every: 20, samples: 200 },
      });
      const trained = await svc.waitForRun(train.id);
      expect(trained.status).toBe('done');
      expect(trained.backend).toMatch(/^webgpu×1 \(/);
      const prune = await svc.createRun({
        kind: 'prune', keep: [1], inputs: { source: train.id }, selection: { scope: 'global', sparsity: 0.5 },
        score: { name: 'attribution', samples: 128 }, recovery: { steps: 10, batch: 32 }, eval: { every: 10, samples: 64 },
      });
      const pruned = await svc.waitForRun(prune.id);
      expect(pruned.status).toBe('done');
      expect(pruned.backend).toMatch(/^webgpu×1 \(/);
      const out = path.join(home, 'exports', 'pruned');
      const exp = await svc.exportRun(prune.id, { out });
      const exported = await svc.waitForRun(exp.id);
      expect(exported.status, exported.error ?? '').toBe('done');
      expect(exported.backend).not.toMatch(/^webgpu/); // export reads back synchronously: host backend
      expect((await svc.logs(exp.id)).some((l) => /webgpu not used: this job kind runs on the host/.test(l.message))).toBe(true);
      for (const f of ['model.safetensors', 'model.onnx']) expect(fs.statSync(path.join(out, f)).size).toBeGreaterThan(0);
    } finally {
      if (saved === undefined) delete process.env.WHITTLE_BACKEND; else process.env.WHITTLE_BACKEND = saved;
    }
  }, 120_000);
});
