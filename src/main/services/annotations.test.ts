// Notes and tags on runs, and the runs-list search: the store's SQL, the migration that adds them,
// and the service's checks (errors name the field).
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpHome } from '../../../test/helpers/tmp';
import { ApiError } from '../../shared/transport';
import { WhittleService } from './api';
import { MIGRATIONS } from './migrations';
import { Store } from './store';

const spec = { kind: 'selftest', seed: 0, steps: 10, stepMs: 0, checkpointEvery: 5, failAt: 0 } as const;
const ids = (runs: { id: string }[]) => runs.map((r) => r.id).sort();

let open: { close(): unknown }[] = [];
afterEach(async () => { for (const o of open.reverse()) await o.close(); open = []; });
const store = (home = tmpHome()) => { const s = new Store(home); open.push(s); return s; };

describe('migration 5 (run notes and tags)', () => {
  it('upgrades a version-4 database in place, keeping its runs', () => {
    const home = tmpHome();
    const db = new Database(path.join(home, 'whittle.db'));
    for (const m of MIGRATIONS.slice(0, 4)) db.exec(m.sql);
    db.pragma('user_version = 4');
    db.prepare(`INSERT INTO runs (id, name, kind, status, spec, created_at) VALUES ('old1', 'older run', 'selftest', 'done', ?, 5)`).run(JSON.stringify(spec));
    db.close();

    const s = store(home);
    expect(s.schemaVersion).toBe(MIGRATIONS.length); // every later migration ran too
    const run = s.getRun('old1')!;
    expect(run).toMatchObject({ name: 'older run', status: 'done', notes: '', tags: [] });
    s.annotateRun('old1', { notes: 'kept', addTags: ['legacy'] });
    expect(s.listRuns({ tags: ['legacy'] }).map((r) => r.id)).toEqual(['old1']);
  });

  it('a read-only version-4 database still lists (no notes or tags to search)', () => {
    const home = tmpHome();
    const file = path.join(home, 'whittle.db');
    const db = new Database(file);
    for (const m of MIGRATIONS.slice(0, 4)) db.exec(m.sql);
    db.pragma('user_version = 4');
    db.prepare(`INSERT INTO runs (id, name, kind, status, spec, created_at) VALUES ('old1', 'older run', 'selftest', 'done', ?, 5)`).run(JSON.stringify(spec));
    db.close();
    const s = new Store(home, file, { readonly: true });
    open.push(s);
    expect(s.listRuns().map((r) => [r.id, r.notes, r.tags])).toEqual([['old1', '', []]]);
    expect(ids(s.listRuns({ query: 'older' }))).toEqual(['old1']);
    expect(s.listRuns({ tags: ['x'] })).toEqual([]);
  });
});

