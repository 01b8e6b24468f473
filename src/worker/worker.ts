// Worker-thread entry: receives one job at a time, streams its events, obeys cancel.
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { CancelFlag } from '../shared/cancelFlag';
import type { FromWorker, JobEvent, StartMessage, ToWorker } from '../shared/events';
import type { MetricPoint } from '../shared/events';
import { errorKindOf } from '../shared/errors';
import { type BackendInfo, initBackend } from './engine/backend';
import { backendPolicy } from '../shared/backendPolicy';
import { describeAdapter } from './engine/webgpu';
import { JobCancelled } from './engine/cancelled';
import { setKernelThreads } from './engine/kernels';
import { sha256, writeDirAtomic, writeFileAtomic } from './engine/files';
import { JOBS } from './jobs';
import type { JobContext } from './jobs/types';
import type { InferMessage, InferReply } from '../shared/tryModel';

const port = parentPort;
if (!port) throw new Error('worker.ts must run inside a worker thread');

let current: { runId: string; cancel: boolean } | null = null;
let backend: BackendInfo | null = null;
/** Thread share the scheduler last granted (applied once the backend is up). */
let threadShare: number | null = null;

/** Only the native kernels' threads can change at run time (wasm itself is single-threaded). */
function applyThreadShare(): void {
  if (threadShare === null || !backend?.kernels?.native) return;
  const before = backend.threads;
  backend.threads = setKernelThreads(threadShare);
  if (current && backend.threads !== before) {
    send(current.runId, { type: 'log', level: 'info', message: `native kernels now use ${backend.threads} thread(s) (cores shared with the runs in progress)` });
  }
}

function send(runId: string, ev: JobEvent): void {
  port!.postMessage({ ...ev, runId } as FromWorker);
}

port.on('message', (msg: ToWorker | InferMessage) => {
  if (msg.type === 'infer') {
    void infer(msg);
  } else if (msg.type === 'cancel') {
    if (current) current.cancel = true;
  } else if (msg.type === 'threads') {
    threadShare = msg.threads;
    applyThreadShare();
  } else if (msg.type === 'start') {
    if (msg.threads) threadShare = msg.threads;
    void run(msg);
  }
});

/** A request of the service's inference thread (a thread of its own, never one running a job). */
async function infer(msg: InferMessage): Promise<void> {
  let reply: InferReply;
  try {
    // Try the model reads back synchronously and runs small forward passes: the host backends
    backend = await initBackend(undefined, 'host'); applyThreadShare();
    const { handleInfer } = await import('./infer/handler');
    reply = { type: 'inferResult', id: msg.id, ok: true, result: await handleInfer(msg.home, msg.request) };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply = { type: 'inferResult', id: msg.id, ok: false, message: e.message, input: errorKindOf(err) === 'input' };
  }
  port!.postMessage(reply);
}

async function run(msg: StartMessage): Promise<void> {
  const state = { runId: msg.runId, cancel: false };
  // The shared flag reaches a job whose loop never yields to this thread's event loop (the message
  // below, which sets state.cancel, would wait for the job to end).
  const flag = msg.cancelFlag ? new CancelFlag(msg.cancelFlag) : null;
  const cancelled = () => state.cancel || (flag?.requested ?? false);
  current = state;
  const emit = (ev: JobEvent) => send(msg.runId, ev);
  let pending: MetricPoint[] = [];
  const warnedKeys = new Set<string>();
  let lastFlush = 0;
  const flush = () => {
    if (pending.length) emit({ type: 'metric', points: pending });
    pending = [];
    lastFlush = Date.now();
  };
  const t0 = Date.now();
  let firstStep: number | null = null;
  let lastProgress = 0;
  try {
    const prefer = 'backend' in msg.spec ? msg.spec.backend : undefined;
    backend = await initBackend(prefer, backendPolicy(msg.spec));
    applyThreadShare();
    const adapter = backend.adapter ? `${describeAdapter(backend.adapter)}${backend.adapter.fallback ? ', software adapter' : ''}` : undefined;
    emit({ type: 'backend', backend: backend.backend, threads: backend.threads, simd: backend.simd, ...(adapter ? { adapter } : {}) });
    if (backend.adapter) {
      emit({ type: 'log', level: 'info', message: `WebGPU adapter: vendor ${backend.adapter.vendor || '?'}, architecture ${backend.adapter.architecture || '?'}, device ${backend.adapter.description || '?'}` +
        (backend.adapter.fallback ? ' (a software adapter: runs on the CPU; a correctness path, not a speed figure)' : '') });
    }
    if (backend.note) emit({ type: 'log', level: 'warn', message: backend.note });
    const k = backend.kernels;
    if (k?.native) emit({ type: 'log', level: 'info', message: `native kernels: ${k.gemm} GEMM (BLAS: ${k.blas}), ${backend.threads} thread(s)` });
    const job = await JOBS[msg.spec.kind]();
    const ctx: JobContext = {
      runId: msg.runId, spec: msg.spec, dir: msg.dir, home: msg.home, resumeFrom: msg.resumeFrom,
      inputs: msg.inputs, backend, emit,
      progress(step, total, phase) {
        const now = Date.now();
        if (firstStep === null) firstStep = step;
        if (now - lastProgress < 100 && step < total) return; // ≈10 Hz is plenty for any display
        lastProgress = now;
        const done = step - firstStep;
        const eta = done > 0 ? ((now - t0) / 1000 / done) * (total - step) : null;
        emit({ type: 'progress', step, total, eta, phase });
      },
      metrics(points) {
        // a point without a finite value never leaves the worker (the store cannot hold NaN);
        // the job's bug is named once per key instead (#15 item 15)
        for (const p of points) {
          if (Number.isFinite(p.value)) { pending.push(p); continue; }
          if (warnedKeys.has(p.key)) continue;
          warnedKeys.add(p.key);
          emit({ type: 'log', level: 'warn', message: `metric ${p.key} at step ${p.step} has no finite value (${p.value}); not recorded` });
        }
        if (Date.now() - lastFlush > 100 || pending.length > 5000) flush();
      },
      log(message, level = 'info') { emit({ type: 'log', level, message }); },
      cancelled,
      saveCheckpoint(step, files) {
        flush(); // metrics up to this step reach the store before the checkpoint that covers them
        const dir = path.join(msg.dir, `ckpt-${String(step).padStart(9, '0')}`);
        writeDirAtomic(dir, files);
        emit({ type: 'checkpoint', step, path: dir });
        return dir;
      },
      saveArtifact(kind, relPath, data, meta) {
        const file = path.join(msg.dir, relPath);
        writeFileAtomic(file, data);
        const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
        emit({ type: 'artifact', kind, path: file, bytes, sha256: sha256(data), meta });
        return file;
      },
    };
    const summary = await job(ctx);
    flush();
    emit({ type: 'done', status: cancelled() ? 'cancelled' : 'done', summary });
  } catch (err) {
    flush();
    if (err instanceof JobCancelled && cancelled()) {
      emit({ type: 'done', status: 'cancelled', summary: { cancelled: true, note: err.message } });
      return;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    emit({ type: 'error', message: e.message, stack: e.stack, kind: errorKindOf(err) });
  } finally {
    if (current === state) current = null;
  }
}
