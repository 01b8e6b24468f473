// Deleting runs and studies with what depends on them, and the trash (#16 item 6).
// A delete first plans: the target, the runs whose inputs name a deleted run, the studies a deleted
// run belongs to (with all their runs), and the export runs made from them, to any depth. Moving to
// the trash marks the rows (trash_id) and renames run folders to <data folder>/trash/<run id>: no
// copy, so it needs no free space. Emptying (on demand, or entries older than TRASH_DAYS when the
// service opens) and `now` delete files first, then rows, like Store.deleteRun, so they free space
// even on a full disk.
import fs from 'node:fs';
import path from 'node:path';
import type { RunStatus } from '../../shared/api';
import { TRASH_DAYS, type DeleteOptions, type DeletePlan, type DeleteResult, type DeleteRunItem, type DeleteStudyItem, type TrashEntry } from '../../shared/trash';
import { ApiError } from '../../shared/transport';
import { DataFolderError, diskFullMessage, isDiskFull } from './storage';
import { newId, type RunInternal, type Store } from './store';

const DAY_MS = 24 * 3600 * 1000;
const ACTIVE: RunStatus[] = ['queued', 'running'];

export class Trash {
  constructor(private readonly store: Store, private readonly days = TRASH_DAYS) {}

  get dir(): string { return path.join(this.store.home, 'trash'); }

  /** What deleting `target` takes with it. Throws not_found for an unknown (or trashed) target. */
  plan(target: { run?: string; study?: string }): DeletePlan {
    const all = this.store.listRuns();
    const byId = new Map(all.map((r) => [r.id, r]));
    const studyNames = new Map((this.store.db.prepare('SELECT id, name FROM studies WHERE trash_id IS NULL').all() as { id: string; name: string }[]).map((s) => [s.id, s.name]));
    const runs = new Map<string, DeleteRunItem>();
    const studies = new Map<string, DeleteStudyItem>();
    const queue: RunInternal[] = [];
    const addRun = (r: RunInternal, why: string) => {
      if (runs.has(r.id)) return;
      runs.set(r.id, { id: r.id, name: r.name, kind: r.kind, status: r.status, why });
      queue.push(r);
    };
    const addStudy = (id: string, why: string) => {
      if (studies.has(id) || !studyNames.has(id)) return;
      const name = studyNames.get(id)!;
      studies.set(id, { id, name, why });
      for (const r of all) if (r.studyId === id) addRun(r, `a run of study “${name}”`);
    };
    let head: DeletePlan['target'];
    if (target.run !== undefined) {
      const run = byId.get(target.run);
      if (!run) throw new ApiError(`run '${target.run}' not found`, 'not_found');
      head = { type: 'run', id: run.id, name: run.name };
      addRun(run, 'the run to delete');
    } else {
      const id = target.study ?? '';
      if (!studyNames.has(id)) throw new ApiError(`study '${id}' not found`, 'not_found');
      head = { type: 'study', id, name: studyNames.get(id)! };
      addStudy(id, 'the study to delete');
    }
    while (queue.length) {
      const r = queue.shift()!;
      if (r.studyId) addStudy(r.studyId, `“${r.name}” belongs to it`);
      for (const c of all) {
        if (c.dependsOn.includes(r.id)) addRun(c, c.kind === 'export' ? `an export of “${r.name}”` : `uses “${r.name}” as an input`);
      }
    }
    const own = (r: DeleteRunItem) => (head.type === 'run' ? r.id === head.id : byId.get(r.id)?.studyId === head.id);
    const items = [...runs.values()];
    const active = items.filter((r) => ACTIVE.includes(r.status));
    return {
      target: head,
      runs: items.filter(own),
      dependents: {
        runs: items.filter((r) => !own(r) && r.kind !== 'export'),
        studies: [...studies.values()].filter((s) => !(head.type === 'study' && s.id === head.id)),
        exports: items.filter((r) => !own(r) && r.kind === 'export').map((r) => ({ ...r, dir: String((byId.get(r.id)!.spec as { out?: string }).out ?? '') })),
      },
      blocked: active.length ? `${active.map((r) => `run ${r.id} (${r.name}) is ${r.status}`).join(', ')}; cancel ${active.length > 1 ? 'them' : 'it'} first` : null,
    };
  }

