// A study kind = a planner (spec → runs) and a summariser (runs → the comparison it exists for).
import type { RunRow } from '../../../shared/api';
import type { RunSpec } from '../../../shared/specs';
import type { StudySpec } from '../../../shared/studies';

export interface PlannedRun {
  /** Unique within the study, e.g. `broad/seed0` or `teacher`. */
  key: string;
  /** Run spec; any string value `@<key>` inside `spec.inputs` is replaced by that planned run's id. */
  spec: RunSpec;
}

export interface StudyKind<S extends StudySpec = StudySpec> {
  plan(spec: S): PlannedRun[];
  /** Called whenever one of the study's runs changes; runs carry their studyKey and summary. */
  summarize(spec: S, runs: RunRow[]): Record<string, unknown>;
}
