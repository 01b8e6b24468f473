// The API service: validates input, owns the store and scheduler, and fans events out to subscribers.
// Electron IPC, browser mode (HTTP/SSE) and the CLI all call this same object.
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import type { AppInfo, CreateOptions, PushEvent, RunRow, StudyRow, WhittleApi } from '../../shared/api';
import { RunSpec } from '../../shared/specs';
import { StudySpec } from '../../shared/studies';
import { ApiError } from '../../shared/transport';
import { WHITTLE_VERSION } from '../../shared/version';
import { parseSpec, SpecError } from '../../shared/validate';
import type { ImportDatasetRequest } from '../../shared/specs/dataset';
import type { ExportRunOptions } from '../../shared/specs/export';
import { admit, requireConfirmation } from './admission';
import { tidyRunFolders } from './checkpoints';
import { DatasetRegistry } from './datasets';
import { exportSpecFor, recordExportOnSource } from './exports';
import { FolderLimit, specPaths } from './folderLimit';
import { ownerGone } from './liveness';
import { listRecipes } from './recipes';
import { publicRun, Scheduler } from './scheduler';
import { DataFolderError } from './storage';
import { newId, Store, type RunInternal } from './store';
import { STUDY_KINDS } from './studies';
import { uniqueName } from './studies/uniqueName';

export const VERSION = WHITTLE_VERSION;

export interface ServiceOptions {
  home?: string;
  workers?: number;
  mode?: AppInfo['mode'];
  /** Folders that exports may write to and imports may read from (browser mode: the user's home, so a
   *  page may not touch anything on disk; Electron: home plus folders picked in the dialog). Absent:
   *  no limit (CLI). Set only by whoever starts the service, never by an API caller. */
  folderRoots?: string[];
  /** 'read': a caller that only reads (whittle runs/show/metrics) opens a read-only data folder
   *  read-only instead of failing; writes then throw. Default 'write'. */
  access?: 'read' | 'write';
}

/** Open the store; a reader falls back to read-only access when the folder cannot be written. */
function openStore(home: string, access: ServiceOptions['access']): Store {
  try {
    return new Store(home);
  } catch (e) {
    if (access === 'read' && e instanceof DataFolderError && e.reason === 'read-only') return new Store(home, undefined, { readonly: true });
    throw e;
  }
}

export function defaultHome(): string {
  return process.env.WHITTLE_HOME ?? path.join(os.homedir(), '.whittle');
}

function validated<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SpecError) throw new ApiError(`invalid spec: ${e.message}`, 'bad_request', e.issues);
    throw e;
  }
}

const notFound = (what: string, id: string) => new ApiError(`${what} '${id}' not found`, 'not_found');

export class WhittleService implements WhittleApi {
  readonly store: Store;
  readonly scheduler: Scheduler;
  readonly datasets: DatasetRegistry;
  private events = new EventEmitter();
  private backend: { name: string; threads: number } | null = null;
  private lastReap = 0;
  /** The one check every user path in a run spec goes through (createRun, exportRun, imports, resume). */
  readonly folders: FolderLimit;

  constructor(private opts: ServiceOptions = {}) {
    this.events.setMaxListeners(0);
    this.folders = new FolderLimit(opts.folderRoots);
    this.store = openStore(opts.home ?? defaultHome(), opts.access);
    this.datasets = new DatasetRegistry(this.store.db, this.store.home);
    this.scheduler = new Scheduler({
      store: this.store,
      workers: opts.workers,
      onEvent: (ev) => this.push(ev),
      onRunSettled: (run) => this.onRunSettled(run),
    });
    this.reapOrphans();
    if (!this.store.readonly) {
      // temps a killed writer left, and checkpoints beyond each run's keep count (#15 item 10)
      tidyRunFolders(this.store.listRuns(), (id) => this.store.runDir(id), (id, msg) => { try { this.store.addLog(id, 'warn', msg); } catch { /* best effort */ } });
    }
  }

  subscribe(listener: (ev: PushEvent) => void): () => void {
    this.events.on('event', listener);
    return () => this.events.off('event', listener);
  }

