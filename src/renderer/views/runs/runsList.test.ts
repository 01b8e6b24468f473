import { describe, expect, it } from 'vitest';
import type { RunFilter, RunRow } from '../../../shared/api';
import { runRow } from '../../lib/stores/fixtures';
import { runsListFor, RunsListState } from './runsList.svelte';

const rows = [
  runRow({ id: 'a', name: 'run-10', kind: 'train', status: 'done', createdAt: 3, progress: { step: 10, total: 10, eta: 0 } }),
  runRow({ id: 'b', name: 'run-2', kind: 'distill', status: 'failed', createdAt: 2, progress: { step: 3, total: 10, eta: null } }),
  runRow({ id: 'c', name: 'Run-2', kind: 'train', status: 'done', createdAt: 1, progress: null }),
];

/** A listRuns that answers from `rows` like the server's SQL would (name or tag contains the query). */
function fakeApi(calls: (RunFilter | undefined)[] = []) {
  return {
    async listRuns(f?: RunFilter): Promise<RunRow[]> {
      calls.push(f);
      const q = f?.query?.toLowerCase();
      return rows.filter((r) => (!q || r.name.toLowerCase().includes(q)) && (!f?.tags?.length || f.tags.every((t) => (r.tags ?? []).includes(t))));
    },
  };
}

describe('RunsListState', () => {
  it('filters by kind and status on the live rows', () => {
    const s = new RunsListState(fakeApi());
    s.kind = 'train';
    expect(s.view(rows).map((r) => r.id)).toEqual(['a', 'c']);
    s.status = 'done';
    expect(s.view(rows).map((r) => r.id)).toEqual(['a', 'c']);
    // A run that finishes moves into the filter without a new search.
    const live = [...rows, runRow({ id: 'd', kind: 'train', status: 'running' })];
    expect(s.view(live).map((r) => r.id)).toEqual(['a', 'c']);
    live[3] = { ...live[3], status: 'done' };
    expect(s.view(live).map((r) => r.id)).toEqual(['a', 'c', 'd']);
  });

  it('sorts by a header: ascending, descending, then the default order; ties keep their order', () => {
    const s = new RunsListState(fakeApi());
    s.toggleSort('name');
    // numeric-aware and case-insensitive: run-2 before run-10; run-2 and Run-2 tie and keep b before c
    expect(s.view(rows).map((r) => r.id)).toEqual(['b', 'c', 'a']);
    s.toggleSort('name');
    expect([s.sortKey, s.sortDir]).toEqual(['name', 'desc']);
    expect(s.view(rows).map((r) => r.id)).toEqual(['a', 'b', 'c']);
    s.toggleSort('name');
    expect(s.sortKey).toBeNull();
    expect(s.view(rows).map((r) => r.id)).toEqual(['a', 'b', 'c']);
    s.toggleSort('progress');
    expect(s.view(rows).map((r) => r.id)).toEqual(['c', 'b', 'a']); // no progress sorts first
    s.toggleSort('created');
    expect(s.view(rows).map((r) => r.id)).toEqual(['c', 'b', 'a']);
    s.toggleSort('status');
    expect(s.view(rows).map((r) => r.id)).toEqual(['a', 'c', 'b']); // Done < Failed, a before c kept
    s.toggleSort('kind');
    s.toggleSort('kind');
    expect(s.view(rows).map((r) => r.id)).toEqual(['a', 'c', 'b']);
    expect(s.view(rows)).not.toBe(rows); // never sorts the caller's array in place
  });

  it('searches on the server after typing pauses, and only the newest answer counts', async () => {
    const calls: (RunFilter | undefined)[] = [];
    const s = new RunsListState(fakeApi(calls), 5);
    s.query = 'ru'; s.searchSoon();
    s.query = 'run-1'; s.searchSoon();
    expect(calls).toEqual([]);
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).toEqual([{ query: 'run-1' }]);
    expect(s.view(rows).map((r) => r.id)).toEqual(['a']);
    s.tag = 'keep';
    await s.search();
    expect(calls.at(-1)).toEqual({ query: 'run-1', tags: ['keep'] });
    expect(s.view(rows)).toEqual([]);
    s.clear();
    await Promise.resolve();
    expect(s.matches).toBeNull();
    expect(s.view(rows)).toHaveLength(3);

    // A slow first answer arriving after a newer one is dropped.
    let release!: () => void;
    const slow = new RunsListState({
      listRuns: (f) => (f?.query === 'slow' ? new Promise<RunRow[]>((r) => { release = () => r([rows[2]]); }) : Promise.resolve([rows[0]])),
    });
    slow.query = 'slow'; const first = slow.search();
    slow.query = 'fast'; await slow.search();
    release(); await first;
    expect([...slow.matches!]).toEqual(['a']);
    expect(slow.searching).toBe(false);
  });

  it('says why a search cannot run instead of sending it', async () => {
    const calls: (RunFilter | undefined)[] = [];
    const s = new RunsListState(fakeApi(calls));
    s.tag = 'bad tag';
    await s.search();
    expect(calls).toEqual([]);
    expect(s.searchError).toMatch(/'bad tag' is not a valid tag/);
    s.tag = ''; s.query = 'x'.repeat(201);
    await s.search();
    expect(s.searchError).toMatch(/at most 200 characters/);
  });

  it('re-searches when a run changes while a search is active, and not otherwise', async () => {
    const calls: (RunFilter | undefined)[] = [];
    const s = new RunsListState(fakeApi(calls), 1);
    s.apply({ type: 'run', run: rows[0] });
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toHaveLength(0);
    s.query = 'run';
    s.apply({ type: 'run', run: rows[0] });
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toEqual([{ query: 'run' }]);
  });

  it('is one state per app, so it survives leaving the view', () => {
    const api = fakeApi();
    const first = runsListFor(api);
    first.kind = 'train';
    first.toggleSort('name');
    const again = runsListFor(api);
    expect(again).toBe(first);
    expect([again.kind, again.sortKey]).toEqual(['train', 'name']);
    expect(runsListFor(fakeApi())).not.toBe(first);
  });
});
