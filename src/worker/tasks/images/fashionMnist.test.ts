// Imports the real Fashion-MNIST files from Debian's dataset-fashion-mnist package.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FASHION_MNIST_DIR as FASHION_DIR, need } from '../../../../test/helpers/prereqs';
import { ImportDatasetSpec } from '../../../shared/specs/dataset';
import { Rng } from '../../engine/rng';
import { importDataset } from './importer';
import { loadImageSuite } from './suite';

const present = need('fashionMnist', import.meta.url);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-fmnist-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe.runIf(present)('Fashion-MNIST from the Debian package', () => {
  it('imports 60,000 / 10,000 images of 28×28 in 10 named classes', async () => {
    const meta = await importDataset(ImportDatasetSpec.parse({ kind: 'importDataset', dataset: 'fashion-mnist', source: FASHION_DIR }), tmp);
    expect(meta.counts.train).toBe(60000);
    expect(meta.counts.test).toBe(10000);
    expect(meta.counts.trainPerClass).toEqual(new Array(10).fill(6000));
    expect(meta.counts.testPerClass).toEqual(new Array(10).fill(1000));
    expect(meta.shape).toEqual([28, 28, 1]);
    expect(meta.classes).toEqual(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
    expect(meta.subsets.footwear).toEqual([5, 7, 9]);
    expect(meta.split).toEqual({ kind: 'source' });
    expect(meta.normalisation.mean).toBeCloseTo(0.286, 2); // the published train-set mean
    expect(meta.normalisation.std).toBeCloseTo(0.353, 2);

    const suite = loadImageSuite(tmp, 'fashion-mnist');
    const footwear = suite.skill('footwear');
    expect(suite.evalSet(footwear, 1e9, new Rng(0)).count).toBe(3000);
    expect(suite.skill('Sneaker').classes).toEqual([7]);
    const b = suite.sample(footwear, 256, new Rng(0));
    expect(b.x.length).toBe(256 * 784);
    expect(Array.from(b.y).every((y) => [5, 7, 9].includes(y))).toBe(true);
  });
});
