import { describe, expect, it } from 'vitest';
import { runRow, studyRow } from './fixtures';
import { RunsStore } from './runs.svelte';
import { StudiesStore } from './studies.svelte';

describe('RunsStore', () => {
  it('loads, then follows run and progress events', async () => {
    const s = new RunsStore({ listRuns: async () => [runRow({ id: 'a', createdAt: 1, status: 'done' }), runRow({ id: 'b', createdAt: 2, status: 'done' })] });
    await s.load();
    expect(s.loaded).toBe(true);
    expect(s.sorted.map((r) => r.id)).toEqual(['b', 'a']);

    s.apply({ type: 'run', run: runRow({ id: 'c', createdAt: 0, status: 'queued' }) });
    expect(s.sorted[0].id).toBe('c'); // active runs first
    expect(s.active.map((r) => r.id)).toEqual(['c']);

    s.apply({ type: 'progress', runId: 'c', progress: { step: 3, total: 10, eta: 7 } });
    expect(s.get('c')!.status).toBe('running');
    expect(s.get('c')!.progress).toEqual({ step: 3, total: 10, eta: 7 });

    s.apply({ type: 'run', run: runRow({ id: 'c', createdAt: 0, status: 'cancelled' }) });
    expect(s.active).toHaveLength(0);
    expect(s.runs).toHaveLength(3);
    s.remove('a');
    expect(s.runs.map((r) => r.id).sort()).toEqual(['b', 'c']);
  });

  it('lets push events win over an older action response', () => {
    const s = new RunsStore({ listRuns: async () => [] });
    s.add(runRow({ id: 'a', status: 'running' }));
    const mark = s.mark('a');
    s.apply({ type: 'run', run: runRow({ id: 'a', status: 'cancelled' }) }); // the event overtook the response
    s.settle(runRow({ id: 'a', status: 'running' }), mark);
    expect(s.get('a')!.status).toBe('cancelled');
    s.settle(runRow({ id: 'a', status: 'queued' }), s.mark('a'));
    expect(s.get('a')!.status).toBe('queued');
    s.add(runRow({ id: 'a', status: 'running' })); // already there: kept
    expect(s.get('a')!.status).toBe('queued');
  });

  it('keeps the error when listing fails', async () => {
    const s = new RunsStore({ listRuns: async () => { throw new Error('offline'); } });
    await s.load();
    expect(s.error).toBe('offline');
    expect(s.loaded).toBe(true);
  });

  it('ignores progress for unknown runs', () => {
    const s = new RunsStore({ listRuns: async () => [] });
    s.apply({ type: 'progress', runId: 'zz', progress: { step: 1, total: 2, eta: null } });
    expect(s.runs).toHaveLength(0);
  });
});

describe('StudiesStore', () => {
  it('upserts studies from events', async () => {
    const s = new StudiesStore({ listStudies: async () => [studyRow({ id: 'x', createdAt: 1 })] });
    await s.load();
    s.apply({ type: 'study', study: studyRow({ id: 'y', createdAt: 5 }) });
    s.apply({ type: 'study', study: studyRow({ id: 'x', createdAt: 1, status: 'done' }) });
    expect(s.sorted.map((x) => x.id)).toEqual(['y', 'x']);
    expect(s.get('x')!.status).toBe('done');
  });
});
