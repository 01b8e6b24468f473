// A recipe opened in the wizard's review step: its spec with the fields a person may want to change
// (steps, seeds, sizes, source folders…) as editable inputs, a name taken from the recipe, and an
// estimate of the time from a speed measured on this machine. Nothing starts until Start.
import { executorFor } from '../../lib/executor';
import type { RunRow, StudyRow, WhittleApi } from '../../../shared/api';
import type { RunEstimate } from '../../../shared/specs/runEstimate';
import { type AskConfirm, createConfirmed } from '../../lib/api/confirm';
import { issuesOf } from '../../lib/api/errors';
import { fieldLabel } from '../../../shared/glossary';

export type Recipe = { name: string; title: string; kind: string; spec: unknown };
type Json = Record<string, unknown>;

const STUDY_KINDS = new Set(['curriculum', 'compare', 'nonlocality', 'lmCompare']);
/** Keys never offered for editing: they say what the spec is, not how big it is. */
const FIXED = new Set(['kind', 'name', 'suite', 'arch', 'method', 'activation', 'score', 'scope']);
/** Deepest spec level offered ('teacher.train.steps' is 3). */
const MAX_DEPTH = 3;

export interface RecipeField {
  /** Dotted path in the spec ('teacher.train.steps', 'sources'). */
  path: string;
  label: string;
  type: 'number' | 'text' | 'numbers' | 'texts' | 'boolean';
  /** As typed; parsed back into the spec by build(). */
  value: string;
}

/** The editable leaves of a spec: numbers, strings, booleans, and lists of numbers or of strings. */
export function editableFields(spec: unknown, prefix = '', depth = 1): RecipeField[] {
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return [];
  const out: RecipeField[] = [];
  for (const [k, v] of Object.entries(spec as Json)) {
    if (FIXED.has(k)) continue;
    const path = prefix ? `${prefix}.${k}` : k;
    const field = (type: RecipeField['type'], value: string) => out.push({ path, label: fieldLabel(path), type, value });
    if (typeof v === 'number') field('number', String(v));
    else if (typeof v === 'string') field('text', v);
    else if (typeof v === 'boolean') field('boolean', String(v));
    else if (Array.isArray(v) && v.length && v.every((x) => typeof x === 'number')) field('numbers', v.join(', '));
    else if (Array.isArray(v) && v.length && v.every((x) => typeof x === 'string')) field('texts', v.join(', '));
    else if (v && typeof v === 'object' && !Array.isArray(v) && depth < MAX_DEPTH) out.push(...editableFields(v, path, depth + 1));
  }
  return out;
}

/** A name from the recipe: the spec's own name, else the recipe's name made readable. */
export function recipeName(r: Recipe): string {
  const own = (r.spec as { name?: unknown } | null)?.name;
  return typeof own === 'string' && own.trim() ? own.trim() : r.name.replace(/[-_]+/g, ' ');
}

export function isStudy(r: Recipe): boolean {
  return r.kind === 'study' || STUDY_KINDS.has(String((r.spec as { kind?: unknown } | null)?.kind ?? ''));
}

/** "spec.teacher.train.steps" / "base.mixture[0].perStep" → the field path it belongs to. */
function fieldPath(issuePath: string): string {
  return issuePath.replace(/^spec\./, '').replace(/\[(\d+)\]/g, '.$1');
}

const PROBE_STEPS = 10;

/** A step-time probe for a CMSP MLP (a train run, or a curriculum study's base): a short bench run
 *  of the same layer widths and batch, timed on this machine's worker. Null where the shape is not
 *  known from the spec alone (images need the dataset; text trains a transformer). */
export function probeSpecFor(spec: unknown): Json | null {
  const s = spec as Json;
  const base = (s.kind === 'curriculum' ? s.base : s) as Json | undefined;
  const mixture = s.kind === 'curriculum' ? ((s.regimes as Json[] | undefined)?.[0]?.mixture) : s.mixture;
  const task = base?.task as { suite?: string; m?: number; n?: number } | undefined;
  const model = base?.model as { arch?: string; hidden?: number[] } | undefined;
  if ((s.kind !== 'train' && s.kind !== 'curriculum') || task?.suite !== 'cmsp' || model?.arch !== 'mlp' || !model.hidden?.length) return null;
  const phase = (Array.isArray(mixture) ? mixture : (mixture as { schedule?: { components: unknown[] }[] } | undefined)?.schedule?.[0]?.components) as { perStep?: number }[] | undefined;
  const batch = (phase ?? []).reduce((a, c) => a + (c.perStep ?? 0), 0);
  if (!batch || !task.m || !task.n) return null;
  return { kind: 'bench', name: `step-time probe ${task.m + task.n}→${model.hidden.join('→')}→2 × ${batch}`, inputDim: task.m + task.n, hidden: [...model.hidden], outputs: 2, batch, steps: PROBE_STEPS, warmup: 2 };
}

export class RecipeReviewState {
  recipe = $state<Recipe | null>(null);
  name = $state('');
  fields = $state<RecipeField[]>([]);
  /** Field path → message (typing errors here, refusals from the API). */
  issues = $state<{ path: string; message: string }[]>([]);
  estimate = $state<RunEstimate | null>(null);
  estimateError = $state<string | null>(null);
  estimating = $state(false);
  busy = $state(false);
  error = $state<string | null>(null);
  probing = $state(false);
  /** "Run on": 'local' or 'slurm:<partition>' (lib/executor.ts; offered where the service has sbatch). */
  runOn = $state('local');
  private seq = 0;

