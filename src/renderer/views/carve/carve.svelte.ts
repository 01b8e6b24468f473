// The "Make a narrow model from a model file" wizard's state: a decoder the person brought (an
// imported Hugging Face checkpoint, or a language model trained here) → the text domains to keep and
// to remove → sizes as fractions of its MLP neurons (and heads) and the methods to compare → review.
// It builds one lmCompare study spec with `source: { run }` (the contract in docs/h19-contract.md):
// prune by each score and recover, distil into that shape, train that shape from scratch, each
// measured as tokens to reach the general model's loss × a factor on the keep domain.
import type { RunRow } from '../../../shared/api';
import type { ExecutorChoice } from '../../../shared/executor';
import type { CorpusRow } from '../../../shared/specs/corpusImport';
import { type LmCompareMethod, LmCompareStudySpec } from '../../../shared/studies/text';
import { SpecError, parseSpec } from '../../../shared/validate';
import type { FieldForm } from '../../components/fieldForm';
import { executorFor, LOCAL } from '../../lib/executor';

export type CarveStep = 'model' | 'domains' | 'size' | 'review';
export const CARVE_STEPS: { id: CarveStep; label: string }[] = [
  { id: 'model', label: 'Model' },
  { id: 'domains', label: 'Domains' },
  { id: 'size', label: 'Size and methods' },
  { id: 'review', label: 'Review' },
];

/** The study's methods (shared/studies/text LmCompareMethod) in the order the wizard lists them. */
export type CarveMethod = LmCompareMethod;
export const CARVE_METHODS: readonly CarveMethod[] = ['attribution', 'ablation', 'magnitude', 'random', 'groupLasso', 'distill', 'scratch'];
export const CARVE_METHOD_LABEL: Record<CarveMethod, string> = {
  attribution: 'Attribution prune + recover', ablation: 'Ablation prune + recover (small models)', magnitude: 'Magnitude prune + recover (baseline)',
  random: 'Random prune + recover (baseline)', groupLasso: 'Group lasso, then prune + recover', distill: 'Distillation into the same shape', scratch: 'Training that shape from scratch',
};

export type CarveField =
  | 'source' | 'keep' | 'remove' | 'sizes' | 'heads' | 'methods'
  | 'steps' | 'perStep' | 'lr' | 'evalEvery' | 'targetLossFactor' | 'context' | 'scope' | 'headScope' | 'minPerLayer' | 'teacher' | 'relearnSteps' | 'seed'
  | 'name' | 'general';

export const CARVE_LABEL: Record<CarveField, string> = {
  source: 'Model', keep: 'Domain to keep', remove: 'Domains to remove', sizes: 'MLP neurons kept (fractions)', heads: 'Attention heads kept (fraction)',
  methods: 'Methods', steps: 'Most training steps per method', perStep: 'Windows per step', lr: 'Learning rate', evalEvery: 'Evaluate every (steps)',
  targetLossFactor: 'Target loss (× the general model’s)', context: 'Context (tokens)', scope: 'Selection', headScope: 'Attention-head selection', minPerLayer: 'Units kept per layer at least',
  teacher: 'Recover with the model as teacher', relearnSteps: 'Relearn test steps', seed: 'Seed', name: 'Name', general: 'Spec',
};

const STEP_FIELDS: Record<CarveStep, CarveField[]> = {
  model: ['source'],
  domains: ['keep', 'remove'],
  size: ['sizes', 'heads', 'methods'],
  review: ['steps', 'perStep', 'lr', 'evalEvery', 'targetLossFactor', 'context', 'scope', 'headScope', 'minPerLayer', 'teacher', 'relearnSteps', 'seed', 'name', 'general'],
};

export function carveStepOf(field: CarveField): CarveStep {
  return (Object.keys(STEP_FIELDS) as CarveStep[]).find((s) => STEP_FIELDS[s].includes(field)) ?? 'review';
}

export interface CarveIssue { field: CarveField; path: string; message: string; /** the sentence shown: names the field */ text: string }

