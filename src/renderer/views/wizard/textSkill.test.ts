// The wizard's "Text domain" skill: the lm specs it builds for both routes, and errors at its fields.
import { describe, expect, it } from 'vitest';
import type { RunRow } from '../../../shared/api';
import type { CorpusRow } from '../../../shared/specs/corpusImport';
import { LmSpec } from '../../../shared/specs/text';
import { runRow } from '../../lib/stores/fixtures';
import { generalModels, textFieldFor } from './textSkill.svelte';
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

  it('compresses a finished general model to the domain (prune, on its task)', () => {
    const general = runRow({
      id: 'rg', name: 'general lm', kind: 'lm', status: 'done',
      spec: { kind: 'lm', method: 'train', task: { suite: 'text', domains: ['code', 'notes'], context: 32, tokenizer: { kind: 'byte' } } } as unknown as RunRow['spec'],
    });
    const other = runRow({ id: 'rx', status: 'done', kind: 'lm', spec: { kind: 'lm', method: 'train', task: { suite: 'text', domains: ['code'] } } as unknown as RunRow['spec'] });
    const w = textWizard();
    w.route = 'compress';
    w.text.domain = 'notes';
    w.text.runs = [general, other, runRow()];
    expect(generalModels(w.text.runs, 'notes').map((r) => r.id)).toEqual(['rg']);
    expect(w.check('route')).toBe(false);
    expect(w.text.errorsFor('source')[0].message).toMatch(/general language model/);
    w.text.source = 'rg';
    expect(w.validate()).toEqual([]);
    const spec = LmSpec.parse(w.build().spec);
    expect(spec).toMatchObject({ method: 'prune', inputs: { source: 'rg' }, target: 'notes', prune: { keep: 128, score: 'attribution' } });
    expect(spec.task).toMatchObject({ domains: ['code', 'notes'], context: 32 });
    expect(w.defaultName).toBe('notes from general lm');
  });

  it('maps server issues on lm paths to the text fields', () => {
    expect(textFieldFor('spec.model.heads')).toBe('heads');
    expect(textFieldFor('spec.mixture[1].perStep')).toBe('broadPerStep');
    expect(textFieldFor('spec.mixture[0].perStep')).toBe('perStep');
    expect(textFieldFor('spec.inputs.source')).toBe('source');
    const w = textWizard();
    w.setServerIssues([{ path: 'prune.keep', message: 'more than the model has' }], 'x');
    expect(w.text.errorsFor('keep')[0].message).toBe('more than the model has');
    expect(w.issues[0].field).toBe('steps');
  });
});
