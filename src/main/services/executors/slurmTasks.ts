// The slurm_tasks table (migration 'slurm tasks'): which runs execute on Slurm, with which sbatch
// options, under which job id and array index, in which queue state, and how far the coordinator
// has read each of the run's task files.
import type Database from 'better-sqlite3';
import type { SlurmOptions, SlurmRunState } from '../../../shared/executor';

export interface SlurmTask {
  runId: string;
  options: SlurmOptions;
  attempt: number;
  resumeFrom: string | null;
  jobId: string | null;
  arrayIndex: number | null;
  state: string | null;
  reason: string | null;
  node: string | null;
  partition: string | null;
  /** The current attempt wrote its `started` event (it reached a node and saw its folder). */
  started: boolean;
  /** The coordinator still follows it (false once the run ended and its files were read). */
  active: boolean;
  metricsOffset: number;
  eventsOffset: number;
  submittedAt: number | null;
}

interface Row {
  run_id: string; options: string; attempt: number; resume_from: string | null; job_id: string | null; array_index: number | null;
  state: string | null; reason: string | null; node: string | null; partition: string | null; started: number; active: number;
  metrics_offset: number; events_offset: number; submitted_at: number | null;
}

const toTask = (r: Row): SlurmTask => ({
  runId: r.run_id, options: JSON.parse(r.options) as SlurmOptions, attempt: r.attempt, resumeFrom: r.resume_from,
  jobId: r.job_id, arrayIndex: r.array_index, state: r.state, reason: r.reason, node: r.node, partition: r.partition,
  started: r.started === 1, active: r.active === 1, metricsOffset: r.metrics_offset, eventsOffset: r.events_offset, submittedAt: r.submitted_at,
});

export class SlurmTasks {
  constructor(private db: Database.Database) {}

  /** False on a read-only database older than the migration. */
  get present(): boolean {
    return Boolean(this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'slurm_tasks'").get());
  }

  add(runId: string, options: SlurmOptions): void {
    this.db.prepare('INSERT INTO slurm_tasks (run_id, options, updated_at) VALUES (?, ?, ?)').run(runId, JSON.stringify(options), Date.now());
  }

  get(runId: string): SlurmTask | null {
    if (!this.present) return null;
    const r = this.db.prepare('SELECT * FROM slurm_tasks WHERE run_id = ?').get(runId) as Row | undefined;
    return r ? toTask(r) : null;
  }

  active(): SlurmTask[] {
    if (!this.present) return [];
    return (this.db.prepare('SELECT * FROM slurm_tasks WHERE active = 1 ORDER BY submitted_at, run_id').all() as Row[]).map(toTask);
  }

  /** Every task, keyed by run (the runs list shows job id and queue state next to each run). */
  all(): Map<string, SlurmTask> {
    if (!this.present) return new Map();
    return new Map((this.db.prepare('SELECT * FROM slurm_tasks').all() as Row[]).map((r) => [r.run_id, toTask(r)]));
  }

  submitted(runId: string, jobId: string, arrayIndex: number, attempt: number): void {
    this.db.prepare(`UPDATE slurm_tasks SET job_id = ?, array_index = ?, attempt = ?, state = 'PENDING', reason = NULL, node = NULL,
      started = 0, active = 1, submitted_at = ?, updated_at = ? WHERE run_id = ?`).run(jobId, arrayIndex, attempt, Date.now(), Date.now(), runId);
  }

  /** Ready to be submitted again (resume): from `resumeFrom`, as attempt+1 when submitted. */
  requeue(runId: string, resumeFrom: string | null): void {
    this.db.prepare(`UPDATE slurm_tasks SET job_id = NULL, array_index = NULL, state = NULL, reason = NULL, node = NULL, started = 0,
      active = 1, resume_from = ?, updated_at = ? WHERE run_id = ?`).run(resumeFrom, Date.now(), runId);
  }

  queueState(runId: string, s: { state: string; reason: string | null; node: string | null; partition: string | null }): void {
    this.db.prepare('UPDATE slurm_tasks SET state = ?, reason = ?, node = COALESCE(?, node), partition = COALESCE(?, partition), updated_at = ? WHERE run_id = ?')
      .run(s.state, s.reason, s.node, s.partition, Date.now(), runId);
  }

  offsets(runId: string, metrics: number, events: number): void {
    this.db.prepare('UPDATE slurm_tasks SET metrics_offset = ?, events_offset = ? WHERE run_id = ?').run(metrics, events, runId);
  }

  markStarted(runId: string, node: string): void {
    this.db.prepare('UPDATE slurm_tasks SET started = 1, node = ? WHERE run_id = ?').run(node, runId);
  }

  finished(runId: string): void {
    this.db.prepare('UPDATE slurm_tasks SET active = 0, updated_at = ? WHERE run_id = ?').run(Date.now(), runId);
  }
}

/** What the runs list shows for a run on Slurm (null before sbatch answered). */
export function publicSlurmState(t: SlurmTask): SlurmRunState {
  return {
    jobId: t.jobId === null ? '' : t.arrayIndex === null ? t.jobId : `${t.jobId}_${t.arrayIndex}`,
    state: t.state ?? (t.jobId === null ? 'SUBMITTING' : 'PENDING'),
    reason: t.reason, node: t.node, partition: t.partition ?? t.options.partition ?? null,
  };
}