  constructor(
    private readonly api: Pick<WhittleApi, 'createRun' | 'createStudy' | 'estimateSpec' | 'getRun'>,
    private readonly ask: AskConfirm,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** The probe this spec allows (see probeSpecFor), as edited. */
  probeSpec(): Json | null { return probeSpecFor(this.build().spec); }

  /** Time a few real steps of this shape here (a bench run), then estimate again from that measurement. */
  async measure(): Promise<void> {
    const spec = this.probeSpec();
    if (!spec) return;
    this.probing = true;
    this.estimateError = null;
    try {
      let run = await this.api.createRun(spec);
      while (run.status === 'queued' || run.status === 'running') {
        await this.sleep(300);
        run = await this.api.getRun(run.id);
      }
      if (run.status !== 'done') throw new Error(`the probe run ${run.status}${run.error ? `: ${run.error}` : ''}`);
      await this.refreshEstimate();
    } catch (e) {
      this.estimateError = `could not measure: ${(e as Error).message}`;
    } finally {
      this.probing = false;
    }
  }

  open(r: Recipe): void {
    this.recipe = r;
    this.name = recipeName(r);
    this.fields = editableFields(r.spec);
    this.issues = [];
    this.error = null;
  }

  field(path: string): RecipeField | undefined { return this.fields.find((f) => f.path === path); }

  errorsFor(path: string): string[] {
    return this.issues.filter((i) => i.path === path || i.path.startsWith(`${path}.`)).map((i) => i.message);
  }

  /** Issues that belong to no editable field (shown above Start). */
  readonly otherIssues = $derived(this.issues.filter((i) => i.path !== 'name' && !this.fields.some((f) => i.path === f.path || i.path.startsWith(`${f.path}.`))));

  /** The spec as it will be sent, and the typing errors that stop it being sent. */
  build(): { spec: Json; issues: { path: string; message: string }[] } {
    const spec = structuredClone($state.snapshot(this.recipe?.spec ?? {})) as Json;
    const issues: { path: string; message: string }[] = [];
    for (const f of this.fields) {
      let v: unknown;
      const raw = f.value.trim();
      if (f.type === 'number') {
        v = raw === '' ? NaN : Number(raw);
        if (!Number.isFinite(v as number)) { issues.push({ path: f.path, message: 'enter a number' }); continue; }
      } else if (f.type === 'numbers') {
        const parts = raw.split(/[\s,]+/).filter(Boolean);
        v = parts.map(Number);
        if (!parts.length || (v as number[]).some((x) => !Number.isFinite(x))) { issues.push({ path: f.path, message: 'enter numbers separated by commas' }); continue; }
      } else if (f.type === 'texts') {
        v = raw.split(',').map((s) => s.trim()).filter(Boolean);
        if (!(v as string[]).length) { issues.push({ path: f.path, message: 'enter at least one value (separate several with commas)' }); continue; }
      } else if (f.type === 'boolean') v = raw === 'true';
      else v = f.value;
      let obj = spec;
      const keys = f.path.split('.');
      for (const k of keys.slice(0, -1)) obj = obj[k] as Json;
      obj[keys[keys.length - 1]] = v;
    }
    const name = this.name.trim();
    if (!name) issues.push({ path: 'name', message: 'give the run a name' });
    else spec.name = name;
    return { spec, issues };
  }

  /** Ask the API for the estimate of the spec as edited (latest call wins). */
  async refreshEstimate(): Promise<void> {
    const { spec, issues } = this.build();
    const seq = ++this.seq;
    if (issues.length) { this.issues = issues; return; }
    this.estimating = true;
    try {
      const e = await this.api.estimateSpec(spec);
      if (seq !== this.seq) return;
      this.estimate = e;
      this.estimateError = null;
      this.issues = [];
    } catch (e) {
      if (seq !== this.seq) return;
      this.estimate = null;
      const found = issuesOf(e).map((i) => ({ path: fieldPath(i.path), message: i.message }));
      this.issues = found;
      this.estimateError = found.length ? null : (e as Error).message;
    } finally {
      if (seq === this.seq) this.estimating = false;
    }
  }

  /** Create the run or study (through the large-spec confirmation); the created row, or null. */
  async start(): Promise<{ run: RunRow } | { study: StudyRow } | null> {
    const r = this.recipe;
    if (!r) return null;
    const { spec, issues } = this.build();
    if (issues.length) { this.issues = issues; return null; }
    this.busy = true;
    this.error = null;
    const executor = executorFor(this.runOn);
    try {
      if (isStudy(r)) {
        const study = await createConfirmed((o) => this.api.createStudy(spec, { ...o, executor }), this.ask);
        return study ? { study } : null;
      }
      const run = await createConfirmed((o) => this.api.createRun(spec, { ...o, executor }), this.ask);
      return run ? { run } : null;
    } catch (e) {
      const found = issuesOf(e).map((i) => ({ path: fieldPath(i.path), message: i.message }));
      this.issues = found;
      if (!found.length) this.error = (e as Error).message;
      return null;
    } finally {
      this.busy = false;
    }
  }
}
