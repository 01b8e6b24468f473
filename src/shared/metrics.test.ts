import { describe, expect, it } from 'vitest';
import { axisLabel, describeMetric, formatMetric, metricTitle } from './metrics';

describe('metric definitions', () => {
  it('reads phase, group and series from a key', () => {
    expect(describeMetric('beforePrune/acc/[0,1]')).toMatchObject({ phase: 'beforePrune', group: 'acc', series: '[0,1]', label: 'Accuracy' });
    expect(describeMetric('loss/code')).toMatchObject({ phase: null, group: 'loss', series: 'code', unit: 'bits' });
    expect(describeMetric('bpb/code').unit).toBe('bits/byte');
    expect(describeMetric('activeUnits')).toMatchObject({ group: 'activeUnits', series: '', unit: 'units' });
    expect(describeMetric('bench/median_ms').unit).toBe('ms');
    expect(describeMetric('relearn/[1]/acc/[1]')).toMatchObject({ phase: 'relearn', group: 'acc', series: '[1]' });
  });

  it('titles charts with the unit once', () => {
    expect(metricTitle('loss')).toBe('Loss (bits)');
    expect(metricTitle('train')).toBe('Training loss (bits)');
    expect(metricTitle('acc')).toBe('Accuracy');
    expect(metricTitle('activeUnits')).toBe('Active hidden units');
    expect(metricTitle('lambda')).toBe('Group-lasso strength λ');
    expect(metricTitle('somethingNew')).toBe('Something new');
  });

  it('prints values with their unit', () => {
    expect(formatMetric('loss/[0]', 2.90412)).toBe('2.904 bits');
    expect(formatMetric('acc/[0]', 0.973)).toBe('97.3 %');
    expect(formatMetric('activeUnits', 1200)).toBe('1,200 units');
    expect(formatMetric('lr', 0.001)).toBe('0.00100');
    expect(formatMetric('loss/x', NaN)).toBe('—');
  });

  it('names the x axis by what it counts', () => {
    expect(axisLabel('step')).toBe('Training step');
    expect(axisLabel('samples', ['train'])).toBe('Training samples seen');
    expect(axisLabel('samples', ['lm'])).toBe('Training tokens seen');
    expect(axisLabel('samples', ['lm', 'prune'])).toBe('Training samples / tokens seen');
  });
});
