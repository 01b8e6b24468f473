import { describe, expect, it } from 'vitest';
import { MultiSeries } from './multi-series.svelte';

describe('MultiSeries', () => {
  it('follows several runs and drops the ones removed', async () => {
    const m = new MultiSeries({
      metrics: async (id: string) => ({ runId: id, series: { [`acc/[0]`]: [{ step: 1, value: id === 'a' ? 0.5 : 0.6, samples: 8 }] } }),
    });
    await m.setRuns(['a', 'b']);
    expect(m.keys).toEqual(['acc/[0]']);
    expect(m.series('b', 'acc/[0]')[0].value).toBe(0.6);
    m.apply({ type: 'metric', runId: 'a', points: [{ step: 2, key: 'loss/[0]', value: 1 }] });
    m.apply({ type: 'metric', runId: 'z', points: [{ step: 2, key: 'other', value: 1 }] });
    expect(m.keys).toEqual(['acc/[0]', 'loss/[0]']);
    await m.setRuns(['a']);
    expect(m.series('b', 'acc/[0]')).toEqual([]);
    expect(m.runIds).toEqual(['a']);
  });

  it('keeps only the keys the filter accepts', async () => {
    const m = new MultiSeries({ metrics: async (id: string) => ({ runId: id, series: { 'acc/x': [], 'loss/x': [] } }) }, (k) => k.startsWith('acc/'));
    await m.setRuns(['a']);
    expect(m.keys).toEqual(['acc/x']);
  });
});
