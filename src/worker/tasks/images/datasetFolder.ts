// The normalised dataset folder WHITTLE_HOME/datasets/<name>/ (layout in shared/specs/dataset.ts):
// written in one atomic step, read back with every size checked against meta.json.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DATASET_FILES, DatasetMeta } from '../../../shared/specs/dataset';
import { writeDirAtomic } from '../../engine/files';
import { DatasetError } from './errors';
import type { Part } from './raw';

export function datasetDir(home: string, name: string): string {
  return path.join(home, 'datasets', name);
}

function labelsToBytes(labels: Uint16Array): Uint8Array {
  const out = new Uint8Array(labels.length * 2);
  const v = new DataView(out.buffer);
  labels.forEach((l, i) => v.setUint16(2 * i, l, true));
  return out;
}

function bytesToLabels(b: Uint8Array): Uint16Array {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = new Uint16Array(b.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = v.getUint16(2 * i, true);
  return out;
}

/** sha256 of the data files' bytes in a fixed order (train images, labels, test images, labels). */
export function dataChecksum(files: Uint8Array[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(f);
  return h.digest('hex');
}

/** Encode the data files; the caller puts the checksum into meta before writing. */
export function encodeParts(train: Part, test: Part): { files: Record<string, Uint8Array>; checksum: string } {
  const files = {
    [DATASET_FILES.trainImages]: train.images,
    [DATASET_FILES.trainLabels]: labelsToBytes(train.labels),
    [DATASET_FILES.testImages]: test.images,
    [DATASET_FILES.testLabels]: labelsToBytes(test.labels),
  };
  return { files, checksum: dataChecksum(Object.values(files)) };
}

/** Write the whole folder so that it appears complete or not at all. */
export function writeDatasetFolder(dir: string, meta: DatasetMeta, files: Record<string, Uint8Array>): void {
  writeDirAtomic(dir, { ...files, [DATASET_FILES.meta]: JSON.stringify(meta, null, 1) });
}

export function readDatasetMeta(dir: string): DatasetMeta {
  const file = path.join(dir, DATASET_FILES.meta);
  if (!fs.existsSync(file)) throw new DatasetError(dir, 'no such dataset folder (or it has no meta.json): import the dataset first');
  let json: unknown;
  try { json = JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) { throw new DatasetError(file, `not valid JSON (${(e as Error).message})`); }
  const r = DatasetMeta.safeParse(json);
  if (!r.success) throw new DatasetError(file, `not a dataset description: ${r.error.issues[0].path.join('.')}: ${r.error.issues[0].message}`);
  return r.data;
}

export interface LoadedDataset { dir: string; meta: DatasetMeta; train: Part; test: Part }

export function readDatasetFolder(dir: string): LoadedDataset {
  const meta = readDatasetMeta(dir);
  const per = meta.shape[0] * meta.shape[1] * meta.shape[2];
  const read = (name: string, bytes: number) => {
    const file = path.join(dir, name);
    const b = new Uint8Array(fs.readFileSync(file));
    if (b.length !== bytes) throw new DatasetError(file, `${b.length} bytes, meta.json implies ${bytes}: the dataset folder is damaged; import it again`);
    return b;
  };
  const part = (img: string, lab: string, count: number): Part => {
    const labels = bytesToLabels(read(lab, 2 * count));
    labels.forEach((l, i) => { if (l >= meta.classes.length) throw new DatasetError(path.join(dir, lab), `label ${l} ≥ ${meta.classes.length} classes`, { index: i }); });
    return { images: read(img, count * per), labels, count };
  };
  return {
    dir, meta,
    train: part(DATASET_FILES.trainImages, DATASET_FILES.trainLabels, meta.counts.train),
    test: part(DATASET_FILES.testImages, DATASET_FILES.testLabels, meta.counts.test),
  };
}
