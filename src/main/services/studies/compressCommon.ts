// Pieces the compare and nonlocality planners share: the source/teacher run they plan (or the
// existing run they reuse) and reading compression-run summaries.
import type { RunRow } from '../../../shared/api';
import { TrainSpec, type SkillRef, type TaskSpec } from '../../../shared/specs';
import type { SourceModel } from '../../../shared/studies/compress';
import type { PlannedRun } from './types';

/** The planned train run for a source model (if any), the reference inputs use, its widths. */
export function planSource(src: SourceModel, key: string, a: { task: TaskSpec; seed: number; keep: SkillRef; name: string }):
  { runs: PlannedRun[]; ref: string; hidden: number[] } {
  if ('run' in src) return { runs: [], ref: src.run, hidden: src.hidden };
  const t = src.train;
  const spec = TrainSpec.parse({
    kind: 'train', name: a.name, seed: a.seed, task: a.task, model: t.model, optimizer: t.optimizer,
    gradClip: t.gradClip, mixture: t.mixture, target: a.keep, steps: t.steps, eval: t.eval,
  });
  return { runs: [{ key, spec }], ref: `@${key}`, hidden: t.model.hidden };
}

export interface SkillAcc { skill: string; acc: number; relearnAcc?: number }

/** Fields of a compression job's summary (see worker/compress/summary.ts), read defensively. */
export interface CompressRunSummary {
  kept?: SkillAcc;
  removed?: SkillAcc[];
  samplesToTarget?: number | null;
  units?: number;
  hidden?: number[];
  paramsAfter?: number;
  afterPrune?: Record<string, number>;
  afterRecovery?: Record<string, number>;
  relearn?: Record<string, number>;
  correlation?: { r: number; n: number } | null;
}

export function summaryOf(run: RunRow | undefined): CompressRunSummary | null {
  return (run?.summary as CompressRunSummary | null | undefined) ?? null;
}

export function statusCounts(runs: RunRow[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const r of runs) c[r.status] = (c[r.status] ?? 0) + 1;
  return c;
}
