// The wizard's "Text domain" skill: a narrow skill that is one imported text domain (a corpus).
// Its own route is one `lm` run: train a small byte-level transformer on a domain mix (the narrow
// domain plus, as a curriculum, other domains), judged by held-out loss on the narrow domain. The
// other route, carving a narrow model out of a general language model, is the carve wizard
// (views/carve/, "Make a narrow model from a model file"): TextRoute.svelte opens it with the
// domain chosen here, so there is one way to carve a text model.
import type { CorpusRow } from '../../../shared/specs/corpusImport';
import { LmSpec } from '../../../shared/specs/text';
import { parseSpec, SpecError } from '../../../shared/validate';
import type { FieldForm } from '../../components/fieldForm';

export type TextField =
  | 'domain' | 'broad' | 'perStep' | 'broadPerStep' | 'layers' | 'dModel' | 'heads' | 'mlpWidth' | 'context'
  | 'lr' | 'steps' | 'evalEvery' | 'seed' | 'name' | 'general';

export const TEXT_LABEL: Record<TextField, string> = {
  domain: 'Narrow domain', broad: 'Other domains in the mix', perStep: 'Narrow windows per step', broadPerStep: 'Windows per step of each other domain',
  layers: 'Layers', dModel: 'Model width', heads: 'Attention heads', mlpWidth: 'MLP neurons per layer', context: 'Context (bytes)',
  lr: 'Learning rate', steps: 'Steps', evalEvery: 'Evaluate every (steps)', seed: 'Seed',
  name: 'Name', general: 'Spec',
};

export const TEXT_STEP: Record<TextField, 'skill' | 'route' | 'review'> = {
  domain: 'skill', broad: 'route', perStep: 'route', broadPerStep: 'route', layers: 'route', dModel: 'route', heads: 'route', mlpWidth: 'route',
  context: 'route', lr: 'route', steps: 'route', evalEvery: 'route', seed: 'route', name: 'review', general: 'review',
};

export interface TextIssue { field: TextField; path: string; message: string }

/** Which text field an LmSpec path belongs to. */
export function textFieldFor(path: string): TextField {
  const p = path.replace(/^spec\./, '').replace(/\[(\d+)\]/g, '.$1');
  if (/^mixture\.0\.perStep/.test(p)) return 'perStep';
  if (/^mixture\.\d+\.perStep/.test(p)) return 'broadPerStep';
  if (/^mixture\.0\.skill/.test(p) || p.startsWith('target') || p.startsWith('task.domains')) return 'domain';
  if (p.startsWith('mixture')) return 'broad';
  const m = /^model\.(layers|dModel|heads|mlpWidth|context)/.exec(p);
  if (m) return m[1] as TextField;
  if (p.startsWith('task.context')) return 'context';
  if (p.startsWith('optimizer.lr')) return 'lr';
  if (p.startsWith('steps')) return 'steps';
  if (p.startsWith('eval.every')) return 'evalEvery';
  if (p.startsWith('seed')) return 'seed';
  if (p.startsWith('name')) return 'name';
  return 'general';
}

/** The text skill's fields for the field components (components/fieldForm.ts); `edited` is what
 *  an input triggers (the wizard's revalidation, which validates the text skill too). */
export function textForm(text: TextWizardState, edited: () => void): FieldForm<TextField> {
  return { idPrefix: 't', label: (f) => TEXT_LABEL[f], errors: (f) => text.errorsFor(f).map((i) => `${TEXT_LABEL[f]}: ${i.message}`), edited };
}

export class TextWizardState {
  corpora = $state<CorpusRow[]>([]);
  domain = $state('');
  broad = $state<string[]>([]);
  perStep = $state<number | null>(8);
  broadPerStep = $state<number | null>(4);
  layers = $state<number | null>(2);
  dModel = $state<number | null>(64);
  heads = $state<number | null>(4);
  mlpWidth = $state<number | null>(256);
  context = $state<number | null>(64);
  lr = $state<number | null>(0.003);
  steps = $state<number | null>(300);
  evalEvery = $state<number | null>(50);
  seed = $state<number | null>(0);
  issues = $state<TextIssue[]>([]);

  readonly others = $derived(this.corpora.map((c) => c.name).filter((n) => n !== this.domain));

  toggleBroad(name: string): void {
    this.broad = this.broad.includes(name) ? this.broad.filter((x) => x !== name) : [...this.broad, name];
  }

  defaultName(): string {
    const d = this.domain || 'text';
    const mix = this.broad.filter((b) => b !== d);
    return `${d} transformer${mix.length ? ` + ${mix.join(', ')}` : ''}`;
  }

  /** The lm spec: a transformer trained on the domain mix. */
  build(name: string): Record<string, unknown> {
    const evalSpec = { every: this.evalEvery, windows: 8 };
    const mix = this.broad.filter((b) => b !== this.domain);
    return {
      kind: 'lm', name, seed: this.seed, method: 'train',
      task: { suite: 'text', domains: [this.domain, ...mix], context: this.context, tokenizer: { kind: 'byte' } },
      model: { arch: 'transformer', layers: this.layers, dModel: this.dModel, heads: this.heads, mlpWidth: this.mlpWidth, context: this.context },
      mixture: [{ skill: this.domain, perStep: this.perStep }, ...mix.map((d) => ({ skill: d, perStep: this.broadPerStep }))],
      target: this.domain, steps: this.steps, optimizer: { lr: this.lr }, eval: evalSpec,
    };
  }

  /** The wizard's rules, then the shared schema; sets and returns the issues. */
  validate(name: string): TextIssue[] {
    const out: TextIssue[] = [];
    if (!this.corpora.length) out.push({ field: 'domain', path: 'target', message: 'no text is imported yet: import a folder of text on the Datasets page first' });
    else if (!this.domain) out.push({ field: 'domain', path: 'target', message: 'pick the domain the model should be good at' });
    if (!out.length) {
      try { parseSpec(LmSpec, this.build(name)); } catch (e) {
        if (!(e instanceof SpecError)) throw e;
        for (const i of e.issues) out.push({ field: textFieldFor(i.path), path: i.path, message: i.message });
      }
    }
    this.issues = out;
    return out;
  }

  errorsFor(field: TextField): TextIssue[] { return this.issues.filter((i) => i.field === field); }
}
