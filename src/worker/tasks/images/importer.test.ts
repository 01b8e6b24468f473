import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportDatasetSpec } from '../../../shared/specs/dataset';
import { readDatasetFolder } from './datasetFolder';
import { cycleLabels, idxImages, idxLabels, writeClassFolders, writeIdxFolder } from './fixtures';
import { ImportCancelled } from './folderSource';
import { importDataset } from './importer';

let tmp: string;
let home: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-img-')); home = path.join(tmp, 'home'); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const spec = (dataset: string, source: string, extra: Record<string, unknown> = {}) =>
  ImportDatasetSpec.parse({ kind: 'importDataset', dataset, source, ...extra });

/** Nothing of a failed import may remain: no dataset folder, no temp folder. */
function expectNothingImported(name: string): void {
  const dir = path.join(home, 'datasets');
  const left = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.startsWith(name)) : [];
  expect(left).toEqual([]);
}

describe('IDX import', () => {
  it('imports raw and gzip folders with their own split', async () => {
    for (const gzip of [false, true]) {
      const src = path.join(tmp, `idx-${gzip}`);
      writeIdxFolder(src, { train: 30, test: 10, k: 3, gzip });
      const meta = await importDataset(spec(`idx-${gzip}`, src), home);
      expect(meta.source.kind).toBe('idx');
      expect(meta.classes).toEqual(['0', '1', '2']);
      expect(meta.shape).toEqual([4, 3, 1]);
      expect(meta.counts).toEqual({ train: 30, test: 10, trainPerClass: [10, 10, 10], testPerClass: [4, 3, 3] });
      expect(meta.split).toEqual({ kind: 'source' });
      expect(meta.subsets.even).toEqual([0, 2]);
      const back = readDatasetFolder(path.join(home, 'datasets', `idx-${gzip}`));
      expect(back.train.images[12 * 4 + 5]).toBe((1 * 40 + ((4 * 7 + 5) % 30)) & 0xff); // image 4 is class 1
      expect(Array.from(back.test.labels.subarray(0, 4))).toEqual([0, 1, 2, 0]);
    }
  });

  it('splits a source without test files: stratified, seeded, the same twice', async () => {
    const src = path.join(tmp, 'idx-nosplit');
    writeIdxFolder(src, { train: 50, test: null, k: 5 });
    const a = await importDataset(spec('ns-a', src, { split: { testFraction: 0.2, seed: 7 } }), home);
    const b = await importDataset(spec('ns-b', src, { split: { testFraction: 0.2, seed: 7 } }), home);
    const c = await importDataset(spec('ns-c', src, { split: { testFraction: 0.2, seed: 8 } }), home);
    expect(a.split).toEqual({ kind: 'seeded', testFraction: 0.2, seed: 7 });
    expect(a.counts.testPerClass).toEqual([2, 2, 2, 2, 2]);
    expect(a.checksum).toBe(b.checksum);
    expect(c.checksum).not.toBe(a.checksum);
  });

  it('records class names, subsets and the standardising normalisation', async () => {
    const src = path.join(tmp, 'idx-named');
    writeIdxFolder(src, { train: 12, test: 6, k: 3 });
    const meta = await importDataset(spec('named', src, { classNames: ['cat', 'dog', 'fox'], subsets: { pets: ['cat', 1] }, normalisation: 'standardize' }), home);
    expect(meta.classes).toEqual(['cat', 'dog', 'fox']);
    expect(meta.subsets.pets).toEqual([0, 1]);
    expect(meta.normalisation.kind).toBe('standardize');
    expect(meta.normalisation.shift).toBeCloseTo(meta.normalisation.mean, 12);
    expect(meta.normalisation.scale).toBeCloseTo(meta.normalisation.std, 12);
    expect(meta.normalisation.std).toBeGreaterThan(0);
    await expect(importDataset(spec('named2', src, { classNames: ['a', 'b'] }), home)).rejects.toThrow(/2 class names given, the labels have 3 classes/);
    await expect(importDataset(spec('named3', src, { subsets: { x: ['wolf'] } }), home)).rejects.toThrow(/subset "x": "wolf" is not a class/);
    expectNothingImported('named2'); expectNothingImported('named3');
  });

  it('refuses to overwrite unless asked', async () => {
    const src = path.join(tmp, 'idx-false');
    await expect(importDataset(spec('idx-false', src), home)).rejects.toThrow(/dataset "idx-false" already exists/);
    expect((await importDataset(spec('idx-false', src, { replace: true }), home)).counts.train).toBe(30);
  });

  it('names the file and offset for each kind of broken IDX input, importing nothing', async () => {
    const cases: [string, (dir: string) => void, RegExp][] = [
      ['magic', (d) => { const f = path.join(d, 'train-images-idx3-ubyte'); const b = fs.readFileSync(f); b[1] = 7; fs.writeFileSync(f, b); },
        /train-images-idx3-ubyte at byte offset 0: wrong magic number/],
      ['trunc', (d) => { const f = path.join(d, 't10k-images-idx3-ubyte'); const b = fs.readFileSync(f); fs.writeFileSync(f, b.subarray(0, b.length - 20)); },
        /t10k-images-idx3-ubyte at byte offset \d+: truncated/],
      ['count', (d) => fs.writeFileSync(path.join(d, 'train-labels-idx1-ubyte'), idxLabels(cycleLabels(29, 3))),
        /train-labels-idx1-ubyte: 29 labels but train-images-idx3-ubyte has 30 images/],
      ['nolabels', (d) => fs.rmSync(path.join(d, 't10k-labels-idx1-ubyte')),
        /found t10k-images-idx3-ubyte but no matching test labels file/],
      ['gap', (d) => {
        const l = cycleLabels(30, 3).map((v) => (v === 1 ? 2 : v)); const t = cycleLabels(10, 3).map((v) => (v === 1 ? 2 : v));
        fs.writeFileSync(path.join(d, 'train-images-idx3-ubyte'), idxImages(30, 4, 3, l)); fs.writeFileSync(path.join(d, 'train-labels-idx1-ubyte'), idxLabels(l));
        fs.writeFileSync(path.join(d, 't10k-labels-idx1-ubyte'), idxLabels(t));
      }, /class 1 \("1"\) has no images/],
      ['shape', (d) => fs.writeFileSync(path.join(d, 't10k-images-idx3-ubyte'), idxImages(10, 5, 3, cycleLabels(10, 3))),
        /t10k-images-idx3-ubyte: images are 5×3×1, the train images 4×3×1/],
    ];
    for (const [name, breakIt, msg] of cases) {
      const src = path.join(tmp, `bad-${name}`);
      writeIdxFolder(src, { train: 30, test: 10, k: 3 });
      breakIt(src);
      await expect(importDataset(spec(`bad-${name}`, src), home), name).rejects.toThrow(msg);
      expectNothingImported(`bad-${name}`);
    }
  });

  it('imports one named IDX file with its partner as a source without a split', async () => {
    const src = path.join(tmp, 'idx-single');
    writeIdxFolder(src, { train: 30, test: 10, k: 3, gzip: true });
    const meta = await importDataset(spec('single', path.join(src, 't10k-images-idx3-ubyte.gz'), { split: { testFraction: 0.3, seed: 0 } }), home);
    expect(meta.counts.train + meta.counts.test).toBe(10);
    expect(meta.split.kind).toBe('seeded');
    fs.copyFileSync(path.join(src, 'train-labels-idx1-ubyte.gz'), path.join(src, 'train-labels.idx1-ubyte'));
    await expect(importDataset(spec('dup', src), home)).rejects.toThrow(/two files for the train labels: train-labels-idx1-ubyte\.gz and train-labels\.idx1-ubyte/);
    expectNothingImported('dup');
  });

  it('reports a missing source and a folder of neither kind', async () => {
    await expect(importDataset(spec('nope', path.join(tmp, 'does-not-exist')), home)).rejects.toThrow(/does-not-exist: no such file or folder/);
    const empty = path.join(tmp, 'empty'); fs.mkdirSync(empty);
    fs.writeFileSync(path.join(empty, 'readme.txt'), 'hi');
    await expect(importDataset(spec('nope', empty), home)).rejects.toThrow(/neither IDX files .* nor one sub-folder/);
    expectNothingImported('nope');
  });
});