  /** Delete what `plan` names (dependents only with `withDependents`), to the trash or for good. */
  delete(plan: DeletePlan, opts: DeleteOptions = {}): DeleteResult {
    Trash.check(plan, opts);
    const d = plan.dependents;
    const n = d.runs.length + d.studies.length + d.exports.length;
    const runIds = [...plan.runs, ...d.runs, ...d.exports].map((r) => r.id);
      const named = [...d.studies.map((s) => `study “${s.name}”`), ...d.runs.map((r) => `run ${r.id} (${r.name})`), ...d.exports.map((r) => `export ${r.id} (${r.name})`)];

    const studyIds = [...d.studies.map((s) => s.id), ...(plan.target.type === 'study' ? [plan.target.id] : [])];
    if (opts.now) {
      this.purge(runIds, studyIds, (id) => this.store.runDir(id));
      return { trash: null, runs: runIds, studies: studyIds };
    }
    const label = `${plan.target.type} “${plan.target.name}”${n ? ` and ${n} dependent${n > 1 ? 's' : ''}` : ''}`;
    return { trash: this.moveIn(label, runIds, studyIds), runs: runIds, studies: studyIds };
  }

  /** Throws why `plan` cannot be carried out with `opts`: an active run among it, or dependents
   *  without `withDependents` (named, so the user knows what would be left dangling). */
  static check(plan: DeletePlan, opts: DeleteOptions = {}): void {
    if (plan.blocked) throw new ApiError(plan.blocked, 'conflict');
    const d = plan.dependents;
    if (opts.withDependents || !(d.runs.length + d.studies.length + d.exports.length)) return;
    const named = [...d.studies.map((s) => `study “${s.name}”`), ...d.runs.map((r) => `run ${r.id} (${r.name})`), ...d.exports.map((r) => `export ${r.id} (${r.name})`)];
    throw new ApiError(`${plan.target.type} ${plan.target.id} has dependents: ${named.join(', ')}; delete them too (\`whittle rm --with-dependents\`) or keep it`, 'conflict');
  }

  list(): TrashEntry[] {
    const rows = this.store.db.prepare('SELECT id, label, deleted_at FROM trash ORDER BY deleted_at DESC, rowid DESC').all() as { id: string; label: string; deleted_at: number }[];
    return rows.map((t) => ({
      id: t.id, label: t.label, deletedAt: t.deleted_at, expiresAt: t.deleted_at + this.days * DAY_MS,
      runs: this.store.db.prepare('SELECT id, name, kind FROM runs WHERE trash_id = ? ORDER BY created_at, rowid').all(t.id) as TrashEntry['runs'],
      studies: this.store.db.prepare('SELECT id, name FROM studies WHERE trash_id = ? ORDER BY created_at, rowid').all(t.id) as TrashEntry['studies'],
    }));
  }

  get(id: string): TrashEntry {
    const e = this.list().find((t) => t.id === id);
    if (!e) throw new ApiError(`trash entry '${id}' not found`, 'not_found');
    return e;
  }

