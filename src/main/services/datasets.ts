// The dataset registry: which image datasets are imported, from where, with what classes, shape,
// counts and checksum. The data itself lives in WHITTLE_HOME/datasets/<name>/ (written atomically by
// the worker's importDataset job); the `datasets` table (migrations.ts) indexes it. A dataset is registered only once its
// folder is complete, so a failed or cancelled import leaves nothing behind in the registry.
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { DATASET_FILES, DatasetMeta, type DatasetRow, type DatasetSample, type ImportDatasetRequest, ImportDatasetSpec } from '../../shared/specs/dataset';
import { ApiError } from '../../shared/transport';
import { parseSpec, SpecError } from '../../shared/validate';
import { pidAlive } from './liveness';
import { writeTransaction } from './store';

interface Record_ {
  name: string; source_path: string; source_kind: string; classes: string; shape: string; train_count: number;
  test_count: number; checksum: string; run_id: string | null; created_at: number; meta: string;
}

function toRow(r: Record_): DatasetRow {
  return {
    name: r.name, sourcePath: r.source_path, sourceKind: r.source_kind as DatasetRow['sourceKind'],
    classes: JSON.parse(r.classes), shape: JSON.parse(r.shape), trainCount: r.train_count, testCount: r.test_count,
    checksum: r.checksum, runId: r.run_id, createdAt: r.created_at, meta: JSON.parse(r.meta),
  };
}

export type ImportRequest = ImportDatasetRequest;

/** A dataset name from a source path: its folder name, made portable. */
export function defaultDatasetName(source: string): string {
  const base = path.basename(path.resolve(source)).replace(/\.(gz|idx\d?-ubyte)$/i, '');
  const clean = base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
  return clean || 'dataset';
}

export class DatasetRegistry {
  constructor(private readonly db: Database.Database, readonly home: string) {}

  get root(): string { return path.join(this.home, 'datasets'); }
  dir(name: string): string { return path.join(this.root, name); }

  /** Every registered dataset (after reconciling the table with the folders on disk). */
  list(): DatasetRow[] {
    this.reconcile();
    return (this.db.prepare('SELECT * FROM datasets ORDER BY name').all() as Record_[]).map(toRow);
  }

  get(name: string): DatasetRow {
    let r = this.db.prepare('SELECT * FROM datasets WHERE name = ?').get(name) as Record_ | undefined;
    if (!r) { this.reconcile(); r = this.db.prepare('SELECT * FROM datasets WHERE name = ?').get(name) as Record_ | undefined; }
    if (!r) throw new ApiError(`dataset '${name}' not found`, 'not_found');
    return toRow(r);
  }

  /** A validated import spec for a run; refuses a name in use unless `replace`. */
  importSpec(req: ImportRequest): ImportDatasetSpec {
    const dataset = req.dataset ?? defaultDatasetName(req.source);
    let spec: ImportDatasetSpec;
    try {
      spec = parseSpec(ImportDatasetSpec, { ...req, kind: 'importDataset', dataset, source: path.resolve(req.source) }, 'spec');
    } catch (e) {
      if (e instanceof SpecError) throw new ApiError(`invalid import: ${e.message}`, 'bad_request', e.issues);
      throw e;
    }
    if (!fs.existsSync(spec.source)) throw new ApiError(`${spec.source}: no such file or folder`, 'bad_request', [{ path: 'spec.source', message: 'no such file or folder' }]);
    const taken = this.db.prepare('SELECT 1 FROM datasets WHERE name = ?').get(dataset) || fs.existsSync(this.dir(dataset));
    if (taken && !spec.replace) throw new ApiError(`dataset '${dataset}' already exists; choose another name or replace it`, 'conflict');
    return spec;
  }

  /** Record a dataset whose folder the import job has finished writing. */
  register(meta: unknown, runId: string | null = null): DatasetRow {
    const m = DatasetMeta.parse(meta);
    const onDisk = this.readMeta(m.name);
    if (!onDisk || onDisk.checksum !== m.checksum) throw new ApiError(`dataset '${m.name}': its folder ${this.dir(m.name)} is missing or differs from the import's record`, 'conflict');
    this.upsert(m, runId);
    return this.get(m.name);
  }

  /** Call when any run ends: a finished import registers its dataset. */
  onRunSettled(run: { id: string; kind: string; status: string; summary: Record<string, unknown> | null }): DatasetRow | null {
    if (run.kind !== 'importDataset' || run.status !== 'done' || !run.summary?.meta) return null;
    return this.register(run.summary.meta, run.id);
  }

