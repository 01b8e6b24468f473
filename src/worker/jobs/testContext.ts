// An in-process JobContext for tests and scripts: records every event, writes checkpoints and
// artifacts to a real folder like the worker does, and can request a cancel at a given step.
import path from 'node:path';
import type { JobEvent, MetricPoint } from '../../shared/events';
import type { RunSpec } from '../../shared/specs';
import type { BackendInfo } from '../engine/backend';
import { sha256, writeDirAtomic, writeFileAtomic } from '../engine/files';
import type { JobContext } from './types';

export interface RecordingContext<S extends RunSpec> extends JobContext<S> {
  events: JobEvent[];
  points: MetricPoint[];
  logs: string[];
  checkpoints: { step: number; path: string }[];
  artifacts: { kind: string; path: string }[];
  /** Last step reported through progress(). */
  lastStep: number;
}

export interface RecordingOptions {
  resumeFrom?: string | null;
  /** Request a cancel once progress() reports this step. */
  cancelAtStep?: number;
  /** Request a cancel at the `check`-th call of cancelled() after progress() reported `afterStep`
   *  (e.g. inside the next evaluation, which checks once per skill). */
  cancelOnCheck?: { afterStep: number; check: number };
  home?: string;
  /** Called on every progress report (e.g. to sample tf.memory()). */
  onProgress?: (step: number) => void;
}

export function recordingContext<S extends RunSpec>(spec: S, dir: string, backend: BackendInfo, opts: RecordingOptions = {}): RecordingContext<S> {
  let cancel = false;
  let checksAfter = 0;
  const ctx: RecordingContext<S> = {
    runId: 'test', spec, dir, home: opts.home ?? dir, resumeFrom: opts.resumeFrom ?? null, inputs: {}, backend,
    events: [], points: [], logs: [], checkpoints: [], artifacts: [], lastStep: 0,
    emit(ev) { ctx.events.push(ev); },
    progress(step) {
      ctx.lastStep = step;
      opts.onProgress?.(step);
      if (opts.cancelAtStep !== undefined && step >= opts.cancelAtStep) cancel = true;
    },
    metrics(points) { ctx.points.push(...points); },
    log(message) { ctx.logs.push(message); },
    cancelled: () => {
      const c = opts.cancelOnCheck;
      if (c && ctx.lastStep >= c.afterStep && ++checksAfter >= c.check) cancel = true;
      return cancel;
    },
    saveCheckpoint(step, files) {
      const p = path.join(dir, `ckpt-${String(step).padStart(9, '0')}`);
      writeDirAtomic(p, files);
      ctx.checkpoints.push({ step, path: p });
      return p;
    },
    saveArtifact(kind, relPath, data, meta) {
      const file = path.join(dir, relPath);
      writeFileAtomic(file, data);
      const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
      ctx.events.push({ type: 'artifact', kind, path: file, bytes, sha256: sha256(data), meta });
      ctx.artifacts.push({ kind, path: file });
      return file;
    },
  };
  return ctx;
}
