// The API service: validates input, owns the store and scheduler, and fans events out to subscribers.
// Electron IPC, browser mode (HTTP/SSE) and the CLI all call this same object.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppInfo, CreateOptions, PushEvent, RunRow, StudyRow, WhittleApi } from '../../shared/api';
import { RunSpec } from '../../shared/specs';
import { StudySpec } from '../../shared/studies';
import { ApiError } from '../../shared/transport';
import { WHITTLE_VERSION } from '../../shared/version';
import { parseSpec, SpecError } from '../../shared/validate';
import type { ImportDatasetRequest } from '../../shared/specs/dataset';
import type { CorpusImportRequest } from '../../shared/specs/corpusImport';
import type { GenerateRequest, ImportModelRequest } from '../../shared/specs/importModel';
import type { ExportRunOptions } from '../../shared/specs/export';
import type { RunAnnotationPatch } from '../../shared/runAnnotations';
import type { DeleteOptions, DeletePlan, DeleteResult, TrashEntry } from '../../shared/trash';
import { admit, requireConfirmation } from './admission';
import { annotateRun, checkRunFilter } from './annotations';
import { tidyRunFolders } from './checkpoints';
import { CorpusRegistry } from './corpora';
import { previewCorpus } from './corpusPreview';
import { DatasetRegistry } from './datasets';
import { estimateSpec } from './estimate';
import { exportSpecFor, recordExportOnSource } from './exports';
import { FolderLimit, specPaths } from './folderLimit';
import { checkHfFolder, HfFolderError } from './hfFolder';
import { ownerGone } from './liveness';
import { listRecipes } from './recipes';
import { publicRun, Scheduler } from './scheduler';
import { DataFolderError } from './storage';
import { newId, Store, type RunInternal } from './store';
import { STUDY_KINDS } from './studies';
import { TryModelService } from './inference';
import type { TryInput } from '../../shared/tryModel';
import { Trash } from './trash';
import { uniqueName } from './studies/uniqueName';
import { checkSlurmOptions, type ExecutorChoice, ExecutorOptionError, mergeSlurmOptions, type SlurmAvailability, type SlurmOptions } from '../../shared/executor';
import { SlurmExecutor } from './executors/slurmExecutor';
import { slurmAvailability, SlurmError } from './executors/slurmCli';
import { SettingsError, slurmDefaults } from './executors/settings';

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
  /** "Try the model": inference on its own thread, outside the scheduler's slots (inference.ts). */
  readonly trying: TryModelService;
  private events = new EventEmitter();
  private backend: { name: string; threads: number } | null = null;
  private lastReap = 0;
  /** The one check every user path in a run spec goes through (createRun, exportRun, imports, resume). */
  readonly folders: FolderLimit;
  readonly trash: Trash;
  /** Runs on a Slurm cluster (#21): submits them and ingests the files their tasks write. */
  readonly slurm: SlurmExecutor;
  private slurmInfo: SlurmAvailability | null | undefined;

  constructor(private opts: ServiceOptions = {}) {
    this.events.setMaxListeners(0);
    this.folders = new FolderLimit(opts.folderRoots);
    this.store = openStore(opts.home ?? defaultHome(), opts.access);
    this.datasets = new DatasetRegistry(this.store.db, this.store.home);
    this.trying = new TryModelService(this.store);
    this.slurm = new SlurmExecutor({ store: this.store, onEvent: (ev) => this.push(ev), onRunSettled: (run) => this.onRunSettled(run) });
    this.scheduler = new Scheduler({
      store: this.store,
      workers: opts.workers,
      onEvent: (ev) => this.push(ev),
      onRunSettled: (run) => this.onRunSettled(run),
      external: (id) => this.slurm.owns(id),
    });
    this.trash = new Trash(this.store);
    this.reapOrphans();
    // The app and `whittle serve` coordinate the Slurm runs left in progress (a restarted coordinator
    // picks up where the files say they are); a CLI command follows only what it submits (or `whittle sync`).
    if (!this.store.readonly && opts.mode && opts.mode !== 'cli' && this.slurm.tasks.active().length) this.slurm.follow();
    if (!this.store.readonly) {
      // Trash entries older than TRASH_DAYS go for good; a failure (full disk) waits for the next open.
      // Its folder is made now, while there is space, so a delete on a full disk only renames into it.
      try { fs.mkdirSync(this.trash.dir, { recursive: true }); this.trash.expire(); } catch { /* best effort */ }
      // temps a killed writer left, and checkpoints beyond each run's keep count (#15 item 10)
      tidyRunFolders(this.store.listRuns().filter((r) => !this.slurm.owns(r.id)), (id) => this.store.runDir(id), (id, msg) => { try { this.store.addLog(id, 'warn', msg); } catch { /* best effort */ } });
    }
  }

  subscribe(listener: (ev: PushEvent) => void): () => void {
    this.events.on('event', listener);
    return () => this.events.off('event', listener);
  }

  private push(ev: PushEvent): void {
    if (ev.type === 'run' && ev.run.backend) {
      const [name, threads] = ev.run.backend.split('×');
      this.backend = { name, threads: Number.parseInt(threads, 10) };
    }
    this.events.emit('event', ev);
  }

  async info(): Promise<AppInfo> {
    return {
      version: VERSION, home: this.store.home, backend: this.backend?.name ?? process.env.WHITTLE_BACKEND ?? null,
      threads: this.backend?.threads ?? null, workers: this.scheduler.size, mode: this.opts.mode ?? 'cli',
      folders: { allowed: this.folders.allowed, exportDefault: this.folders.exportDefault(this.store.home) },
      slurm: (this.slurmInfo ??= slurmAvailability()),
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
    const slurm = this.slurmOptions(opts.executor);
    const id = newId('r');
    const run = this.store.write(() => {
      const row = this.store.insertRun({
        id, name: parsed.name ?? `${parsed.kind}-${id.slice(-4)}`, spec: parsed, dependsOn: Object.values(inputs), ownerPid: slurm ? undefined : process.pid,
      });
      if (slurm) this.slurm.assign([id], slurm);
      return row;
    });
    this.push({ type: 'run', run: this.row(run) });
    if (slurm) this.slurm.follow();
    else this.scheduler.enqueue(id);
    return this.row(this.store.getRun(id)!);
  }

  async listRuns(filter?: Parameters<WhittleApi['listRuns']>[0]): Promise<RunRow[]> {
    this.reapOrphans();
    if (filter) checkRunFilter(filter);
    const slurm = this.slurm.tasks.all();
    return this.store.listRuns(filter ?? {}).map((r) => {
      const t = slurm.get(r.id);
      return t ? this.slurm.row(r) : publicRun(this.asSeen(r));
    });
  }

  async annotateRun(id: string, patch: RunAnnotationPatch): Promise<RunRow> {
    const run = publicRun(this.asSeen(annotateRun(this.store, this.requireRun(id), patch)));
    this.push({ type: 'run', run });
    return run;
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
    return this.row(this.requireRun(id));
  }

  /** A run as callers see it: with its place in Slurm when it runs there. */
  private row(r: RunInternal): RunRow {
    return this.slurm.isSlurm(r.id) ? this.slurm.row(r) : publicRun(r);
  }

  /** The executor a create call asked for, checked, with the data folder's defaults under the
   *  caller's options (null: this machine). Slurm is checked before anything is stored. */
  private slurmOptions(executor: ExecutorChoice | undefined): SlurmOptions | null {
    if (executor === undefined || executor === null) return null;
    if (typeof executor !== 'object' || !['local', 'slurm'].includes((executor as ExecutorChoice).kind)) {
      throw new ApiError("executor: expected { kind: 'local' } or { kind: 'slurm', slurm: {…} }", 'bad_request', [{ path: 'executor', message: "expected kind 'local' or 'slurm'" }]);
    }
    if (executor.kind === 'local') return null;
    try {
      const options = mergeSlurmOptions(slurmDefaults(this.store.home), checkSlurmOptions(executor.slurm, 'executor.slurm'));
      this.slurm.preflight(options);
      return options;
    } catch (e) {
      if (e instanceof ExecutorOptionError) throw new ApiError(e.message, 'bad_request', [{ path: e.field, message: e.message }]);
      if (e instanceof SettingsError || e instanceof SlurmError) throw new ApiError(e.message, 'bad_request');
      throw e;
    }
  }

  /** Ingest what Slurm tasks wrote since the last look (all, or one study's), read the queue, and
   *  end the runs whose tasks ended: `whittle sync`, after the coordinator was not running. */
  syncSlurm(studyId?: string): RunRow[] {
    const ids = studyId ? this.store.listRuns({ studyId }).map((r) => r.id) : this.slurm.tasks.active().map((t) => t.runId);
    this.slurm.tick({ forceQueue: true, only: new Set(ids) });
    return ids.map((id) => this.store.getRun(id)).filter((r): r is RunInternal => r !== null).map((r) => this.row(r));
  }

  /** A run as a reader should see it: a dead owner's run is recorded interrupted now (reapOrphans
   *  may have skipped it, throttled), or, where that cannot be written (a read-only folder, a full
   *  disk), shown interrupted all the same and recorded by the next reader that can write. */
  private asSeen(r: RunInternal): RunInternal {
    if (r.status !== 'running' && r.status !== 'queued') return r;
    if (this.slurm.owns(r.id)) return r; // no owner process: its task files and Slurm say how it is
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
    if (this.slurm.owns(id)) this.slurm.cancel([id]);
    else if (run.status === 'queued' || run.status === 'running') this.scheduler.cancel(id);
    return this.row(this.store.getRun(id)!);
  }

  async resumeRun(id: string): Promise<RunRow> {
    const run = this.requireRun(id);
    if (!['cancelled', 'interrupted', 'failed'].includes(run.status)) {
      throw new ApiError(`run ${id} is ${run.status}; only cancelled, interrupted or failed runs can be resumed`, 'conflict');
    }
    // A run created elsewhere (the CLI, unlimited) resumed from a limited service obeys its limit too.
    this.confined(run.spec as RunSpec);
    if (this.slurm.isSlurm(id)) {
      // Resubmitted to Slurm with the options it was first submitted with.
      try { this.slurm.preflight(this.slurm.tasks.get(id)!.options); } catch (e) { throw new ApiError((e as Error).message, 'bad_request'); }
      this.slurm.resume(run);
      return this.row(this.store.getRun(id)!);
    }
    if (!this.store.transition(id, ['cancelled', 'interrupted', 'failed'], 'queued', { ownerPid: process.pid })) {
      throw new ApiError(`run ${id} changed state while resuming; try again`, 'conflict');
    }
    this.store.updateRun(id, { error: null, errorKind: null, endedAt: null });
    this.scheduler.enqueue(id, run.checkpoint);
    return publicRun(this.store.getRun(id)!);
  }

  /** What deleting a run or a study takes with it (studies, runs using it, exports made from it). */
  async deletePlan(target: { run?: string; study?: string }): Promise<DeletePlan> {
    this.reapOrphans();
    return this.trash.plan(target);
  }

  /** To the trash (or for good with `now`); refused while it has dependents, unless `withDependents`. */
  async deleteRun(id: string, opts: DeleteOptions = {}): Promise<DeleteResult> {
    this.requireRun(id);
    return this.trash.delete(this.trash.plan({ run: id }), opts);
  }

  async deleteStudy(id: string, opts: DeleteOptions = {}): Promise<DeleteResult> {
    await this.getStudy(id);
    return this.trash.delete(this.trash.plan({ study: id }), opts);
  }

  /** Throws why a run cannot be deleted now with `opts` (unknown, active, an active run among what
   *  goes with it, or dependents without `withDependents`): the CLI checks every id first. */
  checkDeletable(id: string, opts: DeleteOptions = {}): void {
    this.requireRun(id);
    Trash.check(this.trash.plan({ run: id }), opts);
  }

  async listTrash(): Promise<TrashEntry[]> {
    // A serve that stays up for weeks expires entries here too, not only when it opens.
    if (!this.store.readonly) { try { this.trash.expire(); } catch { /* a full disk: listed, emptied later */ } }
    return this.trash.list();
  }
  async restoreTrash(id: string): Promise<TrashEntry> {
    const entry = this.trash.restore(id);
    for (const r of entry.runs) { const run = this.store.getRun(r.id); if (run) this.push({ type: 'run', run: publicRun(run) }); }
    for (const s of entry.studies) { const study = this.store.getStudy(s.id); if (study) this.push({ type: 'study', study }); }
    return entry;
  }
  /** Empty one entry, or the whole trash: frees the space its runs took. */
  async emptyTrash(id?: string): Promise<TrashEntry[]> { return this.trash.empty(id === undefined ? {} : { id }); }

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
    const slurm = this.slurmOptions(opts.executor);
    this.store.write(() => {
      const name = uniqueName(parsed.name ?? `${parsed.kind}-${studyId.slice(-4)}`, this.store.listStudies().map((s) => s.name));
      this.store.insertStudy({ id: studyId, name, spec: parsed });
      for (const p of resolved) {
        this.store.insertRun({
          id: ids.get(p.key)!, name: `${parsed.name ? name : parsed.kind}/${p.key}`, spec: p.spec, studyId, studyKey: p.key, dependsOn: p.deps, ownerPid: slurm ? undefined : process.pid,
        });
      }
      if (slurm) this.slurm.assign([...ids.values()], slurm);
    });
    // summarise over the runs just created, so their seeds read 'queued', not 'missing' (#16)
    this.store.setStudySummary(studyId, kind.summarize(parsed, this.store.listRuns({ studyId }).map(publicRun)));
    if (slurm) this.slurm.follow();
    else for (const p of resolved) this.scheduler.enqueue(ids.get(p.key)!);
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
    // A study's Slurm runs are cancelled together: one scancel of the whole array where it can.
    this.slurm.cancel(s.runIds.filter((rid) => this.slurm.owns(rid)));
    for (const rid of s.runIds) {
      const r = this.store.getRun(rid);
      if (r && !this.slurm.isSlurm(rid) && (r.status === 'queued' || r.status === 'running')) this.scheduler.cancel(rid);
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

  async modelInfo(runId: string) { return this.trying.info(this.requireRun(runId)); }
  async tryModel(runId: string, input: TryInput) { return this.trying.tryModel(this.requireRun(runId), input); }
  async confusionMatrix(runId: string) { return this.trying.confusion(this.requireRun(runId)); }
  async estimateSpec(spec: unknown) {
    return estimateSpec(spec, this.store.listRuns().map(publicRun), this.datasets);
  }

  /** The import spec of a request, every source checked against the folder limit first. */
  private corpusSpec(request: CorpusImportRequest) {
    (Array.isArray(request?.sources) ? request.sources : []).forEach((s, i) => { if (typeof s === 'string' && s) this.folders.check(s, `sources.${i}`); });
    return new CorpusRegistry(this.store.home).importSpec(request);
  }

  async previewCorpus(request: CorpusImportRequest) {
    const spec = this.corpusSpec({ ...request, replace: true });
    const preview = previewCorpus(spec);
    // The name clash is reported, not refused: the person may still rename before importing.
    return request.replace ? preview : { ...preview, exists: new CorpusRegistry(this.store.home).list().some((c) => c.name === spec.corpus) };
  }

  async importCorpus(request: CorpusImportRequest): Promise<RunRow> {
    const spec = this.corpusSpec(request);
    return this.createRun({ ...spec, name: `import ${spec.corpus}` });
  }

  async listCorpora() { return new CorpusRegistry(this.store.home).list(); }

  /** The folder is checked against the folder limit, then its headers (hfFolder.ts), before the run
   *  exists: a folder that cannot be imported leaves no run row and no run folder behind. */
  async importModel(request: ImportModelRequest): Promise<RunRow> {
    const given = typeof request?.folder === 'string' ? request.folder.trim() : '';
    if (!given) throw new ApiError('folder: give the checkpoint folder (config.json, model.safetensors, tokenizer.json)', 'bad_request', [{ path: 'folder', message: 'give the checkpoint folder' }]);
    const folder = this.folders.check(given, 'folder');
    try {
      checkHfFolder(folder);
    } catch (e) {
      if (e instanceof HfFolderError) throw new ApiError(`${folder}: ${e.message}`, 'bad_request', [{ path: 'folder', message: e.message }]);
      throw e;
    }
    const name = typeof request.name === 'string' && request.name.trim() ? request.name.trim() : path.basename(folder);
    return this.createRun({ kind: 'importModel', name, folder });
  }

  async generate(runId: string, request: GenerateRequest) { return this.trying.generate(this.requireRun(runId), request); }

  /** Wait for a run to end (CLI). */
  waitForRun(id: string): Promise<RunInternal> { return this.slurm.isSlurm(id) ? this.slurm.waitFor(id) : this.scheduler.waitFor(id); }

  async close(): Promise<void> {
    this.slurm.close();
    await this.trying.close();
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
