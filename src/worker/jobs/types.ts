// What every job receives and returns. A job composes engine pieces and reports through ctx.
import type { JobEvent, JobInput, MetricPoint } from '../../shared/events';
import type { RunSpec } from '../../shared/specs';
import type { BackendInfo } from '../engine/backend';

export interface JobContext<S extends RunSpec = RunSpec> {
  runId: string;
  spec: S;
  /** The run's own folder (WHITTLE_HOME/runs/<id>). */
  dir: string;
  /** WHITTLE_HOME, for registered datasets. */
  home: string;
  /** Checkpoint folder to resume from (written earlier by saveCheckpoint), or null. */
  resumeFrom: string | null;
  /** Runs this one reads from, by role (e.g. `teacher`, `source`). */
  inputs: Record<string, JobInput>;
  backend: BackendInfo;
  emit(ev: JobEvent): void;
  /** Report progress; ETA is derived from the rate since the job (or resume) started. */
  progress(step: number, total: number, phase?: string): void;
  /** Queue metric points; they are flushed in batches (at most ~10 per second). */
  metrics(points: MetricPoint[]): void;
  log(message: string, level?: 'info' | 'warn' | 'error'): void;
  /** True once cancel was requested: stop at the next step boundary, checkpoint, return. */
  cancelled(): boolean;
  /** Atomically write a checkpoint folder `ckpt-<step>` and announce it. Returns its path. */
  saveCheckpoint(step: number, files: Record<string, string | Uint8Array>): string;
  /** Atomically write a file under the run folder and record it as an artifact. */
  saveArtifact(kind: string, relPath: string, data: string | Uint8Array, meta?: Record<string, unknown>): string;
}

/** A job returns its summary; the worker ends the run `cancelled` if ctx.cancelled() was true. */
export type Job<S extends RunSpec = RunSpec> = (ctx: JobContext<S>) => Promise<Record<string, unknown>>;
