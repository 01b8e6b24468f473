// The language-model compare study (METHODS §4, the paper's Figs. 5–6): carve a narrow domain out
// of a general transformer and compare, at each size (MLP neurons kept), how many training tokens
// each method needs to bring the domain's held-out loss down to a target:
//   attribution  prune the general model by attribution on the domain, recover on the domain
//   groupLasso   group-lasso fine-tune on the domain first (λ off at the size), then as above
//   random       prune with random scores (how much the score matters), recover
//   distill      a fresh model of that size on α·CE + (1−α)·T²·KL(general ‖ student)
//   scratch      a fresh model of that size trained on the domain alone
//   ablation     prune by the exact loss change of removing each neuron (small models), recover
//   magnitude    prune by weight norms (no data), recover
// Token counts include the pruning phase (group-lasso steps, scoring windows), never the general
// model's own training.
//
// The general model is trained by the study (`general`) or is an existing decoder run (`source`:
// an imported Hugging Face checkpoint or a trained lm run, evaluated first on every domain). Sizes
// are MLP neurons kept in total, or fractions of the general model's neurons. `remove` names the
// domains whose loss must rise; `relearn` fine-tunes each pruned model on a removed domain and
// compares with fine-tuning the general model for as many steps (docs/h19-contract.md).
import { z } from 'zod';
import { LmModelSpec, LmSpec } from '../specs/text';

const LmTask = LmSpec.shape.task;
const LmOptimizer = LmSpec.shape.optimizer;
const LmSchedule = LmSpec.shape.schedule;
const LmEval = LmSpec.shape.eval;

export const LmCompareMethod = z.enum(['attribution', 'groupLasso', 'random', 'ablation', 'magnitude', 'distill', 'scratch']);
/** The methods that prune the general model (the others train a fresh model of the size). */
export const PRUNING_METHODS: readonly LmCompareMethod[] = ['attribution', 'groupLasso', 'random', 'ablation', 'magnitude'];

/** One point of the frontier: MLP neurons kept in total, or fractions of the general model's. */
export const LmSize = z.union([
  z.number().int().min(1),
  z.object({ mlp: z.number().gt(0).max(1), heads: z.number().gt(0).max(1).optional() }).strict(),
]);
export type LmSize = z.infer<typeof LmSize>;

/** A size as the study names it: '96' (neurons) or 'mlp0.5' / 'mlp0.5-heads0.5' (fractions). */
export function lmSizeLabel(size: LmSize): string {
  if (typeof size === 'number') return String(size);
  return `mlp${size.mlp}${size.heads !== undefined && size.heads < 1 ? `-heads${size.heads}` : ''}`;
}

/** The size a study key names (lmSizeLabel's inverse): '96' → 96, 'mlp0.5-heads0.25' → {mlp: 0.5,
 *  heads: 0.25}; null for anything that is not such a label. */
export function parseLmSizeLabel(label: string): LmSize | null {
  if (/^\d+$/.test(label)) return LmSize.safeParse(Number(label)).success ? Number(label) : null;
  const m = /^mlp([0-9.e-]+)(?:-heads([0-9.e-]+))?$/.exec(label);
  if (!m) return null;
  const size = m[2] === undefined ? { mlp: Number(m[1]) } : { mlp: Number(m[1]), heads: Number(m[2]) };
  return LmSize.safeParse(size).success ? size : null;
}

/** A size as people read it, the one wording of the frontier's summary and the GUI: '1,200 neurons',
 *  '50% MLP', '50% MLP, 25% heads'. */
export function lmSizeTitle(size: LmSize): string {
  if (typeof size === 'number') return `${size.toLocaleString('en')} neurons`;
  const pct = (f: number) => `${Math.round(f * 1000) / 10}%`;
  return `${pct(size.mlp)} MLP${size.heads !== undefined && size.heads < 1 ? `, ${pct(size.heads)} heads` : ''}`;
}
export type LmCompareMethod = z.infer<typeof LmCompareMethod>;

/** The domain the relearn runs fine-tune on: relearn.domain, else the first removed domain (null without relearn or one). */
export function relearnDomain(s: { relearn?: { domain?: string }; remove: readonly string[] }): string | null {
  return s.relearn ? (s.relearn.domain ?? s.remove[0] ?? null) : null;
}

