import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { issueSentence } from './issueText';
import { parseSpec, SpecError } from './validate';
import { CompareStudySpec } from './studies';

const sentences = (schema: z.ZodType, value: unknown): string[] => {
  try { parseSpec(schema, value); return []; } catch (e) { return (e as SpecError).issues.map((i) => i.text ?? ''); }
};

describe('schema issues in words', () => {
  it('turns zod codes into sentences naming the field by its label', () => {
    const S = z.object({ name: z.string().min(1), lr: z.number().positive(), steps: z.number().int().min(1), hidden: z.array(z.number()).min(1), arch: z.enum(['mlp', 'transformer']) });
    expect(sentences(S, { name: '', lr: 0, steps: 1.5, hidden: [], arch: 'cnn' })).toEqual([
      'Name is required.',
      'Learning rate must be greater than 0.',
      'Steps must be a whole number.',
      'Hidden layer widths needs at least one entry.',
      'Architecture must be one of “mlp”, “transformer”.',
    ]);
    expect(sentences(S, { lr: 'x', steps: 0, hidden: [1], arch: 'mlp' })).toEqual([
      'Name is required.', 'Learning rate must be a number.', 'Steps must be at least 1.',
    ]);
  });

  it('words the compress study a user starts with no general model chosen', () => {
    const texts = sentences(CompareStudySpec, {
      kind: 'compare', name: 'c', task: { suite: 'cmsp', m: 8, n: 32, k: 3 }, keep: [0], teacher: { run: '', hidden: [] }, sizes: [8], methods: ['random'], targetAccuracy: 0.9,
    });
    expect(texts.length).toBeGreaterThan(0);
    for (const t of texts) {
      expect(t).not.toMatch(/Too small|expected|>=|teacher\.|task\./);
      expect(t).toMatch(/^[A-Z].*\.$/);
    }
    expect(texts).toContain('General model is required.');
  });

  it('keeps an author-written message, prefixed by the label', () => {
    expect(issueSentence({ code: 'custom', message: 'must be below the number of steps', path: [] }, 'mixture.schedule[1].fromStep')).toBe('From step: must be below the number of steps');
    expect(issueSentence({ code: 'unrecognized_keys', message: 'Unrecognized key: "foo"', keys: ['foo'] }, 'model')).toBe('Model has a setting Whittle does not know: “foo”.');
  });
});
