// Ingestion of a Slurm task's files (no Slurm needed: the files are written here as a node would).
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpHome } from '../../../../test/helpers/tmp';
import { Store } from '../store';
import { ingestTask } from './ingest';
import { SlurmTasks } from './slurmTasks';
import { taskPaths, writeJsonAtomic } from './taskFiles';

const stores: Store[] = [];
afterEach(() => { for (const s of stores.splice(0)) s.close(); });

function setup() {
  const store = new Store(tmpHome('whittle-ingest-'));
  stores.push(store);
  store.insertRun({ id: 'r1', name: 'r1', spec: { kind: 'selftest', steps: 10 } as never });
  const tasks = new SlurmTasks(store.db);
  tasks.add('r1', { partition: 'debug' });
  tasks.submitted('r1', '42', 0, 1);
  const dir = store.runDir('r1');
  fs.mkdirSync(dir, { recursive: true });
  return { store, tasks, files: taskPaths(dir) };
}
const line = (v: unknown) => `${JSON.stringify(v)}\n`;

describe('ingesting a Slurm task\'s files', () => {
  it('reads whole lines only, once each, and moves the run to running when its attempt started', () => {
    const { store, tasks, files } = setup();
    fs.writeFileSync(files.events, line({ attempt: 1, at: 5, event: { type: 'started', node: 'n1', jobId: '42_0', pid: 1 } }));
    // The last line is still being written: left for the next call.
    fs.writeFileSync(files.metrics, line({ step: 0, key: 'loss', value: 1 }) + line({ step: 1, key: 'loss', value: 0.5 }) + '{"step":2,"key":"lo');
    const first = ingestTask(store, tasks, 'r1');
    expect(first.startedNow).toBe(true);
    expect(store.getRun('r1')!.status).toBe('running');
    expect(store.metrics('r1').series.loss.map((p) => p.step)).toEqual([0, 1]);
    fs.appendFileSync(files.metrics, 'ss","value":0.25}\n');
    fs.appendFileSync(files.events, line({ attempt: 1, at: 6, event: { type: 'progress', step: 2, total: 10, eta: 4 } }) + line({ attempt: 1, at: 7, event: { type: 'checkpoint', step: 2, path: '/x/ckpt-000000002' } }));
    const second = ingestTask(store, tasks, 'r1');
    expect(second.pushes.map((p) => p.type)).toEqual(['metric', 'progress']);
    expect(store.metrics('r1').series.loss.map((p) => [p.step, p.value])).toEqual([[0, 1], [1, 0.5], [2, 0.25]]);
    expect(store.getRun('r1')!.progress).toMatchObject({ step: 2, total: 10 });
    expect(store.getRun('r1')!.checkpoint).toBe('/x/ckpt-000000002');
    // Idempotent: nothing new, nothing written twice (logs included).
    const logs = store.logs('r1').length;
    expect(ingestTask(store, tasks, 'r1').pushes).toEqual([]);
    expect(store.logs('r1').length).toBe(logs);
    expect(tasks.get('r1')).toMatchObject({ started: true, node: 'n1', metricsOffset: fs.statSync(files.metrics).size, eventsOffset: fs.statSync(files.events).size });
  });

  it('reports the result only for the current attempt, and only once every line before it was read', () => {
    const { store, tasks, files } = setup();
    writeJsonAtomic(files.result, { attempt: 0, status: 'interrupted', at: 1 });
    expect(ingestTask(store, tasks, 'r1').result).toBeNull(); // an earlier attempt's ending
    fs.writeFileSync(files.metrics, line({ step: 0, key: 'loss', value: 1 }));
    writeJsonAtomic(files.result, { attempt: 1, status: 'done', summary: { ok: true }, at: 2 });
    const r = ingestTask(store, tasks, 'r1');
    expect(r.result).toMatchObject({ status: 'done', summary: { ok: true } });
    expect(store.metrics('r1').series.loss).toHaveLength(1);
  });
});
