// Building blocks shared by every run spec. Pure zod, no runtime imports.
import { z } from 'zod';
import { LmModelSpec, TokenizerSpec } from './text';

export const int = (min = 0) => z.number().int().min(min);
export const positive = () => z.number().positive();

/** A skill reference: a CMSP code or class list as an integer array, or a named skill/domain. */
export const SkillRef = z.union([z.array(int()).min(1), z.string().min(1)]);
export type SkillRef = z.infer<typeof SkillRef>;

/** Canonical string key of a skill, used as the metric suffix (`loss/[0,1]`, `acc/even`). */
export function skillKey(s: SkillRef): string {
  return typeof s === 'string' ? s : `[${s.join(',')}]`;
}

export const CmspTask = z.object({
  suite: z.literal('cmsp'),
  m: int(1).describe('number of atomic skills'),
  n: int(1).describe('number of data bits'),
  k: int(1).describe('bits per atomic skill'),
  /** Optional explicit subsets S_i; default S_i = {k·i … k·i+k−1}. */
  subsets: z.array(z.array(int()).min(1)).optional(),
}).strict().superRefine((t, ctx) => {
  if (!t.subsets && t.m * t.k > t.n) {
    ctx.addIssue({ code: 'custom', path: ['n'], message: `n must be at least m·k = ${t.m * t.k}` });
  }
  if (t.subsets) {
    if (t.subsets.length !== t.m) ctx.addIssue({ code: 'custom', path: ['subsets'], message: `expected ${t.m} subsets (one per atomic skill)` });
    t.subsets.forEach((s, i) => s.forEach((b, j) => {
      if (b >= t.n) ctx.addIssue({ code: 'custom', path: ['subsets', i, j], message: `bit ${b} is outside 0..${t.n - 1}` });
    }));
  }
});

export const ImagesTask = z.object({
  suite: z.literal('images'),
  dataset: z.string().min(1).describe('registered dataset name'),
}).strict();

export const TextTask = z.object({
  suite: z.literal('text'),
  /** Imported corpora (see specs/text.ts); each one is a skill. */
  domains: z.array(z.string().min(1)).min(1),
  /** Training window in tokens (at most the model's context). */
  context: int(2).default(64),
  tokenizer: TokenizerSpec.default({ kind: 'byte' }),
}).strict();

export const TaskSpec = z.discriminatedUnion('suite', [CmspTask, ImagesTask, TextTask]);
export type TaskSpec = z.infer<typeof TaskSpec>;

export const MlpSpec = z.object({
  arch: z.literal('mlp'),
  hidden: z.array(int(1)).min(1).describe('width of each hidden layer'),
  activation: z.enum(['relu', 'tanh']).default('relu'),
  dropout: z.number().min(0).max(0.95).default(0),
}).strict();

/** The transformer shape: one schema, shared with the lm run kind (specs/text.ts). */
export const TransformerSpec = LmModelSpec;

export const ModelSpec = z.discriminatedUnion('arch', [MlpSpec, TransformerSpec]);
export type ModelSpec = z.infer<typeof ModelSpec>;

export const OptimizerSpec = z.discriminatedUnion('name', [
  z.object({
    name: z.literal('adam'),
    lr: positive().default(1e-3),
    beta1: z.number().min(0).max(1).default(0.9),
    beta2: z.number().min(0).max(1).default(0.999),
    eps: positive().default(1e-8),
    weightDecay: z.number().min(0).default(0),
    /** true = decoupled weight decay (AdamW). */
    decoupled: z.boolean().default(false),
  }).strict(),
  z.object({
    name: z.literal('sgd'),
    lr: positive().default(1e-2),
    momentum: z.number().min(0).max(1).default(0),
    weightDecay: z.number().min(0).default(0),
  }).strict(),
]);
export type OptimizerSpec = z.infer<typeof OptimizerSpec>;

/** One component of the data mixture: a skill and how many samples of it each step draws. */
export const MixComponent = z.object({
  skill: SkillRef,
  perStep: int(1).describe('samples of this skill per step'),
}).strict();
export type MixComponent = z.infer<typeof MixComponent>;

/** The curriculum: the mixture in force from `fromStep` on (the first entry must start at 0). */
export const MixturePhase = z.object({
  fromStep: int(0),
  components: z.array(MixComponent).min(1),
}).strict();

export const Mixture = z.union([
  z.array(MixComponent).min(1),
  z.object({ schedule: z.array(MixturePhase).min(1) }).strict().superRefine((m, ctx) => {
    if (m.schedule[0].fromStep !== 0) ctx.addIssue({ code: 'custom', path: ['schedule', 0, 'fromStep'], message: 'the first phase must start at step 0' });
    for (let i = 1; i < m.schedule.length; i++) {
      if (m.schedule[i].fromStep <= m.schedule[i - 1].fromStep) ctx.addIssue({ code: 'custom', path: ['schedule', i, 'fromStep'], message: 'phases must start at increasing steps' });
    }
  }),
]);
export type Mixture = z.infer<typeof Mixture>;

export const EvalSpec = z.object({
  every: int(1).default(50),
  samples: int(1).default(2000).describe('fresh samples per skill per evaluation'),
  /** Skills to evaluate; default: every skill in the mixture plus the target. */
  skills: z.array(SkillRef).optional(),
}).strict();

export const Seed = int(0).default(0);

/** Runs a job reads from, by role (`teacher`, `source`): role → run id. Inside a study plan a
 *  value may be `@<plannedKey>`, replaced by that run's id when the study is created. */
export const RunInputs = z.record(z.string(), z.string().min(1));
export type RunInputs = z.infer<typeof RunInputs>;