  private push(ev: PushEvent): void {
    if (ev.type === 'run' && ev.run.backend) {
      const [name, threads] = ev.run.backend.split('×');
      this.backend = { name, threads: Number(threads) };
    }
    this.events.emit('event', ev);
  }

  async info(): Promise<AppInfo> {
    return {
      version: VERSION, home: this.store.home, backend: this.backend?.name ?? process.env.WHITTLE_BACKEND ?? null,
      threads: this.backend?.threads ?? null, workers: this.scheduler.size, mode: this.opts.mode ?? 'cli',
    };
  }

  async createRun(spec: unknown, opts: CreateOptions = {}): Promise<RunRow> {
    const parsed = this.confined(validated(() => parseSpec(RunSpec, spec, 'spec')));
    requireConfirmation([{ label: 'the run', admission: admit(parsed, { datasets: this.datasets }) }], opts.confirmed);
    const inputs = (parsed as { inputs?: Record<string, string> }).inputs ?? {};
    for (const [role, id] of Object.entries(inputs)) {
      const dep = this.store.getRun(id);
      if (!dep) throw new ApiError(`invalid spec: spec.inputs.${role}: no run '${id}'`, 'bad_request', [{ path: `spec.inputs.${role}`, message: `no run '${id}'` }]);
    }
    const id = newId('r');
    const run = this.store.insertRun({
      id, name: parsed.name ?? `${parsed.kind}-${id.slice(-4)}`, spec: parsed, dependsOn: Object.values(inputs), ownerPid: process.pid,
    });
    this.push({ type: 'run', run: publicRun(run) });
    this.scheduler.enqueue(id);
    return publicRun(this.store.getRun(id)!);
  }

  async listRuns(filter?: Parameters<WhittleApi['listRuns']>[0]): Promise<RunRow[]> {
    this.reapOrphans();
    return this.store.listRuns(filter ?? {}).map((r) => publicRun(this.asSeen(r)));
  }

  /** Runs another process left running when it died become interrupted before anyone reads them
   *  (another `whittle train` SIGKILLed while this serve runs). At most every 500 ms. */
  reapOrphans(): void {
    const now = Date.now();
    if (now - this.lastReap < 500) return;
    this.lastReap = now;
    try {
      this.scheduler.recoverInterrupted();
    } catch {
      // A full disk may refuse the write: readers still read; the next read tries again.
      this.lastReap = 0;
    }
  }

  async getRun(id: string): Promise<RunRow> {
    return publicRun(this.requireRun(id));
  }

  /** A run as a reader should see it: a dead owner's run is recorded interrupted now (reapOrphans
   *  may have skipped it, throttled), or, where that cannot be written (a read-only folder, a full
   *  disk), shown interrupted all the same and recorded by the next reader that can write. */
  private asSeen(r: RunInternal): RunInternal {
    if (r.status !== 'running' && r.status !== 'queued') return r;
    const why = ownerGone(r);
    if (!why) return r;
    if (!this.store.readonly) {
      try {
        this.scheduler.recoverInterrupted();
        const now = this.store.getRun(r.id);
        if (now && now.status !== r.status) return now;
      } catch { /* a full disk: shown below, recorded later */ }
    }
    const note = this.store.readonly ? 'not recorded: the data folder is read-only' : 'not recorded yet: the data folder could not be written';
    return { ...r, status: 'interrupted', error: `${why} (${note})` };
  }

  async metrics(id: string, opts?: { keys?: string[]; sinceStep?: number }) {
    this.requireRun(id);
    return this.store.metrics(id, opts);
  }

  async logs(id: string) { this.requireRun(id); return this.store.logs(id); }

  async artifacts(id: string) { this.requireRun(id); return this.store.artifacts(id); }

  async cancelRun(id: string): Promise<RunRow> {
    const run = this.requireRun(id);
    if (run.status === 'queued' || run.status === 'running') this.scheduler.cancel(id);
    return publicRun(this.store.getRun(id)!);
  }

