// A store write that throws inside a worker's message listener must not end the process (#15
// items 4 and 15): the run it belongs to ends failed saying why, and the next run still starts.
import { afterEach, describe, expect, it } from 'vitest';
import { tmpHome } from '../../../test/helpers/tmp';
import { WhittleService } from './api';
import { guarded } from './guard';

const services: WhittleService[] = [];
afterEach(async () => { await Promise.all(services.splice(0).map((s) => s.close())); });

describe('store writes from worker events', () => {
  it('guarded() hands the error to report, and never throws even when report does', () => {
    const seen: string[] = [];
    guarded('saving x', () => { throw new Error('disk full'); }, (m) => seen.push(m));
    expect(seen).toEqual(['saving x: disk full']);
    expect(() => guarded('saving y', () => { throw new Error('a'); }, () => { throw new Error('b'); })).not.toThrow();
  });

  it('a metric write that throws fails that run (not the process), and the next run starts', async () => {
    const svc = new WhittleService({ home: tmpHome(), workers: 1 });
    services.push(svc);
    const original = svc.store.insertMetrics.bind(svc.store);
    let thrown = false;
    svc.store.insertMetrics = (id, points) => {
      if (!thrown) { thrown = true; throw new Error('SqliteError: NOT NULL constraint failed: metrics.value'); }
      original(id, points);
    };
    const a = await svc.createRun({ kind: 'selftest', steps: 5, stepMs: 1 });
    const b = await svc.createRun({ kind: 'selftest', steps: 3, stepMs: 1 });
    const endA = await svc.waitForRun(a.id);
    expect(endA.status).toBe('failed');
    expect(endA.error).toMatch(/^could not record the run: SqliteError: NOT NULL constraint failed/);
    expect((await svc.waitForRun(b.id)).status).toBe('done');
  });

  it('a run whose end cannot be recorded at first is recorded on a later heartbeat and frees its slot', async () => {
    const svc = new WhittleService({ home: tmpHome(), workers: 1 });
    services.push(svc);
    const a = await svc.createRun({ kind: 'selftest', steps: 3, stepMs: 1 });
    const original = svc.store.updateRun.bind(svc.store);
    let failed = false;
    // the first write of the final status fails (as on a full disk), later ones succeed
    svc.store.updateRun = (id, patch) => {
      if (patch.status === 'done' && !failed) { failed = true; throw new Error('database or disk is full'); }
      original(id, patch);
    };
    const end = await svc.waitForRun(a.id);
    expect(end.status).toBe('done');
    const b = await svc.createRun({ kind: 'selftest', steps: 2, stepMs: 1 });
    expect((await svc.waitForRun(b.id)).status).toBe('done');
    // the refused ending is written again on the next heartbeat (every 2 s)
    const deadline = Date.now() + 5000;
    while (svc.store.getRun(a.id)!.status !== 'done' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(svc.store.getRun(a.id)!.status).toBe('done');
  });
});
