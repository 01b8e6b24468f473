// Runs queued runs on a pool of worker threads and turns their events into store writes and pushes.
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PushEvent, RunStatus } from '../../shared/api';
import type { RunErrorKind } from '../../shared/errors';
import type { FromWorker, JobInput, StartMessage, ToWorker } from '../../shared/events';
import { checkpointKeep, pruneCheckpoints, sweepStaleTemps } from './checkpoints';
import { guarded } from './guard';
import type { RunInternal, Store } from './store';
import { resolveWorkerEntry } from './workerEntry';

export interface SchedulerOptions {
  store: Store;
  /** Worker threads (jobs at once). Default: WHITTLE_WORKERS or min(2, cores). */
  workers?: number;
  /** Every state change, for subscribers (IPC, SSE, CLI). */
  onEvent?: (ev: PushEvent) => void;
  /** Called after any run of a study changes status or summary. */
  onRunSettled?: (run: RunInternal) => void;
}

interface Slot { worker: Worker; runId: string | null; exited: boolean }

const ENDED: RunStatus[] = ['done', 'failed', 'cancelled', 'interrupted'];

/** Step recorded in a checkpoint folder name (`ckpt-000001000`). */
export function checkpointStep(dir: string | null): number | null {
  if (!dir) return null;
  const m = /ckpt-(\d+)$/.exec(path.basename(dir));
  return m ? Number(m[1]) : null;
}

export class Scheduler {
  readonly size: number;
  private store: Store;
  private slots: Slot[] = [];
  private queue: string[] = [];
  private resumeFrom = new Map<string, string | null>();
  private lastProgressWrite = new Map<string, number>();
  private poll: NodeJS.Timeout;
  private closed = false;
  private waiters = new Map<string, ((r: RunInternal) => void)[]>();

  constructor(private opts: SchedulerOptions) {
    this.store = opts.store;
    this.size = Math.max(1, opts.workers ?? (Number(process.env.WHITTLE_WORKERS) || Math.min(2, os.availableParallelism())));
    // The native kernels' OpenMP threads: sleep at once when idle instead of spinning. A spinning
    // thread steals the core a preempted one needs whenever anything else runs (the GUI, a second
    // run): measured with one busy core elsewhere, 26 vs 59 ms per CMSP step; 2% slower on an idle
    // machine. Set here, on the main thread, so the real environment has it before any worker
    // loads the addon (libgomp reads it once, at load). A user's own setting wins.
    process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
    // Another process (e.g. `whittle cancel`) may flag a run for cancellation in the shared database.
    this.poll = setInterval(() => this.pollCancelRequests(), 400);
    this.poll.unref();
  }

  /** Runs a crashed process left `running` or `queued` become `interrupted` (resumable). */
  recoverInterrupted(): string[] {
    const out: string[] = [];
    for (const r of this.store.listRuns()) {
      if ((r.status === 'running' || r.status === 'queued') && !isAlive(r.ownerPid)) {
        this.store.updateRun(r.id, { status: 'interrupted', error: 'the process running it ended unexpectedly', endedAt: Date.now() });
        this.store.addLog(r.id, 'warn', 'marked interrupted at start-up; resume continues from the last checkpoint');
        out.push(r.id);
        this.emitRun(r.id);
      }
    }
    return out;
  }

  enqueue(runId: string, resumeFrom: string | null = null): void {
    this.store.updateRun(runId, { ownerPid: process.pid });
    this.resumeFrom.set(runId, resumeFrom);
    this.queue.push(runId);
    this.pump();
  }

  /** Ask a run to stop: a queued run ends at once, a running one at its next step boundary. */
  cancel(runId: string): void {
    const qi = this.queue.indexOf(runId);
    if (qi >= 0) {
      this.queue.splice(qi, 1);
      this.finish(runId, { status: 'cancelled' });
      return;
    }
    const slot = this.slots.find((s) => s.runId === runId);
    if (slot) slot.worker.postMessage({ type: 'cancel' });
    else this.store.updateRun(runId, { cancelRequested: true });
  }

  /** Resolves when the run reaches a final status. */
  waitFor(runId: string): Promise<RunInternal> {
    const r = this.store.getRun(runId);
    if (r && ENDED.includes(r.status) && !this.queue.includes(runId)) return Promise.resolve(r);
    return new Promise((resolve) => {
      const list = this.waiters.get(runId) ?? [];
      list.push(resolve);
      this.waiters.set(runId, list);
    });
  }