/** Which wizard field an lmCompare spec path (as the schema names it) belongs to. */
export function carveFieldFor(path: string): CarveField {
  const p = path.replace(/^spec\./, '').replace(/\[(\d+)\]/g, '.$1');
  if (p.startsWith('source') || p.startsWith('general')) return 'source';
  if (p.startsWith('remove')) return 'remove';
  if (p.startsWith('target') && !p.startsWith('targetLoss')) return 'keep';
  if (p.startsWith('task.domains')) return 'keep';
  if (/^sizes\.\d+\.heads/.test(p)) return 'heads';
  if (p.startsWith('sizes')) return 'sizes';
  if (p.startsWith('methods')) return 'methods';
  if (p.startsWith('targetLoss')) return 'targetLossFactor';
  if (p.startsWith('task.context')) return 'context';
  if (p.startsWith('perStep')) return 'perStep';
  if (p.startsWith('steps')) return 'steps';
  if (p.startsWith('optimizer.lr')) return 'lr';
  if (p.startsWith('eval.every')) return 'evalEvery';
  if (p.startsWith('prune.scope')) return 'scope';
  if (p.startsWith('prune.headScope')) return 'headScope';
  if (p.startsWith('prune.minPerLayer')) return 'minPerLayer';
  if (p.startsWith('prune.teacher')) return 'teacher';
  if (p.startsWith('relearn')) return 'relearnSteps';
  if (p.startsWith('seed')) return 'seed';
  if (p.startsWith('name')) return 'name';
  return 'general';
}

/** The shape of a decoder run's model, as far as the wizard needs it (sizes, heads, context). */
export interface DecoderShape { layers: number; dModel: number; mlpWidth: number; heads: number; kvHeads: number; context: number; params: number | null; architecture: string }

/** An imported checkpoint (its summary) or a language model trained here (its spec's model). */
export function decoderShape(run: RunRow | null | undefined): DecoderShape | null {
  if (!run) return null;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  if (run.kind === 'importModel') {
    const s = (run.summary ?? {}) as Record<string, unknown>;
    const layers = n(s.layers); const mlp = n(s.mlpWidth); const heads = n(s.heads); const d = n(s.dModel);
    if (layers === null || mlp === null || heads === null || d === null) return null;
    return { layers, dModel: d, mlpWidth: mlp, heads, kvHeads: n(s.kvHeads) ?? heads, context: n(s.context) ?? 64, params: n(s.params), architecture: String(s.architecture ?? 'decoder') };
  }
  const m = (run.spec as { model?: { layers?: number; dModel?: number; mlpWidth?: number; heads?: number; context?: number } }).model;
  if (!m || typeof m.layers !== 'number' || typeof m.dModel !== 'number' || typeof m.mlpWidth !== 'number' || typeof m.heads !== 'number') return null;
  return { layers: m.layers, dModel: m.dModel, mlpWidth: m.mlpWidth, heads: m.heads, kvHeads: m.heads, context: m.context ?? 64, params: n(run.summary?.params), architecture: 'Whittle transformer' };
}

/** Runs whose model the wizard can carve: finished imported checkpoints and finished language models
 *  trained here (method train), newest first. */
export function carveSources(runs: readonly RunRow[]): RunRow[] {
  return runs.filter((r) => {
    if (r.status !== 'done') return false;
    if (r.kind === 'importModel') return true;
    const s = r.spec as { method?: string };
    return r.kind === 'lm' && (s.method ?? 'train') === 'train';
  }).sort((a, b) => b.createdAt - a.createdAt);
}

/** "0.5, 0.25" → [0.5, 0.25]; "50%" reads as 0.5; anything unparsable becomes NaN (named later). */
export function parseFractions(text: string): number[] {
  return text.split(/[\s,;]+/).filter(Boolean).map((s) => {
    const pct = /^(\d+(?:\.\d+)?)%$/.exec(s);
    if (pct) return Number(pct[1]) / 100;
    return /^\d*\.?\d+$/.test(s) ? Number(s) : NaN;
  });
}

const PROBE_STEPS = 10;

