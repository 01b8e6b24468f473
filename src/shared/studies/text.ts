// The language-model compare study (METHODS §4, the paper's Figs. 5–6): carve a narrow domain out
// of a general transformer and compare, at each size (MLP neurons kept), how many training tokens
// each method needs to bring the domain's held-out loss down to a target:
//   attribution  prune the general model by attribution on the domain, recover on the domain
//   groupLasso   group-lasso fine-tune on the domain first (λ off at the size), then as above
//   random       prune with random scores (how much the score matters), recover
//   distill      a fresh model of that size on α·CE + (1−α)·T²·KL(general ‖ student)
//   scratch      a fresh model of that size trained on the domain alone
// Token counts include the pruning phase (group-lasso steps, scoring windows), never the general
// model's own training.
import { z } from 'zod';
import { LmModelSpec, LmSpec } from '../specs/text';

const LmTask = LmSpec.shape.task;
const LmOptimizer = LmSpec.shape.optimizer;
const LmSchedule = LmSpec.shape.schedule;
const LmEval = LmSpec.shape.eval;

export const LmCompareMethod = z.enum(['attribution', 'groupLasso', 'random', 'distill', 'scratch']);
export type LmCompareMethod = z.infer<typeof LmCompareMethod>;

export const LmCompareStudySpec = z.object({
  kind: z.literal('lmCompare'),
  name: z.string().optional(),
  seed: z.number().int().min(0).default(0),
  task: LmTask,
  /** The general model: trained by the study on `mixture`, or an existing lm run (`run`). */
  general: z.object({
    run: z.string().min(1).optional(),
    model: LmModelSpec,
    mixture: z.array(z.object({ skill: z.string().min(1), perStep: z.number().int().min(1) }).strict()).min(1).optional(),
    steps: z.number().int().min(1).optional(),
    optimizer: LmOptimizer,
    schedule: LmSchedule,
  }).strict().refine((g) => !!g.run || (!!g.mixture && !!g.steps), { message: 'general needs either run (an existing lm run) or mixture and steps (to train one)' }),
  /** The narrow domain and its target held-out loss (nats/token), absolute or as a factor of the
   *  general model's own final loss on it (1.1 = within 10%): give one of the two. */
  target: z.string().min(1),
  targetLoss: z.number().positive().optional(),
  targetLossFactor: z.number().positive().optional(),
  /** MLP neurons kept in total, one point of the frontier each. */
  sizes: z.array(z.number().int().min(1)).min(1),
  methods: z.array(LmCompareMethod).min(1).default(['attribution', 'distill', 'scratch']),
  /** Windows of the target domain per step (every method's training / recovery). */
  perStep: z.number().int().min(1).default(16),
  /** Longest any method may train; runs stop once they reach the target. */
  steps: z.number().int().min(1),
  optimizer: LmOptimizer,
  schedule: LmSchedule,
  prune: z.object({
    scoreWindows: z.number().int().min(1).default(64),
    /** Residual dims kept by the pruning methods (default: all). */
    keepResid: z.number().int().min(1).optional(),
    groupLasso: z.object({ lambda: z.number().positive().default(1e-3), steps: z.number().int().min(1).default(200) }).strict().default({ lambda: 1e-3, steps: 200 }),
  }).strict().default({ scoreWindows: 64, groupLasso: { lambda: 1e-3, steps: 200 } }),
  distill: z.object({ alpha: z.number().min(0).max(1).default(0.5), temperature: z.number().positive().default(2) }).strict().default({ alpha: 0.5, temperature: 2 }),
  eval: LmEval,
}).strict().superRefine((s, ctx) => {
  if ((s.targetLoss === undefined) === (s.targetLossFactor === undefined)) ctx.addIssue({ code: 'custom', path: ['targetLoss'], message: 'give exactly one of targetLoss (nats/token) and targetLossFactor (× the general model\'s loss)' });
  if (!s.task.domains.includes(s.target)) ctx.addIssue({ code: 'custom', path: ['target'], message: `'${s.target}' is not one of the task's domains (${s.task.domains.join(', ')})` });
  const total = s.general.model.layers * s.general.model.mlpWidth;
  s.sizes.forEach((n, i) => { if (n > total) ctx.addIssue({ code: 'custom', path: ['sizes', i], message: `${n} neurons is more than the general model has (${total})` }); });
});
export type LmCompareStudySpec = z.infer<typeof LmCompareStudySpec>;
