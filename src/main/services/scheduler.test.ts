import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import type { PushEvent } from '../../shared/api';
import { need } from '../../../test/helpers/prereqs';
import { tmpHome } from '../../../test/helpers/tmp';
import { WhittleService } from './api';

const services: WhittleService[] = [];
function open(home = tmpHome(), workers = 1) {
  const s = new WhittleService({ home, workers });
  services.push(s);
  return s;
}
afterEach(async () => { await Promise.all(services.splice(0).map((s) => s.close())); });

function untilProgress(svc: WhittleService, runId: string, step: number): Promise<void> {
  return new Promise((resolve) => {
    const off = svc.subscribe((ev: PushEvent) => {
      if (ev.type === 'progress' && ev.runId === runId && ev.progress.step >= step) { off(); resolve(); }
    });
  });
}

describe('Scheduler', () => {
  it('cancels a running job at a step boundary with a checkpoint, then resumes it to the end', async () => {
    const svc = open();
    const run = await svc.createRun({ kind: 'selftest', steps: 60, stepMs: 15, checkpointEvery: 7 });
    await untilProgress(svc, run.id, 12);
    await svc.cancelRun(run.id);
    const cancelled = await svc.waitForRun(run.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.checkpoint).toBeTruthy();
    expect(fs.existsSync(`${cancelled.checkpoint}/state.json`)).toBe(true);
    const stoppedAt = (cancelled.summary as { steps: number }).steps;
    expect(stoppedAt).toBeGreaterThanOrEqual(12);
    expect(stoppedAt).toBeLessThan(60);

    await svc.resumeRun(run.id);
    const done = await svc.waitForRun(run.id);
    expect(done.status).toBe('done');
    expect(done.summary).toEqual({ steps: 60 });
    // Every step's metric exactly once across the cancel/resume boundary.
    const steps = (await svc.metrics(run.id)).series.count.map((p) => p.step);
    expect(steps).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect((await svc.logs(run.id)).some((l) => l.message.startsWith('resumed from ckpt-'))).toBe(true);
  });

  it('shares the cores among the runs in progress: one run alone gets them all', async (t) => {
    const cores = os.availableParallelism();
    const svc = open(tmpHome(), 2);
    const a = await svc.createRun({ kind: 'selftest', steps: 100_000, stepMs: 5 }); // runs until cancelled
    await untilProgress(svc, a.id, 2);
    const threadsOf = async (id: string) => Number(/×(\d+)$/.exec((await svc.getRun(id))!.backend ?? '')?.[1]);
    // Without the native kernels (or one core) there is nothing to share: threads stay 1.
    if (cores < 2 || (await threadsOf(a.id)) === 1) {
      await svc.cancelRun(a.id);
      // CI has two cores and the native kernels: there this may not skip (need() throws under WHITTLE_TEST_STRICT).
      if (!need('twoCores', import.meta.url) || !need('nativeKernels', import.meta.url)) t.skip('needs 2+ cores and the native kernels to share threads');
      throw new Error('the native kernels are loaded on 2+ cores, but a run alone got 1 thread');
    }
    expect(await threadsOf(a.id)).toBe(cores);
    const b = await svc.createRun({ kind: 'selftest', steps: 20, stepMs: 5 });
    expect((await svc.waitForRun(b.id)).status).toBe('done');
    expect(await threadsOf(b.id)).toBe(Math.floor(cores / 2));
    await untilProgress(svc, a.id, 60);
    await svc.cancelRun(a.id);
    await svc.waitForRun(a.id);
    const notes = (await svc.logs(a.id)).map((l) => l.message).filter((m) => m.startsWith('native kernels now use'));
    // a was told to halve its share while b ran, and got every core back after
    expect(notes[0]).toContain(`use ${Math.floor(cores / 2)} thread`);
    expect(notes[notes.length - 1]).toContain(`use ${cores} thread`);
  });

  it('marks a run whose job throws as failed, and keeps serving', async () => {
    const svc = open();
    const bad = await svc.createRun({ kind: 'selftest', steps: 10, stepMs: 1, fail: 'throw', failAt: 3 });
    const ok = await svc.createRun({ kind: 'selftest', steps: 5, stepMs: 1 });
    const [b, o] = await Promise.all([svc.waitForRun(bad.id), svc.waitForRun(ok.id)]);
    expect(b.status).toBe('failed');
    expect(b.error).toBe('selftest failure at step 3');
    expect(o.status).toBe('done');
  });

  it('marks a run whose worker exits as failed, and starts a new worker for the next run', async () => {
    const svc = open();
    const bad = await svc.createRun({ kind: 'selftest', steps: 10, stepMs: 1, fail: 'exit', failAt: 2 });
    const b = await svc.waitForRun(bad.id);
    expect(b.status).toBe('failed');
    expect(b.error).toMatch(/worker exited with code 3/);
    const ok = await svc.createRun({ kind: 'selftest', steps: 5, stepMs: 1 });
    expect((await svc.waitForRun(ok.id)).status).toBe('done');
    expect((await svc.listRuns()).filter((r) => r.status === 'running')).toEqual([]);
  });

  it('cancels a queued run without starting it', async () => {
    const svc = open();
    const first = await svc.createRun({ kind: 'selftest', steps: 40, stepMs: 10 });
    const second = await svc.createRun({ kind: 'selftest', steps: 5, stepMs: 1 });
    await svc.cancelRun(second.id);
    expect((await svc.getRun(second.id)).status).toBe('cancelled');
    await svc.cancelRun(first.id);
    expect((await svc.waitForRun(first.id)).status).toBe('cancelled');
  });

  it('turns runs left running by a dead process into interrupted ones that resume from their checkpoint', async () => {
    const home = tmpHome();
    const first = open(home);
    const run = await first.createRun({ kind: 'selftest', steps: 30, stepMs: 5, checkpointEvery: 10 });
    await first.waitForRun(run.id);
    // Pretend a crash: the run was mid-way, owned by a process that no longer exists.
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
    const ckpt = first.store.getRun(run.id)!.checkpoint!.replace(/ckpt-\d+$/, 'ckpt-000000010');
    fs.mkdirSync(ckpt, { recursive: true });
    fs.writeFileSync(`${ckpt}/state.json`, JSON.stringify({ step: 10 }));
    first.store.updateRun(run.id, { status: 'running', ownerPid: dead, checkpoint: ckpt });
    await first.close();

    const second = open(home);
    const r = await second.getRun(run.id);
    expect(r.status).toBe('interrupted');
    await second.resumeRun(run.id);
    const done = await second.waitForRun(run.id);
    expect(done.status).toBe('done');
    expect((await second.metrics(run.id)).series.count.map((p) => p.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('rejects an invalid spec naming the field, and stores nothing', async () => {
    const svc = open();
    await expect(svc.createRun({ kind: 'selftest', steps: -3 })).rejects.toThrow(/spec\.steps/);
    await expect(svc.createRun({ kind: 'nope' })).rejects.toThrow(/spec\.kind/);
    await expect(svc.createRun({ kind: 'selftest', stepz: 3 })).rejects.toThrow(/stepz/);
    expect(await svc.listRuns()).toEqual([]);
  });
});
