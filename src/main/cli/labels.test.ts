import { describe, expect, it } from 'vitest';
import { metricRows, summaryLines } from './labels';

describe('CLI labels', () => {
  it('prints each metric with its label and unit, tokens for a language model', () => {
    const rows = metricRows({ 'loss/code': [{ step: 10, value: 2.5, samples: 640 }], 'bpb/code': [{ step: 10, value: 2.5, samples: 640 }], 'acc/[0]': [{ step: 1, value: 0.5, samples: null }] } as never, 'lm');
    expect(rows[0]).toEqual(['KEY', 'METRIC', 'STEP', 'TOKENS', 'VALUE', 'UNIT']);
    expect(rows[1]).toEqual(['loss/code', 'Loss · code', '10', '640', '2.5', 'bits']);
    expect(rows[2]).toEqual(['bpb/code', 'Bits per byte · code', '10', '640', '2.5', 'bits/byte']);
    expect(rows[3][5]).toBe('fraction');
    expect(metricRows({}, 'train')[0][3]).toBe('SAMPLES');
  });

  it('labels summary keys in words, the key kept for scripts', () => {
    expect(summaryLines({ finalLossBits: { '[0]': 0.01 }, stoppedEarly: true })).toEqual([
      '  Final loss (bits) [finalLossBits]: {"[0]":0.01}',
      '  Stopped early (learned) [stoppedEarly]: true',
    ]);
  });
});
