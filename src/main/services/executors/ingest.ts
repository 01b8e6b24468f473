// Ingest a Slurm task's files (taskFiles.ts) into SQLite, incrementally: each call reads only what
// was appended since the byte offsets recorded in slurm_tasks, and moves those offsets in the same
// transaction as the rows it writes. So ingestion is idempotent (a second call, or `whittle sync`
// next to a running coordinator, reads nothing twice) and survives a coordinator killed mid-way
// (the transaction rolls back, the offsets with it). Metrics are keyed (run, key, step) and
// replaced, so a resumed attempt's points overwrite the interrupted one's.
import fs from 'node:fs';
import type { Progress, PushEvent } from '../../../shared/api';
import type { MetricPoint } from '../../../shared/events';
import type { Store } from '../store';
import type { SlurmTasks } from './slurmTasks';
import { type MetricLine, readJson, readNewLines, type TaskEventLine, type TaskResult, taskPaths } from './taskFiles';

export interface Ingested {
  /** Events for subscribers (live charts, progress, logs), in order. */
  pushes: PushEvent[];
  /** The current attempt's result, once result.json holds it. */
  result: TaskResult | null;
  /** The run moved from queued to running in this call. */
  startedNow: boolean;
}

export function ingestTask(store: Store, tasks: SlurmTasks, runId: string): Ingested {
  const out: Ingested = { pushes: [], result: null, startedNow: false };
  const files = taskPaths(store.runDir(runId));
  store.write(() => {
    const task = tasks.get(runId);
    const run = store.getRun(runId);
    if (!task || !run) return;
    // The result first: it is written after the last line, so lines read after it are complete.
    const result = readJson<TaskResult>(files.result);
    const m = readNewLines<MetricLine>(files.metrics, task.metricsOffset);
    const e = readNewLines<TaskEventLine>(files.events, task.eventsOffset);
    if (m.items.length) {
      const points = m.items.filter((p) => p && typeof p.key === 'string') as MetricPoint[];
      store.insertMetrics(runId, points);
      out.pushes.push({ type: 'metric', runId, points });
    }
    let progress: Progress | null = null;
    for (const line of e.items) {
      const ev = line?.event;
      if (!ev) continue;
      const current = line.attempt === task.attempt;
      switch (ev.type) {
        case 'started':
          if (!current) break;
          tasks.markStarted(runId, ev.node);
          if (store.transition(runId, ['queued'], 'running')) {
            store.updateRun(runId, { startedAt: line.at, endedAt: null, error: null, errorKind: null });
            out.startedNow = true;
          }
          store.addLog(runId, 'info', `attempt ${line.attempt} started on ${ev.node}${ev.jobId ? ` (Slurm job ${ev.jobId})` : ''}`);
          break;
        case 'progress':
          progress = { step: ev.step, total: ev.total, eta: ev.eta, phase: ev.phase };
          out.pushes.push({ type: 'progress', runId, progress });
          break;
        case 'log':
          store.addLog(runId, ev.level, ev.message);
          out.pushes.push({ type: 'log', runId, level: ev.level, message: ev.message });
          break;
        case 'backend':
          store.updateRun(runId, { backend: `${ev.backend}×${ev.threads}` });
          break;
        case 'checkpoint': {
          const seen: Progress | null = progress ?? run.progress;
          if (seen && seen.step < ev.step) progress = { ...seen, step: ev.step };
          store.updateRun(runId, { checkpoint: ev.path });
          break;
        }
        case 'artifact':
          store.addArtifact({ runId, kind: ev.kind, path: ev.path, bytes: ev.bytes, sha256: ev.sha256, meta: ev.meta });
          break;
      }
    }
    if (progress) store.updateRun(runId, { progress });
    if (m.next !== task.metricsOffset || e.next !== task.eventsOffset) tasks.offsets(runId, m.next, e.next);
    if (result && result.attempt === task.attempt && m.next >= fileSize(files.metrics) && e.next >= fileSize(files.events)) out.result = result;
  });
  return out;
}

function fileSize(file: string): number {
  try { return fs.statSync(file).size; } catch { return 0; }
}
