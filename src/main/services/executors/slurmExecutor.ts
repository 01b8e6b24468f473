// The Slurm executor's coordinator. Runs given to it become elements of `sbatch --array` jobs (one
// element per run, submitted together when they are ready); each element runs `whittle run-task`
// on its run folder, on shared storage. This process — the CLI that submitted, `whittle serve`, the
// desktop app, or `whittle sync` — ingests the files the tasks write (ingest.ts) into SQLite, so
// live charts, progress and ETA work as for local runs, and reads squeue for the queue state.
// Runs on Slurm have no owner process: a coordinator that stops leaves them queued/running, and the
// next one picks them up where the files say they are.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PushEvent } from '../../../shared/api';
import type { JobInput } from '../../../shared/events';
import { SLURM_ACTIVE_STATES, type SlurmOptions } from '../../../shared/executor';
import { checkpointStep, type Ending, finalPatch, publicRun } from '../scheduler';
import type { RunInternal, Store } from '../store';
import { newId } from '../store';
import { ingestTask } from './ingest';
import { checkPartition, NO_SBATCH, onPath, type QueueEntry, sacct, sbatch, scancel, SlurmError, squeue } from './slurmCli';
import { publicSlurmState, type SlurmTask, SlurmTasks } from './slurmTasks';
import { type TaskFile, taskPaths, writeJsonAtomic } from './taskFiles';

export interface SlurmExecutorOptions {
  store: Store;
  onEvent: (ev: PushEvent) => void;
  onRunSettled: (run: RunInternal) => void;
  /** How often the coordinator reads the task files (ms). */
  pollMs?: number;
}

/** squeue is asked at most this often. */
const QUEUE_POLL_MS = 2000;
/** A task Slurm reports ended but whose result file is not there yet gets this long (files written
 *  on a node reach another host's view of shared storage after a short delay, NFS attribute caching). */
const RESULT_GRACE_MS = Number(process.env.WHITTLE_SLURM_GRACE_MS) || 4000;