  /** Stop everything: running jobs are asked to checkpoint; what does not finish becomes interrupted. */
  async close(graceMs = 3000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.poll);
    for (const id of this.queue.splice(0)) this.finish(id, { status: 'interrupted', error: 'the app was closed before it started' });
    const running = this.slots.filter((s) => s.runId).map((s) => s.runId!);
    for (const s of this.slots) if (s.runId) s.worker.postMessage({ type: 'cancel' });
    const deadline = Date.now() + graceMs;
    while (this.slots.some((s) => s.runId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    for (const s of this.slots) {
      if (s.runId) this.finish(s.runId, { status: 'interrupted', error: 'the app was closed while it ran' });
      s.exited = true;
      await s.worker.terminate();
    }
    this.slots = [];
    // Runs we cancelled only because the app is closing are interrupted, not cancelled by the user.
    for (const id of running) {
      const r = this.store.getRun(id);
      if (r?.status === 'cancelled') this.store.updateRun(id, { status: 'interrupted', error: 'the app was closed while it ran' });
    }
  }

  // ── internals ─────────────────────────────────────────────────────────────
  /** Start whatever can start, then re-share the cores among the runs in progress. */
  private pump(): void {
    this.startReady();
    this.shareCores();
  }

  private startReady(): void {
    if (this.closed) return;
    for (let i = 0; i < this.queue.length; i++) {
      const id = this.queue[i];
      const run = this.store.getRun(id);
      if (!run) { this.queue.splice(i--, 1); continue; }
      const deps = run.dependsOn.map((d) => this.store.getRun(d));
      const bad = deps.find((d) => !d || (d.status !== 'done' && ENDED.includes(d.status)));
      if (bad !== undefined) {
        this.queue.splice(i--, 1);
        this.finish(id, { status: 'failed', error: bad ? `input run ${bad.id} ended ${bad.status}` : 'an input run was deleted' });
        continue;
      }
      if (deps.some((d) => d!.status !== 'done')) continue; // waits for its inputs
      const slot = this.freeSlot();
      if (!slot) return;
      this.queue.splice(i--, 1);
      this.start(slot, run);
    }
  }

  private freeSlot(): Slot | null {
    this.slots = this.slots.filter((s) => !s.exited);
    const idle = this.slots.find((s) => !s.runId);
    if (idle) return idle;
    if (this.slots.length >= this.size) return null;
    const entry = resolveWorkerEntry();
    const worker = new Worker(entry.file, { eval: entry.eval });
    const slot: Slot = { worker, runId: null, exited: false };
    worker.on('message', (m: FromWorker) => guarded(`could not record run ${m.runId}'s ${m.type} event`, () => this.onMessage(slot, m), (msg) => this.onRecordFailed(slot, m, msg)));
    worker.on('error', (err) => this.onWorkerGone(slot, `worker crashed: ${err.message}`));
    worker.on('exit', (code) => this.onWorkerGone(slot, `worker exited with code ${code}`));
    this.slots.push(slot);
    return slot;
  }

  private start(slot: Slot, run: RunInternal): void {
    const resumeFrom = this.resumeFrom.get(run.id) ?? null;
    this.resumeFrom.delete(run.id);
    const step = checkpointStep(resumeFrom);
    if (resumeFrom && step !== null) this.store.truncateMetrics(run.id, step);
    else if (!resumeFrom) this.store.truncateMetrics(run.id, -1);
    if (!this.store.transition(run.id, ['queued'], 'running', { ownerPid: process.pid })) return;
    this.tidyRunDir(run, resumeFrom);
    this.store.updateRun(run.id, { startedAt: Date.now(), endedAt: null, error: null, errorKind: null, cancelRequested: false });
    slot.runId = run.id;
    const inputs: Record<string, JobInput> = {};
    const specInputs = (run.spec as { inputs?: Record<string, string> }).inputs ?? {};
    for (const [role, id] of Object.entries(specInputs)) {
      const dep = this.store.getRun(id);
      if (dep) inputs[role] = { runId: id, dir: this.store.runDir(id), summary: dep.summary, spec: dep.spec };
    }
    const msg: StartMessage = {
      type: 'start', runId: run.id, spec: run.spec, dir: this.store.runDir(run.id), home: this.store.home, resumeFrom, inputs,
      threads: this.coreShare(),
    };
    slot.worker.postMessage(msg);
    this.store.addLog(run.id, 'info', resumeFrom ? `resumed from ${path.basename(resumeFrom)}` : 'started');
    this.emitRun(run.id);
  }

  /** Native kernels thread their work: the runs in progress share the cores (one run alone gets
   *  all of them) instead of oversubscribing. WHITTLE_THREADS, when set, fixes every worker's count. */
  private shareCores(): void {
    const threads = this.coreShare();
    if (threads === undefined) return;
    for (const s of this.slots) if (s.runId && !s.exited) s.worker.postMessage({ type: 'threads', threads } satisfies ToWorker);
  }

  /** Threads per run in progress (undefined when WHITTLE_THREADS fixes them). */
  private coreShare(): number | undefined {
    if (process.env.WHITTLE_THREADS) return undefined;
    const busy = this.slots.filter((s) => s.runId && !s.exited).length;
    return Math.max(1, Math.floor(os.availableParallelism() / Math.max(1, busy)));
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    const id = m.runId;
    if (slot.runId !== id) return;
    const store = this.store;
    switch (m.type) {
      case 'progress': {
        const progress = { step: m.step, total: m.total, eta: m.eta, phase: m.phase };
        const now = Date.now();
        if (now - (this.lastProgressWrite.get(id) ?? 0) > 1000 || m.step >= m.total) {
          store.updateRun(id, { progress });
          this.lastProgressWrite.set(id, now);
        }
        this.opts.onEvent?.({ type: 'progress', runId: id, progress });
        break;
      }
      case 'metric':
        store.insertMetrics(id, m.points);
        this.opts.onEvent?.({ type: 'metric', runId: id, points: m.points });
        break;
      case 'log':
        store.addLog(id, m.level, m.message);
        this.opts.onEvent?.({ type: 'log', runId: id, level: m.level, message: m.message });
        break;
      case 'backend':
        store.updateRun(id, { backend: `${m.backend}×${m.threads}` });
        break;
      case 'checkpoint': {
        store.updateRun(id, { checkpoint: m.path });
        // the new resume point is recorded first, so no crash can leave it naming a deleted folder
        const run = store.getRun(id);
        if (run) guarded(`could not delete run ${id}'s old checkpoints`, () => pruneCheckpoints(store.runDir(id), checkpointKeep(run.spec), [m.path]), (msg) => store.addLog(id, 'warn', msg));
        break;
      }
      case 'artifact':
        store.addArtifact({ runId: id, kind: m.kind, path: m.path, bytes: m.bytes, sha256: m.sha256, meta: m.meta });
        break;
      case 'done':
        slot.runId = null;
        this.finish(id, { status: m.status, summary: m.summary });
        this.pump();
        break;
      case 'error':
        slot.runId = null;
        store.addLog(id, 'error', m.stack ?? m.message);
        this.finish(id, { status: 'failed', error: m.message, errorKind: m.kind });
        this.pump();
        break;
    }
  }

  /** A run about to start (fresh or resumed) owns its folder: nothing else writes there now, so
   *  temps left by a killed writer go, even this process's (a worker that died mid-write), and the
   *  checkpoints beyond the run's keep count, never the one it resumes from. */
  private tidyRunDir(run: RunInternal, resumeFrom: string | null): void {
    const dir = this.store.runDir(run.id);
    guarded(`could not tidy ${dir}`, () => {
      sweepStaleTemps(dir, { ownToo: true });
      pruneCheckpoints(dir, checkpointKeep(run.spec), [resumeFrom, run.checkpoint]);
    }, (msg) => this.store.addLog(run.id, 'warn', msg));
  }

  /** An event the store could not take (see guard.ts): say so and keep going; a run whose end
   *  could not be recorded still frees its slot, so the queue moves on. */
  private onRecordFailed(slot: Slot, m: FromWorker, message: string): void {
    process.stderr.write(`whittle: ${message}\n`);
    if (m.type === 'done' || m.type === 'error') {
      if (slot.runId === m.runId) slot.runId = null;
      const stderr = (msg: string) => process.stderr.write(`whittle: ${msg}\n`);
      guarded(`could not mark run ${m.runId} failed`, () => {
        const r = this.store.getRun(m.runId);
        if (r && !ENDED.includes(r.status)) this.finish(m.runId, { status: 'failed', error: message });
      }, stderr);
      guarded('could not start the next queued run', () => this.pump(), stderr);
    } else {
      this.store.addLog(m.runId, 'warn', message);
    }
  }

  private onWorkerGone(slot: Slot, reason: string): void {
    if (slot.exited) return;
    slot.exited = true;
    const id = slot.runId;
    slot.runId = null;
    if (id) {
      this.store.addLog(id, 'error', reason);
      this.finish(id, { status: 'failed', error: reason });
    }
    this.pump();
  }

  private finish(id: string, r: { status: RunStatus; summary?: Record<string, unknown>; error?: string; errorKind?: RunErrorKind }): void {
    const run = this.store.getRun(id);
    if (!run) return;
    const progress = run.progress && r.status === 'done' ? { ...run.progress, step: run.progress.total, eta: 0 } : run.progress;
    this.store.updateRun(id, {
      status: r.status, endedAt: Date.now(), progress, cancelRequested: false,
      ...(r.summary ? { summary: r.summary } : {}), ...(r.error !== undefined ? { error: r.error, errorKind: r.errorKind ?? 'internal' } : {}),
    });
    this.lastProgressWrite.delete(id);
    const final = this.store.getRun(id)!;
    this.emitRun(id);
    this.opts.onRunSettled?.(final);
    const ws = this.waiters.get(id);
    if (ws) { this.waiters.delete(id); ws.forEach((w) => w(final)); }
  }

  private pollCancelRequests(): void {
    for (const s of this.slots) {
      if (!s.runId) continue;
      const r = this.store.getRun(s.runId);
      if (r?.cancelRequested) { s.worker.postMessage({ type: 'cancel' }); this.store.updateRun(s.runId, { cancelRequested: false }); }
    }
    for (const id of [...this.queue]) if (this.store.getRun(id)?.cancelRequested) this.cancel(id);
  }

  private emitRun(id: string): void {
    const r = this.store.getRun(id);
    if (r) this.opts.onEvent?.({ type: 'run', run: publicRun(r) });
  }
}

export function publicRun(r: RunInternal) {
  const { checkpoint: _c, ownerPid: _o, cancelRequested: _x, ...row } = r;
  return row;
}

function isAlive(pid: number | null): boolean {
  if (!pid) return false;
  if (pid === process.pid) return true;
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}
