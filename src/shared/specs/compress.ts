// Compression job kinds (METHODS §2–§3): carve a narrow skill out of a trained model.
//   prune       score units on the kept skill, remove the least important, recover, compact
//   groupLasso  fine-tune with λ·Σ‖group‖₂ (aligns the skill with few units), mask, compact
//   distill     train a student of a chosen size on the teacher's soft targets
// Training from scratch at a size is the plain `train` job. Every one of these records the kept
// skill and the skills meant to be removed with their final accuracy, the samples needed to reach
// the target accuracy on the kept skill, and saves its compacted model as `model.safetensors`.
import { z } from 'zod';
import { EvalSpec, int, MlpSpec, OptimizerSpec, RunInputs, Seed, SkillRef, TaskSpec } from './common';

const adam = (lr = 1e-3) => ({ name: 'adam' as const, lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false });

/** Which parameters make up a unit's group: incoming row + bias + outgoing column, or without bias. */
export const GroupKind = z.enum(['inBiasOut', 'inOut']);

export const ScoreSpec = z.object({
  name: z.enum(['ablation', 'attribution', 'paramGradient', 'magnitude', 'random']).default('attribution'),
  /** attribution: score the pre- or the post-activation. */
  site: z.enum(['pre', 'post']).default('pre'),
  /** attribution: mean |a·∂ℓ/∂a| ('meanAbs', images) or |Σ −a·∂ℓ/∂a| / N ('absSum', language). */
  reduce: z.enum(['meanAbs', 'absSum']).default('meanAbs'),
  /** magnitude / paramGradient: the unit's group. */
  group: GroupKind.default('inBiasOut'),
  samples: int(1).default(2000).describe('samples of the kept skill the score is computed on'),
}).strict();
export type ScoreSpec = z.infer<typeof ScoreSpec>;

export const SelectionSpec = z.object({
  /** global: rank all units of all layers together; perLayer: same fraction in every layer. */
  scope: z.enum(['global', 'perLayer']).default('global'),
  /** Fraction of all hidden units removed … */
  sparsity: z.number().min(0).lt(1).optional(),
  /** … or the number of hidden units kept in total. */
  keep: int(1).optional(),
  minPerLayer: int(1).default(1),
}).strict().superRefine((s, ctx) => {
  if ((s.sparsity === undefined) === (s.keep === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['sparsity'], message: 'give exactly one of sparsity or keep' });
  }
});
export type SelectionSpec = z.infer<typeof SelectionSpec>;

/** A training phase on one skill: recovery after pruning, the relearn test, distillation. */
export const PhaseSpec = z.object({
  steps: int(0).default(1000),
  /** samples per step */
  batch: int(1).default(1000),
  optimizer: OptimizerSpec.default(adam()),
  gradClip: z.number().min(0).default(0),
}).strict();
export type PhaseSpec = z.infer<typeof PhaseSpec>;

const common = {
  name: z.string().optional(),
  seed: Seed,
  /** The task; default: the input run's task. */
  task: TaskSpec.optional(),
  /** The narrow skill to keep. */
  keep: SkillRef,
  /** Skills meant to be removed (evaluated, never trained on, except by the relearn test). */
  remove: z.array(SkillRef).default([]),
  /** samplesToTarget = training samples until the kept skill's accuracy first reaches this. */
  targetAccuracy: z.number().gt(0).max(1).default(0.97),
  /** Stop training once the kept skill reaches the target accuracy (at the target size). */
  stopAtTarget: z.boolean().default(false),
  eval: EvalSpec.default({ every: 50, samples: 2000 }),
};

export const PruneSpec = z.object({
  kind: z.literal('prune'),
  ...common,
  inputs: RunInputs.refine((r) => typeof r.source === 'string', { message: 'needs inputs.source: the run whose model is pruned' }),
  score: ScoreSpec.default({ name: 'attribution', site: 'pre', reduce: 'meanAbs', group: 'inBiasOut', samples: 2000 }),
  selection: SelectionSpec,
  /** Training on the kept skill alone after pruning (masked weights stay exactly 0). */
  recovery: PhaseSpec.default({ steps: 1000, batch: 1000, optimizer: adam(), gradClip: 0 }),
  /** The relearn test: from the pruned model, train a copy on each removed skill alone for this
   *  phase and report its accuracy — a skill is really gone only if it does not come back. */
  relearn: PhaseSpec.optional(),
  /** Also compute the other of ablation/attribution on the same samples and report their log-log
   *  Pearson correlation (the nonlocality study's first-order check; ablation costs one forward
   *  pass per unit). */
  correlate: z.boolean().default(false),
}).strict();
export type PruneSpec = z.infer<typeof PruneSpec>;

export const LambdaScheduleSpec = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant') }).strict(),
  /** λ → 0 once the active hidden units are at most targetUnits (METHODS §3). */
  z.object({ kind: z.literal('offAtTarget'), targetUnits: int(1) }).strict(),
]);

export const GroupLassoSpec = z.object({
  kind: z.literal('groupLasso'),
  ...common,
  inputs: RunInputs.refine((r) => typeof r.source === 'string', { message: 'needs inputs.source: the run whose model is fine-tuned' }),
  lambda: z.number().min(0).default(1e-3),
  group: GroupKind.default('inBiasOut'),
  schedule: LambdaScheduleSpec.default({ kind: 'constant' }),
  /** Mask a unit for good once its group norm falls below this (0 = never). */
  threshold: z.number().min(0).default(0),
  /** Check norms (a readback) every this many steps. */
  maskEvery: int(1).default(10),
  minPerLayer: int(1).default(1),
  /** offAtTarget: if λ has not brought the model down to the target by this step, cut it there
   *  (keep the largest group norms), switch λ off and train at size for the remaining steps.
   *  Without it the cut happens after the last step, with no training after it. */
  forceCutAt: int(1).optional(),
  /** Training on the kept skill with the penalty added. */
  train: PhaseSpec.default({ steps: 10000, batch: 1000, optimizer: adam(), gradClip: 0 }),
}).strict();
export type GroupLassoSpec = z.infer<typeof GroupLassoSpec>;

export const DistillSpec = z.object({
  kind: z.literal('distill'),
  ...common,
  inputs: RunInputs.refine((r) => typeof r.teacher === 'string', { message: 'needs inputs.teacher: the run whose model teaches' }),
  /** The student's architecture (its size is the point of the comparison). */
  model: MlpSpec,
  /** Weight of the hard-label cross-entropy; 1 − α weighs T²·KL(teacher ‖ student). */
  alpha: z.number().min(0).max(1).default(0.1),
  temperature: z.number().positive().default(20),
  train: PhaseSpec.default({ steps: 10000, batch: 64, optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 0 }, gradClip: 0 }),
}).strict();
export type DistillSpec = z.infer<typeof DistillSpec>;
