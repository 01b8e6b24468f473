import { describe, expect, it } from 'vitest';
import { TrainSpec } from '../../../shared/specs/train';
import { CompareStudySpec, CurriculumStudySpec } from '../../../shared/studies';
import { ApiError, CONFIRM_CODE } from '../../../shared/transport';
import { createConfirmed } from '../../lib/api/confirm';
import { runRow } from '../../lib/stores/fixtures';
import { teacherCandidates } from './compress';
import { fieldForPath, parseWidths, stepOf, WizardState } from './wizard.svelte';

describe('WizardState', () => {
  it('builds a valid CMSP training spec with a broad-data mix by default', () => {
    const w = new WizardState();
    expect(w.validate()).toEqual([]);
    const b = w.build();
    expect(b.kind).toBe('run');
    const spec = TrainSpec.parse(b.spec);
    expect(spec.task).toEqual({ suite: 'cmsp', m: 8, n: 32, k: 3 });
    expect(spec.target).toEqual([0, 1, 2]);
    expect(spec.mixture).toEqual([
      { skill: [0, 1, 2], perStep: 256 }, { skill: [0], perStep: 256 }, { skill: [1], perStep: 256 }, { skill: [2], perStep: 256 },
    ]);
  });

  it('names the field when n is too small for m·k, on the skill step', () => {
    const w = new WizardState();
    w.n = 10;
    expect(w.check('skill')).toBe(false);
    const errs = w.errorsFor('n');
    expect(errs[0].path).toBe('task.n');
    expect(errs[0].message).toMatch(/m·k = 24/);
    w.next();
    expect(w.step).toBe('skill'); // blocked
    w.n = 32;
    w.revalidate();
    expect(w.errorsFor('n')).toEqual([]);
    w.next();
    expect(w.step).toBe('route');
  });

  it('maps a bad hidden width to the hidden field', () => {
    const w = new WizardState();
    w.hidden = '64, x';
    const issues = w.validate();
    expect(issues.some((i) => i.field === 'hidden' && i.path === 'model.hidden[1]')).toBe(true);
    expect(stepOf('hidden')).toBe('route');
  });

  it('requires a narrow skill and broad skills when broad data is on', () => {
    const w = new WizardState();
    w.toggleTarget(0); w.toggleTarget(1); w.toggleTarget(2);
    w.broadSkills = [];
    const fields = w.validate().map((i) => i.field);
    expect(fields).toContain('target');
    expect(fields).toContain('broadSkills');
  });

  it('builds a broad-then-narrow schedule', () => {
    const w = new WizardState();
    w.mixMode = 'schedule';
    w.switchAt = 100;
    w.steps = 500;
    const spec = TrainSpec.parse(w.build().spec);
    expect(spec.mixture).toMatchObject({ schedule: [{ fromStep: 0 }, { fromStep: 100, components: [{ skill: [0, 1, 2] }] }] });
    w.switchAt = 600;
    expect(w.validate().map((i) => i.field)).toContain('switchAt');
  });

  it('builds a curriculum study comparing narrow-only against the broad mix', () => {
    const w = new WizardState();
    w.study = true;
    w.seeds = 2;
    w.seed = 3;
    expect(w.validate()).toEqual([]);
    const b = w.build();
    expect(b.kind).toBe('study');
    const s = CurriculumStudySpec.parse(b.spec);
    expect(s.regimes.map((r) => r.name)).toEqual(['narrow only', 'with broad data']);
    expect(s.seeds).toEqual([3, 4]);
    w.n = 1;
    expect(w.validate().some((i) => i.field === 'n' && i.path === 'base.task.n')).toBe(true);
  });

  it('takes server issues and jumps to the step of the first', () => {
    const w = new WizardState();
    w.step = 'review';
    w.setServerIssues([{ path: 'optimizer.lr', message: 'Too small' }], 'bad');
    expect(w.errorsFor('lr')).toHaveLength(1);
    w.jumpToFirstError();
    expect(w.step).toBe('route');
    w.setServerIssues([], 'server said no');
    expect(w.errorsFor('general')[0].message).toBe('server said no');
  });
});

