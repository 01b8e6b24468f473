// Runs queued runs on a pool of worker threads and turns their events into store writes and pushes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Progress, PushEvent, RunStatus } from '../../shared/api';
import type { RunErrorKind } from '../../shared/errors';
import { mayUseGpu } from '../../shared/backendPolicy';
import { CancelFlag } from '../../shared/cancelFlag';
import { GpuLease, gpuRunsFromEnv } from '../../shared/gpuLease';
import type { FromWorker, JobInput, StartMessage, ToWorker } from '../../shared/events';
import { checkpointKeep, pruneCheckpoints, sweepStaleTemps } from './checkpoints';
import { guarded } from './guard';
import { HEARTBEAT_MS, ownerGone, selfOwner } from './liveness';
import { isDiskFull } from './storage';
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
  /** Runs another executor follows (Slurm): no owner process, so never reaped as orphans here. */
  external?: (runId: string) => boolean;
}

/** cancelFlag: the running job's shared flag (a fresh one per run, so no request outlives its run). */
interface Slot { worker: Worker; runId: string | null; exited: boolean; cancelSent?: boolean; cancelFlag?: CancelFlag }

export type Ending = { status: RunStatus; summary?: Record<string, unknown>; error?: string; errorKind?: RunErrorKind };

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
  /** The newest progress each run reported (the store gets it at most once a second, and at the end). */
  private latestProgress = new Map<string, Progress>();
  /** Runs asked to stop because this process is stopping: they end interrupted, not cancelled. */
  private stopping = new Map<string, string>();
  /** Runs whose events could not be stored (disk full): they end failed with this error. */
  private storeFailed = new Map<string, string>();
  /** Final states the store could not take yet (disk full): retried on each heartbeat. */
  private unsettled = new Map<string, Ending>();
  private poll: NodeJS.Timeout;
  private beat: NodeJS.Timeout;
  private closed = false;
  private waiters = new Map<string, ((r: RunInternal) => void)[]>();
  /** The GPU is one device: runs that may use it take turns (gpuLease.ts). */
  private gpu = new GpuLease(gpuRunsFromEnv(process.env.WHITTLE_GPU_RUNS));
  /** Queued runs told once that they wait for the GPU. */
  private toldGpuWait = new Set<string>();

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
    // The heartbeat tells other processes reading the same folder that our runs are still tended.
    this.beat = setInterval(() => this.heartbeat(), HEARTBEAT_MS);
    this.beat.unref();
  }

  /** Runs left `running` or `queued` by a process that is gone (killed, crashed, reused pid, or no
   *  heartbeat) become `interrupted` (resumable). Every reader of runs calls this (see api.ts), so
   *  no process shows another's dead run as running. Returns the ids this call marked. */
  recoverInterrupted(): string[] {
    if (this.store.readonly) return [];
    const out: string[] = [];
    const mine = new Set([...this.queue, ...this.slots.map((s) => s.runId)]);
    const now = Date.now();
    for (const r of [...this.store.listRuns({ status: 'running' }), ...this.store.listRuns({ status: 'queued' })]) {
      if (mine.has(r.id) || this.opts.external?.(r.id)) continue;
      const why = ownerGone(r, now);
      if (!why) continue;
      // Work after the last checkpoint is lost: a resume continues from there.
      if (!this.store.markOrphanInterrupted(r, why, checkpointStep(r.checkpoint) ?? 0)) continue;
      out.push(r.id);
      this.safely(() => this.store.addLog(r.id, 'warn', `marked interrupted: ${why}; resume continues from the last checkpoint`));
      this.emitRun(r.id);
    }
    return out;
  }

  enqueue(runId: string, resumeFrom: string | null = null): void {
    this.store.updateRun(runId, { ownerPid: process.pid, ownerStart: selfOwner().start, heartbeatAt: Date.now() });
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
    if (slot) this.signalCancel(slot);
    else this.store.updateRun(runId, { cancelRequested: true });
  }

  /** Stop the given runs (all when omitted) because this process is stopping (SIGTERM): each
   *  checkpoints and ends `interrupted` with `reason`, resumable; queued ones end at once. */
  interrupt(reason: string, runIds?: string[]): void {
    const wanted = (id: string) => !runIds || runIds.includes(id);
    for (const id of this.queue.filter(wanted)) {
      this.queue.splice(this.queue.indexOf(id), 1);
      this.finish(id, { status: 'interrupted', error: reason });
    }
    for (const s of this.slots) {
      if (!s.runId || !wanted(s.runId)) continue;
      this.stopping.set(s.runId, reason);
      this.signalCancel(s);
    }
  }

  /** Resolves when the run reaches a final status. */
  waitFor(runId: string): Promise<RunInternal> {
    const r = this.store.getRun(runId);
    // A run we still hold has not ended, whatever the store says (another process may have marked it).
    const held = this.queue.includes(runId) || this.slots.some((s) => s.runId === runId);
    if (r && ENDED.includes(r.status) && !held) return Promise.resolve(r);
    return new Promise((resolve) => {
      const list = this.waiters.get(runId) ?? [];
      list.push(resolve);
      this.waiters.set(runId, list);
    });
  }

  /** Stop everything: running jobs are asked to checkpoint; what does not finish becomes interrupted. */
  async close(graceMs = 3000): Promise<void> {
    if (this.closed) return;
    for (const id of this.queue.splice(0)) this.finish(id, { status: 'interrupted', error: 'the app was closed before it started' });
    // Runs we cancel only because the app is closing end interrupted, not cancelled by the user.
    for (const s of this.slots) if (s.runId && !this.stopping.has(s.runId)) this.interrupt('the app was closed while it ran', [s.runId]);
    this.closed = true;
    clearInterval(this.poll);
    const deadline = Date.now() + graceMs;
    while (this.slots.some((s) => s.runId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    for (const s of this.slots) {
      if (s.runId) this.finish(s.runId, { status: 'interrupted', error: this.stopping.get(s.runId) ?? 'the app was closed while it ran' });
      s.exited = true;
      await s.worker.terminate();
    }
    this.slots = [];
    clearInterval(this.beat);
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
      const wantsGpu = mayUseGpu(run.spec as { kind: string; backend?: string }, process.env.WHITTLE_BACKEND);
      if (wantsGpu && this.gpu.full) {
        // waits for the GPU; later runs that do not need it may start meanwhile
        if (!this.toldGpuWait.has(id)) {
          this.toldGpuWait.add(id);
          this.safely(() => this.store.addLog(id, 'info', `waiting for the GPU (in use by ${this.gpu.runs.join(', ')}; WHITTLE_GPU_RUNS=${this.gpu.limit} at once)`));
        }
        continue;
      }
      const slot = this.freeSlot();
      if (!slot) return;
      this.queue.splice(i--, 1);
      this.toldGpuWait.delete(id);
      if (wantsGpu) this.gpu.tryAcquire(id);
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
    worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    worker.on('error', (err) => this.onWorkerGone(slot, `worker crashed: ${err.message}`));
    worker.on('exit', (code) => this.onWorkerGone(slot, `worker exited with code ${code}`));
    this.slots.push(slot);
    return slot;
  }

  private start(slot: Slot, run: RunInternal): void {
    const resumeFrom = this.resumeFrom.get(run.id) ?? null;
    this.resumeFrom.delete(run.id);
    // A cancel flagged by another process (`whittle cancel`) while the run was queued wins: the
    // transition refuses to start it, and the flag stays set until the run ends.
    if (!this.store.transition(run.id, ['queued'], 'running', { ownerPid: process.pid, unlessCancelled: true })) {
      const now = this.store.getRun(run.id);
      if (now?.status === 'queued' && now.cancelRequested) this.finish(run.id, { status: 'cancelled' });
      return;
    }
    const step = checkpointStep(resumeFrom);
    // Progress restarts where the run restarts: its checkpoint's step (0 when starting afresh).
    const progress = run.progress ? { ...run.progress, step: step ?? 0, eta: null } : null;
    try {
      if (resumeFrom && step !== null) this.store.truncateMetrics(run.id, step);
      else if (!resumeFrom) this.store.truncateMetrics(run.id, -1);
      this.store.updateRun(run.id, { startedAt: Date.now(), endedAt: null, error: null, errorKind: null, progress });
    } catch (e) {
      this.finish(run.id, { status: 'failed', error: isDiskFull(e) ? `disk full: ${(e as Error).message}` : `could not start: ${(e as Error).message}` });
      return;
    }
    if (progress) this.latestProgress.set(run.id, progress);
    this.tidyRunDir(run, resumeFrom);
    slot.runId = run.id;
    slot.cancelSent = false;
    slot.cancelFlag = new CancelFlag();
    const inputs: Record<string, JobInput> = {};
    const specInputs = (run.spec as { inputs?: Record<string, string> }).inputs ?? {};
    for (const [role, id] of Object.entries(specInputs)) {
      const dep = this.store.getRun(id);
      if (dep) inputs[role] = { runId: id, dir: this.store.runDir(id), summary: dep.summary, spec: dep.spec };
    }
    const msg: StartMessage = {
      type: 'start', runId: run.id, spec: run.spec, dir: this.store.runDir(run.id), home: this.store.home, resumeFrom, inputs,
      threads: this.coreShare(), cancelFlag: slot.cancelFlag.buffer,
    };
    slot.worker.postMessage(msg);
    this.safely(() => this.store.addLog(run.id, 'info', resumeFrom ? `resumed from ${path.basename(resumeFrom)}` : 'started'));
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
    const failed = this.storeFailed.get(id);
    if (failed !== undefined) {
      // The store refused this run's events: let the worker wind down, then end the run failed.
      if (m.type !== 'done' && m.type !== 'error') return;
      slot.runId = null;
      this.finish(id, { status: 'failed', error: failed });
      this.safely(() => this.pump());
      return;
    }
    // No store error (a full disk, a constraint) may kill the process: it fails this run instead.
    try {
      this.handle(slot, m);
    } catch (e) {
      this.onStoreError(slot, id, e);
    }
  }

  private handle(slot: Slot, m: FromWorker): void {
    const id = m.runId;
    const store = this.store;
    switch (m.type) {
      case 'progress': {
        const progress = { step: m.step, total: m.total, eta: m.eta, phase: m.phase };
        this.latestProgress.set(id, progress);
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
        // a run that turned out not to use the GPU gives its lease back at once
        if (m.backend !== 'webgpu' && this.gpu.runs.includes(id)) { this.gpu.release(id); this.safely(() => this.pump()); }
        // webgpu names its adapter after the thread count (`webgpu×1 (nvidia / ampere / …)`): `show` prints it
        store.updateRun(id, { backend: `${m.backend}×${m.threads}${m.adapter ? ` (${m.adapter})` : ''}` });
        this.emitRun(id); // open pages show the backend the run uses as soon as it is known
        break;
      case 'checkpoint': {
        // Stored progress never lags the checkpoint a resume would continue from.
        const latest = this.latestProgress.get(id) ?? store.getRun(id)?.progress ?? null;
        const progress = latest && latest.step < m.step ? { ...latest, step: m.step } : latest;
        if (progress) this.latestProgress.set(id, progress);
        store.updateRun(id, { checkpoint: m.path, ...(progress ? { progress } : {}) });
        // The new resume point is recorded first, so no crash can leave it naming a deleted folder.
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
        this.safely(() => this.pump());
        break;
      case 'error': {
        slot.runId = null;
        // A checkpoint or artifact write that hit a full disk: say so, and drop its temp folder.
        const full = isDiskFull(m.message);
        if (full) this.removeCheckpointTemps(id);
        this.safely(() => store.addLog(id, 'error', m.stack ?? m.message));
        this.finish(id, { status: 'failed', error: full ? `disk full: ${m.message}` : m.message, errorKind: m.kind });
        this.safely(() => this.pump());
        break;
      }
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
    }, (msg) => this.safely(() => this.store.addLog(run.id, 'warn', msg)));
  }

  /** The store refused a write for this run (typically SQLITE_FULL): stop its worker, remove the
   *  checkpoint being written, and end the run failed once the worker has stopped. */
  private onStoreError(slot: Slot, id: string, e: unknown): void {
    const msg = (e as Error)?.message ?? String(e);
    const error = isDiskFull(e) ? `disk full: ${msg}` : `could not record the run: ${msg}`;
    this.storeFailed.set(id, error);
    if (slot.runId === id && !slot.exited) this.signalCancel(slot);
    this.removeCheckpointTemps(id);
    this.safely(() => this.store.addLog(id, 'error', error));
  }

  /** Checkpoint folders this process left half-written (`ckpt-N.tmp-<pid>-…`): on a full disk
   *  they hold the space the rest needs. Other processes' temps are not ours to judge here. */
  private removeCheckpointTemps(id: string): void {
    const dir = this.store.runDir(id);
    try {
      for (const name of fs.readdirSync(dir)) {
        if (name.includes(`.tmp-${process.pid}-`)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
      }
    } catch { /* no folder yet: nothing to remove */ }
  }

  private onWorkerGone(slot: Slot, reason: string): void {
    if (slot.exited) return;
    slot.exited = true;
    const id = slot.runId;
    slot.runId = null;
    if (id) {
      this.safely(() => this.store.addLog(id, 'error', reason));
      this.finish(id, { status: 'failed', error: this.storeFailed.get(id) ?? reason });
    }
    this.safely(() => this.pump());
  }

  private finish(id: string, r: Ending): void {
    this.gpu.release(id);
    this.toldGpuWait.delete(id);
    const stopReason = this.stopping.get(id);
    this.stopping.delete(id);
    // Cancelled only because this process is stopping: interrupted, resumable.
    if (stopReason !== undefined && r.status === 'cancelled') r = { ...r, status: 'interrupted', error: stopReason };
    this.storeFailed.delete(id);
    let run: RunInternal | null;
    try { run = this.store.getRun(id); } catch { run = null; }
    if (!run) { this.settle(id, null); return; }
    const patch = finalPatch(run, r, this.latestProgress.get(id));
    this.latestProgress.delete(id);
    this.lastProgressWrite.delete(id);
    let final: RunInternal;
    try {
      this.store.evenIfFull(() => this.store.updateRun(id, patch));
      final = this.store.getRun(id)!;
      this.unsettled.delete(id);
    } catch {
      // The disk is full even for this: keep the ending and retry it on each heartbeat. If this
      // process exits first, the run's owner is gone and the next reader marks it interrupted.
      this.unsettled.set(id, r);
      final = { ...run, ...patch } as RunInternal;
    }
    this.settle(id, final);
  }

  private settle(id: string, final: RunInternal | null): void {
    if (final) {
      this.opts.onEvent?.({ type: 'run', run: publicRun(final) });
      this.safely(() => this.opts.onRunSettled?.(final));
    }
    const ws = this.waiters.get(id);
    if (ws && final) { this.waiters.delete(id); ws.forEach((w) => w(final)); }
  }

  /** Keep our runs' heartbeat fresh, retry endings the store refused, and notice a run another
   *  process took from us (it judged us gone): stop its worker, the run stays interrupted. */
  private heartbeat(): void {
    if (this.store.readonly) return;
    const held = [...this.queue, ...this.slots.filter((s) => s.runId).map((s) => s.runId!)];
    this.safely(() => this.store.heartbeat(held));
    for (const [id, ending] of [...this.unsettled]) {
      this.unsettled.delete(id);
      this.safely(() => {
        const run = this.store.getRun(id);
        if (run) this.store.updateRun(id, finalPatch(run, ending, undefined));
      });
    }
    for (const s of this.slots) {
      if (!s.runId || this.stopping.has(s.runId)) continue;
      const r = this.safely(() => this.store.getRun(s.runId!));
      if (r && r.status !== 'running') { this.stopping.set(s.runId, r.error ?? 'another process marked it interrupted'); this.signalCancel(s); }
    }
  }

  private pollCancelRequests(): void {
    this.safely(() => {
      for (const s of this.slots) {
        if (!s.runId || s.cancelSent) continue;
        // The flag stays set until the run ends (finish clears it): nothing in between can lose it.
        if (this.store.getRun(s.runId)?.cancelRequested) { this.signalCancel(s); s.cancelSent = true; }
      }
      for (const id of [...this.queue]) if (this.store.getRun(id)?.cancelRequested) this.cancel(id);
    });
  }

  /** Ask the slot's running job to stop: the shared flag reaches its loop even while the worker's
   *  event loop is busy; the message covers a worker still setting up. */
  private signalCancel(slot: Slot): void {
    slot.cancelFlag?.request();
    if (!slot.exited) slot.worker.postMessage({ type: 'cancel' } satisfies ToWorker);
  }

  /** Run a store operation from a timer or an event handler, where a thrown error would kill the
   *  process: a failure (a full disk) is dropped; the run's own handling reports it. */
  private safely<T>(fn: () => T): T | undefined {
    try { return fn(); } catch { return undefined; }
  }

  private emitRun(id: string): void {
    const r = this.safely(() => this.store.getRun(id));
    if (r) this.opts.onEvent?.({ type: 'run', run: publicRun(r) });
  }
}

/** The store patch that ends a run. Progress: the total for a done run; otherwise the furthest of
 *  the last step reported and the last checkpoint — never an older value the 1 s throttle left. */
export function finalPatch(run: RunInternal, r: Ending, latest: Progress | undefined): Parameters<Store['updateRun']>[1] {
  let progress = latest ?? run.progress;
  if (progress && r.status === 'done') progress = { ...progress, step: progress.total, eta: 0 };
  else if (progress) progress = { ...progress, step: Math.max(progress.step, checkpointStep(run.checkpoint) ?? 0), eta: null };
  return {
    status: r.status, endedAt: Date.now(), progress, cancelRequested: false,
    ...(r.summary ? { summary: r.summary } : {}), ...(r.error !== undefined ? { error: r.error, errorKind: r.errorKind ?? 'internal' } : {}),
  };
}

export function publicRun(r: RunInternal) {
  const { checkpoint: _c, ownerPid: _o, cancelRequested: _x, ownerStart: _s, heartbeatAt: _h, ...row } = r;
  return row;
}
