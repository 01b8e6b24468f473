// A training run from scratch (or continued from another run's weights) on a skill mixture.
import { z } from 'zod';
import { EvalSpec, int, Mixture, ModelSpec, OptimizerSpec, Seed, SkillRef, TaskSpec } from './common';

export const TrainSpec = z.object({
  kind: z.literal('train'),
  name: z.string().optional(),
  seed: Seed,
  task: TaskSpec,
  model: ModelSpec,
  optimizer: OptimizerSpec.default({ name: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false }),
  /** Clip the global gradient norm to this value (0 = off). */
  gradClip: z.number().min(0).default(0),
  mixture: Mixture,
  /** The narrow skill this run is for; its stepsToLearn is the headline number. */
  target: SkillRef.optional(),
  steps: int(1),
  eval: EvalSpec.default({ every: 50, samples: 2000 }),
  /** End the run at the first evaluation where the target counts as learned (saves time in
   *  curriculum studies, whose question is only whether and when the target is learned). */
  stopWhenLearned: z.boolean().default(false),
  /** Save a checkpoint every this many steps (and always at the end / on cancel). */
  checkpointEvery: int(1).default(1000),
  /** Keep this many newest checkpoints; older ones are deleted (the resume point is always kept). */
  checkpointKeep: int(1).default(2),
}).strict();
export type TrainSpec = z.infer<typeof TrainSpec>;