describe('WizardState errors (#16 item 5)', () => {
  it('shows nothing when "use a finished run" is chosen, one worded error per field after Next', () => {
    const w = new WizardState();
    w.next(); // skill → route: clean
    expect(w.step).toBe('route');
    w.route = 'compress'; w.revalidate();
    w.teacherMode = 'run'; w.revalidate();
    expect(w.issues.some((i) => i.field === 'teacherRun')).toBe(true); // it is wrong…
    expect(w.errorsFor('teacherRun')).toEqual([]); // …but not said before the user does anything
    w.next();
    expect(w.step).toBe('route');
    const errs = w.errorsFor('teacherRun');
    expect(errs.map((e) => e.text)).toEqual(['General model: pick a finished general model, or let the study train one.']);
  });

  it('shows a changed field\'s error at once, other fields\' only after Next', () => {
    const w = new WizardState();
    w.n = 10; w.revalidate();
    expect(w.errorsFor('n')).toHaveLength(1);
    expect(w.errorsFor('n')[0].text).toMatch(/^Data bits n: .*m·k = 24/);
    w.n = 32; w.m = 2; w.revalidate(); // broad skill [2] no longer exists, but broadSkills was not touched
    expect(w.issues.some((i) => i.field === 'broadSkills')).toBe(true);
    expect(w.errorsFor('broadSkills')).toEqual([]);
    expect(w.check('route')).toBe(false);
    expect(w.errorsFor('broadSkills').map((e) => e.text)).toEqual(['Broad skills: skill 2 does not exist when m = 2.']);
  });

  it('words schema issues by label, never zod\'s messages or internal paths', () => {
    const w = new WizardState();
    w.route = 'compress'; w.sizes = '0, x'; w.targetAccuracy = null; w.budget = 0;
    expect(w.check('route')).toBe(false);
    const texts = (['sizes', 'targetAccuracy', 'budget'] as const).flatMap((f) => w.errorsFor(f).map((e) => e.text));
    expect(texts.length).toBeGreaterThanOrEqual(3);
    for (const t of texts) expect(t).not.toMatch(/Too small|expected|>=|received|\w+\.\w+/);
    expect(texts).toContain('Target accuracy is required.');
  });
});

describe('WizardState, compress route', () => {
  it('builds a compare study that trains its own general model, keeping the study defaults', () => {
    const w = new WizardState();
    w.route = 'compress';
    w.sizes = '4, 8';
    w.budget = 500;
    w.remove = [5];
    expect(w.validate()).toEqual([]);
    const b = w.build();
    expect(b.kind).toBe('study');
    const s = CompareStudySpec.parse(b.spec);
    expect(s.keep).toEqual([0, 1, 2]);
    expect(s.remove).toEqual([[5]]);
    expect(s.sizes).toEqual([4, 8]);
    expect('train' in s.teacher && s.teacher.train.model.hidden).toEqual([256]);
    expect(s.prune.recovery).toMatchObject({ steps: 500, batch: 64 });
    expect(s.scratch.steps).toBe(500);
    expect(s.distill.train.optimizer.name).toBe('sgd');
  });

  it('uses a finished run as the general model, and names missing or bad choices', () => {
    const w = new WizardState();
    w.route = 'compress';
    w.teacherMode = 'run';
    expect(w.validate().map((i) => i.field)).toContain('teacherRun');
    w.runs = [runRow({ id: 'g1', kind: 'train', status: 'done', spec: { kind: 'train', model: { arch: 'mlp', hidden: [64, 32] } } as never })];
    w.teacherRun = 'g1';
    w.sizes = '8, x';
    w.methods = [];
    w.remove = [0];
    const fields = w.validate().map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(['sizes', 'methods', 'remove']));
    w.sizes = '8';
    w.methods = ['distill'];
    w.remove = [];
    expect(w.validate()).toEqual([]);
    expect(CompareStudySpec.parse(w.build().spec).teacher).toEqual({ run: 'g1', hidden: [64, 32] });
  });

  it('offers only finished MLP runs on the same task as general models', () => {
    const task = { suite: 'cmsp', m: 8, n: 32, k: 3 };
    const runs = [
      runRow({ id: 'a', kind: 'train', status: 'done', spec: { kind: 'train', task, model: { arch: 'mlp', hidden: [8] } } as never }),
      runRow({ id: 'b', kind: 'train', status: 'running', spec: { kind: 'train', task, model: { arch: 'mlp', hidden: [8] } } as never }),
      runRow({ id: 'c', kind: 'train', status: 'done', spec: { kind: 'train', task: { ...task, n: 40 }, model: { arch: 'mlp', hidden: [8] } } as never }),
    ];
    expect(teacherCandidates(runs, { m: 8, n: 32, k: 3 }).map((r) => r.id)).toEqual(['a']);
  });
});

