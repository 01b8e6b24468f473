// Events a job streams from its worker thread, and the messages the scheduler sends it.
import type { RunErrorKind } from './errors';
import type { RunSpec } from './specs';

export interface ProgressEvent { type: 'progress'; step: number; total: number; /** seconds, null until measurable */ eta: number | null; phase?: string }
export interface MetricPoint { step: number; key: string; value: number; /** samples seen so far (x axis of loss-vs-samples charts) */ samples?: number }
export interface MetricEvent { type: 'metric'; points: MetricPoint[] }
export interface LogEvent { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
export interface CheckpointEvent { type: 'checkpoint'; step: number; path: string }
export interface ArtifactEvent { type: 'artifact'; kind: string; path: string; bytes: number; sha256: string; meta?: Record<string, unknown> }
export interface BackendEvent { type: 'backend'; backend: string; threads: number; simd?: boolean; /** webgpu: 'vendor / architecture / device' */ adapter?: string }
export interface DoneEvent { type: 'done'; status: 'done' | 'cancelled'; summary: Record<string, unknown> }
/** `kind: 'input'`: the job rejected its input's content (see shared/errors.ts). */
export interface ErrorEvent { type: 'error'; message: string; stack?: string; kind?: RunErrorKind }

export type JobEvent =
  | ProgressEvent | MetricEvent | LogEvent | CheckpointEvent | ArtifactEvent | BackendEvent | DoneEvent | ErrorEvent;

/** Another run this job reads from (a teacher, a model to prune): its folder and summary. */
export interface JobInput { runId: string; dir: string; summary: Record<string, unknown> | null; spec: RunSpec }

export interface StartMessage {
  type: 'start';
  runId: string;
  spec: RunSpec;
  /** WHITTLE_HOME/runs/<id>: the job's own folder for checkpoints and artifacts. */
  dir: string;
  /** WHITTLE_HOME: for reading registered datasets. */
  home: string;
  /** Path of the checkpoint to resume from, when resuming. */
  resumeFrom: string | null;
  inputs: Record<string, JobInput>;
  /** The run's share of the cores for native kernels (absent: the worker's default). */
  threads?: number;
  /** The run's CancelFlag buffer (shared/cancelFlag.ts): set by the scheduler, read by the job's
   *  loop even while the worker's event loop is busy. */
  cancelFlag?: SharedArrayBuffer;
}
/** Also sent on cancel, for a worker between jobs; a running job reads StartMessage.cancelFlag. */
export interface CancelMessage { type: 'cancel' }
/** How many threads the worker's native kernels may use from now on (the scheduler shares the
 *  cores among the runs in progress). */
export interface ThreadsMessage { type: 'threads'; threads: number }
export type ToWorker = StartMessage | CancelMessage | ThreadsMessage;
export type FromWorker = JobEvent & { runId: string };
