import { describe, expect, it } from 'vitest';
import type { MetricSeries } from '../../../shared/api';
import { runRow } from './fixtures';
import { mergePoints, RunDetail, type Point } from './run-detail.svelte';

const p = (step: number, value = step): Point => ({ step, value, samples: step * 10 });

function api(series: MetricSeries['series'] = {}, gate?: Promise<void>) {
  let artifactsCalls = 0;
  return {
    get artifactsCalls() { return artifactsCalls; },
    getRun: async (id: string) => { await gate; return runRow({ id, status: 'running' }); },
    metrics: async (id: string) => ({ runId: id, series }),
    logs: async (id: string) => [{ runId: id, at: 1, level: 'info', message: 'started' }],
    artifacts: async () => { artifactsCalls++; return []; },
  };
}

describe('mergePoints', () => {
  it('appends, and replaces the tail a resumed run re-emits', () => {
    const a = [p(1), p(2), p(3), p(4)];
    mergePoints(a, [p(5)]);
    expect(a.map((x) => x.step)).toEqual([1, 2, 3, 4, 5]);
    mergePoints(a, [p(3, 30), p(4, 40)]);
    expect(a.map((x) => x.value)).toEqual([1, 2, 30, 40]);
  });
});

describe('RunDetail', () => {
  it('loads metrics, logs and the run, then follows live events for its own run only', async () => {
    const d = new RunDetail('r1', api({ 'loss/[0]': [{ step: 1, value: 2, samples: 10 }] }));
    await d.load();
    expect(d.loading).toBe(false);
    expect(d.keys).toEqual(['loss/[0]']);
    const v0 = d.version;

    d.apply({ type: 'metric', runId: 'r1', points: [{ step: 2, key: 'loss/[0]', value: 1.5, samples: 20 }, { step: 2, key: 'acc/[0]', value: 0.6 }] });
    d.apply({ type: 'metric', runId: 'other', points: [{ step: 2, key: 'zzz', value: 1 }] });
    expect(d.keys).toEqual(['acc/[0]', 'loss/[0]']);
    expect(d.series.get('loss/[0]')!.map((x) => x.value)).toEqual([2, 1.5]);
    expect(d.series.get('acc/[0]')![0].samples).toBeNull();
    expect(d.version).toBeGreaterThan(v0);

    d.apply({ type: 'progress', runId: 'r1', progress: { step: 2, total: 9, eta: 1 } });
    expect(d.run!.progress!.step).toBe(2);
    d.apply({ type: 'log', runId: 'r1', level: 'warn', message: 'careful' });
    expect(d.logs.map((l) => l.message)).toEqual(['started', 'careful']);
  });

  it('refreshes artifacts when the run reaches a final status', async () => {
    const a = api();
    const d = new RunDetail('r1', a);
    await d.load();
    expect(a.artifactsCalls).toBe(1);
    d.apply({ type: 'run', run: runRow({ id: 'r1', status: 'done' }) });
    await Promise.resolve();
    expect(d.run!.status).toBe('done');
    expect(a.artifactsCalls).toBe(2);
  });

  it('keeps a push event that overtook the action response', async () => {
    const d = new RunDetail('r1', api());
    await d.load();
    const row = await d.act(async () => {
      d.apply({ type: 'run', run: runRow({ id: 'r1', status: 'cancelled' }) });
      return runRow({ id: 'r1', status: 'running' });
    });
    expect(row.status).toBe('running');
    expect(d.run!.status).toBe('cancelled');
    await d.act(async () => runRow({ id: 'r1', status: 'queued' }));
    expect(d.run!.status).toBe('queued');
  });

  it('buffers events that arrive while loading and applies them after', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => { open = r; });
    const d = new RunDetail('r1', api({ count: [{ step: 1, value: 1, samples: null }] }, gate));
    const loading = d.load();
    d.apply({ type: 'metric', runId: 'r1', points: [{ step: 2, key: 'count', value: 2 }] });
    open();
    await loading;
    expect(d.series.get('count')!.map((x) => x.step)).toEqual([1, 2]);
  });

  it('shows a load error', async () => {
    const d = new RunDetail('nope', { ...api(), getRun: async () => { throw new Error('no run nope'); } });
    await d.load();
    expect(d.error).toBe('no run nope');
  });
});