describe('WizardState, images', () => {
  const ds = { name: 'shapes', classes: ['circle', 'square', 'star'], shape: [8, 8, 1], meta: { subsets: { round: [0] }, counts: { trainPerClass: [5, 5, 5] } } } as never;

  it('builds an images training run on a named subset with broad data', () => {
    const w = new WizardState();
    w.suite = 'images';
    expect(w.validate().map((i) => i.field)).toContain('dataset');
    w.datasets = [ds];
    w.dataset = 'shapes';
    expect(w.validate().map((i) => i.field)).toContain('target');
    expect(w.imgSubsets.map((x) => x.name)).toEqual(['all', 'even', 'odd', 'round']);
    w.imgSkill = 'round';
    expect(w.validate()).toEqual([]);
    const spec = TrainSpec.parse(w.build().spec);
    expect(spec.task).toEqual({ suite: 'images', dataset: 'shapes' });
    expect(spec.target).toBe('round');
    expect(spec.mixture).toEqual([{ skill: 'round', perStep: 256 }, { skill: 'all', perStep: 256 }]);
  });

  it('takes ticked classes as the skill, and ticking clears a chosen subset', () => {
    const w = new WizardState();
    w.suite = 'images';
    w.datasets = [ds];
    w.dataset = 'shapes';
    w.imgSkill = 'round';
    w.toggleImgClass(2);
    w.toggleImgClass(1);
    expect(w.imgSkill).toBe('');
    expect(w.targetRef()).toEqual([1, 2]);
    w.broad = false;
    expect(TrainSpec.parse(w.build().spec).mixture).toEqual([{ skill: [1, 2], perStep: 256 }]);
  });
});

describe('wizard helpers', () => {
  it('maps schema paths to form fields', () => {
    expect(fieldForPath('task.k')).toBe('k');
    expect(fieldForPath('mixture[0].perStep')).toBe('targetPerStep');
    expect(fieldForPath('mixture[2].perStep')).toBe('broadPerStep');
    expect(fieldForPath('mixture.schedule[0].components[0].perStep')).toBe('targetPerStep');
    expect(fieldForPath('mixture.schedule[1].fromStep')).toBe('switchAt');
    expect(fieldForPath('regimes[1].mixture[1].skill[0]')).toBe('broadSkills');
    expect(fieldForPath('base.eval.every')).toBe('evalEvery');
    expect(fieldForPath('seeds[0]')).toBe('seeds');
    expect(fieldForPath('teacher.train.model.hidden[0]')).toBe('hidden');
    expect(fieldForPath('teacher.run')).toBe('teacherRun');
    expect(fieldForPath('prune.recovery.steps')).toBe('budget');
    expect(fieldForPath('sizes[1]')).toBe('sizes');
    expect(fieldForPath('keep')).toBe('target');
    expect(fieldForPath('whatever')).toBe('general');
  });

  it('parses widths, marking junk as NaN', () => {
    expect(parseWidths('128, 64')).toEqual([128, 64]);
    expect(parseWidths('12 x')[1]).toBeNaN();
    expect(parseWidths('')).toEqual([]);
  });
});

describe('starting a large spec (the API asks for confirmation)', () => {
  // What the service throws for a spec above the thresholds (services/admission.ts), as the
  // HTTP client and Electron's bridge deliver it.
  const overHttp = () => new ApiError('this needs confirmation before it starts — the run: 400,840,002 parameters, about 6.4 GiB of memory at peak, roughly 7 days for 5,000 steps (more than 2.0 GiB of memory). Start it anyway with confirmation (CLI: --yes).', CONFIRM_CODE);
  const overIpc = () => new Error(`Error invoking remote method 'whittle:invoke': ApiError: ${overHttp().message}`);
  const fakeCreate = (fail: () => Error) => {
    const calls: ({ confirmed: boolean } | undefined)[] = [];
    return { calls, create: async (o?: { confirmed: boolean }) => { calls.push(o); if (!o?.confirmed) throw fail(); return runRow({ id: 'r1' }); } };
  };

  for (const [via, fail] of [['HTTP', overHttp], ['Electron', overIpc]] as const) {
    it(`shows the estimate and starts it confirmed when the person agrees (${via})`, async () => {
      const api = fakeCreate(fail);
      const asked: string[] = [];
      const row = await createConfirmed(api.create, async (m) => { asked.push(m); return true; });
      expect(row?.id).toBe('r1');
      expect(api.calls).toEqual([undefined, { confirmed: true }]);
      expect(asked).toEqual(['The run: 400,840,002 parameters, about 6.4 GiB of memory at peak, roughly 7 days for 5,000 steps (more than 2.0 GiB of memory).']);
    });
  }

  it('starts nothing when the person declines, and passes other errors through unasked', async () => {
    const api = fakeCreate(overHttp);
    expect(await createConfirmed(api.create, async () => false)).toBeNull();
    expect(api.calls).toEqual([undefined]);
    let asked = false;
    const bad = fakeCreate(() => new ApiError('invalid spec: spec.steps: too small', 'bad_request'));
    await expect(createConfirmed(bad.create, async () => (asked = true))).rejects.toThrow(/spec\.steps/);
    expect(asked).toBe(false);
  });
});
