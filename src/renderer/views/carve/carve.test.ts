// The carve wizard's store: the lmCompare study spec it builds from a model run and two imported
// domains (checked by the real schema), its errors at the field that caused them, and which steps
// may be opened.
import { describe, expect, it } from 'vitest';
import type { RunRow } from '../../../shared/api';
import type { CorpusRow } from '../../../shared/specs/corpusImport';
import { LmCompareMethod, LmCompareStudySpec } from '../../../shared/studies/text';
import { runRow } from '../../lib/stores/fixtures';
import { CARVE_METHODS, CarveWizardState, carveFieldFor, carveSources, decoderShape, parseFractions } from './carve.svelte';

const corpus = (name: string): CorpusRow => ({
  name, kind: 'text', sources: [`/src/${name}`], include: [], exclude: [], files: { train: 3, val: 1 }, bytes: { train: 3000, val: 300 },
  skipped: { binary: 0, tooLarge: 0, unreadable: 0, overBudget: 0, empty: 0 }, unreadable: [], split: 'documents', valFraction: 0.1, sha256: 'x', createdAt: '2026-12-06T00:00:00Z', dir: `/h/corpora/${name}`,
});

const imported: RunRow = runRow({
  id: 'rimp', name: 'tiny llama', kind: 'importModel', status: 'done', createdAt: 2000, spec: { kind: 'importModel', folder: '/m/tiny' } as unknown as RunRow['spec'],
  summary: { architecture: 'LlamaForCausalLM', modelType: 'llama', layers: 2, dModel: 16, heads: 4, kvHeads: 2, headDim: 4, mlpWidth: 24, vocab: 257, context: 32, params: 9000 },
});
const trained: RunRow = runRow({
  id: 'rlm', name: 'general here', kind: 'lm', status: 'done', createdAt: 1500,
  spec: { kind: 'lm', method: 'train', task: { suite: 'text', domains: ['py', 'prose'] }, model: { arch: 'transformer', layers: 2, dModel: 32, heads: 4, mlpWidth: 64, context: 64 } } as unknown as RunRow['spec'],
});
const pruned: RunRow = runRow({ id: 'rpr', kind: 'lm', status: 'done', spec: { kind: 'lm', method: 'prune' } as unknown as RunRow['spec'] });
const running: RunRow = runRow({ id: 'rrun', kind: 'importModel', status: 'running', spec: { kind: 'importModel', folder: '/m/x' } as unknown as RunRow['spec'] });

function wizard(): CarveWizardState {
  const w = new CarveWizardState();
  w.runs = [pruned, trained, imported, running];
  w.corpora = [corpus('py'), corpus('prose'), corpus('web')];
  return w;
}

function filled(): CarveWizardState {
  const w = wizard();
  w.pickSource('rimp');
  w.pickKeep('py');
  w.toggleRemove('prose');
  return w;
}

describe('carve wizard: the model step', () => {
  it('offers finished imported checkpoints and lm runs trained here, newest first', () => {
    expect(carveSources(wizard().runs).map((r) => r.id)).toEqual(['rimp', 'rlm']);
  });

  it('reads the model shape from an import summary or a trained spec', () => {
    expect(decoderShape(imported)).toMatchObject({ layers: 2, dModel: 16, mlpWidth: 24, heads: 4, kvHeads: 2, context: 32, architecture: 'LlamaForCausalLM' });
    expect(decoderShape(trained)).toMatchObject({ layers: 2, dModel: 32, mlpWidth: 64, heads: 4, kvHeads: 4, context: 64 });
    expect(decoderShape(pruned)).toBeNull();
    const w = wizard();
    w.pickSource('rimp');
    expect(w.totalNeurons).toBe(48);
    expect(w.neuronsAt(0.5)).toBe(24);
    expect(w.neuronsAt(0.01)).toBe(2); // at least one per layer
    // the task's context follows the model (no longer than its own)
    expect(w.context).toBe(32);
  });

  it('asks for a model first, and only the model step is open', () => {
    const w = wizard();
    expect(w.check('model')).toBe(false);
    expect(w.errorsFor('source')[0].text).toBe('Model: pick a model, or open a checkpoint folder.');
    expect(w.enabled('model')).toBe(true);
    expect(w.enabled('domains')).toBe(false);
    w.next();
    expect(w.step).toBe('model');
    w.pickSource('rimp');
    w.next();
    expect(w.step).toBe('domains');
    expect(w.enabled('size')).toBe(false);
  });

  it('says to open a checkpoint when there is no model at all', () => {
    const w = new CarveWizardState();
    w.check('model');
    expect(w.errorsFor('source')[0].message).toMatch(/open a checkpoint folder first/);
  });
});