/** The command a node runs for `whittle`: this Node binary and this checkout's bin/whittle.mjs. */
export function defaultNodeCommand(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../../../../bin/whittle.mjs'), path.resolve(here, '../../bin/whittle.mjs')];
  const bin = candidates.find((p) => fs.existsSync(p)) ?? candidates[0];
  // Inside the desktop app execPath is Electron, which would open a window on the node: the
  // nodes' own `node` runs the CLI instead (settings.json's `command` says otherwise where needed).
  return [process.versions.electron ? 'node' : process.execPath, bin];
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export class SlurmExecutor {
  readonly tasks: SlurmTasks;
  private store: Store;
  private timer: NodeJS.Timeout | null = null;
  private lastQueuePoll = 0;
  private endedSeenAt = new Map<string, number>();
  private waiters = new Map<string, ((r: RunInternal) => void)[]>();
  private closed = false;
  private ticking = false;

  constructor(private o: SlurmExecutorOptions) {
    this.store = o.store;
    this.tasks = new SlurmTasks(o.store.db);
  }

  /** A run on Slurm the coordinator still follows (no owner process to judge it by). */
  owns(runId: string): boolean { return Boolean(this.tasks.get(runId)?.active); }
  isSlurm(runId: string): boolean { return this.tasks.get(runId) !== null; }

  /** Checks before anything is stored: sbatch on PATH, the partition exists. */
  preflight(options: SlurmOptions): void {
    if (!onPath('sbatch')) throw new SlurmError(NO_SBATCH);
    checkPartition(options.partition);
  }

  /** Mark runs (just inserted, queued) as Slurm's; call inside the transaction that inserts them. */
  assign(runIds: string[], options: SlurmOptions): void {
    for (const id of runIds) this.tasks.add(id, options);
  }

  /** Start following the active tasks (submitting those that are ready): the coordinator's loop. */
  follow(): void {
    if (this.closed || this.timer) return;
    this.timer = setInterval(() => this.tick(), this.o.pollMs ?? 1000);
    this.tick();
  }

  /** One pass: submit ready runs, ingest every active task's files, read the queue. */
  tick(opts: { forceQueue?: boolean; only?: Set<string> } = {}): void {
    if (this.closed || this.ticking || this.store.readonly) return;
    this.ticking = true;
    try {
      this.submitReady();
      // The queue first: a task that ended shows its final Slurm state next to its final status.
      if (opts.forceQueue || Date.now() - this.lastQueuePoll >= QUEUE_POLL_MS) {
        this.lastQueuePoll = Date.now();
        this.pollQueue(opts.only);
      }
      const active = this.tasks.active().filter((t) => t.jobId !== null && (!opts.only || opts.only.has(t.runId)));
      for (const t of active) {
        const ing = ingestTask(this.store, this.tasks, t.runId);
        for (const ev of ing.pushes) this.o.onEvent(ev);
        if (ing.startedNow) this.emitRun(t.runId);
        if (ing.result) this.settleWithResult(t.runId, ing.result);
      }
      if (!this.tasks.active().length && this.timer && !this.waiters.size) { clearInterval(this.timer); this.timer = null; }
    } catch (e) {
      this.store.addLog(null, 'warn', `slurm coordinator: ${(e as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }

  /** Resolves when the run reaches a final status. */
  waitFor(runId: string): Promise<RunInternal> {
    const r = this.store.getRun(runId);
    if (r && !['queued', 'running'].includes(r.status) && !this.owns(runId)) return Promise.resolve(r);
    this.follow();
    return new Promise((resolve) => {
      const list = this.waiters.get(runId) ?? [];
      list.push(resolve);
      this.waiters.set(runId, list);
    });
  }

  /** `whittle cancel`: scancel the element (a run not yet submitted ends at once). The task gets
   *  SIGTERM, saves a checkpoint and stops; the flag makes its ending `cancelled`, not interrupted. */
  cancel(runIds: string[]): void {
    const byJob = new Map<string, SlurmTask[]>();
    for (const id of runIds) {
      const t = this.tasks.get(id);
      const run = this.store.getRun(id);
      if (!t || !t.active || !run || !['queued', 'running'].includes(run.status)) continue;
      if (t.jobId === null) { this.finish(id, { status: 'cancelled' }); continue; }
      this.store.updateRun(id, { cancelRequested: true });
      byJob.set(t.jobId, [...(byJob.get(t.jobId) ?? []), t]);
    }
    const targets: string[] = [];
    for (const [job, ts] of byJob) {
      // Every element still followed of this array is cancelled: cancel the whole array job.
      const all = this.tasks.active().filter((t) => t.jobId === job);
      if (all.every((t) => ts.some((x) => x.runId === t.runId))) targets.push(job);
      else targets.push(...ts.map((t) => `${job}_${t.arrayIndex}`));
    }
    scancel(targets);
    for (const ts of byJob.values()) for (const t of ts) this.store.addLog(t.runId, 'info', `cancel requested: scancel ${targets.join(' ')}`);
    this.follow();
  }

  /** `whittle resume`: submit the run again, from its last checkpoint. */
  resume(run: RunInternal): void {
    if (!this.store.transition(run.id, ['cancelled', 'interrupted', 'failed'], 'queued')) throw new SlurmError(`run ${run.id} changed state while resuming; try again`);
    const step = checkpointStep(run.checkpoint);
    this.store.write(() => {
      this.store.updateRun(run.id, { error: null, errorKind: null, endedAt: null, cancelRequested: false });
      if (run.checkpoint && step !== null) this.store.truncateMetrics(run.id, step);
      this.tasks.requeue(run.id, run.checkpoint);
    });
    this.store.addLog(run.id, 'info', run.checkpoint ? `resubmitting to Slurm from ${path.basename(run.checkpoint)}` : 'resubmitting to Slurm from the start');
    this.emitRun(run.id);
    this.follow();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // Waiters (a CLI detaching) get the run as it stands; the tasks go on in Slurm.
    for (const [id, ws] of this.waiters) { const r = this.store.getRun(id); if (r) ws.forEach((w) => w(r)); }
    this.waiters.clear();
  }

  // ── internals ─────────────────────────────────────────────────────────────
  /** Submit every queued Slurm run whose inputs are done; one array job per set of equal options. */
  private submitReady(): void {
    const groups = new Map<string, SlurmTask[]>();
    for (const t of this.tasks.active()) {
      if (t.jobId !== null) continue;
      const run = this.store.getRun(t.runId);
      if (!run) { this.tasks.finished(t.runId); continue; }
      if (run.status !== 'queued') continue;
      if (run.cancelRequested) { this.finish(run.id, { status: 'cancelled' }); continue; }
      const deps = run.dependsOn.map((d) => this.store.getRun(d));
      const bad = deps.find((d) => !d || (d.status !== 'done' && !['queued', 'running'].includes(d.status)));
      if (bad !== undefined) { this.finish(run.id, { status: 'failed', error: bad ? `input run ${bad.id} ended ${bad.status}` : 'an input run was deleted' }); continue; }
      if (deps.some((d) => d!.status !== 'done')) continue;
      const key = JSON.stringify(t.options);
      groups.set(key, [...(groups.get(key) ?? []), t]);
    }
    for (const group of groups.values()) this.submit(group);
  }

  private submit(group: SlurmTask[]): void {
    const o = group[0].options;
    const sub = path.join(this.store.home, 'slurm', newId('j'));
    const dirs: string[] = [];
    try {
      fs.mkdirSync(sub, { recursive: true });
      for (const t of group) {
        const run = this.store.getRun(t.runId)!;
        const dir = this.store.runDir(t.runId);
        fs.mkdirSync(dir, { recursive: true });
        fs.rmSync(taskPaths(dir).result, { force: true });
        const inputs: Record<string, JobInput> = {};
        for (const [role, id] of Object.entries((run.spec as { inputs?: Record<string, string> }).inputs ?? {})) {
          const dep = this.store.getRun(id);
          if (dep) inputs[role] = { runId: id, dir: this.store.runDir(id), summary: dep.summary, spec: dep.spec };
        }
        const task: TaskFile = { version: 1, runId: t.runId, attempt: t.attempt + 1, spec: run.spec, home: this.store.home, resumeFrom: t.resumeFrom, inputs };
        writeJsonAtomic(taskPaths(dir).task, task);
        dirs.push(dir);
      }
      const command = o.command ?? defaultNodeCommand();
      const script = path.join(sub, 'job.sh');
      fs.writeFileSync(script, [
        '#!/bin/bash',
        '# Written by Whittle: one array element per run; each runs `whittle run-task` on its run folder.',
        `DIRS=(${dirs.map(shq).join(' ')})`,
        `exec ${command.map(shq).join(' ')} run-task "\${DIRS[$SLURM_ARRAY_TASK_ID]}"`,
        '',
      ].join('\n'), { mode: 0o755 });
      const study = this.store.getRun(group[0].runId)?.studyId;
      const name = `whittle-${study ? this.store.getStudy(study)?.name ?? study : this.store.getRun(group[0].runId)?.name ?? 'run'}`.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
      const args = [
        `--array=0-${group.length - 1}${o.maxParallel ? `%${o.maxParallel}` : ''}`, `--job-name=${name}`, `--output=${path.join(sub, 'task-%a.out')}`,
        ...(o.partition ? [`--partition=${o.partition}`] : []), ...(o.time ? [`--time=${o.time}`] : []),
        ...(o.cpusPerTask ? [`--cpus-per-task=${o.cpusPerTask}`] : []), ...(o.gpus ? [`--gpus-per-task=${o.gpus}`] : []),
        ...(o.mem ? [`--mem=${o.mem}`] : []),
        // Slurm's SIGTERM reaches run-task itself (not only bash), so it can checkpoint before SIGKILL.
        ...(o.sbatchArgs ?? []),
      ];
      fs.writeFileSync(path.join(sub, 'sbatch-args.json'), JSON.stringify(args, null, 1));
      const jobId = sbatch(args, script);
      this.store.write(() => {
        group.forEach((t, i) => {
          this.tasks.submitted(t.runId, jobId, i, t.attempt + 1);
          this.store.addLog(t.runId, 'info', `submitted to Slurm: job ${jobId}_${i}${o.partition ? ` on partition ${o.partition}` : ''} (script ${script})`);
        });
      });
      for (const t of group) this.emitRun(t.runId);
    } catch (e) {
      const msg = e instanceof SlurmError ? e.message : `could not submit to Slurm: ${(e as Error).message}`;
      for (const t of group) this.finish(t.runId, { status: 'failed', error: msg });
    }
  }

  /** Queue states from squeue; tasks Slurm reports ended (or forgot) without a result end here. */
  private pollQueue(only?: Set<string>): void {
    const waiting = this.tasks.active().filter((t) => t.jobId !== null && (!only || only.has(t.runId)));
    if (!waiting.length) return;
    const q = squeue([...new Set(waiting.map((t) => t.jobId!))]);
    const now = Date.now();
    for (const t of waiting) {
      const entry = q.get(`${t.jobId}_${t.arrayIndex}`);
      if (entry && (entry.state !== t.state || entry.reason !== t.reason || (entry.node && entry.node !== t.node))) {
        this.tasks.queueState(t.runId, entry);
        this.emitRun(t.runId);
      }
      if (entry && SLURM_ACTIVE_STATES.includes(entry.state)) { this.endedSeenAt.delete(t.runId); continue; }
      const first = this.endedSeenAt.get(t.runId) ?? now;
      this.endedSeenAt.set(t.runId, first);
      if (now - first < RESULT_GRACE_MS) continue;
      // Last look at the files: the result may have arrived meanwhile.
      const ing = ingestTask(this.store, this.tasks, t.runId);
      for (const ev of ing.pushes) this.o.onEvent(ev);
      if (ing.result) { this.settleWithResult(t.runId, ing.result); continue; }
      this.settleWithoutResult(this.tasks.get(t.runId)!, entry ?? sacct([t.jobId!])?.get(`${t.jobId}_${t.arrayIndex}`) ?? null);
    }
  }

  private settleWithResult(runId: string, result: Ending): void {
    const run = this.store.getRun(runId);
    if (!run) return;
    if (result.status === 'interrupted' && run.cancelRequested) this.finish(runId, { status: 'cancelled', summary: { cancelled: true } });
    else this.finish(runId, { status: result.status, summary: result.summary, error: result.error, errorKind: result.errorKind });
  }

  private settleWithoutResult(t: SlurmTask, entry: QueueEntry | null): void {
    const run = this.store.getRun(t.runId);
    if (!run) return;
    const job = `${t.jobId}_${t.arrayIndex}`;
    const state = entry?.state ?? 'no longer in the queue';
    const node = entry?.node ?? t.node;
    if (run.cancelRequested) { this.finish(t.runId, { status: 'cancelled' }); return; }
    if (!t.started && entry?.state !== 'CANCELLED') {
      const out = path.join(this.store.home, 'slurm');
      this.finish(t.runId, {
        status: 'failed',
        error: `Slurm job ${job} ended (${state}${node ? ` on ${node}` : ''}) without writing to ${this.store.runDir(t.runId)}: the compute node could not see the data folder or could not run Whittle. `
          + `The data folder (${this.store.home}) must be on shared storage mounted at the same path on every node, with Whittle installed where the nodes reach it. Slurm's output: ${slurmOutput(out, t)}`,
      });
      return;
    }
    this.finish(t.runId, {
      status: 'interrupted',
      error: `Slurm ended job ${job} (${state}${node ? ` on ${node}` : ''}) before the run finished (time limit, node failure, preemption or scancel); \`whittle resume ${t.runId}\` continues from the last checkpoint`,
    });
  }

  private finish(id: string, r: Ending): void {
    const run = this.store.getRun(id);
    if (!run) { this.tasks.finished(id); return; }
    this.endedSeenAt.delete(id);
    const changed = this.store.write(() => {
      this.tasks.finished(id);
      // The task's own result often arrives before squeue reports the element's end: show the
      // state Slurm gives an element that ends this way, not the RUNNING last seen.
      const t = this.tasks.get(id);
      if (t?.jobId && (!t.state || SLURM_ACTIVE_STATES.includes(t.state))) {
        const state = { done: 'COMPLETED', failed: 'FAILED', cancelled: 'CANCELLED', interrupted: 'CANCELLED' }[r.status as 'done'] ?? 'COMPLETED';
        this.tasks.queueState(id, { state, reason: null, node: null, partition: null });
      }
      if (!this.store.transition(id, ['queued', 'running'], r.status)) return false;
      // A run that ends without an error clears an earlier attempt's.
      this.store.updateRun(id, { ...finalPatch(run, r, undefined), ...(r.error === undefined ? { error: null, errorKind: null } : {}) });
      if (r.error) this.store.addLog(id, r.status === 'failed' ? 'error' : 'warn', r.error);
      return true;
    });
    const final = this.store.getRun(id)!;
    if (changed) {
      this.o.onEvent({ type: 'run', run: this.row(final) });
      try { this.o.onRunSettled(final); } catch { /* reported by the callee */ }
    }
    const ws = this.waiters.get(id);
    if (ws) { this.waiters.delete(id); ws.forEach((w) => w(final)); }
  }

  /** A run as pushed to subscribers, with its place in Slurm. */
  row(r: RunInternal) {
    const t = this.tasks.get(r.id);
    return { ...publicRun(r), slurm: t ? publicSlurmState(t) : null };
  }

  private emitRun(id: string): void {
    const r = this.store.getRun(id);
    if (r) this.o.onEvent({ type: 'run', run: this.row(r) });
  }
}

/** The first lines of the element's Slurm output file, where run-task's own error lands. */
function slurmOutput(root: string, t: SlurmTask): string {
  try {
    for (const sub of fs.readdirSync(root)) {
      const args = path.join(root, sub, 'sbatch-args.json');
      const out = path.join(root, sub, `task-${t.arrayIndex}.out`);
      if (!fs.existsSync(out)) continue;
      // The submission folder of this job: the one whose job.sh lists this run's folder.
      const script = fs.readFileSync(path.join(root, sub, 'job.sh'), 'utf8');
      if (!script.includes(`/${t.runId}'`) || !fs.existsSync(args)) continue;
      const text = fs.readFileSync(out, 'utf8').trim().split('\n').slice(-5).join(' | ');
      return `${out}: ${text || '(empty)'}`;
    }
  } catch { /* nothing readable */ }
  return 'none readable from here';
}
