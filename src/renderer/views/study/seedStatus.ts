// A curriculum seed's status as the user should read it: the live run's status (the stored study
// summary is only rewritten when a run settles), and words for a seed with no run yet.
import type { RunRow } from '../../../shared/api';

export interface SeedStatus { status: string; text: string; runId: string | null }

const WORDS: Record<string, string> = {
  queued: 'queued', running: 'running', done: 'done', failed: 'failed', cancelled: 'cancelled', interrupted: 'interrupted',
};

export function seedStatus(seed: { runId: string | null; status: string }, studyKey: string, runs: readonly RunRow[], studyStatus: string): SeedStatus {
  const live = runs.find((r) => (seed.runId ? r.id === seed.runId : r.studyKey === studyKey));
  const status = live?.status ?? seed.status;
  const runId = live?.id ?? seed.runId;
  if (status === 'missing') {
    // no run for this seed: still to be created while the study runs, otherwise really absent
    const pending = studyStatus === 'queued' || studyStatus === 'running';
    return { status: pending ? 'pending' : 'missing', text: pending ? 'not started yet' : 'no run (missing)', runId };
  }
  return { status, text: WORDS[status] ?? status, runId };
}
