// The SQLite store: one WAL database in WHITTLE_HOME holding runs, studies, metrics, artifacts, events.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { ArtifactRow, LogRow, MetricSeries, Progress, RunFilter, RunRow, RunStatus, StudyRow } from '../../shared/api';
import type { MetricPoint } from '../../shared/events';
import type { RunSpec } from '../../shared/specs';
import type { StudySpec } from '../../shared/studies';
import { selfOwner } from './liveness';
import { MIGRATIONS } from './migrations';
import { DataFolderError, diskFullMessage, isDiskFull, isReadOnly, readOnlyMessage, SpaceReserve } from './storage';

type Json = Record<string, unknown>;
const parse = <T>(s: string | null): T | null => (s == null ? null : (JSON.parse(s) as T));

interface RunRecord {
  id: string; name: string; kind: string; status: string; study_id: string | null; study_key: string | null;
  spec: string; depends_on: string; created_at: number; started_at: number | null; ended_at: number | null;
  progress: string | null; summary: string | null; error: string | null; error_kind: string | null; backend: string | null;
  checkpoint: string | null; owner_pid: number | null; cancel_requested: number;
  owner_start?: string | null; heartbeat_at?: number | null;
  notes?: string; tags_json?: string | null;
}

/** Every run column plus its tags as a JSON array (one primary-key range read per run). */
const RUN_SELECT = `SELECT runs.*, (SELECT json_group_array(tag) FROM run_tags WHERE run_tags.run_id = runs.id) AS tags_json FROM runs`;
/** The same for a database older than migration 5 opened read-only (it cannot be migrated): no notes or tags. */
const RUN_SELECT_UNANNOTATED = 'SELECT runs.*, NULL AS tags_json FROM runs';
/** The migration that added notes and tags (schema version 5). */
const ANNOTATIONS_VERSION = 5;
/** The migration that added the trash (schema version 6). */
const TRASH_VERSION = 6;

/** `text` as a LIKE pattern matching it anywhere; a backslash escapes the wildcards (% _) a person may type. */
const containsPattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export interface RunInternal extends RunRow {
  checkpoint: string | null; ownerPid: number | null; cancelRequested: boolean;
  /** The owner's start time (liveness.processStart) and its last heartbeat (ms). */
  ownerStart: string | null; heartbeatAt: number | null;
}

function toRun(r: RunRecord): RunInternal {
  return {
    id: r.id, name: r.name, kind: r.kind as RunRow['kind'], status: r.status as RunStatus,
    studyId: r.study_id, studyKey: r.study_key, spec: JSON.parse(r.spec) as RunSpec,
    dependsOn: JSON.parse(r.depends_on) as string[], createdAt: r.created_at, startedAt: r.started_at,
    endedAt: r.ended_at, progress: parse<Progress>(r.progress), summary: parse<Json>(r.summary),
    error: r.error, errorKind: (r.error_kind as RunRow['errorKind']) ?? (r.error == null ? null : 'internal'), backend: r.backend, checkpoint: r.checkpoint, ownerPid: r.owner_pid,
    cancelRequested: r.cancel_requested === 1, ownerStart: r.owner_start ?? null, heartbeatAt: r.heartbeat_at ?? null,
    notes: r.notes ?? '', tags: r.tags_json ? (JSON.parse(r.tags_json) as string[]).sort() : [],
  };
}