export const LmCompareStudySpec = z.object({
  kind: z.literal('lmCompare'),
  name: z.string().optional(),
  seed: z.number().int().min(0).default(0),
  task: LmTask,
  /** An existing decoder run (importModel or lm) as the general model; give this or `general`. */
  source: z.object({ run: z.string().min(1) }).strict().optional(),
  /** The general model: trained by the study on `mixture`, or an existing lm run (`run`). */
  general: z.object({
    run: z.string().min(1).optional(),
    model: LmModelSpec,
    mixture: z.array(z.object({ skill: z.string().min(1), perStep: z.number().int().min(1) }).strict()).min(1).optional(),
    steps: z.number().int().min(1).optional(),
    optimizer: LmOptimizer,
    schedule: LmSchedule,
  }).strict().refine((g) => !!g.run || (!!g.mixture && !!g.steps), { message: 'general needs either run (an existing lm run) or mixture and steps (to train one)' }).optional(),
  /** The narrow domain and its target held-out loss (nats/token), absolute or as a factor of the
   *  general model's own final loss on it (1.1 = within 10%): give one of the two. */
  target: z.string().min(1),
  /** Domains whose loss must rise (each one of task.domains, not the target). */
  remove: z.array(z.string().min(1)).default([]),
  targetLoss: z.number().positive().optional(),
  targetLossFactor: z.number().positive().optional(),
  /** One point of the frontier each: MLP neurons kept in total, or { mlp, heads? } fractions kept. */
  sizes: z.array(LmSize).min(1),
  methods: z.array(LmCompareMethod).min(1).default(['attribution', 'distill', 'scratch']),
  /** Windows of the target domain per step (every method's training / recovery). */
  perStep: z.number().int().min(1).default(16),
  /** Longest any method may train; runs stop once they reach the target. */
  steps: z.number().int().min(1),
  optimizer: LmOptimizer,
  schedule: LmSchedule,
  prune: z.object({
    scoreWindows: z.number().int().min(1).default(64),
    /** Rank every layer's neurons together, or keep the same fraction in every layer. */
    scope: z.enum(['global', 'perLayer']).default('global'),
    /** Neurons kept in every layer at least. */
    minPerLayer: z.number().int().min(0).default(1),
    /** Attention-head unit under grouped-query attention: a KV group with its query heads, or one query head
     *  (the KV heads stay). Under ordinary multi-head attention both mean one head. */
    headGroup: z.enum(['kv', 'query']).default('kv'),
    /** Head selection (see the lm run's prune.headScope): per layer by default. */
    headScope: z.enum(['global', 'perLayer']).default('perLayer'),
    /** Recovery with the general model as teacher: α·CE + (1−α)·T²·KL. */
    teacher: z.object({ alpha: z.number().min(0).max(1).default(0.5), temperature: z.number().positive().default(2) }).strict().optional(),
    /** Residual dims kept by the pruning methods (default: all). */
    keepResid: z.number().int().min(1).optional(),
    groupLasso: z.object({ lambda: z.number().positive().default(1e-3), steps: z.number().int().min(1).default(200) }).strict().default({ lambda: 1e-3, steps: 200 }),
  }).strict().default({ scoreWindows: 64, scope: 'global', minPerLayer: 1, headGroup: 'kv', headScope: 'perLayer', groupLasso: { lambda: 1e-3, steps: 200 } }),
  distill: z.object({ alpha: z.number().min(0).max(1).default(0.5), temperature: z.number().positive().default(2) }).strict().default({ alpha: 0.5, temperature: 2 }),
  /** After each pruned run: fine-tune on a removed domain for `steps`; the general model likewise. */
  relearn: z.object({ domain: z.string().min(1).optional(), steps: z.number().int().min(1), perStep: z.number().int().min(1).optional() }).strict().optional(),
  eval: LmEval,
}).strict().superRefine((s, ctx) => {
  if (!s.general === !s.source) ctx.addIssue({ code: 'custom', path: ['source'], message: 'give exactly one of general (a model the study trains, or general.run) and source (an existing decoder run: an imported checkpoint or an lm run)' });
  s.remove.forEach((d, i) => {
    if (!s.task.domains.includes(d)) ctx.addIssue({ code: 'custom', path: ['remove', i], message: `'${d}' is not one of the task's domains (${s.task.domains.join(', ')})` });
    if (d === s.target) ctx.addIssue({ code: 'custom', path: ['remove', i], message: `'${d}' is the domain to keep (target); it cannot also be removed` });
  });
  if (s.relearn) {
    const d = relearnDomain(s);
    if (!d) ctx.addIssue({ code: 'custom', path: ['relearn', 'domain'], message: 'relearn needs a domain: give relearn.domain or at least one remove domain' });
    else if (!s.task.domains.includes(d)) ctx.addIssue({ code: 'custom', path: ['relearn', 'domain'], message: `'${d}' is not one of the task's domains (${s.task.domains.join(', ')})` });
  }
  if ((s.targetLoss === undefined) === (s.targetLossFactor === undefined)) ctx.addIssue({ code: 'custom', path: ['targetLoss'], message: 'give exactly one of targetLoss (nats/token) and targetLossFactor (× the general model\'s loss)' });
  if (!s.task.domains.includes(s.target)) ctx.addIssue({ code: 'custom', path: ['target'], message: `'${s.target}' is not one of the task's domains (${s.task.domains.join(', ')})` });
  if (!s.general) return; // a source run's width is known when its runs start (they check it)
  const total = s.general.model.layers * s.general.model.mlpWidth;
  s.sizes.forEach((n, i) => { if (typeof n === 'number' && n > total) ctx.addIssue({ code: 'custom', path: ['sizes', i], message: `${n} neurons is more than the general model has (${total})` }); });
});
export type LmCompareStudySpec = z.infer<typeof LmCompareStudySpec>;
