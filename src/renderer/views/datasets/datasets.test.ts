import { describe, expect, it } from 'vitest';
import { DatasetsStore, nameFromSource, toRgba } from './datasets.svelte';

describe('datasets page helpers', () => {
  it('expands grey and colour pixels to RGBA', () => {
    expect([...toRgba([10, 20], [1, 2, 1])]).toEqual([10, 10, 10, 255, 20, 20, 20, 255]);
    expect([...toRgba([1, 2, 3], [1, 1, 3])]).toEqual([1, 2, 3, 255]);
  });

  it('names a dataset after its source folder', () => {
    expect(nameFromSource('/data/fashion mnist/')).toBe('fashion-mnist');
    expect(nameFromSource('C:\\data\\digits')).toBe('digits');
  });

  it('lists through the API only when the method exists', async () => {
    const calls: string[] = [];
    const none = new DatasetsStore({ has: () => false, call: async (m: string) => { calls.push(m); return [] as never; } });
    await none.load();
    expect(none.loaded).toBe(true);
    expect(calls).toEqual([]);
    const some = new DatasetsStore({ has: () => true, call: async (m: string) => { calls.push(m); return [{ name: 'd' }] as never; } });
    await some.load();
    expect(calls).toEqual(['listDatasets']);
    expect(some.datasets.map((d) => d.name)).toEqual(['d']);
    await some.remove('d');
    expect(some.datasets).toEqual([]);
  });
});