describe('carve wizard: domains', () => {
  it('needs two imported domains, and says where to import them', () => {
    const w = wizard();
    w.corpora = [corpus('py')];
    w.pickSource('rimp');
    expect(w.check('domains')).toBe(false);
    expect(w.errorsFor('keep')[0].text).toMatch(/^Domain to keep: import at least two text domains first .*1 imported\.$/);
  });

  it('keeps one domain and removes others; the keep domain is never in the remove list', () => {
    const w = wizard();
    w.pickSource('rimp');
    expect(w.check('domains')).toBe(false);
    expect(w.errorsFor('keep')[0].message).toMatch(/pick the domain/);
    w.toggleRemove('py');
    w.pickKeep('py');
    expect(w.remove).toEqual([]);
    expect(w.removable).toEqual(['prose', 'web']);
    expect(w.check('domains')).toBe(false);
    expect(w.errorsFor('remove')[0].text).toBe('Domains to remove: pick at least one domain whose loss must rise.');
    w.toggleRemove('web');
    w.toggleRemove('prose');
    expect(w.check('domains')).toBe(true);
    expect(w.enabled('size')).toBe(true);
  });
});

describe('carve wizard: sizes, methods and the spec', () => {
  it('builds an lmCompare study from the model run, as the contract says, and the schema takes it', () => {
    const w = filled();
    w.toggleRemove('web');
    w.relearnSteps = 20;
    expect(w.check('review')).toBe(true);
    const spec = w.build();
    expect(spec).toMatchObject({
      kind: 'lmCompare', name: 'py from tiny llama', source: { run: 'rimp' }, target: 'py', remove: ['prose', 'web'],
      task: { suite: 'text', domains: ['py', 'prose', 'web'], context: 32 }, targetLossFactor: 1.1,
      sizes: [{ mlp: 0.5 }, { mlp: 0.25 }], methods: ['attribution', 'random', 'distill', 'scratch'],
      prune: { scope: 'global', minPerLayer: 1 }, relearn: { domain: 'prose', steps: 20 },
    });
    expect(spec).not.toHaveProperty('general');
    const parsed = LmCompareStudySpec.parse(spec);
    expect(parsed.sizes).toEqual([{ mlp: 0.5 }, { mlp: 0.25 }]);
    expect(parsed.relearn).toMatchObject({ domain: 'prose', steps: 20 });
  });

  it('reads fractions and percentages, and names a bad one at the sizes field', () => {
    expect(parseFractions('0.5, 25%  .1')).toEqual([0.5, 0.25, 0.1]);
    expect(parseFractions('half')).toEqual([NaN]);
    const w = filled();
    w.sizes = '0.5, 2';
    w.touch('sizes');
    expect(w.check('size')).toBe(false);
    expect(w.errorsFor('sizes').map((i) => i.text)).toEqual(['MLP neurons kept (fractions): 2 is not in (0, 1]: a fraction of the MLP neurons kept, 0.5 = half.']);
    w.sizes = 'half';
    expect(w.check('size')).toBe(false);
    expect(w.errorsFor('sizes')[0].message).toMatch(/'half' is not a number/);
    w.sizes = '';
    w.check('size');
    expect(w.errorsFor('sizes')[0].message).toMatch(/at least one fraction/);
    // a later step cannot be opened while this one is wrong
    expect(w.enabled('review')).toBe(false);
    w.sizes = '0.5';
    expect(w.check('size')).toBe(true);
    expect(w.enabled('review')).toBe(true);
  });

  it('keeps the methods in one order and needs at least one', () => {
    const w = filled();
    w.toggleMethod('ablation');
    expect(w.methods).toEqual(['attribution', 'ablation', 'random', 'distill', 'scratch']);
    for (const m of [...w.methods]) w.toggleMethod(m);
    expect(w.check('size')).toBe(false);
    expect(w.errorsFor('methods')[0].text).toBe('Methods: pick at least one method.');
    // the wizard lists every method the study takes (shared/studies/text), each once
    expect([...CARVE_METHODS].sort()).toEqual([...LmCompareMethod.options].sort());
  });

  it('puts a heads fraction on every size', () => {
    const w = filled();
    w.heads = '0.5';
    expect((w.build().sizes as unknown[])).toEqual([{ mlp: 0.5, heads: 0.5 }, { mlp: 0.25, heads: 0.5 }]);
    w.heads = '2';
    w.check('size');
    expect(w.errorsFor('heads')[0].text).toMatch(/^Attention heads kept \(fraction\): one fraction in \(0, 1\]/);
  });

  it('offers the KV-group / query-heads choice under grouped-query attention only, and counts the units kept', () => {
    const w = filled(); // tiny Llama: 4 query heads share 2 KV heads per layer, 2 layers
    expect(w.hasHeads && w.gqa).toBe(true);
    expect(w.headFraction).toBeNull(); // empty: every head kept, no unit choice shown
    for (const bad of ['1.5', '0.5, 0.25', 'x']) { w.heads = bad; expect(w.headFraction, bad).toBeNull(); }
    w.heads = '0.5';
    expect(w.headFraction).toBe(0.5);
    expect(w.headUnitsAt(0.5)).toEqual({ kept: 2, total: 4, unit: 'key/value groups' });
    expect((w.build().prune as Record<string, unknown>).headGroup).toBe('kv');
    w.headGroup = 'query';
    expect(w.headUnitsAt(0.5)).toEqual({ kept: 4, total: 8, unit: 'heads' });
    expect((w.build().prune as Record<string, unknown>).headGroup).toBe('query');
    expect(LmCompareStudySpec.parse(w.build()).prune.headGroup).toBe('query');
    expect((w.build().prune as Record<string, unknown>).headScope).toBe('perLayer');
    w.headScope = 'global';
    expect(LmCompareStudySpec.parse(w.build()).prune.headScope).toBe('global');
    expect(carveFieldFor('prune.headScope')).toBe('headScope');
    // a model with ordinary multi-head attention: no choice to make (a head is its q/k/v and o slices)
    w.pickSource('rlm');
    expect(w.gqa).toBe(false);
    expect((w.build().prune as Record<string, unknown>).headGroup).toBeUndefined();
    // no heads field for a model with one head per layer: the heads fraction is not sent
    w.runs = [runRow({ ...trained, id: 'r1h', spec: { ...trained.spec, model: { arch: 'transformer', layers: 2, dModel: 32, heads: 1, mlpWidth: 64, context: 64 } } as unknown as RunRow['spec'] })];
    w.pickSource('r1h');
    expect(w.hasHeads).toBe(false);
    expect(w.headFraction).toBeNull(); // '0.5' is still typed, but the model has no heads to prune
    expect(w.build().sizes).toEqual([{ mlp: 0.5 }, { mlp: 0.25 }]);
  });

  it('names the review field the schema refuses, and sends the person back to its step', () => {
    const w = filled();
    w.step = 'review';
    w.steps = 0;
    w.targetLossFactor = -1;
    expect(w.check('review')).toBe(false);
    expect(w.errorsFor('steps')).toHaveLength(1);
    expect(w.errorsFor('steps')[0].text).toMatch(/^Most training steps per method: /);
    expect(w.errorsFor('targetLossFactor')[0].text).toMatch(/^Target loss \(× the general model’s\): /);
    w.steps = 100; w.targetLossFactor = 1.1;
    w.setServerIssues([{ path: 'spec.remove[0]', message: "'x' is not one of the task's domains" }], 'refused');
    expect(w.errorsFor('remove')[0].text).toBe("Domains to remove: 'x' is not one of the task's domains");
    w.jumpToFirstError();
    expect(w.step).toBe('domains');
  });

  it('leaves the relearn test out at 0 steps, and the teacher in when asked', () => {
    const w = filled();
    w.relearnSteps = 0;
    w.teacher = true;
    const spec = w.build();
    expect(spec).not.toHaveProperty('relearn');
    expect(spec.prune).toEqual({ scope: 'global', minPerLayer: 1, teacher: { alpha: 0.5, temperature: 2 } });
    expect(w.check('review')).toBe(true);
  });

  it('maps spec paths to the wizard fields', () => {
    expect(carveFieldFor('spec.source.run')).toBe('source');
    expect(carveFieldFor('task.domains[1]')).toBe('keep');
    expect(carveFieldFor('target')).toBe('keep');
    expect(carveFieldFor('targetLossFactor')).toBe('targetLossFactor');
    expect(carveFieldFor('sizes[1].heads')).toBe('heads');
    expect(carveFieldFor('sizes[0].mlp')).toBe('sizes');
    expect(carveFieldFor('relearn.domain')).toBe('relearnSteps');
    expect(carveFieldFor('prune.minPerLayer')).toBe('minPerLayer');
    expect(carveFieldFor('optimizer.lr')).toBe('lr');
    expect(carveFieldFor('whatever')).toBe('general');
  });

  it('probes the step time with a transformer of the model shape on the keep domain', () => {
    const w = filled();
    expect(w.probeSpec()).toMatchObject({
      kind: 'lm', method: 'train', task: { domains: ['py'], context: 32 }, steps: 10,
      model: { arch: 'transformer', layers: 2, dModel: 16, heads: 4, mlpWidth: 24, context: 32 },
    });
    expect(new CarveWizardState().probeSpec()).toBeNull();
  });

  it('runs the study where "Run on" says: this machine by default, else the chosen Slurm partition', () => {
    const w = filled();
    expect(w.runOn).toBe('local');
    expect(w.executor()).toBeUndefined();
    w.runOn = 'slurm:debug';
    expect(w.executor()).toEqual({ kind: 'slurm', slurm: { partition: 'debug' } });
    // the spec itself does not change: where it runs is the executor's business
    const spec = w.build();
    w.runOn = 'local';
    expect(w.build()).toEqual(spec);
  });
});