  async resumeRun(id: string): Promise<RunRow> {
    const run = this.requireRun(id);
    if (!['cancelled', 'interrupted', 'failed'].includes(run.status)) {
      throw new ApiError(`run ${id} is ${run.status}; only cancelled, interrupted or failed runs can be resumed`, 'conflict');
    }
    // A run created elsewhere (the CLI, unlimited) resumed from a limited service obeys its limit too.
    this.confined(run.spec as RunSpec);
    if (!this.store.transition(id, ['cancelled', 'interrupted', 'failed'], 'queued', { ownerPid: process.pid })) {
      throw new ApiError(`run ${id} changed state while resuming; try again`, 'conflict');
    }
    this.store.updateRun(id, { error: null, errorKind: null, endedAt: null });
    this.scheduler.enqueue(id, run.checkpoint);
    return publicRun(this.store.getRun(id)!);
  }

  async deleteRun(id: string): Promise<void> {
    this.checkDeletable(id);
    this.store.deleteRun(id);
  }

  /** Throws why a run cannot be deleted now (unknown, active, or an active run's input). */
  checkDeletable(id: string): void {
    const run = this.requireRun(id);
    if (run.status === 'running' || run.status === 'queued') throw new ApiError(`run ${id} is ${run.status}; cancel it first`, 'conflict');
    const dependents = this.store.listRuns().filter((r) => r.dependsOn.includes(id) && (r.status === 'queued' || r.status === 'running'));
    if (dependents.length) throw new ApiError(`run ${id} is an input of ${dependents.map((r) => r.id).join(', ')}`, 'conflict');
  }

  async createStudy(spec: unknown, opts: CreateOptions = {}): Promise<StudyRow> {
    const parsed = validated(() => parseSpec(StudySpec, spec, 'spec'));
    const kind = STUDY_KINDS[parsed.kind];
    if (!kind) throw new ApiError(`study kind '${parsed.kind}' is not available in this build`, 'bad_request');
    const planned = kind.plan(parsed);
    const studyId = newId('s');
    const ids = new Map(planned.map((p) => [p.key, newId('r')]));
    const resolved = planned.map((p) => {
      const inputs = (p.spec as { inputs?: Record<string, string> }).inputs;
      if (!inputs) return { ...p, deps: [] as string[] };
      const mapped: Record<string, string> = {};
      for (const [role, ref] of Object.entries(inputs)) {
        if (ref.startsWith('@')) {
          const target = ids.get(ref.slice(1));
          if (!target) throw new ApiError(`study plan refers to unknown run '${ref}'`, 'internal');
          mapped[role] = target;
        } else {
          if (!this.store.getRun(ref)) throw new ApiError(`invalid spec: no run '${ref}' (input ${role})`, 'bad_request', [{ path: `spec.${role}`, message: `no run '${ref}'` }]);
          mapped[role] = ref;
        }
      }
      return { ...p, spec: { ...p.spec, inputs: mapped } as unknown as RunSpec, deps: Object.values(mapped) };
    });
    // Every planned spec must itself be valid: a bad plan is a bug, reported before anything is stored.
    const admissions = resolved.map((p) => {
      const planned = this.confined(validated(() => parseSpec(RunSpec, p.spec, `plan.${p.key}`)), `plan.${p.key}`);
      return { label: `run ${p.key}`, admission: admit(planned, { datasets: this.datasets, root: `plan.${p.key}` }) };
    });
    requireConfirmation(admissions, opts.confirmed);
    this.store.db.transaction(() => {
      const name = uniqueName(parsed.name ?? `${parsed.kind}-${studyId.slice(-4)}`, this.store.listStudies().map((s) => s.name));
      this.store.insertStudy({ id: studyId, name, spec: parsed });
      for (const p of resolved) {
        this.store.insertRun({
          id: ids.get(p.key)!, name: `${parsed.name ? name : parsed.kind}/${p.key}`, spec: p.spec, studyId, studyKey: p.key, dependsOn: p.deps, ownerPid: process.pid,
        });
      }
    })();
    this.store.setStudySummary(studyId, kind.summarize(parsed, []));
    for (const p of resolved) this.scheduler.enqueue(ids.get(p.key)!);
    const study = this.store.getStudy(studyId)!;
    this.push({ type: 'study', study });
    return study;
  }

