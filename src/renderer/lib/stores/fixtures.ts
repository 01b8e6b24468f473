// Test helpers: plain RunRow / StudyRow values.
import type { RunRow, StudyRow } from '../../../shared/api';

export function runRow(over: Partial<RunRow> = {}): RunRow {
  return {
    id: 'r1', name: 'run one', kind: 'selftest', status: 'queued', studyId: null, studyKey: null,
    spec: { kind: 'selftest', seed: 0, steps: 10, stepMs: 0, checkpointEvery: 5, failAt: 0 },
    dependsOn: [], createdAt: 1000, startedAt: null, endedAt: null, progress: null, summary: null, error: null, errorKind: null, backend: null,
    ...over,
  };
}

export function studyRow(over: Partial<StudyRow> = {}): StudyRow {
  return { id: 's1', name: 'study', kind: 'curriculum', spec: {} as StudyRow['spec'], status: 'running', createdAt: 1, runIds: [], summary: null, ...over };
}
