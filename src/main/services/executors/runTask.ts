// `whittle run-task DIR`: what one Slurm array element runs on its compute node. It runs the job
// of task.json on a worker thread (the same worker and jobs as a local run) and writes everything
// the job reports into files of the run folder (taskFiles.ts) — never SQLite, which the coordinator
// alone writes. SIGTERM (scancel, the time limit, preemption: Slurm sends it before SIGKILL) asks
// the job to stop at its next step boundary, where it saves a checkpoint; the attempt then ends
// `interrupted` and `whittle resume` continues it from that checkpoint.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CancelFlag } from '../../../shared/cancelFlag';
import type { FromWorker, MetricPoint, StartMessage } from '../../../shared/events';
import { checkpointKeep, pruneCheckpoints, sweepStaleTemps } from '../checkpoints';
import { resolveWorkerEntry } from '../workerEntry';
import { LineAppender, readJson, type TaskEvent, type TaskEventLine, type TaskFile, type TaskResult, taskPaths, writeJsonAtomic } from './taskFiles';

export class TaskFolderError extends Error {
  constructor(message: string) { super(message); this.name = 'TaskFolderError'; }
}

/** Run the task in `dir` to its end; resolves with how it ended (also written to result.json). */
export async function runTask(dir: string, opts: { log?: (line: string) => void } = {}): Promise<TaskResult> {
  const files = taskPaths(dir);
  if (!fs.existsSync(dir)) {
    throw new TaskFolderError(`${dir} does not exist on ${os.hostname()}: the data folder must be on a filesystem every compute node mounts at the same path as the machine that submitted`);
  }
  const task = readJson<TaskFile>(files.task);
  if (!task) throw new TaskFolderError(`${files.task} is missing on ${os.hostname()}: was the run folder moved, or is this not the folder the coordinator wrote?`);
  if (task.version !== 1) throw new TaskFolderError(`${files.task}: unknown task file version ${task.version}`);
  // A result of this attempt means it already ran (Slurm requeued a finished element): nothing to do.
  const previous = readJson<TaskResult>(files.result);
  if (previous && previous.attempt === task.attempt) return previous;

  const metrics = new LineAppender(files.metrics);
  const events = new LineAppender(files.events);
  const logFd = fs.openSync(files.log, 'a');
  const text = (s: string) => { const line = `${new Date().toISOString()} ${s}\n`; fs.writeSync(logFd, line); opts.log?.(line); };
  const event = (ev: TaskEvent) => events.append([{ attempt: task.attempt, at: Date.now(), event: ev } satisfies TaskEventLine]);

  // Temps a killed attempt left; checkpoints beyond the keep count, never the resume point.
  sweepStaleTemps(dir, { ownToo: true });
  pruneCheckpoints(dir, checkpointKeep(task.spec), [task.resumeFrom]);

  const node = os.hostname();
  const jobId = process.env.SLURM_ARRAY_JOB_ID ? `${process.env.SLURM_ARRAY_JOB_ID}_${process.env.SLURM_ARRAY_TASK_ID}` : process.env.SLURM_JOB_ID ?? null;
  event({ type: 'started', node, jobId, pid: process.pid });
  text(`attempt ${task.attempt} of run ${task.runId} started on ${node}${jobId ? ` (Slurm job ${jobId})` : ''}${task.resumeFrom ? `, resuming from ${path.basename(task.resumeFrom)}` : ''}`);

  const cancelFlag = new CancelFlag();
  let stopSignal: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopSignal) return;
    stopSignal = sig;
    text(`${sig} received: saving a checkpoint and stopping`);
    cancelFlag.request();
    worker.postMessage({ type: 'cancel' });
  };
  const entry = resolveWorkerEntry();
  const worker = new Worker(entry.file, { eval: entry.eval });
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGUSR1', onSignal);

  // The job's thread share: what Slurm gave this task (WHITTLE_THREADS, when set, fixes it for every run).
  const threads = process.env.WHITTLE_THREADS ? undefined : Number(process.env.SLURM_CPUS_PER_TASK) || os.availableParallelism();
  const start: StartMessage = {
    type: 'start', runId: task.runId, spec: task.spec, dir, home: task.home, resumeFrom: task.resumeFrom,
    inputs: task.inputs, threads, cancelFlag: cancelFlag.buffer,
  };

  const result = await new Promise<Omit<TaskResult, 'attempt' | 'at'>>((resolve) => {
    let ended = false;
    const end = (r: Omit<TaskResult, 'attempt' | 'at'>) => { if (!ended) { ended = true; resolve(r); } };
    worker.on('message', (m: FromWorker) => {
      if (m.runId !== task.runId) return;
      switch (m.type) {
        case 'metric':
          metrics.append(m.points as MetricPoint[]);
          break;
        case 'checkpoint':
          // Metrics up to the checkpoint's step are on disk before the event that names it.
          metrics.sync();
          event({ type: 'checkpoint', step: m.step, path: m.path });
          events.sync();
          text(`checkpoint at step ${m.step}`);
          try { pruneCheckpoints(dir, checkpointKeep(task.spec), [m.path]); } catch (e) { text(`could not delete old checkpoints: ${(e as Error).message}`); }
          break;
        case 'done':
          end(m.status === 'cancelled'
            ? (stopSignal ? { status: 'interrupted', error: `stopped by ${stopSignal} on ${node} (Slurm's time limit, preemption or scancel); resume continues from the last checkpoint`, errorKind: 'internal' } : { status: 'cancelled', summary: m.summary })
            : { status: 'done', summary: m.summary });
          break;
        case 'error':
          text(`error: ${m.stack ?? m.message}`);
          end({ status: 'failed', error: m.message, errorKind: m.kind ?? 'internal' });
          break;
        default: {
          const { runId: _r, ...ev } = m;
          event(ev as TaskEvent);
          if (m.type === 'log') text(`[${m.level}] ${m.message}`);
          if (m.type === 'backend') text(`backend ${m.backend} × ${m.threads} thread(s)`);
        }
      }
    });
    worker.on('error', (err) => end({ status: 'failed', error: `worker crashed: ${err.message}`, errorKind: 'internal' }));
    worker.on('exit', (code) => end({ status: 'failed', error: `worker exited with code ${code}`, errorKind: 'internal' }));
    worker.postMessage(start);
  });

  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  process.off('SIGUSR1', onSignal);
  metrics.sync(); metrics.close();
  events.sync(); events.close();
  const final: TaskResult = { attempt: task.attempt, at: Date.now(), ...result };
  writeJsonAtomic(files.result, final);
  text(`attempt ${task.attempt} ended ${final.status}${final.error ? `: ${final.error}` : ''}`);
  fs.closeSync(logFd);
  await worker.terminate();
  return final;
}
