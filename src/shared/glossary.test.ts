import { describe, expect, it } from 'vitest';
import { fieldLabel, summaryLabel, unlabelledFields, unlabelledSummaryKeys } from './glossary';
import { schemaPaths } from './schemaPaths';
import { RunSpec } from './specs';
import { StudySpec } from './studies';

describe('glossary', () => {
  it('has a label for every field of every run and study spec schema', () => {
    const paths = new Set([...schemaPaths(RunSpec), ...schemaPaths(StudySpec)]);
    // the walk must reach deep fields, or this test could pass on an empty list
    expect(paths.has('teacher.hidden')).toBe(true);
    expect(paths.has('task.n')).toBe(true);
    expect(paths.has('prune.recovery.optimizer.lr')).toBe(true);
    expect(paths.size).toBeGreaterThan(300);
    expect(unlabelledFields(paths)).toEqual([]);
  });

  it('names the fields users met as internal names', () => {
    expect(fieldLabel('teacher.hidden')).toBe('General model’s hidden layer widths');
    expect(fieldLabel('teacher.run')).toBe('General model');
    expect(fieldLabel('task.n')).toBe('Data bits n');
    expect(fieldLabel('base.task.n')).toBe('Data bits n');
    expect(fieldLabel('teacher.train.optimizer.lr')).toBe('Learning rate (general model)');
    expect(fieldLabel('regimes[1].mixture[0].perStep')).toBe('Samples per step (regime)');
    expect(fieldLabel('')).toBe('The spec');
  });

  it('labels summary keys with their units', () => {
    expect(summaryLabel('finalLossBits')).toBe('Final loss (bits)');
    expect(summaryLabel('stepsToLearn')).toBe('Steps to learn');
    expect(summaryLabel('stoppedEarly')).toBe('Stopped early (learned)');
    expect(summaryLabel('losses')).toBe('Final held-out loss (nats/token)');
    expect(summaryLabel('bitsPerByte')).toBe('Final held-out loss (bits/byte)');
  });

  it('finds unlabelled summary keys, walking nested results but not per-skill records', () => {
    expect(unlabelledSummaryKeys({ steps: 3, finalAcc: { '[0]': 1 }, kept: { skill: '[0]', acc: 1, wobble: 2 }, removed: [{ skill: '[1]', zap: 1 }], newThing: 1 }))
      .toEqual(['kept.wobble', 'removed.zap', 'newThing']);
  });
});

describe('flattened paths', () => {
  it('labels an array item by its position', async () => {
    const { flatFieldLabel } = await import('./glossary');
    expect(flatFieldLabel('model.hidden[1]')).toBe('Hidden layer widths, item 2');
    expect(flatFieldLabel('optimizer.lr')).toBe('Learning rate');
  });
});
