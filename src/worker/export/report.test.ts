import { beforeAll, expect, it } from 'vitest';
import { compactMlp } from '../compress/compact';
import { initBackend } from '../engine/backend';
import { tf } from '../engine/tf';
import { measureLatencies, measureLatency, outputsMaxDiff } from './report';
import { CMSP_CONFIG, maskedModel, randomModel } from './testModels';

beforeAll(async () => { await initBackend('cpu'); });

it('the compaction check sees equal functions as equal and different ones as different', () => {
  const before = tf.memory().numTensors;
  const w = maskedModel(CMSP_CONFIG, 61);
  expect(outputsMaxDiff(w, compactMlp(w), 64, 1)).toBeLessThanOrEqual(1e-5);
  expect(outputsMaxDiff(w, randomModel(CMSP_CONFIG, 62), 64, 1)).toBeGreaterThan(1e-3);
  expect(tf.memory().numTensors).toBe(before);
});

it('keeps to the time budget with at least three timed passes', () => {
  const used: Record<string, number> = {};
  const w = randomModel(CMSP_CONFIG, 64);
  measureLatencies([w, w], [4], 50, 0, 0, used);
  expect(used).toEqual({ 4: 3 });
});

it('measures a latency for every batch size without leaking tensors', () => {
  const before = tf.memory().numTensors;
  const lat = measureLatency(randomModel(CMSP_CONFIG, 63), [1, 7], 2, 0);
  expect(Object.keys(lat)).toEqual(['1', '7']);
  for (const v of Object.values(lat)) expect(v).toBeGreaterThan(0);
  expect(tf.memory().numTensors).toBe(before);
});
