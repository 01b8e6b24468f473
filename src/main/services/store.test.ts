import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tmpHome } from '../../../test/helpers/tmp';
import { MIGRATIONS } from './migrations';
import { Store, studyStatus } from './store';

const spec = { kind: 'selftest', seed: 0, steps: 10, stepMs: 0, checkpointEvery: 5, failAt: 0 } as const;

describe('Store', () => {
  it('migrates an empty file to the latest schema with every table', () => {
    const home = tmpHome();
    const s = new Store(home);
    expect(s.schemaVersion).toBe(MIGRATIONS.length);
    const tables = (s.db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as { name: string }[]).map((t) => t.name);
    for (const t of ['runs', 'studies', 'metrics', 'artifacts', 'events']) expect(tables).toContain(t);
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    s.close();
    // Re-opening applies nothing twice.
    const again = new Store(home);
    expect(again.schemaVersion).toBe(MIGRATIONS.length);
    again.close();
  });

  it('drops metric points without a finite value with a warning, keeping the rest of the batch', () => {
    const s = new Store(tmpHome());
    s.insertRun({ id: 'r1', name: 'one', spec });
    const bad = [{ step: 3, key: 'train/loss', value: NaN }, { step: 3, key: 'x', value: null as unknown as number }, { step: 3, key: 'y', value: Infinity }];
    expect(() => s.insertMetrics('r1', [{ step: 3, key: 'lr', value: 0.1 }, ...bad])).not.toThrow();
    expect(s.metrics('r1').series).toEqual({ lr: [{ step: 3, value: 0.1, samples: null }] });
    expect(s.logs('r1').map((l) => [l.level, l.message])).toEqual([['warn', 'dropped 3 metric point(s) without a finite value (train/loss, x, y)']]);
    s.close();
  });

  it('round-trips runs, metrics, artifacts and logs', () => {
    const s = new Store(tmpHome());
    s.insertRun({ id: 'r1', name: 'one', spec });
    s.insertMetrics('r1', [{ step: 1, key: 'loss', value: 0.5, samples: 10 }, { step: 2, key: 'loss', value: 0.25, samples: 20 }, { step: 2, key: 'acc', value: 1 }]);
    expect(s.metrics('r1').series.loss.map((p) => p.value)).toEqual([0.5, 0.25]);
    expect(s.metrics('r1', { keys: ['acc'] }).series).toEqual({ acc: [{ step: 2, value: 1, samples: null }] });
    expect(s.metrics('r1', { sinceStep: 1 }).series.loss).toHaveLength(1);
    s.truncateMetrics('r1', 1);
    expect(s.metrics('r1').series.loss).toHaveLength(1);
    s.addArtifact({ runId: 'r1', kind: 'model', path: '/x', bytes: 3, sha256: 'abc' });
    s.addLog('r1', 'info', 'hello');
    expect(s.artifacts('r1')[0]).toMatchObject({ kind: 'model', bytes: 3 });
    expect(s.logs('r1')[0].message).toBe('hello');
    expect(s.transition('r1', ['queued'], 'running')).toBe(true);
    expect(s.transition('r1', ['queued'], 'running')).toBe(false);
    s.deleteRun('r1');
    expect(s.getRun('r1')).toBeNull();
    expect(s.metrics('r1').series).toEqual({});
    s.close();
  });

  it('lets readers read while a writer commits', () => {
    const home = tmpHome();
    const w = new Store(home);
    w.insertRun({ id: 'r1', name: 'one', spec });
    const reader = new Database(path.join(home, 'whittle.db'), { readonly: true });
    const count = reader.prepare('SELECT COUNT(*) AS n FROM metrics');
    const seen: number[] = [];
    for (let b = 0; b < 20; b++) {
      w.insertMetrics('r1', Array.from({ length: 100 }, (_, i) => ({ step: b * 100 + i, key: 'k', value: i })));
      seen.push((count.get() as { n: number }).n);
    }
    expect(seen[seen.length - 1]).toBe(2000);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    reader.close();
    w.close();
  });

  it('keeps every committed metric when the writing process is killed with SIGKILL', async () => {
    const home = tmpHome();
    new Store(home).close();
    // A child process writes batches of 500 metrics forever and reports each committed batch.
    const script = `
      const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
      const db = new Database(${JSON.stringify(path.join(home, 'whittle.db'))});
      db.pragma('journal_mode = WAL');
      db.prepare("INSERT INTO runs (id, name, kind, status, spec, created_at) VALUES ('r', 'r', 'selftest', 'running', '{}', 0)").run();
      const ins = db.prepare('INSERT INTO metrics (run_id, key, step, value) VALUES (?, ?, ?, ?)');
      const batch = db.transaction((b) => { for (let i = 0; i < 500; i++) ins.run('r', 'k', b * 500 + i, i); });
      for (let b = 0; ; b++) { batch(b); process.stdout.write('committed ' + (b + 1) + '\\n'); }
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let committed = 0;
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        const m = [...d.toString().matchAll(/committed (\d+)/g)];
        if (m.length) committed = Number(m[m.length - 1][1]);
        if (committed >= 20) { child.kill('SIGKILL'); resolve(); }
      });
    });
    await new Promise((r) => child.on('exit', r));
    const s = new Store(home);
    expect(s.db.pragma('integrity_check', { simple: true })).toBe('ok');
    const n = (s.db.prepare('SELECT COUNT(*) AS n FROM metrics').get() as { n: number }).n;
    expect(n % 500).toBe(0); // batches are all-or-nothing
    expect(n).toBeGreaterThanOrEqual(committed * 500);
    s.close();
    expect(fs.existsSync(path.join(home, 'whittle.db'))).toBe(true);
  });

  it('derives a study status from its runs', () => {
    expect(studyStatus(['done', 'done'])).toBe('done');
    expect(studyStatus(['done', 'queued'])).toBe('running');
    expect(studyStatus(['queued', 'queued'])).toBe('queued');
    expect(studyStatus(['done', 'failed'])).toBe('failed');
  });
});