export class CarveWizardState {
  step = $state<CarveStep>('model');
  /** The wizard's fields as the field components see them (components/fieldForm.ts): an input touches its field. */
  readonly form: FieldForm<CarveField> = { idPrefix: 'c', label: (f) => CARVE_LABEL[f], errors: (f) => this.errorsFor(f).map((i) => i.text), edited: (f) => this.touch(f) };
  runs = $state<readonly RunRow[]>([]);
  corpora = $state<CorpusRow[]>([]);
  source = $state('');
  keep = $state('');
  remove = $state<string[]>([]);
  sizes = $state('0.5, 0.25');
  /** Fraction of attention heads kept at every size; '' keeps them all. */
  heads = $state('');
  /** Under grouped-query attention: prune a key/value group with its query heads, or query heads alone. */
  headGroup = $state<'kv' | 'query'>('kv');
  /** Heads: the same fraction in every layer (default), or ranked across layers. */
  headScope = $state<'global' | 'perLayer'>('perLayer');
  methods = $state<CarveMethod[]>(['attribution', 'random', 'distill', 'scratch']);
  steps = $state<number | null>(300);
  perStep = $state<number | null>(8);
  lr = $state<number | null>(0.001);
  evalEvery = $state<number | null>(25);
  targetLossFactor = $state<number | null>(1.1);
  context = $state<number | null>(64);
  scope = $state<'global' | 'perLayer'>('global');
  minPerLayer = $state<number | null>(1);
  teacher = $state(false);
  /** Steps of the relearn test on the first removed domain; 0 = no relearn test. */
  relearnSteps = $state<number | null>(50);
  seed = $state<number | null>(0);
  name = $state('');
  /** "Run on" at the review step: 'local', or 'slurm:<partition>' where the service has sbatch (lib/executor.ts). */
  runOn = $state(LOCAL);
  issues = $state<CarveIssue[]>([]);
  /** Fields the person changed, or whose step they tried to leave: only their errors show. */
  private touched = $state<CarveField[]>([]);

  readonly sources = $derived(carveSources(this.runs));
  readonly sourceRun = $derived(this.runs.find((r) => r.id === this.source) ?? null);
  readonly shape = $derived(decoderShape(this.sourceRun));
  readonly totalNeurons = $derived(this.shape ? this.shape.layers * this.shape.mlpWidth : null);
  /** Whether the model has heads to prune (more than one per layer: at least one stays in every layer). */
  readonly hasHeads = $derived(!!this.shape && this.shape.heads > 1);
  /** Grouped-query attention: fewer key/value heads than query heads (the KV-group / query-heads choice). */
  readonly gqa = $derived(!!this.shape && this.shape.kvHeads < this.shape.heads);
  /** The heads field as one valid fraction in (0, 1] for a model with heads to prune; null when it is
   *  empty, not valid (check() says why), or the model has none. */
  readonly headFraction = $derived.by(() => {
    if (!this.hasHeads || this.heads.trim() === '') return null;
    const h = parseFractions(this.heads);
    return h.length === 1 && h[0] > 0 && h[0] <= 1 ? h[0] : null;
  });
  readonly domainNames = $derived(this.corpora.map((c) => c.name));
  /** Imported corpora the remove list can take: every one but the keep domain. */
  readonly removable = $derived(this.domainNames.filter((d) => d !== this.keep));
  readonly defaultName = $derived(`${this.keep || 'narrow'} from ${this.sourceRun?.name ?? 'a model'}`);

  /** Pick the model; the task's context follows it (at most 64 tokens by default, for speed). */
  pickSource(id: string): void {
    this.source = id;
    const s = decoderShape(this.runs.find((r) => r.id === id));
    if (s) this.context = Math.min(64, s.context);
    this.touch('source');
  }

  pickKeep(name: string): void {
    this.keep = name;
    this.remove = this.remove.filter((d) => d !== name);
    this.touch('keep');
  }

  toggleRemove(name: string): void {
    this.remove = this.remove.includes(name) ? this.remove.filter((d) => d !== name) : [...this.remove, name];
    this.touch('remove');
  }

  toggleMethod(m: CarveMethod): void {
    this.methods = this.methods.includes(m) ? this.methods.filter((x) => x !== m) : CARVE_METHODS.filter((x) => x === m || this.methods.includes(x));
    this.touch('methods');
  }

  /** MLP neurons kept at a fraction (rounded as the engine does: at least one per layer). */
  neuronsAt(fraction: number): number | null {
    if (!this.shape || !Number.isFinite(fraction)) return null;
    return Math.max(this.shape.layers, Math.round(fraction * this.shape.layers * this.shape.mlpWidth));
  }