export function newId(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** One write transaction, begun IMMEDIATE: other processes (the CLI, `whittle serve`, the app) write
 *  the same database, and a deferred transaction that reads and then writes fails at once with
 *  "database is locked" instead of waiting for busy_timeout. Nested calls become savepoints. */
export function writeTransaction<T>(db: Database.Database, fn: () => T): T {
  return db.transaction(fn).immediate();
}

export class Store {
  readonly db: Database.Database;
  /** Opened read-only (the data folder cannot be written): nothing may be written through it. */
  readonly readonly: boolean;
  private insertMetric: Database.Statement | null;
  /** A read-only snapshot copied to a temp folder (see openReadOnly); removed on close. */
  private snapshotDir: string | null = null;
  /** Space kept back so a run's ending and a delete can still be written on a full disk. */
  private reserve: SpaceReserve | null = null;

  /** `readonly`: open for reading only, when the data folder cannot be written (read commands on
   *  a read-only mount). A write open of such a folder throws DataFolderError naming it. */
  constructor(readonly home: string, file = path.join(home, 'whittle.db'), opts: { readonly?: boolean } = {}) {
    this.readonly = Boolean(opts.readonly);
    if (this.readonly) {
      this.db = this.openReadOnly(file);
      this.insertMetric = null;
      return;
    }
    try {
      fs.mkdirSync(home, { recursive: true });
      if (!folderWritable(home)) throw Object.assign(new Error(readOnlyMessage(home)), { code: 'EROFS' });
      this.db = new Database(file);
      // Other processes (the CLI, `whittle serve`, the app) may hold the write lock: wait for it
      // (and write through `write`, which begins IMMEDIATE).
      this.db.pragma('busy_timeout = 5000');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      this.migrate();
    } catch (e) {
      if (isReadOnly(e) || !folderWritable(home)) throw new DataFolderError(readOnlyMessage(home), 'read-only');
      if (isDiskFull(e)) throw new DataFolderError(diskFullMessage(home, (e as Error).message), 'disk-full');
      throw e;
    }
    this.insertMetric = this.db.prepare('INSERT OR REPLACE INTO metrics (run_id, step, key, value, samples) VALUES (?, ?, ?, ?, ?)');
    this.reserve = new SpaceReserve(home);
    this.reserve.ensure();
  }

  /** A WAL database can be read in place only if SQLite can create its shared-memory file next to
   *  it, which a read-only mount forbids: then read a copy in the temp folder (a read-only folder
   *  has no writer, so the copy is the current state). */
  private openReadOnly(file: string): Database.Database {
    if (!fs.existsSync(file)) throw new DataFolderError(`the data folder ${this.home} is read-only and holds no Whittle database (${path.basename(file)})`, 'read-only');
    let db: Database.Database | null = null;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true });
      db.pragma('user_version');
      return db;
    } catch {
      db?.close();
      this.snapshotDir = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-ro-'));
      const copy = path.join(this.snapshotDir, path.basename(file));
      fs.copyFileSync(file, copy);
      if (fs.existsSync(`${file}-wal`)) fs.copyFileSync(`${file}-wal`, `${copy}-wal`);
      return new Database(copy, { readonly: true, fileMustExist: true });
    }
  }

  /** A write transaction on this store (writeTransaction). */
  write<T>(fn: () => T): T { return writeTransaction(this.db, fn); }

  /** Apply pending migrations, each in its own transaction. The version is read inside the write
   *  transaction: processes opening a new data folder at once would otherwise both apply it. */
  migrate(): void {
    const step = () => this.write(() => {
      const version = this.db.pragma('user_version', { simple: true }) as number;
      if (version >= MIGRATIONS.length) return false;
      this.db.exec(MIGRATIONS[version].sql);
      this.db.pragma(`user_version = ${version + 1}`);
      return true;
    });
    while (step());
  }

  /** A read-only database older than migration 5 has no notes or tags to read. */
  private get runSelect(): string {
    return (this.cachedRunSelect ??= this.schemaVersion >= ANNOTATIONS_VERSION ? RUN_SELECT : RUN_SELECT_UNANNOTATED);
  }
  private cachedRunSelect: string | undefined;

  /** The SQL condition that leaves out rows in the trash (migration 6; a read-only older database has none). */
  private notTrashed(table: 'runs' | 'studies'): string {
    this.hasTrash ??= this.schemaVersion >= TRASH_VERSION;
    return this.hasTrash ? `${table}.trash_id IS NULL` : '1';
  }
  private hasTrash: boolean | undefined;

  get schemaVersion(): number { return this.db.pragma('user_version', { simple: true }) as number; }

  runDir(id: string): string { return path.join(this.home, 'runs', id); }

  close(): void {
    this.db.close();
    if (this.snapshotDir) fs.rmSync(this.snapshotDir, { recursive: true, force: true });
  }

  // ── runs ──────────────────────────────────────────────────────────────────
  insertRun(r: { id: string; name: string; spec: RunSpec; studyId?: string | null; studyKey?: string | null; dependsOn?: string[]; ownerPid?: number }): RunInternal {
    const owner = ownerColumns(r.ownerPid);
    this.db.prepare(`INSERT INTO runs (id, name, kind, status, study_id, study_key, spec, depends_on, created_at, owner_pid, owner_start, heartbeat_at)
      VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      r.id, r.name, r.spec.kind, r.studyId ?? null, r.studyKey ?? null, JSON.stringify(r.spec),
      JSON.stringify(r.dependsOn ?? []), Date.now(), owner.pid, owner.start, owner.heartbeat);
    return this.getRun(r.id)!;
  }

  getRun(id: string): RunInternal | null {
    const r = this.db.prepare(`${this.runSelect} WHERE id = ? AND ${this.notTrashed('runs')}`).get(id) as RunRecord | undefined;
    return r ? toRun(r) : null;
  }

  /** Newest first. `query`: every word of it in the name, the notes or a tag (case-insensitive
   *  substring); `tags`: runs carrying all of them (each an index lookup in run_tags_tag). */
  listRuns(filter: RunFilter = {}): RunInternal[] {
    const { sql, args } = this.listRunsQuery(filter);
    return (this.db.prepare(sql).all(...args) as RunRecord[]).map(toRun);
  }

  /** The SQL listRuns runs (exposed so a test can check its query plan). */
  listRunsQuery(filter: RunFilter = {}): { sql: string; args: unknown[] } {
    const where: string[] = [this.notTrashed('runs')]; // runs in the trash are not listed (trash.ts)
    const args: unknown[] = [];
    if (filter.studyId) { where.push('study_id = ?'); args.push(filter.studyId); }
    if (filter.status) { where.push('status = ?'); args.push(filter.status); }
    if (filter.kind) { where.push('kind = ?'); args.push(filter.kind); }
    const annotated = this.runSelect === RUN_SELECT;
    for (const tag of new Set(filter.tags ?? [])) {
      where.push(annotated ? 'runs.id IN (SELECT run_id FROM run_tags WHERE tag = ?)' : '? IS NULL');
      args.push(tag);
    }
    for (const word of (filter.query ?? '').split(/\s+/).filter(Boolean)) {
      const like = containsPattern(word);
      if (!annotated) { where.push("runs.name LIKE ? ESCAPE '\\'"); args.push(like); continue; }
      where.push(`(runs.name LIKE ? ESCAPE '\\' OR runs.notes LIKE ? ESCAPE '\\'
        OR EXISTS (SELECT 1 FROM run_tags WHERE run_tags.run_id = runs.id AND run_tags.tag LIKE ? ESCAPE '\\'))`);
      args.push(like, like, like);
    }
    return { sql: `${this.runSelect} WHERE ${where.join(' AND ')} ORDER BY created_at DESC, rowid DESC`, args };
  }

  /** Replace the notes (when given), add then remove tags, in one transaction. */
  annotateRun(id: string, patch: { notes?: string; addTags?: string[]; removeTags?: string[] }): void {
    this.write(() => {
      if (patch.notes !== undefined) this.db.prepare('UPDATE runs SET notes = ? WHERE id = ?').run(patch.notes, id);
      const add = this.db.prepare('INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)');
      for (const t of patch.addTags ?? []) add.run(id, t);
      const remove = this.db.prepare('DELETE FROM run_tags WHERE run_id = ? AND tag = ?');
      for (const t of patch.removeTags ?? []) remove.run(id, t);
    });
  }

  updateRun(id: string, patch: Partial<{ status: RunStatus; startedAt: number | null; endedAt: number | null; progress: Progress | null;
    summary: Json | null; error: string | null; errorKind: RunRow['errorKind']; backend: string | null; checkpoint: string | null; ownerPid: number | null; cancelRequested: boolean; name: string;
    ownerStart: string | null; heartbeatAt: number | null }>): void {
    const cols: Record<string, string> = {
      status: 'status', startedAt: 'started_at', endedAt: 'ended_at', progress: 'progress', summary: 'summary', error: 'error', errorKind: 'error_kind',
      backend: 'backend', checkpoint: 'checkpoint', ownerPid: 'owner_pid', cancelRequested: 'cancel_requested', name: 'name',
      ownerStart: 'owner_start', heartbeatAt: 'heartbeat_at',
    };
    const sets: string[] = [];
    const args: unknown[] = [];
    for (const [k, v] of Object.entries(patch)) {
      sets.push(`${cols[k]} = ?`);
      args.push(v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : typeof v === 'boolean' ? Number(v) : v);
    }
    if (!sets.length) return;
    this.db.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
  }

  /** Atomically move a run from one status to another; false when someone else changed it first.
   *  `ownerPid` takes the run over (with this process's start time and a fresh heartbeat).
   *  `unlessCancelled`: also false when another process flagged the run for cancellation — a
   *  queued run cancelled from elsewhere must not start (the flag is left for the caller to honour). */
  transition(id: string, from: RunStatus[], to: RunStatus, extra: { ownerPid?: number; unlessCancelled?: boolean } = {}): boolean {
    const owner = ownerColumns(extra.ownerPid);
    const res = this.db.prepare(`UPDATE runs SET status = ?, owner_pid = COALESCE(?, owner_pid),
      owner_start = CASE WHEN ? IS NULL THEN owner_start ELSE ? END, heartbeat_at = COALESCE(?, heartbeat_at)
      WHERE id = ? AND status IN (${from.map(() => '?').join(',')})${extra.unlessCancelled ? ' AND cancel_requested = 0' : ''}`)
      .run(to, owner.pid, owner.pid, owner.start, owner.heartbeat, id, ...from);
    return res.changes === 1;
  }

  /** Mark a run whose owner is gone interrupted — only if it is still exactly as `seen` (same
   *  status, owner and heartbeat), so of two processes noticing the same orphan one acts, and an
   *  owner that heartbeats meanwhile keeps its run. Progress falls back to the last checkpoint:
   *  that is where a resume continues. True when this call made the change. */
  markOrphanInterrupted(seen: RunInternal, error: string, progressStep: number): boolean {
    const progress = seen.progress ? { ...seen.progress, step: progressStep, eta: null } : null;
    const res = this.evenIfFull(() => this.db.prepare(`UPDATE runs SET status = 'interrupted', error = ?, error_kind = 'internal', ended_at = ?,
      cancel_requested = 0, progress = ?
      WHERE id = ? AND status = ? AND owner_pid IS ? AND owner_start IS ? AND heartbeat_at IS ?`)
      .run(error, Date.now(), progress ? JSON.stringify(progress) : null, seen.id, seen.status, seen.ownerPid, seen.ownerStart, seen.heartbeatAt));
    return res.changes === 1;
  }

  /** A small write that must land even on a full disk (a run's ending): when SQLite reports the
   *  disk full, give back the space reserve and try again; then move the WAL into the database and
   *  truncate it (the WAL's space comes free), and try once more. */
  evenIfFull<T>(write: () => T): T {
    try {
      return write();
    } catch (e) {
      if (!isDiskFull(e)) throw e;
      if (this.reserve?.release()) {
        try { return write(); } catch (again) { if (!isDiskFull(again)) throw again; }
      }
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      return write();
    }
  }

  /** The owner's heartbeat for the runs it holds (queued or running). */
  heartbeat(ids: string[], at = Date.now()): void {
    if (!ids.length) return;
    this.db.prepare(`UPDATE runs SET heartbeat_at = ? WHERE id IN (${ids.map(() => '?').join(',')}) AND status IN ('queued', 'running')`)
      .run(at, ...ids);
  }

  /** Files first, then the row: on a full disk removing the run's checkpoints frees the space the
   *  row's deletion (a WAL write) needs. If it still cannot be written, checkpoint the WAL into the
   *  database and try once more; then report the disk as full (the files are gone by then). */
  deleteRun(id: string): void {
    fs.rmSync(this.runDir(id), { recursive: true, force: true });
    try {
      this.evenIfFull(() => this.db.prepare('DELETE FROM runs WHERE id = ?').run(id));
    } catch (e) {
      if (!isDiskFull(e)) throw e;
      throw new DataFolderError(`${diskFullMessage(this.home)}. The files of run ${id} were deleted, its record could not be; run \`whittle rm ${id}\` again once there is space`, 'disk-full');
    }
  }

  // ── studies ───────────────────────────────────────────────────────────────
  insertStudy(s: { id: string; name: string; spec: StudySpec }): void {
    this.db.prepare('INSERT INTO studies (id, name, kind, spec, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(s.id, s.name, s.spec.kind, JSON.stringify(s.spec), Date.now());
  }

  getStudy(id: string): StudyRow | null {
    const r = this.db.prepare(`SELECT * FROM studies WHERE id = ? AND ${this.notTrashed('studies')}`).get(id) as
      { id: string; name: string; kind: string; spec: string; created_at: number; summary: string | null } | undefined;
    if (!r) return null;
    const runs = this.listRuns({ studyId: id });
    return {
      id: r.id, name: r.name, kind: r.kind as StudyRow['kind'], spec: JSON.parse(r.spec), createdAt: r.created_at,
      runIds: runs.map((x) => x.id).reverse(), summary: parse<Json>(r.summary), status: studyStatus(runs.map((x) => x.status)),
    };
  }

  listStudies(): StudyRow[] {
    const ids = this.db.prepare(`SELECT id FROM studies WHERE ${this.notTrashed('studies')} ORDER BY created_at DESC, rowid DESC`).all() as { id: string }[];
    return ids.map(({ id }) => this.getStudy(id)!);
  }

  setStudySummary(id: string, summary: Json): void {
    this.db.prepare('UPDATE studies SET summary = ? WHERE id = ?').run(JSON.stringify(summary), id);
  }

  // ── metrics ───────────────────────────────────────────────────────────────
  /** One transaction per batch: this is what keeps metric writes fast and crash-consistent. */
  insertMetrics(runId: string, points: MetricPoint[]): void {
    // A point without a finite value (NaN binds as NULL) is dropped with a warning: one bad point
    // must not lose the batch, nor throw into the caller (#15 item 15). Workers never send one.
    const ok = points.filter((p) => Number.isFinite(p.value) && Number.isFinite(p.step));
    if (ok.length < points.length) {
      const keys = [...new Set(points.filter((p) => !ok.includes(p)).map((p) => p.key))];
      this.addLog(runId, 'warn', `dropped ${points.length - ok.length} metric point(s) without a finite value (${keys.join(', ')})`);
    }
    if (!ok.length) return;
    this.write(() => {
      for (const p of ok) this.insertMetric!.run(runId, p.step, p.key, p.value, p.samples ?? null);
    });
  }

  metrics(runId: string, opts: { keys?: string[]; sinceStep?: number } = {}): MetricSeries {
    const where = ['run_id = ?'];
    const args: unknown[] = [runId];
    if (opts.keys?.length) { where.push(`key IN (${opts.keys.map(() => '?').join(',')})`); args.push(...opts.keys); }
    if (opts.sinceStep !== undefined) { where.push('step > ?'); args.push(opts.sinceStep); }
    const rows = this.db.prepare(`SELECT step, key, value, samples FROM metrics WHERE ${where.join(' AND ')} ORDER BY key, step`)
      .all(...args) as { step: number; key: string; value: number; samples: number | null }[];
    const series: MetricSeries['series'] = {};
    for (const r of rows) (series[r.key] ??= []).push({ step: r.step, value: r.value, samples: r.samples });
    return { runId, series };
  }

  /** Drop metrics recorded after `step` (a resumed run replays from its checkpoint). */
  truncateMetrics(runId: string, step: number): void {
    this.db.prepare('DELETE FROM metrics WHERE run_id = ? AND step > ?').run(runId, step);
  }

  // ── artifacts and logs ────────────────────────────────────────────────────
  addArtifact(a: { runId: string; kind: string; path: string; bytes: number; sha256: string; meta?: Json }): void {
    this.db.prepare('INSERT INTO artifacts (run_id, kind, path, bytes, sha256, created_at, meta) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(a.runId, a.kind, a.path, a.bytes, a.sha256, Date.now(), a.meta ? JSON.stringify(a.meta) : null);
  }

  artifacts(runId: string): ArtifactRow[] {
    return (this.db.prepare('SELECT * FROM artifacts WHERE run_id = ? ORDER BY id').all(runId) as
      { id: number; run_id: string; kind: string; path: string; bytes: number; sha256: string; created_at: number; meta: string | null }[])
      .map((r) => ({ id: r.id, runId: r.run_id, kind: r.kind, path: r.path, bytes: r.bytes, sha256: r.sha256, createdAt: r.created_at, meta: parse<Json>(r.meta) }));
  }

  artifact(id: number): ArtifactRow | null {
    const r = this.db.prepare('SELECT run_id FROM artifacts WHERE id = ?').get(id) as { run_id: string } | undefined;
    return r && this.getRun(r.run_id) ? this.artifacts(r.run_id).find((a) => a.id === id) ?? null : null;
  }

  addLog(runId: string | null, level: string, message: string): void {
    this.db.prepare('INSERT INTO events (run_id, at, level, message) VALUES (?, ?, ?, ?)').run(runId, Date.now(), level, message);
  }

  logs(runId: string): LogRow[] {
    return (this.db.prepare('SELECT run_id, at, level, message FROM events WHERE run_id = ? ORDER BY id').all(runId) as
      { run_id: string; at: number; level: string; message: string }[]).map((r) => ({ runId: r.run_id, at: r.at, level: r.level, message: r.message }));
  }
}

/** A study's status from its runs': running while any runs, failed if any failed, done when all are. */
export function studyStatus(statuses: RunStatus[]): RunStatus {
  if (!statuses.length) return 'queued';
  if (statuses.includes('running')) return 'running';
  if (statuses.includes('queued')) return statuses.some((s) => s !== 'queued') ? 'running' : 'queued';
  if (statuses.includes('failed')) return 'failed';
  if (statuses.includes('interrupted')) return 'interrupted';
  if (statuses.includes('cancelled')) return 'cancelled';
  return 'done';
}

/** Can this process create files in `dir`? (root can write where mode bits say no, but not on a
 *  read-only mount: access(2) answers exactly that.) */
function folderWritable(dir: string): boolean {
  try { fs.accessSync(dir, fs.constants.W_OK); return true; } catch { return false; }
}

/** Owner columns for a run this process (or `pid`) takes over: start time only for ourselves. */
function ownerColumns(pid: number | undefined | null): { pid: number | null; start: string | null; heartbeat: number | null } {
  if (!pid) return { pid: null, start: null, heartbeat: null };
  return { pid, start: pid === process.pid ? selfOwner().start : null, heartbeat: Date.now() };
}
