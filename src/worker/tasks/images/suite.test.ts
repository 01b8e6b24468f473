import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportDatasetSpec } from '../../../shared/specs/dataset';
import { Rng } from '../../engine/rng';
import { writeIdxFolder } from './fixtures';
import { importDataset } from './importer';
import { loadImageSuite } from './suite';

let tmp: string;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-suite-'));
  writeIdxFolder(path.join(tmp, 'src'), { train: 40, test: 20, k: 4, gzip: true });
  await importDataset(ImportDatasetSpec.parse({ kind: 'importDataset', dataset: 'four', source: path.join(tmp, 'src'), subsets: { low: [0, 1] } }), tmp);
  await importDataset(ImportDatasetSpec.parse({ kind: 'importDataset', dataset: 'four-std', source: path.join(tmp, 'src'), normalisation: 'standardize' }), tmp);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('ImageSuite', () => {
  it('has the dataset shape and resolves class-subset skills', async () => {
    const s = loadImageSuite(tmp, 'four');
    expect(s.inputDim).toBe(12);
    expect(s.numClasses).toBe(4);
    expect(s.skill([2, 0]).key).toBe('[2,0]');
    expect(s.skill('even').classes).toEqual([0, 2]);
    expect(s.skill('low').classes).toEqual([0, 1]);
    expect(s.skill('3').classes).toEqual([3]); // a class name
    expect(s.skill('all').description).toMatch(/four: all classes \(40 train \/ 20 test images\)/);
    expect(() => s.skill([4])).toThrow(/class 4 is outside 0\.\.3 of dataset four/);
    expect(() => s.skill('footwear')).toThrow(/skill "footwear" is not a subset or class of dataset four: subsets all, even, odd, low; classes 0, 1, 2, 3/);
  });

  it('samples only the skill\'s classes from the train split, deterministically, normalised', async () => {
    const s = loadImageSuite(tmp, 'four');
    const odd = s.skill('odd');
    const a = s.sample(odd, 64, new Rng(3));
    const b = s.sample(odd, 64, new Rng(3));
    expect(Array.from(a.y).every((y) => y === 1 || y === 3)).toBe(true);
    expect(new Set(a.y).size).toBe(2);
    expect(a.x).toEqual(b.x);
    expect(Math.max(...a.x)).toBeLessThanOrEqual(1);
    // rows are real images: a class-1 row starts with pixel(1, i, 0)/255 for some image i
    const row = Array.from(a.y).indexOf(1);
    expect(Math.round(a.x[row * 12] * 255)).toBeGreaterThanOrEqual(40);
    // sampleInto fills at an offset without touching other rows
    const out = { x: new Float32Array(10 * 12).fill(-7), y: new Int32Array(10).fill(-1), count: 10 };
    s.sampleInto(s.skill([0]), 3, new Rng(1), out, 5);
    expect(Array.from(out.y)).toEqual([-1, -1, -1, -1, -1, 0, 0, 0, -1, -1]);
    expect(out.x[5 * 12 - 1]).toBe(-7);
    expect(out.x[5 * 12]).toBeGreaterThanOrEqual(0);
  });

  it('evaluates on the test images of the skill, the same ones every time', async () => {
    const s = loadImageSuite(tmp, 'four');
    const even = s.skill('even');
    const all = s.evalSet(even, 1e9, new Rng(0));
    expect(all.count).toBe(10); // 20 test images, 5 per class
    expect(Array.from(all.y).every((y) => y === 0 || y === 2)).toBe(true);
    const a = s.evalSet(even, 4, new Rng(1));
    const b = s.evalSet(even, 4, new Rng(2));
    expect(a.count).toBe(4);
    expect(a.x).toEqual(b.x);
  });

  it('applies the recorded standardisation', async () => {
    const s = loadImageSuite(tmp, 'four-std');
    const { shift, scale } = s.meta.normalisation;
    const x = s.evalSet(s.skill('all'), 1e9, new Rng(0)).x;
    const u = loadImageSuite(tmp, 'four').evalSet(loadImageSuite(tmp, 'four').skill('all'), 1e9, new Rng(0)).x;
    expect(x[7]).toBeCloseTo((u[7] - shift) / scale, 5);
  });

  it('says how to import a dataset that is not there', async () => {
    expect(() => loadImageSuite(tmp, 'missing')).toThrow(/dataset "missing" is not imported .* whittle data import PATH --name missing/);
  });
});
