// Study kind → planner/summariser. Adding a study kind = one file here + one line below.
import type { StudySpec } from '../../../shared/studies';
import type { StudyKind } from './types';

export const STUDY_KINDS: Partial<Record<StudySpec['kind'], StudyKind<any>>> = {
};
