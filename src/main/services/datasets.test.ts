import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DATASET_FILES, type DatasetMeta } from '../../shared/specs/dataset';
import { DatasetRegistry, defaultDatasetName } from './datasets';
import { Store } from './store';

const tmpHome = () => fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-datasets-'));
const stores: Store[] = [];
afterEach(() => { stores.splice(0).forEach((s) => s.close()); });

function open(home = tmpHome()) {
  const store = new Store(home);
  stores.push(store);
  return { store, reg: new DatasetRegistry(store.db, home), home };
}

/** A dataset folder as the import job writes it: 2×2 grey images, 3 train + 2 test, 2 classes. */
function writeDataset(home: string, name: string, checksum = 'c0ffee'): DatasetMeta {
  const meta: DatasetMeta = {
    format: 1, name, source: { path: '/src/x', kind: 'folder', sha256: 'ab', files: 5 },
    classes: ['cat', 'dog'], shape: [2, 2, 1],
    counts: { train: 3, test: 2, trainPerClass: [2, 1], testPerClass: [1, 1] },
    split: { kind: 'seeded', testFraction: 0.4, seed: 0 },
    normalisation: { kind: 'unit', shift: 0, scale: 1, mean: 0.5, std: 0.2 },
    subsets: { all: [0, 1], even: [0], odd: [1] }, checksum, createdAt: 1,
  };
  const dir = path.join(home, 'datasets', name);
  fs.mkdirSync(dir, { recursive: true });
  const labels = (ls: number[]) => { const b = Buffer.alloc(2 * ls.length); ls.forEach((l, i) => b.writeUInt16LE(l, 2 * i)); return b; };
  fs.writeFileSync(path.join(dir, DATASET_FILES.trainImages), Uint8Array.from({ length: 12 }, (_, i) => i));
  fs.writeFileSync(path.join(dir, DATASET_FILES.trainLabels), labels([0, 1, 0]));
  fs.writeFileSync(path.join(dir, DATASET_FILES.testImages), Uint8Array.from({ length: 8 }, (_, i) => 100 + i));
  fs.writeFileSync(path.join(dir, DATASET_FILES.testLabels), labels([1, 0]));
  fs.writeFileSync(path.join(dir, DATASET_FILES.meta), JSON.stringify(meta));
  return meta;
}

describe('DatasetRegistry', () => {
  it('registers a finished import and lists it with its classes, counts, shape and checksum', () => {
    const { reg, home } = open();
    const meta = writeDataset(home, 'pets');
    const row = reg.onRunSettled({ id: 'r1', kind: 'importDataset', status: 'done', summary: { dataset: 'pets', meta } })!;
    expect(row).toMatchObject({ name: 'pets', sourcePath: '/src/x', sourceKind: 'folder', classes: ['cat', 'dog'], shape: [2, 2, 1], trainCount: 3, testCount: 2, checksum: 'c0ffee', runId: 'r1' });
    expect(reg.list().map((r) => r.name)).toEqual(['pets']);
    expect(reg.get('pets').meta.subsets.even).toEqual([0]);
    expect(reg.onRunSettled({ id: 'r2', kind: 'train', status: 'done', summary: {} })).toBeNull();
    expect(reg.onRunSettled({ id: 'r3', kind: 'importDataset', status: 'failed', summary: null })).toBeNull();
  });

  it('refuses to register a dataset whose folder is missing or different', () => {
    const { reg, home } = open();
    const meta = writeDataset(home, 'pets');
    expect(() => reg.register({ ...meta, checksum: 'other' })).toThrow(/missing or differs/);
    expect(() => reg.register({ ...meta, name: 'ghost' })).toThrow(/missing or differs/);
    expect(() => reg.register({ nonsense: true })).toThrow();
  });

  it('reconciles with the folders: adopts complete ones, drops vanished ones, clears dead temp folders', () => {
    const { reg, home } = open();
    writeDataset(home, 'a');
    writeDataset(home, 'b');
    const dead = path.join(home, 'datasets', 'c.tmp-999999999-xyz');
    fs.mkdirSync(dead, { recursive: true });
    expect(reg.list().map((r) => r.name)).toEqual(['a', 'b']);
    expect(fs.existsSync(dead)).toBe(false);
    fs.rmSync(path.join(home, 'datasets', 'b'), { recursive: true });
    expect(reg.list().map((r) => r.name)).toEqual(['a']);
    // a rewritten folder (import --replace) updates its row
    writeDataset(home, 'a', 'beef');
    expect(reg.get('a').checksum).toBe('c0ffee');
    expect(reg.list()[0].checksum).toBe('beef');
  });

  it('serves sample images by split, offset and class', () => {
    const { reg, home } = open();
    writeDataset(home, 'pets');
    const s = reg.samples('pets', { split: 'train', count: 2 });
    expect(s.map((x) => [x.index, x.label, x.className])).toEqual([[0, 0, 'cat'], [1, 1, 'dog']]);
    expect(s[1].pixels).toEqual([4, 5, 6, 7]);
    expect(reg.samples('pets', { split: 'test', classIndex: 0 }).map((x) => [x.index, x.pixels[0]])).toEqual([[1, 104]]);
    expect(reg.samples('pets', { offset: 9 })).toEqual([]);
  });

  it('builds import specs: default name, validation, name conflicts', () => {
    const { reg, home } = open();
    writeDataset(home, 'pets');
    const src = path.join(home, 'datasets');
    const spec = reg.importSpec({ source: src, dataset: 'fresh' });
    expect(spec).toMatchObject({ kind: 'importDataset', dataset: 'fresh', source: src, normalisation: 'unit', split: { testFraction: 0.2, seed: 0 } });
    expect(reg.importSpec({ source: src }).dataset).toBe('datasets');
    expect(() => reg.importSpec({ source: src, dataset: 'pets' })).toThrow(/dataset 'pets' already exists/);
    expect(reg.importSpec({ source: src, dataset: 'pets', replace: true }).replace).toBe(true);
    expect(() => reg.importSpec({ source: src, dataset: 'bad name!' })).toThrow(/spec\.dataset: use 1–64 letters/);
    expect(() => reg.importSpec({ source: path.join(home, 'nowhere'), dataset: 'x' })).toThrow(/nowhere: no such file or folder/);
    expect(defaultDatasetName('/usr/share/datasets/fashion-mnist/')).toBe('fashion-mnist');
    expect(defaultDatasetName('/data/My Photos')).toBe('My-Photos');
  });

  it('removes a dataset: row and folder', () => {
    const { reg, home } = open();
    writeDataset(home, 'pets');
    reg.list();
    reg.remove('pets');
    expect(reg.list()).toEqual([]);
    expect(fs.readdirSync(path.join(home, 'datasets'))).toEqual([]);
    expect(() => reg.get('pets')).toThrow(/dataset 'pets' not found/);
  });
});