describe('class-folder import', () => {
  it('imports PNG and JPEG class folders in natural class order with a seeded split', async () => {
    const src = path.join(tmp, 'pics');
    writeClassFolders(src, { classes: ['10', '2', 'a'], perClass: 6, mixJpeg: true });
    fs.writeFileSync(path.join(src, '2', '.DS_Store'), 'junk'); // hidden files are not data
    const meta = await importDataset(spec('pics', src, { split: { testFraction: 0.34, seed: 1 } }), home);
    expect(meta.source.kind).toBe('folder');
    expect(meta.classes).toEqual(['2', '10', 'a']);
    expect(meta.shape).toEqual([4, 5, 1]); // grey PNG + grey JPEG → one channel
    expect(meta.counts.trainPerClass).toEqual([4, 4, 4]);
    expect(meta.counts.testPerClass).toEqual([2, 2, 2]);
    expect(meta.source.files).toBe(18);
    const back = readDatasetFolder(path.join(home, 'datasets', 'pics'));
    // a PNG pixel survives exactly: find train image of class "2" (folder index 1 when written)
    const i = Array.from(back.train.labels).indexOf(0);
    expect(back.train.images.subarray(i * 20, i * 20 + 3).length).toBe(3);
  });

  it('uses train/ and test/ when present and keeps colour as RGB', async () => {
    const src = path.join(tmp, 'colour');
    writeClassFolders(src, { classes: ['x', 'y'], perClass: 3, colour: true, split: true });
    const meta = await importDataset(spec('colour', src), home);
    expect(meta.split).toEqual({ kind: 'source' });
    expect(meta.shape).toEqual([4, 5, 3]);
    expect(meta.counts).toMatchObject({ train: 6, test: 6 });
    const back = readDatasetFolder(path.join(home, 'datasets', 'colour'));
    expect(Array.from(back.train.images.subarray(0, 3))).toEqual([0, 255, 0]); // class x, image 0, pixel 0
    const grey = await importDataset(spec('colour-grey', src, { grayscale: true }), home);
    expect(grey.shape).toEqual([4, 5, 1]);
  });

  it('reports progress against the known total and stops on cancel, writing nothing', async () => {
    const src = path.join(tmp, 'many');
    writeClassFolders(src, { classes: ['a', 'b'], perClass: 150 });
    const seen: [number, number][] = [];
    await expect(importDataset(spec('many', src), home, { progress: (d, t) => seen.push([d, t]), cancelled: () => seen.length > 0 })).rejects.toThrow(ImportCancelled);
    expect(seen).toEqual([[256, 300]]);
    expectNothingImported('many');
    seen.length = 0;
    await importDataset(spec('many', src), home, { progress: (d, t) => seen.push([d, t]) });
    expect(seen).toEqual([[256, 300], [300, 300]]);
  });

  it('names the file for a non-image, a mixed size, an empty class, a stray folder', async () => {
    const cases: [string, (dir: string) => void, RegExp][] = [
      ['text', (d) => fs.writeFileSync(path.join(d, 'b', 'notes.txt'), 'not an image'), /b[/\\]notes\.txt at byte offset 0: not a PNG or JPEG image \(starts with 6e 6f 74 20\)/],
      ['size', (d) => fs.writeFileSync(path.join(d, 'b', 'img1.png'), fs.readFileSync(path.join(tmp, 'big.png'))), /b[/\\]img1\.png: image is 6×4, but a[/\\]img0\.png is 5×4/],
      ['empty', (d) => fs.mkdirSync(path.join(d, 'c')), /[/\\]c: class "c" has no images/],
      ['corrupt', (d) => { const f = path.join(d, 'a', 'img2.png'); const b = fs.readFileSync(f); fs.writeFileSync(f, b.subarray(0, 30)); }, /a[/\\]img2\.png: corrupt PNG/],
      ['nested', (d) => fs.mkdirSync(path.join(d, 'a', 'more')), /a[/\\]more: a folder inside class folder "a"/],
      ['single', (d) => { fs.mkdirSync(path.join(d, 'c')); fs.copyFileSync(path.join(d, 'a', 'img0.png'), path.join(d, 'c', 'only.png')); }, /class "c" has 1 image\(s\); a train\/test split needs at least 2/],
    ];
    writeClassFolders(path.join(tmp, 'bigsrc'), { classes: ['z'], perClass: 1, w: 6, h: 4 });
    fs.copyFileSync(path.join(tmp, 'bigsrc', 'z', 'img0.png'), path.join(tmp, 'big.png'));
    for (const [name, breakIt, msg] of cases) {
      const src = path.join(tmp, `badpics-${name}`);
      writeClassFolders(src, { classes: ['a', 'b'], perClass: 3 });
      breakIt(src);
      await expect(importDataset(spec(`badpics-${name}`, src), home), name).rejects.toThrow(msg);
      expectNothingImported(`badpics-${name}`);
    }
  });
});