  /** Delete a dataset: its row and its folder. */
  remove(name: string): void {
    this.get(name);
    // Rename first so a crash mid-delete leaves a temp folder (cleaned later), never a half dataset.
    const dir = this.dir(name);
    const doomed = `${dir}.tmp-${process.pid}-deleting`;
    if (fs.existsSync(dir)) fs.renameSync(dir, doomed);
    this.db.prepare('DELETE FROM datasets WHERE name = ?').run(name);
    fs.rmSync(doomed, { recursive: true, force: true });
  }

  /** Make the table agree with the folders: register complete folders it lacks (an import whose
   *  process ended before registering), drop rows whose folder is gone, clear dead temp folders. */
  reconcile(): void {
    const names = new Set<string>();
    if (fs.existsSync(this.root)) {
      for (const e of fs.readdirSync(this.root, { withFileTypes: true })) {
        if (!e.isDirectory()) continue;
        const tmp = /\.tmp-(\d+)-/.exec(e.name);
        if (tmp) {
          if (!pidAlive(Number(tmp[1]))) fs.rmSync(path.join(this.root, e.name), { recursive: true, force: true });
          continue;
        }
        names.add(e.name);
      }
    }
    const rows = this.db.prepare('SELECT name, checksum FROM datasets').all() as { name: string; checksum: string }[];
    const known = new Map(rows.map((r) => [r.name, r.checksum]));
    writeTransaction(this.db, () => {
      for (const r of rows) if (!names.has(r.name)) this.db.prepare('DELETE FROM datasets WHERE name = ?').run(r.name);
      for (const name of names) {
        const meta = this.readMeta(name);
        if (meta && meta.name === name && known.get(name) !== meta.checksum) this.upsert(meta, null);
      }
    });
  }

  /** A few images for display, read straight from the dataset files. */
  samples(name: string, opts: { split?: 'train' | 'test'; offset?: number; count?: number; classIndex?: number } = {}): DatasetSample[] {
    const { meta } = this.get(name);
    const split = opts.split ?? 'train';
    const total = split === 'train' ? meta.counts.train : meta.counts.test;
    const count = Math.max(0, Math.min(opts.count ?? 16, 100));
    const [h, w, c] = meta.shape;
    const per = h * w * c;
    const labels = fs.readFileSync(path.join(this.dir(name), split === 'train' ? DATASET_FILES.trainLabels : DATASET_FILES.testLabels));
    const picks: number[] = [];
    for (let i = Math.max(0, opts.offset ?? 0); i < total && picks.length < count; i++) {
      if (opts.classIndex === undefined || labels.readUInt16LE(2 * i) === opts.classIndex) picks.push(i);
    }
    if (!picks.length) return [];
    const fd = fs.openSync(path.join(this.dir(name), split === 'train' ? DATASET_FILES.trainImages : DATASET_FILES.testImages), 'r');
    try {
      return picks.map((index) => {
        const buf = Buffer.alloc(per);
        fs.readSync(fd, buf, 0, per, index * per);
        const label = labels.readUInt16LE(2 * index);
        return { split, index, label, className: meta.classes[label], shape: meta.shape, pixels: Array.from(buf) };
      });
    } finally {
      fs.closeSync(fd);
    }
  }

  private readMeta(name: string): DatasetMeta | null {
    try {
      const r = DatasetMeta.safeParse(JSON.parse(fs.readFileSync(path.join(this.dir(name), DATASET_FILES.meta), 'utf8')));
      return r.success ? r.data : null;
    } catch {
      return null;
    }
  }

  private upsert(m: DatasetMeta, runId: string | null): void {
    this.db.prepare(`INSERT INTO datasets (name, source_path, source_kind, classes, shape, train_count, test_count, checksum, run_id, created_at, meta)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(name) DO UPDATE SET source_path = excluded.source_path, source_kind = excluded.source_kind, classes = excluded.classes,
        shape = excluded.shape, train_count = excluded.train_count, test_count = excluded.test_count, checksum = excluded.checksum,
        run_id = COALESCE(excluded.run_id, datasets.run_id), created_at = excluded.created_at, meta = excluded.meta`).run(
      m.name, m.source.path, m.source.kind, JSON.stringify(m.classes), JSON.stringify(m.shape), m.counts.train, m.counts.test,
      m.checksum, runId, m.createdAt, JSON.stringify(m));
  }
}
