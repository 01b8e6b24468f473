// Checkpoint retention through the real scheduler and a worker thread (#15 item 10): a run that
// checkpoints every step keeps only its newest K, a stale temp from a dead writer is swept when a
// service opens the data folder (a live writer's is kept), and resume from the newest kept works.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PushEvent } from '../../shared/api';
import { tmpHome } from '../../../test/helpers/tmp';
import { WhittleService } from './api';
import { listCheckpoints } from './checkpoints';

const services: WhittleService[] = [];
function open(home = tmpHome()) {
  const s = new WhittleService({ home, workers: 1 });
  services.push(s);
  return s;
}
afterEach(async () => { await Promise.all(services.splice(0).map((s) => s.close())); });

const ckptNames = (dir: string) => fs.readdirSync(dir).filter((n) => n.startsWith('ckpt-')).sort();

describe('checkpoint retention in the scheduler', () => {
  it.each([[undefined, 2], [3, 3]])('a run checkpointing every step keeps the newest K (checkpointKeep %s)', async (keep, k) => {
    const svc = open();
    const run = await svc.createRun({ kind: 'selftest', steps: 12, stepMs: 1, checkpointEvery: 1, ...(keep ? { checkpointKeep: keep } : {}) });
    const done = await svc.waitForRun(run.id);
    expect(done.status).toBe('done');
    const dir = svc.store.runDir(run.id);
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual(Array.from({ length: k }, (_, i) => 12 - k + 1 + i));
    expect(ckptNames(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
    expect(svc.store.getRun(run.id)!.checkpoint).toBe(path.join(dir, 'ckpt-000000012'));
  });

  it('sweeps a dead writer\'s temp at start-up, keeps a live one, and resumes from the newest kept checkpoint', async () => {
    const home = tmpHome();
    const first = open(home);
    const run = await first.createRun({ kind: 'selftest', steps: 400, stepMs: 5, checkpointEvery: 1 });
    await new Promise<void>((resolve) => {
      const off = first.subscribe((ev: PushEvent) => { if (ev.type === 'progress' && ev.progress.step >= 10) { off(); resolve(); } });
    });
    await first.cancelRun(run.id);
    const cancelled = await first.waitForRun(run.id);
    expect(cancelled.status).toBe('cancelled');
    const dir = first.store.runDir(run.id);
    const kept = listCheckpoints(dir);
    expect(kept.length).toBe(2);
    expect(cancelled.checkpoint).toBe(kept[1].path);
    await first.close();

    // a writer killed mid-checkpoint, and one still writing (another live process)
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const stale = `ckpt-000000005.tmp-${dead}-x`, live = `ckpt-000000006.tmp-${process.ppid}-y`;
    for (const n of [stale, live]) { fs.mkdirSync(path.join(dir, n)); fs.writeFileSync(path.join(dir, n, 'state.json'), '{"step":5}'); }

    const second = open(home);
    expect(fs.existsSync(path.join(dir, stale))).toBe(false);
    expect(fs.existsSync(path.join(dir, live))).toBe(true);
    await second.resumeRun(run.id);
    const done = await second.waitForRun(run.id);
    expect(done.status).toBe('done');
    expect(done.summary).toEqual({ steps: 400 });
    // every step's metric exactly once across the cancel/resume boundary
    expect((await second.metrics(run.id)).series.count.map((p) => p.step)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([399, 400]);
  }, 60_000);
});
