// Run lifecycle across processes: a run whose owner died is noticed by any reader, a cancel from
// another process is never lost, a full disk fails the run (not the process), and the progress a
// run ends with is where it stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { PushEvent } from '../../shared/api';
import { tmpHome } from '../../../test/helpers/tmp';
import { WhittleService } from './api';
import { processStart } from './liveness';
import { checkpointStep } from './scheduler';
import { Store } from './store';

const cleanup: (() => unknown)[] = [];
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

function open(home = tmpHome(), workers = 1): WhittleService {
  const s = new WhittleService({ home, workers });
  cleanup.push(() => s.close());
  return s;
}

function untilProgress(svc: WhittleService, runId: string, step: number): Promise<void> {
  return new Promise((resolve) => {
    const off = svc.subscribe((ev: PushEvent) => {
      if (ev.type === 'progress' && ev.runId === runId && ev.progress.step >= step) { off(); resolve(); }
    });
  });
}

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Another live process, to stand for a `whittle train` that owns a run. */
function liveProcess(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  cleanup.push(() => child.kill('SIGKILL'));
  return child;
}

describe('run lifecycle', { timeout: 120_000 }, () => {
  it("marks a run interrupted once its owner process dies, in a live service that reads it (no restart), and resumes it", async () => {
    const home = tmpHome();
    const svc = open(home);
    const owner = liveProcess();
    await until(() => processStart(owner.pid!) !== null, 5000, 'the owner process started');
    // The owner (another process, through its own connection) holds a running run with a checkpoint.
    const other = new Store(home);
    cleanup.push(() => other.close());
    other.insertRun({ id: 'rOwned', name: 'owned', spec: { kind: 'selftest', seed: 0, steps: 20, stepMs: 1, checkpointEvery: 5, failAt: 0 } as never });
    const ckpt = `${other.runDir('rOwned')}/ckpt-000000005`;
    fs.mkdirSync(ckpt, { recursive: true });
    fs.writeFileSync(`${ckpt}/state.json`, JSON.stringify({ step: 5 }));
    other.updateRun('rOwned', {
      status: 'running', ownerPid: owner.pid!, ownerStart: processStart(owner.pid!), heartbeatAt: Date.now(), checkpoint: ckpt,
      progress: { step: 7, total: 20, eta: null },
    });
    await new Promise((r) => setTimeout(r, 600));
    expect((await svc.getRun('rOwned')).status).toBe('running'); // its owner lives: left alone
    owner.kill('SIGKILL');
    await until(async () => (await svc.getRun('rOwned')).status === 'interrupted', 5000, 'the reader marks the run interrupted');
    const r = await svc.getRun('rOwned');
    expect(r.error).toMatch(/ended unexpectedly/);
    expect(r.progress?.step).toBe(5); // back to the checkpoint a resume continues from
    await svc.resumeRun('rOwned');
    const done = await svc.waitForRun('rOwned');
    expect(done.status).toBe('done');
    expect((await svc.metrics('rOwned')).series.count.map((p) => p.step)).toEqual(Array.from({ length: 15 }, (_, i) => i + 6));
  });

  it('treats a live pid with another start time (pid reuse) or a stale heartbeat as a dead owner', async () => {
    const home = tmpHome();
    const svc = open(home);
    const owner = liveProcess();
    await until(() => processStart(owner.pid!) !== null, 5000, 'the owner process started');
    const spec = { kind: 'selftest', seed: 0, steps: 5, stepMs: 1, checkpointEvery: 5, failAt: 0 } as never;
    const other = new Store(home);
    cleanup.push(() => other.close());
    for (const id of ['rReused', 'rStale', 'rFine']) other.insertRun({ id, name: id, spec });
    other.updateRun('rReused', { status: 'running', ownerPid: owner.pid!, ownerStart: 'another-boot/1', heartbeatAt: Date.now() });
    other.updateRun('rStale', { status: 'running', ownerPid: owner.pid!, ownerStart: processStart(owner.pid!), heartbeatAt: Date.now() - 10 * 60_000 });
    other.updateRun('rFine', { status: 'running', ownerPid: owner.pid!, ownerStart: processStart(owner.pid!), heartbeatAt: Date.now() });
    await new Promise((r) => setTimeout(r, 600)); // readers check at most every 500 ms
    const byId = Object.fromEntries((await svc.listRuns()).map((r) => [r.id, r.status]));
    expect(byId).toEqual({ rReused: 'interrupted', rStale: 'interrupted', rFine: 'running' });
    expect((await svc.logs('rReused')).at(-1)?.message).toMatch(/pid now belongs to another process/);
    expect((await svc.logs('rStale')).at(-1)?.message).toMatch(/no heartbeat/);
  });

  it('lets one of two readers mark an orphan, not both', () => {
    const home = tmpHome();
    const a = new Store(home), b = new Store(home);
    cleanup.push(() => a.close(), () => b.close());
    a.insertRun({ id: 'rX', name: 'x', spec: { kind: 'selftest', seed: 0, steps: 5, stepMs: 1, checkpointEvery: 5, failAt: 0 } as never });
    a.updateRun('rX', { status: 'running', ownerPid: 999_999_999, heartbeatAt: 1 });
    const seenByA = a.getRun('rX')!, seenByB = b.getRun('rX')!;
    expect(a.markOrphanInterrupted(seenByA, 'gone', 0)).toBe(true);
    expect(b.markOrphanInterrupted(seenByB, 'gone', 0)).toBe(false);
    // An owner that heartbeats after a reader looked keeps its run.
    a.updateRun('rX', { status: 'running', heartbeatAt: 2 });
    const stale = a.getRun('rX')!;
    b.heartbeat(['rX'], 3);
    expect(a.markOrphanInterrupted(stale, 'gone', 0)).toBe(false);
    expect(a.getRun('rX')!.status).toBe('running');
  });

  it('stops its worker when another process took its run over (judged it gone): the run stays interrupted', async () => {
    const home = tmpHome();
    const svc = open(home);
    const run = await svc.createRun({ kind: 'selftest', steps: 100_000, stepMs: 5, checkpointEvery: 100_000 });
    await untilProgress(svc, run.id, 5);
    const other = new Store(home);
    cleanup.push(() => other.close());
    expect(other.markOrphanInterrupted(other.getRun(run.id)!, 'the process running it stopped responding', 0)).toBe(true);
    const end = await svc.waitForRun(run.id);
    expect(end.status).toBe('interrupted');
    expect(end.error).toBe('the process running it stopped responding');
    expect(checkpointStep(end.checkpoint)).toBe((end.summary as { steps: number }).steps); // it checkpointed on the way out
  });

  it('keeps the heartbeat of its own runs fresh', async () => {
    const svc = open();
    const run = await svc.createRun({ kind: 'selftest', steps: 100_000, stepMs: 5 });
    await untilProgress(svc, run.id, 2);
    const first = svc.store.getRun(run.id)!.heartbeatAt!;
    await until(() => svc.store.getRun(run.id)!.heartbeatAt! > first, 6000, 'a newer heartbeat');
    expect(svc.store.getRun(run.id)!.ownerStart).toBe(processStart(process.pid));
    await svc.cancelRun(run.id);
    await svc.waitForRun(run.id);
  });

  it('never loses a cancel flagged by another process while the run waits to start', async () => {
    const home = tmpHome();
    const svc = open(home, 1);
    const a = await svc.createRun({ kind: 'selftest', steps: 5, stepMs: 10 });
    const b = await svc.createRun({ kind: 'selftest', steps: 5, stepMs: 1 });
    // `whittle cancel B` from another process lands exactly as A ends — the moment the scheduler
    // starts B (it starts B right after announcing A's end, in the same tick).
    const other = new Store(home);
    cleanup.push(() => other.close());
    svc.subscribe((ev) => {
      if (ev.type === 'run' && ev.run.id === a.id && ev.run.status === 'done') other.updateRun(b.id, { cancelRequested: true });
    });
    expect((await svc.waitForRun(a.id)).status).toBe('done');
    const end = await svc.waitForRun(b.id);
    expect(end.status).toBe('cancelled');
    expect((await svc.logs(b.id)).map((l) => l.message)).not.toContain('started');
    expect(svc.store.getRun(b.id)!.cancelRequested).toBe(false);
  });

  it('ends a cancelled run with the progress it reached, equal to its last checkpoint', async () => {
    const svc = open();
    const run = await svc.createRun({ kind: 'selftest', steps: 100_000, stepMs: 4, checkpointEvery: 100_000 });
    await untilProgress(svc, run.id, 30);
    await svc.cancelRun(run.id);
    const end = await svc.waitForRun(run.id);
    expect(end.status).toBe('cancelled');
    const reached = (end.summary as { steps: number }).steps;
    expect(checkpointStep(end.checkpoint)).toBe(reached);
    expect(svc.store.getRun(run.id)!.progress?.step).toBe(reached);
  });

  it('fails the run, not the process, when the database is full, and keeps serving', async () => {
    const home = tmpHome();
    const svc = open(home);
    const run = await svc.createRun({ kind: 'selftest', steps: 1_000_000, stepMs: 1, checkpointEvery: 25 });
    await untilProgress(svc, run.id, 3);
    // SQLite answers SQLITE_FULL once the file may not grow: a full disk, as SQLite sees it.
    const pages = svc.store.db.pragma('page_count', { simple: true }) as number;
    svc.store.db.pragma(`max_page_count = ${pages}`);
    const end = await svc.waitForRun(run.id);
    expect(end.status).toBe('failed');
    expect(end.error).toMatch(/^disk full: database or disk is full/);
    expect(fs.readdirSync(svc.store.runDir(run.id)).filter((n) => n.includes('.tmp-'))).toEqual([]);
    // Space again: the ending reaches the store (retried with the heartbeat), new runs work.
    svc.store.db.pragma('max_page_count = 1073741823');
    await until(() => svc.store.getRun(run.id)!.status === 'failed', 8000, 'the failed status is stored');
    expect(svc.store.getRun(run.id)!.error).toMatch(/^disk full/);
    const next = await svc.createRun({ kind: 'selftest', steps: 3, stepMs: 1 });
    expect((await svc.waitForRun(next.id)).status).toBe('done');
  });
});
