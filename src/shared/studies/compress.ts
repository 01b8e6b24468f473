// Compression studies (METHODS §2, §3):
//   compare      one skill, a list of sizes, several methods → the frontier of training samples
//                needed to reach a target accuracy, per method and size
//   nonlocality  prune sweeps over sparsities with and without prior group-lasso fine-tuning:
//                does the kept skill survive, and does the removed one stay gone after relearning?
import { z } from 'zod';
import { EvalSpec, int, Mixture, MlpSpec, OptimizerSpec, Seed, SkillRef, TaskSpec } from '../specs/common';
import { GroupKind, PhaseSpec, ScoreSpec } from '../specs/compress';

const adam = (lr = 1e-3) => ({ name: 'adam' as const, lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false });

/** The model everything is carved from: an existing run (its id), or a train run the study plans. */
export const SourceModel = z.union([
  z.object({
    run: z.string().min(1).describe('id of a finished run whose model.safetensors is used'),
    /** Its hidden widths (to size students in proportion). */
    hidden: z.array(int(1)).min(1),
  }).strict(),
  z.object({
    train: z.object({
      model: MlpSpec,
      optimizer: OptimizerSpec.default(adam()),
      gradClip: z.number().min(0).default(0),
      mixture: Mixture,
      steps: int(1),
      eval: EvalSpec.default({ every: 50, samples: 2000 }),
    }).strict(),
  }).strict(),
]);
export type SourceModel = z.infer<typeof SourceModel>;

/** Split `total` units over layers in proportion to `widths` (largest remainder). */
export function proportionalSplit(widths: readonly number[], total: number): number[] {
  const sum = widths.reduce((a, b) => a + b, 0);
  const exact = widths.map((w) => (total * w) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((e, l) => ({ l, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.l - b.l);
  for (const { l } of order) { if (left <= 0) break; out[l]++; left--; }
  return out;
}

export const CompareMethod = z.enum(['attribution', 'groupLasso', 'random', 'distill', 'scratch']);
export type CompareMethod = z.infer<typeof CompareMethod>;

export const CompareStudySpec = z.object({
  kind: z.literal('compare'),
  name: z.string().optional(),
  seed: Seed,
  task: TaskSpec,
  /** The narrow skill. */
  keep: SkillRef,
  /** Skills evaluated as "meant to be removed" (not trained on). */
  remove: z.array(SkillRef).default([]),
  teacher: SourceModel,
  /** Total hidden units kept (split over layers in proportion to the teacher's widths). */
  sizes: z.array(int(1)).min(1),
  methods: z.array(CompareMethod).min(1).default(['attribution', 'groupLasso', 'random', 'distill', 'scratch']),
  targetAccuracy: z.number().gt(0).max(1).default(0.97),
  eval: EvalSpec.default({ every: 50, samples: 2000 }),
  /** attribution / random pruning: score samples, and the training that follows (stops at the target). */
  prune: z.object({
    scoreSamples: int(1).default(2000),
    site: z.enum(['pre', 'post']).default('pre'),
    scope: z.enum(['global', 'perLayer']).default('perLayer'),
    recovery: PhaseSpec.default({ steps: 10000, batch: 64, optimizer: adam(), gradClip: 0 }),
  }).strict().default({ scoreSamples: 2000, site: 'pre', scope: 'perLayer', recovery: { steps: 10000, batch: 64, optimizer: adam(), gradClip: 0 } }),
  groupLasso: z.object({
    lambda: z.number().positive().default(2e-3),
    threshold: z.number().positive().default(0.05),
    group: GroupKind.default('inOut'),
    maskEvery: int(1).default(10),
    /** Fraction of the steps after which a model λ has not yet brought to the size is cut to it. */
    cutAt: z.number().gt(0).max(1).default(0.7),
    train: PhaseSpec.default({ steps: 20000, batch: 16, optimizer: adam(), gradClip: 1 }),
  }).strict().default({ lambda: 2e-3, threshold: 0.05, group: 'inOut', maskEvery: 10, cutAt: 0.7, train: { steps: 20000, batch: 16, optimizer: adam(), gradClip: 1 } }),
  distill: z.object({
    alpha: z.number().min(0).max(1).default(0.1),
    temperature: z.number().positive().default(20),
    train: PhaseSpec.default({ steps: 20000, batch: 64, optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 0 }, gradClip: 0 }),
  }).strict().default({ alpha: 0.1, temperature: 20, train: { steps: 20000, batch: 64, optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 0 }, gradClip: 0 } }),
  scratch: PhaseSpec.default({ steps: 20000, batch: 64, optimizer: adam(5e-3), gradClip: 0 }),
}).strict();
export type CompareStudySpec = z.infer<typeof CompareStudySpec>;

export const NonlocalityStudySpec = z.object({
  kind: z.literal('nonlocality'),
  name: z.string().optional(),
  seed: Seed,
  task: TaskSpec,
  /** The skill kept by pruning, and the skills meant to be removed. */
  keep: SkillRef,
  remove: z.array(SkillRef).min(1),
  source: SourceModel,
  /** Fractions of all hidden units removed, one prune run per value and variant. */
  sparsities: z.array(z.number().min(0).lt(1)).min(1),
  /** The ranking score (METHODS §2: exact ablation, all layers together). */
  score: ScoreSpec.default({ name: 'ablation', site: 'pre', reduce: 'meanAbs', group: 'inBiasOut', samples: 2000 }),
  scope: z.enum(['global', 'perLayer']).default('global'),
  /** Group-lasso fine-tuning on the kept skill alone before the second sweep. */
  groupLasso: z.object({
    lambda: z.number().positive().default(1e-3),
    group: GroupKind.default('inBiasOut'),
    train: PhaseSpec.default({ steps: 10000, batch: 1000, optimizer: adam(), gradClip: 0 }),
  }).strict().default({ lambda: 1e-3, group: 'inBiasOut', train: { steps: 10000, batch: 1000, optimizer: adam(), gradClip: 0 } }),
  /** Short recovery on the kept skill, and the same on each removed skill (the relearn test). */
  recovery: PhaseSpec.default({ steps: 1000, batch: 1000, optimizer: adam(), gradClip: 0 }),
  eval: EvalSpec.default({ every: 100, samples: 2000 }),
}).strict();
export type NonlocalityStudySpec = z.infer<typeof NonlocalityStudySpec>;