describe('Store: notes, tags and search', () => {
  function seeded() {
    const s = store();
    s.insertRun({ id: 'a', name: 'mnist baseline', spec });
    s.insertRun({ id: 'b', name: 'mnist wide', spec });
    s.insertRun({ id: 'c', name: 'parity 50%_done', spec });
    s.updateRun('b', { status: 'done' });
    s.db.prepare("UPDATE runs SET kind = 'distill' WHERE id = 'c'").run();
    s.annotateRun('a', { notes: 'The reference we compare against', addTags: ['baseline', 'lr:3e-4'] });
    s.annotateRun('b', { addTags: ['ablation', 'lr:3e-4'] });
    return s;
  }

  it('adds and removes tags, replaces notes, and keeps tags sorted', () => {
    const s = seeded();
    expect(s.getRun('a')).toMatchObject({ notes: 'The reference we compare against', tags: ['baseline', 'lr:3e-4'] });
    s.annotateRun('a', { addTags: ['zeta', 'alpha', 'baseline'], removeTags: ['lr:3e-4'] });
    expect(s.getRun('a')!.tags).toEqual(['alpha', 'baseline', 'zeta']);
    s.annotateRun('a', { notes: '' });
    expect(s.getRun('a')!.notes).toBe('');
    expect(s.getRun('a')!.tags).toHaveLength(3); // notes only: tags untouched
  });

  it('searches name, notes and tags, case-insensitively, every word', () => {
    const s = seeded();
    expect(ids(s.listRuns({ query: 'MNIST' }))).toEqual(['a', 'b']);
    expect(ids(s.listRuns({ query: 'reference' }))).toEqual(['a']); // notes
    expect(ids(s.listRuns({ query: 'ablat' }))).toEqual(['b']); // part of a tag
    expect(ids(s.listRuns({ query: 'mnist lr:3e' }))).toEqual(['a', 'b']);
    expect(ids(s.listRuns({ query: 'mnist ablation' }))).toEqual(['b']);
    expect(ids(s.listRuns({ query: '   ' }))).toEqual(['a', 'b', 'c']);
    // What a person types is text, not a LIKE pattern: % and _ match only themselves.
    expect(ids(s.listRuns({ query: '%' }))).toEqual(['c']);
    expect(ids(s.listRuns({ query: '_' }))).toEqual(['c']);
    expect(ids(s.listRuns({ query: 'mnist_' }))).toEqual([]);
  });

  it('filters by exact tags (all of them), kind and status, combined with a search', () => {
    const s = seeded();
    expect(ids(s.listRuns({ tags: ['lr:3e-4'] }))).toEqual(['a', 'b']);
    expect(ids(s.listRuns({ tags: ['lr:3e-4', 'baseline'] }))).toEqual(['a']);
    expect(ids(s.listRuns({ tags: ['lr:3e'] }))).toEqual([]); // exact, unlike the search
    expect(ids(s.listRuns({ kind: 'distill' }))).toEqual(['c']);
    expect(ids(s.listRuns({ status: 'done', query: 'mnist' }))).toEqual(['b']);
    expect(ids(s.listRuns({ kind: 'selftest', tags: ['baseline'], query: 'reference' }))).toEqual(['a']);
  });

  it('drops a run\'s tags with the run', () => {
    const s = seeded();
    s.deleteRun('a');
    expect(s.db.prepare("SELECT COUNT(*) AS n FROM run_tags WHERE run_id = 'a'").get()).toEqual({ n: 0 });
    expect(ids(s.listRuns({ tags: ['lr:3e-4'] }))).toEqual(['b']);
  });

  it('with 2,000 runs: tag filters use the tag index, the list reads newest-first from an index', () => {
    const s = store();
    const insert = s.db.prepare('INSERT INTO runs (id, name, kind, status, spec, created_at, notes) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const tag = s.db.prepare('INSERT INTO run_tags (run_id, tag) VALUES (?, ?)');
    s.db.transaction(() => {
      for (let i = 0; i < 2000; i++) {
        const id = `r${String(i).padStart(4, '0')}`;
        insert.run(id, `run ${i}`, i % 2 ? 'train' : 'distill', i % 3 ? 'done' : 'failed', JSON.stringify(spec), 1000 + i, i % 100 === 7 ? 'needle in notes' : '');
        tag.run(id, `seed:${i % 10}`);
        if (i % 500 === 0) tag.run(id, 'milestone');
      }
    })();
    const plan = (f: Parameters<Store['listRunsQuery']>[0]) => {
      const { sql, args } = s.listRunsQuery(f);
      return (s.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join('\n');
    };
    expect(plan({ tags: ['milestone'] })).toMatch(/run_tags USING COVERING INDEX run_tags_tag \(tag=\?\)/);
    const all = plan({});
    expect(all).toMatch(/SCAN runs USING INDEX runs_created/);
    expect(all).not.toMatch(/TEMP B-TREE/); // no sort of every row
    // The tags of each listed run: a primary-key range read, not a scan of run_tags.
    expect(all).toMatch(/run_tags USING PRIMARY KEY \(run_id=\?\)/);

    expect(s.listRuns({ tags: ['milestone'] }).map((r) => r.id)).toEqual(['r1500', 'r1000', 'r0500', 'r0000']);
    expect(s.listRuns({ query: 'needle' })).toHaveLength(20);
    expect(s.listRuns({ query: 'needle', tags: ['seed:7'], kind: 'train', status: 'done' }).map((r) => r.id)).toEqual(
      ['r1907', 'r1807', 'r1607', 'r1507', 'r1307', 'r1207', 'r1007', 'r0907', 'r0707', 'r0607', 'r0407', 'r0307', 'r0107', 'r0007']
        .filter((id) => Number(id.slice(1)) % 3 !== 0));
    const list = s.listRuns();
    expect(list).toHaveLength(2000);
    expect(list[0]).toMatchObject({ id: 'r1999', tags: ['seed:9'] });
  });
});

describe('WhittleService.annotateRun / listRuns search', () => {
  const service = () => { const s = new WhittleService({ home: tmpHome(), workers: 1 }); open.push(s); return s; };

  it('updates the run, pushes the change, and finds the run by its tag', async () => {
    const svc = service();
    const run = svc.store.insertRun({ id: 'r1', name: 'one', spec });
    svc.store.updateRun(run.id, { status: 'done' });
    const pushed: string[][] = [];
    svc.subscribe((ev) => { if (ev.type === 'run') pushed.push(ev.run.tags ?? []); });
    const row = await svc.annotateRun('r1', { notes: 'good one', addTags: ['keep'] });
    expect(row).toMatchObject({ id: 'r1', notes: 'good one', tags: ['keep'] });
    expect(pushed).toEqual([['keep']]);
    expect((await svc.listRuns({ tags: ['keep'] })).map((r) => r.id)).toEqual(['r1']);
    expect((await svc.listRuns({ query: 'good' })).map((r) => r.id)).toEqual(['r1']);
    await svc.annotateRun('r1', { removeTags: ['keep'] });
    expect(await svc.listRuns({ tags: ['keep'] })).toEqual([]);
  });

  it('rejects bad tags and notes with the field named, changing nothing', async () => {
    const svc = service();
    svc.store.insertRun({ id: 'r1', name: 'one', spec });
    const fails = async (patch: object, path: string, message: RegExp) => {
      const e = await svc.annotateRun('r1', patch).then(() => null, (x: unknown) => x);
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).code).toBe('bad_request');
      expect((e as ApiError).issues?.[0].path).toBe(path);
      expect((e as ApiError).message).toMatch(message);
    };
    await fails({ addTags: ['ok', 'has space'] }, 'addTags[1]', /addTags\[1\]: 'has space' is not a valid tag/);
    await fails({ addTags: ['-dash'] }, 'addTags[0]', /starting with a letter or digit/);
    await fails({ removeTags: [''] }, 'removeTags[0]', /cannot be empty/);
    await fails({ addTags: ['x'.repeat(41)] }, 'addTags[0]', /at most 40 characters \(this one has 41\)/);
    await fails({ notes: 'n'.repeat(10_001) }, 'notes', /notes have at most 10000 characters/);
    await fails({ addTags: Array.from({ length: 33 }, (_, i) => `t${i}`) }, 'addTags', /at most 32 tags/);
    expect(svc.store.getRun('r1')).toMatchObject({ notes: '', tags: [] });
    await expect(svc.annotateRun('nope', { notes: 'x' })).rejects.toThrow(/run 'nope' not found/);
    await expect(svc.listRuns({ tags: ['bad tag'] })).rejects.toThrow(/tags\[0\]: 'bad tag' is not a valid tag/);
    await expect(svc.listRuns({ query: 'q'.repeat(201) })).rejects.toThrow(/query: the search text has at most 200 characters/);
  });
});
