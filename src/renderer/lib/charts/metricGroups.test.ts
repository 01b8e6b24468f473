import { describe, expect, it } from 'vitest';
import { chartGroups, metricOptionLabel, phaseTables } from './metricGroups';

describe('metric groups for the run views', () => {
  const keys = ['loss/[0]', 'acc/[0]', 'beforePrune/acc/[0]', 'beforePrune/loss/[0]', 'teacher/acc/[0]', 'activeUnits', 'lambda'];

  it('charts curves with titles and units, never the one-off phases', () => {
    const g = chartGroups(keys);
    expect(g.map((x) => x.group)).toEqual(['loss', 'acc', 'activeUnits', 'lambda']);
    expect(g.map((x) => x.title)).toEqual(['Loss (bits)', 'Accuracy', 'Active hidden units', 'Group-lasso strength λ']);
    expect(g.find((x) => x.group === 'acc')).toMatchObject({ yMax: 1, linearOnly: true });
    expect(g.find((x) => x.group === 'activeUnits')!.keys).toEqual([{ key: 'activeUnits', label: 'Active hidden units' }]);
  });

  it('puts before-pruning and teacher values in tables with units', () => {
    const last: Record<string, number> = { 'beforePrune/acc/[0]': 0.99, 'beforePrune/loss/[0]': 0.05, 'teacher/acc/[0]': 1 };
    const t = phaseTables(keys, (k) => last[k]);
    expect(t.map((x) => x.title)).toEqual(['Before pruning', 'General model (teacher)']);
    expect(t[0].rows.map((r) => `${r.metric} ${r.series} ${r.value}`)).toEqual(['Accuracy [0] 99.0 %', 'Loss [0] 0.050 bits']);
  });

  it('words metric keys for a dropdown', () => {
    expect(metricOptionLabel('acc/[0,1]')).toBe('Accuracy · [0,1]');
    expect(metricOptionLabel('loss/code')).toBe('Loss (bits) · code');
    expect(metricOptionLabel('beforePrune/acc/[0]')).toBe('Before pruning: Accuracy · [0]');
  });
});

describe('x of a point', () => {
  it('never draws a step as a sample count', async () => {
    const { xOf } = await import('./metricGroups');
    expect(xOf({ step: 10, samples: 640 }, 'samples')).toBe(640);
    expect(xOf({ step: 10, samples: null }, 'samples')).toBeNull();
    expect(xOf({ step: 10, samples: null }, 'step')).toBe(10);
  });
});
