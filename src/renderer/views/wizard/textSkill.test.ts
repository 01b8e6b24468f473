// The wizard's "Text domain" skill: the lm spec it builds (its one route), and errors at its fields.
import { describe, expect, it } from 'vitest';
import type { CorpusRow } from '../../../shared/specs/corpusImport';
import { LmSpec } from '../../../shared/specs/text';
import { textFieldFor } from './textSkill.svelte';
import { WizardState } from './wizard.svelte';

const corpus = (name: string): CorpusRow => ({
  name, kind: 'text', sources: [`/src/${name}`], include: [], exclude: [], files: { train: 3, val: 1 }, bytes: { train: 3000, val: 300 },
  skipped: { binary: 0, tooLarge: 0, unreadable: 0, overBudget: 0, empty: 0 }, unreadable: [], split: 'documents', valFraction: 0.1, sha256: 'x', createdAt: '2026-12-06T00:00:00Z', dir: `/h/corpora/${name}`,
});

function textWizard(): WizardState {
  const w = new WizardState();
  w.suite = 'text';
  w.text.corpora = [corpus('notes'), corpus('code')];
  return w;
}

describe('text skill in the wizard', () => {
  it('trains a small transformer on the narrow domain mixed with the ticked others', () => {
    const w = textWizard();
    w.text.domain = 'notes';
    w.text.toggleBroad('code');
    expect(w.validate()).toEqual([]);
    const b = w.build();
    expect(b.kind).toBe('run');
    const spec = LmSpec.parse(b.spec);
    expect(spec).toMatchObject({ kind: 'lm', method: 'train', target: 'notes', name: 'notes transformer + code' });
    expect(spec.task.domains).toEqual(['notes', 'code']);
    expect(spec.mixture).toEqual([{ skill: 'notes', perStep: 8 }, { skill: 'code', perStep: 4 }]);
    expect(spec.model).toMatchObject({ arch: 'transformer', layers: 2, dModel: 64, heads: 4 });
  });

  it('asks for a domain on the skill step, and names the transformer field the schema refuses', () => {
    const w = textWizard();
    expect(w.check('skill')).toBe(false);
    expect(w.text.errorsFor('domain')[0].message).toMatch(/pick the domain/);
    w.text.domain = 'notes';
    expect(w.check('skill')).toBe(true);
    w.text.heads = 5;
    expect(w.check('route')).toBe(false);
    expect(w.text.errorsFor('heads')[0].message).toMatch(/divisible/);
    w.text.heads = 4;
    w.text.steps = 0;
    expect(w.check('route')).toBe(false);
    expect(w.text.errorsFor('steps')).toHaveLength(1);
  });

  it('says to import text first when there is none', () => {
    const w = new WizardState();
    w.suite = 'text';
    expect(w.check('skill')).toBe(false);
    expect(w.text.errorsFor('domain')[0].message).toMatch(/Datasets page/);
  });

  it('has no pruning route of its own: a text model is carved in the carve wizard (TextRoute opens it)', () => {
    const w = textWizard();
    w.text.domain = 'notes';
    w.route = 'compress'; // whatever the route says, the text skill builds its one training run
    expect(LmSpec.parse(w.build().spec).method).toBe('train');
  });

  it('maps server issues on lm paths to the text fields', () => {
    expect(textFieldFor('spec.model.heads')).toBe('heads');
    expect(textFieldFor('spec.mixture[1].perStep')).toBe('broadPerStep');
    expect(textFieldFor('spec.mixture[0].perStep')).toBe('perStep');
    const w = textWizard();
    w.setServerIssues([{ path: 'model.mlpWidth', message: 'too wide' }], 'x');
    expect(w.text.errorsFor('mlpWidth')[0].message).toBe('too wide');
  });
});
