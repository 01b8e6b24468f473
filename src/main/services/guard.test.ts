// A store write that throws inside a worker's message listener must not end the process (#15
// item 15): the scheduler reports it and the run still ends, and the next run still starts.
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

  it('a metric write that throws is logged, the run ends done, and the next run starts', async () => {
    const svc = new WhittleService({ home: tmpHome(), workers: 1 });
    services.push(svc);
    svc.store.insertMetrics = () => { throw new Error('SqliteError: NOT NULL constraint failed: metrics.value'); };
    const a = await svc.createRun({ kind: 'selftest', steps: 5, stepMs: 1 });
    const b = await svc.createRun({ kind: 'selftest', steps: 3, stepMs: 1 });
    expect((await svc.waitForRun(a.id)).status).toBe('done');
    expect((await svc.waitForRun(b.id)).status).toBe('done');
    const warn = (await svc.logs(a.id)).find((l) => l.level === 'warn');
    expect(warn?.message).toMatch(/could not record run .*'s metric event: SqliteError: NOT NULL constraint failed/);
  });

  it('a run whose end cannot be recorded is marked failed and frees its slot', async () => {
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
    expect(end.status).toBe('failed');
    expect(end.error).toMatch(/could not record run .*'s done event: database or disk is full/);
    const b = await svc.createRun({ kind: 'selftest', steps: 2, stepMs: 1 });
    expect((await svc.waitForRun(b.id)).status).toBe('done');
  });
});