  /** Attention-head units kept in all at a fraction (as the engine rounds: at least one per layer),
   *  and the units per layer: KV groups ('kv' under grouped-query attention) or heads. */
  headUnitsAt(fraction: number): { kept: number; total: number; unit: string } | null {
    const s = this.shape;
    if (!s || !Number.isFinite(fraction)) return null;
    const perLayer = this.gqa && this.headGroup === 'kv' ? s.kvHeads : s.heads;
    const total = perLayer * s.layers;
    return { kept: Math.min(total, Math.max(s.layers, Math.round(fraction * total))), total, unit: this.gqa && this.headGroup === 'kv' ? 'key/value groups' : 'heads' };
  }

  /** createStudy's executor for the "Run on" choice: undefined runs on this machine's workers. */
  executor(): ExecutorChoice | undefined { return executorFor(this.runOn); }

  /** The study spec as the wizard will send it (before the schema fills in defaults). */
  build(): Record<string, unknown> {
    const heads = this.heads.trim() === '' || !this.hasHeads ? null : parseFractions(this.heads)[0] ?? NaN;
    const relearn = (this.relearnSteps ?? 0) > 0 && this.remove.length ? { relearn: { domain: this.remove[0], steps: this.relearnSteps, perStep: this.perStep } } : {};
    return {
      kind: 'lmCompare', name: this.name.trim() || this.defaultName, seed: this.seed,
      source: { run: this.source },
      task: { suite: 'text', domains: [this.keep, ...this.remove.filter((d) => d !== this.keep)].filter(Boolean), context: this.context },
      target: this.keep, remove: [...this.remove],
      targetLossFactor: this.targetLossFactor,
      sizes: parseFractions(this.sizes).map((mlp) => (heads === null ? { mlp } : { mlp, heads })),
      methods: [...this.methods],
      perStep: this.perStep, steps: this.steps,
      optimizer: { lr: this.lr },
      eval: { every: this.evalEvery, windows: 16 },
      prune: { scope: this.scope, minPerLayer: this.minPerLayer, ...(heads !== null ? { headScope: this.headScope, ...(this.gqa ? { headGroup: this.headGroup } : {}) } : {}), ...(this.teacher ? { teacher: { alpha: 0.5, temperature: 2 } } : {}) },
      ...relearn,
    };
  }

  /** A step-time probe for the estimate: ten training steps of a transformer of the model's shape on
   *  the keep domain (byte tokens: the speed per FLOP is what it measures, not the model's loss). */
  probeSpec(): Record<string, unknown> | null {
    const s = this.shape;
    if (!s || !this.keep || !this.context || s.dModel % s.heads !== 0) return null;
    const context = Math.min(this.context, s.context);
    return {
      kind: 'lm', name: `step-time probe ${s.layers}×${s.dModel}, MLP ${s.mlpWidth}`, method: 'train',
      task: { suite: 'text', domains: [this.keep], context },
      model: { arch: 'transformer', layers: s.layers, dModel: s.dModel, heads: s.heads, mlpWidth: s.mlpWidth, context },
      mixture: [{ skill: this.keep, perStep: this.perStep ?? 8 }], steps: PROBE_STEPS, eval: { every: PROBE_STEPS, windows: 1 },
      schedule: { warmup: 0 },
    };
  }

