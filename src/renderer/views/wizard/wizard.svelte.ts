// The "new narrow model" wizard's state: form fields → a run (or study) spec, validated with the
// shared schemas before anything is sent, and errors mapped back to the field that caused them.
import { TrainSpec } from '../../../shared/specs/train';
import type { RunRow } from '../../../shared/api';
import type { SkillRef } from '../../../shared/specs/common';
import { builtinSubsets, type DatasetRow } from '../../../shared/specs/dataset';
import { CompareStudySpec, CurriculumStudySpec, type CompareMethod } from '../../../shared/studies';
import { hiddenOf, phaseDefaults } from './compress';
import { SpecError, parseSpec } from '../../../shared/validate';
import { fieldLabel } from '../../../shared/glossary';
import { TEXT_STEP, TextWizardState, textFieldFor, textForm, type TextField } from './textSkill.svelte';
import type { FieldForm } from '../../components/fieldForm';

export type Step = 'skill' | 'route' | 'review';
export const STEPS: { id: Step; label: string }[] = [
  { id: 'skill', label: 'Skill' },
  { id: 'route', label: 'Route' },
  { id: 'review', label: 'Review' },
];

export type Field =
  | 'm' | 'n' | 'k' | 'target' | 'dataset'
  | 'broad' | 'broadSkills' | 'targetPerStep' | 'broadPerStep' | 'mixMode' | 'switchAt'
  | 'hidden' | 'activation' | 'lr' | 'steps' | 'evalEvery' | 'seed' | 'seeds'
  | 'route' | 'teacherRun' | 'methods' | 'sizes' | 'targetAccuracy' | 'budget' | 'remove'
  | 'name' | 'general';

export const FIELD_LABEL: Record<Field, string> = {
  dataset: 'Dataset', m: 'Atomic skills m', n: 'Data bits n', k: 'Bits per skill k', target: 'Narrow skill',
  broad: 'Broad data', broadSkills: 'Broad skills', targetPerStep: 'Narrow samples per step', broadPerStep: 'Broad samples per step (each)',
  mixMode: 'Mix', switchAt: 'Switch to narrow only at step', hidden: 'Hidden layer widths', activation: 'Activation',
  lr: 'Learning rate', steps: 'Steps', evalEvery: 'Evaluate every', seed: 'Seed', seeds: 'Seeds', name: 'Name', general: 'Spec',
  route: 'Route', teacherRun: 'General model', methods: 'Methods', sizes: 'Sizes (hidden units kept)', targetAccuracy: 'Target accuracy',
  budget: 'Training budget per method (steps)', remove: 'Skills to remove',
};

const STEP_FIELDS: Record<Step, Field[]> = {
  skill: ['m', 'n', 'k', 'target', 'dataset'],
  route: ['broad', 'broadSkills', 'targetPerStep', 'broadPerStep', 'mixMode', 'switchAt', 'hidden', 'activation', 'lr', 'steps', 'evalEvery', 'seed', 'seeds',
    'route', 'teacherRun', 'methods', 'sizes', 'targetAccuracy', 'budget', 'remove'],
  review: ['name', 'general'],
};

/** `message`: the rule's own words (or the schema's); `text`: the sentence shown, naming the field. */
export interface FieldIssue { field: Field; path: string; message: string; text: string }

/** The wizard's own rule broken at `field`, as a sentence that names it. */
function own(field: Field, path: string, message: string): FieldIssue {
  return { field, path, message, text: `${FIELD_LABEL[field]}: ${message}.` };
}

/** One reason per field is enough: schema issues at a field that one of the wizard's own rules
 *  already explains are left out, and a sentence repeated for several list entries is said once. */
