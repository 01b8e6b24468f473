// Study specs: a question answered by a set of runs on one evaluation.
// Adding a study kind = a schema here + a planner/summariser in main/services/studies/.
import { z } from 'zod';
import { int, Mixture, SkillRef } from './specs/common';
import { TrainSpecFields } from './specs/train';
import { CompareStudySpec, NonlocalityStudySpec } from './studies/compress';
import { LmCompareStudySpec } from './studies/text';

export * from './studies/compress';
export * from './studies/text';

/** Curriculum study: does broad data make the narrow target learnable? regimes × seeds. */
export const CurriculumStudySpec = z.object({
  kind: z.literal('curriculum'),
  name: z.string().optional(),
  /** Everything but the mixture and seed, shared by every run of the study. */
  base: TrainSpecFields.omit({ kind: true, mixture: true, seed: true, target: true, name: true }),
  target: SkillRef,
  regimes: z.array(z.object({ name: z.string().min(1), mixture: Mixture }).strict()).min(1),
  seeds: z.array(int(0)).min(1),
}).strict();
export type CurriculumStudySpec = z.infer<typeof CurriculumStudySpec>;

export const StudySpec = z.discriminatedUnion('kind', [CurriculumStudySpec, CompareStudySpec, NonlocalityStudySpec, LmCompareStudySpec]);
export type StudySpec = z.infer<typeof StudySpec>;