  async listStudies(): Promise<StudyRow[]> { this.reapOrphans(); return this.store.listStudies(); }

  async getStudy(id: string): Promise<StudyRow> {
    this.reapOrphans();
    const s = this.store.getStudy(id);
    if (!s) throw notFound('study', id);
    return s;
  }

  async cancelStudy(id: string): Promise<StudyRow> {
    const s = await this.getStudy(id);
    for (const rid of s.runIds) {
      const r = this.store.getRun(rid);
      if (r && (r.status === 'queued' || r.status === 'running')) this.scheduler.cancel(rid);
    }
    return (await this.getStudy(id));
  }

  async recipes() {
    return listRecipes().map(({ name, title, kind, spec }) => ({ name, title, kind, spec }));
  }

  async exportRun(runId: string, options: ExportRunOptions): Promise<RunRow> {
    // Checked before exportSpecFor looks at the folder, so nothing is learnt about folders outside the limit.
    if (typeof options?.out === 'string' && path.isAbsolute(options.out)) this.folders.check(options.out, 'out');
    return this.createRun(exportSpecFor(this.store, runId, options));
  }

  async importDataset(request: ImportDatasetRequest): Promise<RunRow> {
    if (typeof request?.source === 'string') this.folders.check(request.source, 'source');
    const spec = this.datasets.importSpec(request);
    return this.createRun({ ...spec, name: `import ${spec.dataset}` });
  }

  async listDatasets() { return this.datasets.list(); }
  async getDataset(name: string) { return this.datasets.get(name); }
  async datasetSamples(name: string, opts?: Parameters<DatasetRegistry['samples']>[1]) { return this.datasets.samples(name, opts); }
  async deleteDataset(name: string): Promise<void> { this.datasets.remove(name); }

  /** Wait for a run to end (CLI). */
  waitForRun(id: string): Promise<RunInternal> { return this.scheduler.waitFor(id); }

  async close(): Promise<void> {
    await this.scheduler.close();
    this.store.close();
  }

  /** The spec with every user path checked against the folder limit; an export records the allowed
   *  folder it writes into as `within` (replacing any caller's), which the worker re-checks when writing. */
  private confined<T extends RunSpec>(spec: T, prefix = 'spec'): T {
    for (const p of specPaths(spec as T & Record<string, unknown>, prefix)) this.folders.check(p.value, p.field);
    if (spec.kind !== 'export') return spec;
    const within = this.folders.limited ? this.folders.rootOf(spec.out) : spec.within;
    const { within: _caller, ...rest } = spec;
    return { ...rest, ...(within !== undefined ? { within } : {}) } as T;
  }

  private requireRun(id: string): RunInternal {
    this.reapOrphans();
    const r = this.store.getRun(id);
    if (!r) throw notFound('run', id);
    return this.asSeen(r);
  }

  private onRunSettled(run: RunInternal): void {
    // Imports register what they wrote; exports list their files on the run they exported.
    try {
      this.datasets.onRunSettled(run);
      recordExportOnSource(this.store, run);
    } catch (e) {
      this.store.addLog(run.id, 'error', `could not record the result: ${(e as Error).message}`);
    }
    if (!run.studyId) return;
    const study = this.store.getStudy(run.studyId);
    if (!study) return;
    const kind = STUDY_KINDS[study.kind];
    if (!kind) return;
    try {
      const runs = this.store.listRuns({ studyId: run.studyId }).map(publicRun);
      this.store.setStudySummary(study.id, kind.summarize(study.spec, runs));
    } catch (e) {
      this.store.addLog(run.id, 'error', `study summary failed: ${(e as Error).message}`);
    }
    this.push({ type: 'study', study: this.store.getStudy(run.studyId)! });
  }
}
