// Study kind → planner/summariser. Adding a study kind = one file here + one line below.
import type { StudySpec } from '../../../shared/studies';
import { compareStudy } from './compare';
import { curriculumStudy } from './curriculum';
import { lmCompareStudy } from './lmCompare';
import { nonlocalityStudy } from './nonlocality';
import type { StudyKind } from './types';

export const STUDY_KINDS: Record<StudySpec['kind'], StudyKind<any>> = {
  curriculum: curriculumStudy,
  compare: compareStudy,
  nonlocality: nonlocalityStudy,
  lmCompare: lmCompareStudy,
};
