// The scheduler's GPU lease with real worker threads on a real adapter (lavapipe in CI): two runs
// forced onto webgpu, two worker slots free, still run one after the other — the second waits for
// the GPU and says so — while a run that does not use the GPU is not held up by them.
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
});
