// The files a run writes in its own folder when it runs as a Slurm task: the only thing a compute
// node writes (SQLite's WAL does not work across hosts over NFS, so no node opens whittle.db).
// The coordinator ingests them into SQLite as they grow (ingest.ts), idempotently.
//
//   task.json          what to run: the spec, inputs, resume point, attempt (written by the coordinator)
//   metrics.jsonl      metric points, one JSON object a line, append-only
//   task-events.jsonl  progress, logs, checkpoints, artifacts, backend, start: one event a line, append-only
//   result.json        how the attempt ended (done / cancelled / interrupted / failed), written atomically last
//   task.log           the same events as text, for a person reading the folder on the cluster
// Checkpoints and models are written by the job itself, atomically (write to a temp name, rename).
import fs from 'node:fs';
import path from 'node:path';
import type { RunErrorKind } from '../../../shared/errors';
import type { JobEvent, JobInput, MetricPoint } from '../../../shared/events';
import type { RunSpec } from '../../../shared/specs';

export const TASK_FILE = 'task.json';
export const METRICS_FILE = 'metrics.jsonl';
export const EVENTS_FILE = 'task-events.jsonl';
export const RESULT_FILE = 'result.json';
export const LOG_FILE = 'task.log';

export interface TaskFile {
  version: 1;
  runId: string;
  /** 1 for the first submission, +1 for each resubmission (resume). */
  attempt: number;
  spec: RunSpec;
  /** The data folder as the coordinator sees it (datasets are read from there). */
  home: string;
  resumeFrom: string | null;
  inputs: Record<string, JobInput>;
}

/** Written once the task started on its node: the coordinator shows the run running. */
export interface StartedEvent { type: 'started'; node: string; jobId: string | null; pid: number }
export type TaskEvent = Exclude<JobEvent, { type: 'metric' } | { type: 'done' } | { type: 'error' }> | StartedEvent;
/** One line of task-events.jsonl: the attempt that wrote it, when, and the event. */
export interface TaskEventLine { attempt: number; at: number; event: TaskEvent }

export interface TaskResult {
  attempt: number;
  /** `interrupted`: stopped by a signal (Slurm's time limit, preemption, scancel) after saving a checkpoint. */
  status: 'done' | 'cancelled' | 'failed' | 'interrupted';
  summary?: Record<string, unknown>;
  error?: string;
  errorKind?: RunErrorKind;
  at: number;
}

/** Write a file so a reader sees the old content or the new, never half of it. */
export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try { fs.writeSync(fd, `${JSON.stringify(value, null, 1)}\n`); fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
  fs.renameSync(tmp, file);
}

export function readJson<T>(file: string): T | null {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')) as T; } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}

/** Appends whole lines (one write each, O_APPEND), so a reader never sees a line cut in two
 *  except at the very end, which it leaves for next time (readNewLines). */
export class LineAppender {
  private fd: number;
  constructor(readonly file: string) { this.fd = fs.openSync(file, 'a'); }
  append(values: unknown[]): void {
    if (!values.length) return;
    fs.writeSync(this.fd, values.map((v) => `${JSON.stringify(v)}\n`).join(''));
  }
  sync(): void { try { fs.fsyncSync(this.fd); } catch { /* best effort */ } }
  close(): void { try { fs.closeSync(this.fd); } catch { /* already closed */ } }
}

/** The complete lines after byte `offset`, parsed, and the offset just past the last one read.
 *  A line not yet ended by a newline (a write in progress) is left for the next call. */
export function readNewLines<T>(file: string, offset: number, maxBytes = 8 << 20): { items: T[]; next: number } {
  let fd: number;
  try { fd = fs.openSync(file, 'r'); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { items: [], next: offset };
    throw e;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size <= offset) return { items: [], next: offset };
    const buf = Buffer.alloc(Math.min(size - offset, maxBytes));
    const n = fs.readSync(fd, buf, 0, buf.length, offset);
    const end = buf.subarray(0, n).lastIndexOf(0x0a);
    if (end < 0) return { items: [], next: offset };
    const items: T[] = [];
    for (const line of buf.subarray(0, end).toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      try { items.push(JSON.parse(line) as T); } catch { /* a torn line from a killed writer: skipped */ }
    }
    return { items, next: offset + end + 1 };
  } finally {
    fs.closeSync(fd);
  }
}

export type MetricLine = MetricPoint;

export const taskPaths = (dir: string) => ({
  task: path.join(dir, TASK_FILE), metrics: path.join(dir, METRICS_FILE), events: path.join(dir, EVENTS_FILE),
  result: path.join(dir, RESULT_FILE), log: path.join(dir, LOG_FILE),
});