  /** Put an entry's runs and studies back as they were (rows, metrics, logs, files). Refused while
   *  one of them needs something that is itself still in the trash (restore that entry first). */
  restore(id: string): TrashEntry {
    const entry = this.get(id);
    const inEntry = new Set(entry.runs.map((r) => r.id));
    const studiesIn = new Set(entry.studies.map((s) => s.id));
    const rows = this.store.db.prepare('SELECT id, depends_on, study_id FROM runs WHERE trash_id = ?').all(id) as { id: string; depends_on: string; study_id: string | null }[];
    for (const r of rows) {
      for (const dep of JSON.parse(r.depends_on) as string[]) {
        if (!inEntry.has(dep) && !this.store.getRun(dep)) throw new ApiError(`run ${r.id} needs run ${dep}, which is in another trash entry (or gone): restore that first`, 'conflict');
      }
      if (r.study_id && !studiesIn.has(r.study_id) && !this.store.getStudy(r.study_id)) throw new ApiError(`run ${r.id} belongs to study ${r.study_id}, which is in another trash entry: restore that first`, 'conflict');
    }
    for (const r of entry.runs) {
      const from = path.join(this.dir, r.id), to = this.store.runDir(r.id);
      if (fs.existsSync(from)) { fs.mkdirSync(path.dirname(to), { recursive: true }); fs.renameSync(from, to); }
    }
    this.store.evenIfFull(() => this.store.write(() => {
      this.store.db.prepare('UPDATE runs SET trash_id = NULL WHERE trash_id = ?').run(id);
      this.store.db.prepare('UPDATE studies SET trash_id = NULL WHERE trash_id = ?').run(id);
      this.store.db.prepare('DELETE FROM trash WHERE id = ?').run(id);
    }));
    return entry;
  }

  /** Delete entries for good: one (`id`), those deleted before `before`, or all. Frees their space. */
  empty(opts: { id?: string; before?: number } = {}): TrashEntry[] {
    const gone = opts.id !== undefined ? [this.get(opts.id)] : this.list().filter((t) => opts.before === undefined || t.deletedAt < opts.before);
    for (const t of gone) {
      this.purge(t.runs.map((r) => r.id), t.studies.map((s) => s.id), (rid) => path.join(this.dir, rid), t.id);
    }
    return gone;
  }

  /** Entries older than the trash keeps them (at service open). */
  expire(now = Date.now()): TrashEntry[] { return this.empty({ before: now - this.days * DAY_MS }); }

  private moveIn(label: string, runIds: string[], studyIds: string[]): TrashEntry {
    const id = newId('t');
    const moved: string[] = [];
    try {
      for (const rid of runIds) {
        const from = this.store.runDir(rid);
        if (!fs.existsSync(from)) continue;
        fs.mkdirSync(this.dir, { recursive: true });
        fs.renameSync(from, path.join(this.dir, rid));
        moved.push(rid);
      }
      this.store.evenIfFull(() => this.store.write(() => {
        this.store.db.prepare('INSERT INTO trash (id, label, deleted_at) VALUES (?, ?, ?)').run(id, label, Date.now());
        const mark = (table: string, ids: string[]) => { if (ids.length) this.store.db.prepare(`UPDATE ${table} SET trash_id = ? WHERE id IN (${ids.map(() => '?').join(',')})`).run(id, ...ids); };
        mark('runs', runIds);
        mark('studies', studyIds);
      }));
    } catch (e) {
      for (const rid of moved.reverse()) { try { fs.renameSync(path.join(this.dir, rid), this.store.runDir(rid)); } catch { /* left in trash/: restore finds it */ } }
      if (isDiskFull(e)) throw new DataFolderError(`${diskFullMessage(this.store.home)}: moving to the trash could not be recorded. \`whittle rm --now\` deletes for good and frees the space`, 'disk-full');
      throw e;
    }
    return this.get(id);
  }

  /** Files first (that frees the space the row deletes need on a full disk), then the rows. */
  private purge(runIds: string[], studyIds: string[], dirOf: (id: string) => string, trashId?: string): void {
    for (const rid of runIds) fs.rmSync(dirOf(rid), { recursive: true, force: true });
    try {
      this.store.evenIfFull(() => this.store.write(() => {
        const del = (table: string, ids: string[]) => { if (ids.length) this.store.db.prepare(`DELETE FROM ${table} WHERE id IN (${ids.map(() => '?').join(',')})`).run(...ids); };
        del('runs', runIds);
        del('studies', studyIds);
        if (trashId) this.store.db.prepare('DELETE FROM trash WHERE id = ?').run(trashId);
      }));
    } catch (e) {
      if (!isDiskFull(e)) throw e;
      throw new DataFolderError(`${diskFullMessage(this.store.home)}. The files were deleted, the records could not be; try again once there is space`, 'disk-full');
    }
  }
}