  /** The wizard's own rules (what the schema cannot know: the imported corpora, the model's shape). */
  private ownIssues(): CarveIssue[] {
    const out: CarveIssue[] = [];
    const add = (field: CarveField, path: string, message: string) => out.push({ field, path, message, text: `${CARVE_LABEL[field]}: ${message}.` });
    if (!this.source) add('source', 'source.run', this.sources.length ? 'pick a model, or open a checkpoint folder' : 'open a checkpoint folder first (no imported or trained language model yet)');
    else if (!this.sourceRun) add('source', 'source.run', `run ${this.source} is not a finished language model`);
    if (this.corpora.length < 2) add('keep', 'target', `import at least two text domains first (one to keep, one to remove); ${this.corpora.length} imported`);
    else if (!this.keep) add('keep', 'target', 'pick the domain the narrow model must stay good at');
    if (this.corpora.length >= 2 && this.remove.length === 0) add('remove', 'remove', 'pick at least one domain whose loss must rise');
    const fr = parseFractions(this.sizes);
    if (!fr.length) add('sizes', 'sizes', 'give at least one fraction, for example 0.5, 0.25');
    fr.forEach((f, i) => { if (!(f > 0 && f <= 1)) add('sizes', `sizes[${i}].mlp`, `${Number.isNaN(f) ? `'${this.sizes.split(/[\s,;]+/).filter(Boolean)[i]}' is not a number` : `${f} is not in (0, 1]`}: a fraction of the MLP neurons kept, 0.5 = half`); });
    if (new Set(fr).size !== fr.length) add('sizes', 'sizes', 'each fraction once');
    if (this.heads.trim() !== '' && this.hasHeads && this.headFraction === null) add('heads', 'sizes[0].heads', 'one fraction in (0, 1], or empty to keep every head');
    if (!this.methods.length) add('methods', 'methods', 'pick at least one method');
    return out;
  }

  /** Own rules, then the shared schema; sets and returns every issue (one sentence per field and text). */
  validate(): CarveIssue[] {
    const own = this.ownIssues();
    let schema: CarveIssue[] = [];
    try { parseSpec(LmCompareStudySpec, this.build()); } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      schema = e.issues.map((i) => { const field = carveFieldFor(i.path); return { field, path: i.path, message: i.message, text: `${CARVE_LABEL[field]}: ${i.message}` }; });
    }
    const explained = new Set(own.map((i) => i.field));
    const seen = new Set<string>();
    this.issues = [...own, ...schema.filter((i) => !explained.has(i.field))].filter((i) => {
      const k = `${i.field}\u0000${i.text}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    return this.issues;
  }

  touch(field: CarveField): void {
    if (!this.touched.includes(field)) this.touched = [...this.touched, field];
    this.validate();
  }

  /** A field's issues, once it is touched (changed, or its step left / submitted). */
  errorsFor(field: CarveField): CarveIssue[] {
    return this.touched.includes(field) ? this.issues.filter((i) => i.field === field) : [];
  }

  /** No issue at any field of this step. */
  stepValid(step: CarveStep): boolean {
    return !this.issues.some((i) => (step === 'review' ? true : STEP_FIELDS[step].includes(i.field)));
  }

  /** A step can be opened when every step before it is valid. */
  enabled(step: CarveStep): boolean {
    const i = CARVE_STEPS.findIndex((s) => s.id === step);
    return CARVE_STEPS.slice(0, i).every((s) => this.stepValid(s.id));
  }

  /** Show this step's errors (Next / Start); true when it (or, at review, the whole spec) is clean. */
  check(step: CarveStep = this.step): boolean {
    const fields = step === 'review' ? (Object.keys(CARVE_LABEL) as CarveField[]) : STEP_FIELDS[step];
    this.touched = [...new Set([...this.touched, ...fields])];
    this.validate();
    return this.stepValid(step);
  }

  next(): void {
    if (!this.check()) return;
    const i = CARVE_STEPS.findIndex((s) => s.id === this.step);
    if (i < CARVE_STEPS.length - 1) this.step = CARVE_STEPS[i + 1].id;
  }

  back(): void {
    const i = CARVE_STEPS.findIndex((s) => s.id === this.step);
    if (i > 0) this.step = CARVE_STEPS[i - 1].id;
  }

  goTo(step: CarveStep): void {
    if (this.enabled(step)) this.step = step;
  }

  jumpToFirstError(): void {
    const first = this.issues[0];
    if (first) this.step = carveStepOf(first.field);
  }

  /** The API's refusal as field issues (ApiError.issues). */
  setServerIssues(issues: { path: string; message: string }[], fallback: string): void {
    this.issues = issues.length
      ? issues.map((i) => { const field = carveFieldFor(i.path); return { field, path: i.path, message: i.message, text: `${CARVE_LABEL[field]}: ${i.message}` }; })
      : [{ field: 'general', path: '', message: fallback, text: fallback }];
    this.touched = [...new Set([...this.touched, ...this.issues.map((i) => i.field)])];
  }
}