function merge(ownIssues: FieldIssue[], schemaIssues: FieldIssue[]): FieldIssue[] {
  const explained = new Set(ownIssues.map((i) => i.field));
  const seen = new Set<string>();
  return [...ownIssues, ...schemaIssues.filter((i) => !explained.has(i.field))].filter((i) => {
    const k = `${i.field}\u0000${i.text}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Which form field a spec path (as the schemas name it) belongs to. */
export function fieldForPath(path: string): Field {
  let p = path.replace(/^base\./, '').replace(/^regimes\[\d+\]\./, '');
  if (p.startsWith('teacher.run') || p === 'teacher') return 'teacherRun';
  if (p.startsWith('teacher.hidden')) return 'teacherRun';
  p = p.replace(/^teacher\.train\./, '');
  if (/^(prune\.recovery|groupLasso\.train|distill\.train|scratch)\.steps/.test(p)) return 'budget';
  if (p.startsWith('sizes')) return 'sizes';
  if (p.startsWith('methods')) return 'methods';
  if (p.startsWith('targetAccuracy')) return 'targetAccuracy';
  if (p.startsWith('remove')) return 'remove';
  if (p.startsWith('keep')) return 'target';
  let m: RegExpExecArray | null;
  if ((m = /^task\.(m|n|k)\b/.exec(p))) return m[1] as Field;
  if (p.startsWith('task.dataset')) return 'dataset';
  if (p.startsWith('task.subsets')) return 'n';
  if (p.startsWith('target')) return 'target';
  if (/fromStep$/.test(p) && !/schedule\[0\]/.test(p)) return 'switchAt';
  if (/^mixture(\.schedule\[\d+\]\.components)?\[0\]\.perStep/.test(p)) return 'targetPerStep';
  if (/^mixture.*perStep/.test(p)) return 'broadPerStep';
  if (/^mixture(\.schedule\[\d+\]\.components)?\[0\]\.skill/.test(p)) return 'target';
  if (/^mixture.*skill/.test(p)) return 'broadSkills';
  if (p.startsWith('mixture')) return 'mixMode';
  if (p.startsWith('model.hidden')) return 'hidden';
  if (p.startsWith('model.activation')) return 'activation';
  if (p.startsWith('optimizer.lr')) return 'lr';
  if (p.startsWith('steps')) return 'steps';
  if (p.startsWith('eval.every')) return 'evalEvery';
  if (p.startsWith('seeds')) return 'seeds';
  if (p.startsWith('seed')) return 'seed';
  if (p.startsWith('name')) return 'name';
  return 'general';
}

export function stepOf(field: Field): Step {
  return (Object.keys(STEP_FIELDS) as Step[]).find((s) => STEP_FIELDS[s].includes(field)) ?? 'review';
}

/** "12, 24" → [12, 24]; anything unparsable becomes NaN so the schema names the bad entry. */
export function parseWidths(text: string): number[] {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  return parts.map((s) => (/^-?\d+(\.\d+)?$/.test(s) ? Number(s) : NaN));
}

export type Built = { kind: 'run'; spec: Record<string, unknown> } | { kind: 'study'; spec: Record<string, unknown> };

export class WizardState {
  step = $state<Step>('skill');
  /** "Run on" at the review step: 'local', or 'slurm:<partition>' where the service has sbatch (lib/executor.ts). */
  runOn = $state('local');
  /** CMSP (built in), an imported image dataset, or an imported text domain (textSkill.svelte.ts). */
  suite = $state<'cmsp' | 'images' | 'text'>('cmsp');
  readonly text = new TextWizardState();
  /** The wizard's fields as the field components see them (components/fieldForm.ts). */
  readonly form: FieldForm<Field> = { idPrefix: 'f', label: (f) => FIELD_LABEL[f], errors: (f) => this.errorsFor(f).map((i) => i.text), edited: () => this.revalidate() };
  /** The text skill's fields: its own issues; an input revalidates the whole wizard. */
  readonly textForm: FieldForm<TextField> = textForm(this.text, () => this.revalidate());
  datasets = $state<DatasetRow[]>([]);
  dataset = $state('');
  /** Images: the narrow skill as a named subset or class name ('' = the classes ticked below). */
  imgSkill = $state('');
  imgClasses = $state<number[]>([]);
  /** Images: broad skills by name (subsets or classes). */
  imgBroad = $state<string[]>(['all']);
  readonly currentDataset = $derived(this.datasets.find((d) => d.name === this.dataset) ?? null);
  /** Named class subsets of the chosen dataset: its own, then all/even/odd. */
  readonly imgSubsets = $derived.by(() => {
    const d = this.currentDataset;
    if (!d) return [] as { name: string; classes: number[] }[];
    const own = d.meta?.subsets ?? {};
    const all = { ...builtinSubsets(d.classes.length), ...own };
    return Object.entries(all).map(([name, classes]) => ({ name, classes }));
  });
  // Skill: composite CMSP task.
  m = $state<number | null>(8);
  n = $state<number | null>(32);
  k = $state<number | null>(3);
  target = $state<number[]>([0, 1, 2]);
  // Route: train from scratch with an optional broad-data mix.
  broad = $state(true);
  broadSkills = $state<number[]>([0, 1, 2]);
  targetPerStep = $state<number | null>(256);
  broadPerStep = $state<number | null>(256);
  mixMode = $state<'constant' | 'schedule'>('constant');
  switchAt = $state<number | null>(2000);
  hidden = $state('256');
  activation = $state<'relu' | 'tanh'>('relu');
  lr = $state<number | null>(0.001);
  steps = $state<number | null>(5000);
  evalEvery = $state<number | null>(100);
  seed = $state<number | null>(0);
  /** scratch: train a small model (optionally a curriculum study); compress: a compare study. */
  route = $state<'scratch' | 'compress'>('scratch');
  teacherMode = $state<'run' | 'train'>('train');
  teacherRun = $state('');
  methods = $state<CompareMethod[]>(['attribution', 'groupLasso', 'random', 'distill', 'scratch']);
  sizes = $state('8, 16, 32');
  targetAccuracy = $state<number | null>(0.97);
  budget = $state<number | null>(10000);
  remove = $state<number[]>([]);
  /** Finished runs, to look the chosen general model up (set by the view). */
  runs: readonly RunRow[] = [];

  /** Also run the comparison: narrow-only vs broad mix, as a curriculum study. */
  study = $state(false);
  seeds = $state<number | null>(2);
  name = $state('');

  /** Every current issue; errorsFor shows a field's only once it is touched. */
  issues = $state<FieldIssue[]>([]);
  /** Fields the user changed, or whose step they tried to leave (Next) or submit (Start). */
  private touched = $state<Field[]>([]);
  private lastValues: Record<Field, string> | null = null;

  constructor() {
    this.lastValues = this.fieldValues();
  }

  readonly atomic = $derived(Array.from({ length: Math.max(0, Math.min(64, this.m ?? 0)) }, (_, i) => i));

  /** Bits S_i of atomic skill i with the default subsets. */
  bitsOf(i: number): number[] {
    const k = this.k ?? 0;
    return Array.from({ length: k }, (_, j) => k * i + j);
  }

  targetBits = $derived(this.target.flatMap((i) => this.bitsOf(i)));

  toggleTarget(i: number): void {
    this.target = this.target.includes(i) ? this.target.filter((x) => x !== i) : [...this.target, i].sort((a, b) => a - b);
    this.revalidate();
  }
  toggleBroad(i: number): void {
    this.broadSkills = this.broadSkills.includes(i) ? this.broadSkills.filter((x) => x !== i) : [...this.broadSkills, i].sort((a, b) => a - b);
    this.revalidate();
  }
  /** The usual curriculum: the narrow skill's own atomic parts. */
  useTargetParts(): void {
    this.broadSkills = [...this.target];
    this.revalidate();
  }

  /** The narrow skill as the spec names it. */
  targetRef(): SkillRef {
    if (this.suite === 'cmsp') return [...this.target];
    return this.imgSkill || [...this.imgClasses];
  }
  skillLabel(): string {
    const t = this.targetRef();
    return typeof t === 'string' ? t : `[${t.join(',')}]`;
  }
  private broadRefs(): SkillRef[] {
    return this.suite === 'cmsp' ? this.broadSkills.map((i) => [i]) : [...this.imgBroad];
  }
  private taskSpec() {
    return this.suite === 'cmsp' ? { suite: 'cmsp', m: this.m, n: this.n, k: this.k } : { suite: 'images', dataset: this.dataset };
  }
  toggleImgClass(c: number): void {
    this.imgSkill = '';
    this.imgClasses = this.imgClasses.includes(c) ? this.imgClasses.filter((x) => x !== c) : [...this.imgClasses, c].sort((a, b) => a - b);
    this.revalidate();
  }
  toggleImgBroad(name: string): void {
    this.imgBroad = this.imgBroad.includes(name) ? this.imgBroad.filter((x) => x !== name) : [...this.imgBroad, name];
    this.revalidate();
  }

  private components(withBroad: boolean) {
    const comps: { skill: SkillRef; perStep: unknown }[] = [{ skill: this.targetRef(), perStep: this.targetPerStep }];
    if (withBroad) for (const s of this.broadRefs()) comps.push({ skill: s, perStep: this.broadPerStep });
    return comps;
  }

  private mixture(withBroad: boolean): unknown {
    if (!withBroad || this.mixMode === 'constant') return this.components(withBroad);
    return { schedule: [{ fromStep: 0, components: this.components(true) }, { fromStep: this.switchAt, components: this.components(false) }] };
  }

  private base() {
    return {
      task: this.taskSpec(),
      model: { arch: 'mlp', hidden: parseWidths(this.hidden), activation: this.activation },
      optimizer: { name: 'adam', lr: this.lr },
      steps: this.steps,
      eval: { every: this.evalEvery },
    };
  }

  defaultName = $derived(this.suite === 'text' ? this.text.defaultName() : this.route === 'compress'
    ? `compress to ${this.skillLabel()}`
    : `${this.suite === 'cmsp' ? 'cmsp' : this.dataset} ${this.skillLabel()}${this.broad && (this.suite === 'cmsp' ? this.broadSkills.length : this.imgBroad.length) ? ' + broad' : ''}`);

  toggleMethod(m: CompareMethod): void {
    this.methods = this.methods.includes(m) ? this.methods.filter((x) => x !== m) : [...this.methods, m];
    this.revalidate();
  }
  toggleRemove(i: number): void {
    this.remove = this.remove.includes(i) ? this.remove.filter((x) => x !== i) : [...this.remove, i].sort((a, b) => a - b);
    this.revalidate();
  }

  private buildCompare(name: string): Built {
    const budget = this.budget;
    const d = phaseDefaults();
    const teacherRow = this.runs.find((r) => r.id === this.teacherRun);
    const teacher = this.teacherMode === 'run'
      ? { run: this.teacherRun, hidden: hiddenOf(teacherRow) ?? [] }
      : { train: { model: { arch: 'mlp', hidden: parseWidths(this.hidden), activation: this.activation }, optimizer: { name: 'adam', lr: this.lr }, mixture: this.mixture(this.broad), steps: this.steps, eval: { every: this.evalEvery } } };
    return {
      kind: 'study',
      spec: {
        kind: 'compare', name, seed: this.seed, task: this.taskSpec(),
        keep: this.targetRef(), remove: this.suite === 'cmsp' ? this.remove.map((i) => [i]) : [], teacher,
        sizes: parseWidths(this.sizes), methods: [...this.methods], targetAccuracy: this.targetAccuracy, eval: { every: this.evalEvery },
        prune: { ...d.prune, recovery: { ...d.prune.recovery, steps: budget } },
        groupLasso: { ...d.groupLasso, train: { ...d.groupLasso.train, steps: budget } },
        distill: { ...d.distill, train: { ...d.distill.train, steps: budget } },
        scratch: { ...d.scratch, steps: budget },
      },
    };
  }

  /** The spec as the wizard will send it (before schema defaults are filled in). */
  build(): Built {
    const name = this.name.trim() || this.defaultName;
    if (this.suite === 'text') return { kind: 'run', spec: this.text.build(name) };
    if (this.route === 'compress') return this.buildCompare(name);
    if (this.study) {
      const seeds = Array.from({ length: Math.max(0, Math.min(16, this.seeds ?? 0)) }, (_, i) => (this.seed ?? 0) + i);
      return {
        kind: 'study',
        spec: {
          kind: 'curriculum', name, base: this.base(), target: this.targetRef(),
          regimes: [
            { name: 'narrow only', mixture: this.mixture(false) },
            ...(this.broad ? [{ name: 'with broad data', mixture: this.mixture(true) }] : []),
          ],
          seeds,
        },
      };
    }
    return { kind: 'run', spec: { kind: 'train', name, seed: this.seed, ...this.base(), mixture: this.mixture(this.broad), target: this.targetRef() } };
  }

  /** Validate everything with the shared schemas plus the wizard's own rules; returns the issues. */
  validate(): FieldIssue[] {
    if (this.suite === 'text') {
      // The text skill shows its own issues at its own fields; here they only gate the steps.
      const asField = { skill: 'target', route: 'steps', review: 'name' } as const;
      return this.text.validate(this.name.trim() || this.defaultName).map((i) => ({ field: asField[TEXT_STEP[i.field]], path: i.path, message: i.message, text: i.message }));
    }
    const out: FieldIssue[] = [];
    const m = this.m ?? 0;
    if (this.suite === 'images') {
      if (!this.currentDataset) out.push(own('dataset', 'task.dataset', 'choose an imported dataset'));
      else if (!this.imgSkill && this.imgClasses.length === 0) out.push(own('target', 'target', 'pick a subset or at least one class'));
    } else {
      if (this.target.length === 0) out.push(own('target', 'target', 'pick at least one atomic skill'));
      for (const i of this.target) if (i >= m) out.push(own('target', 'target', `skill ${i} does not exist when m = ${m}`));
    }
    const usesMix = this.route === 'scratch' || this.teacherMode === 'train';
    const broadCount = this.suite === 'cmsp' ? this.broadSkills.length : this.imgBroad.length;
    if (usesMix && this.broad && broadCount === 0) out.push(own('broadSkills', 'mixture', 'pick at least one broad skill, or switch broad data off'));
    for (const i of usesMix && this.broad && this.suite === 'cmsp' ? this.broadSkills : []) if (i >= m) out.push(own('broadSkills', 'mixture', `skill ${i} does not exist when m = ${m}`));
    if (usesMix && this.broad && this.mixMode === 'schedule' && this.steps != null && this.switchAt != null && this.switchAt >= this.steps) {
      out.push(own('switchAt', 'mixture.schedule[1].fromStep', `must be below the number of steps (${this.steps})`));
    }
    if (this.route === 'compress') {
      if (this.teacherMode === 'run' && !this.teacherRun) out.push(own('teacherRun', 'teacher.run', 'pick a finished general model, or let the study train one'));
      for (const i of this.remove) if (this.target.includes(i)) out.push(own('remove', 'remove', `skill ${i} is part of the narrow skill`));
    }
    if (this.route === 'scratch' && this.study && (this.seeds == null || this.seeds < 1 || !Number.isInteger(this.seeds))) out.push(own('seeds', 'seeds', 'at least one seed'));
    const built = this.build();
    try {
      if (this.route === 'compress') parseSpec(CompareStudySpec, built.spec);
      else if (built.kind === 'study') parseSpec(CurriculumStudySpec, built.spec);
      else parseSpec(TrainSpec, built.spec);
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      return merge(out, e.issues.map((i) => ({ field: fieldForPath(i.path), path: i.path, message: i.message, text: i.text ?? `${fieldLabel(i.path)}: ${i.message}` })));
    }
    return merge(out, []);
  }

  /** Recompute the issues; a field whose value changed since the last look counts as touched. */
  revalidate(): void {
    const now = this.fieldValues();
    const changed = (Object.keys(now) as Field[]).filter((f) => this.lastValues && now[f] !== this.lastValues[f]);
    this.lastValues = now;
    if (changed.length) this.touched = [...new Set([...this.touched, ...changed])];
    this.issues = this.validate();
  }

  /** Mark a field touched (a blur without a change counts too) and recompute. */
  touch(field: Field): void {
    if (!this.touched.includes(field)) this.touched = [...this.touched, field];
    this.revalidate();
  }

  /** Show the step's errors from here on (Next, Start); true when the step (or all, for review) is clean. */
  check(step: Step = this.step): boolean {
    const fields = step === 'review' ? null : STEP_FIELDS[step];
    this.touched = [...new Set([...this.touched, ...(fields ?? (Object.keys(FIELD_LABEL) as Field[]))])];
    this.lastValues = this.fieldValues();
    this.issues = this.validate();
    return !this.issues.some((i) => !fields || fields.includes(i.field));
  }

  /** The issues to show at a field: only once the user has touched it or tried to go on. */
  errorsFor(field: Field): FieldIssue[] {
    return this.touched.includes(field) ? this.issues.filter((i) => i.field === field) : [];
  }

  /** Each field's current value, to notice which ones the user changed. Choosing how to get the
   *  general model (teacherMode) touches nothing: an empty choice right after is not an error yet. */
  private fieldValues(): Record<Field, string> {
    const j = JSON.stringify;
    return {
      m: j(this.m), n: j(this.n), k: j(this.k), target: j([this.target, this.imgSkill, this.imgClasses]), dataset: j(this.dataset),
      broad: j(this.broad), broadSkills: j([this.broadSkills, this.imgBroad]), targetPerStep: j(this.targetPerStep), broadPerStep: j(this.broadPerStep),
      mixMode: j(this.mixMode), switchAt: j(this.switchAt), hidden: j(this.hidden), activation: j(this.activation), lr: j(this.lr),
      steps: j(this.steps), evalEvery: j(this.evalEvery), seed: j(this.seed), seeds: j(this.seeds), route: j(this.route),
      teacherRun: j(this.teacherRun), methods: j(this.methods), sizes: j(this.sizes), targetAccuracy: j(this.targetAccuracy),
      budget: j(this.budget), remove: j(this.remove), name: j(this.name), general: '',
    };
  }

  next(): void {
    if (!this.check()) return;
    const i = STEPS.findIndex((s) => s.id === this.step);
    if (i < STEPS.length - 1) this.step = STEPS[i + 1].id;
  }

  back(): void {
    const i = STEPS.findIndex((s) => s.id === this.step);
    if (i > 0) this.step = STEPS[i - 1].id;
  }

  /** Go to the first step with an error (after a failed Start). */
  jumpToFirstError(): void {
    const first = this.issues[0];
    if (first) this.step = stepOf(first.field);
  }

  /** Take the server's field issues (ApiError.issues) as our own. */
  setServerIssues(issues: { path: string; message: string; text?: string }[], fallback: string): void {
    if (this.suite === 'text') {
      this.text.issues = issues.length ? issues.map((i) => ({ field: textFieldFor(i.path), path: i.path, message: i.text ?? i.message })) : [{ field: 'general', path: '', message: fallback }];
      const asField = { skill: 'target', route: 'steps', review: 'name' } as const;
      this.issues = this.text.issues.map((i) => ({ field: asField[TEXT_STEP[i.field]], path: i.path, message: i.message, text: i.message }));
      this.touched = [...new Set([...this.touched, ...this.issues.map((i) => i.field)])];
      return;
    }
    this.issues = issues.length
      ? issues.map((i) => ({ field: fieldForPath(i.path), path: i.path, message: i.message, text: i.text ?? `${fieldLabel(i.path)}: ${i.message}` }))
      : [{ field: 'general', path: '', message: fallback, text: fallback }];
    this.touched = [...new Set([...this.touched, ...this.issues.map((i) => i.field)])];
  }

  totalPerStep = $derived((this.targetPerStep ?? 0) + (this.broad ? (this.suite === 'cmsp' ? this.broadSkills.length : this.imgBroad.length) * (this.broadPerStep ?? 0) : 0));
}
