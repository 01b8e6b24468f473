// Reads a folder of IDX files: train/t10k (or test) images and labels, raw or .gz, in any of the
// usual spellings (train-images-idx3-ubyte.gz, train-images.idx3-ubyte, emnist-…-train-images-idx3-ubyte).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DatasetError } from './errors';
import { parseIdx } from './idx';
import type { Part, RawDataset } from './raw';

type Role = 'images' | 'labels';
type SplitName = 'train' | 'test';

function classify(name: string): { split: SplitName | null; role: Role } | null {
  const n = name.toLowerCase();
  if (!/idx[13]/.test(n) && !/ubyte/.test(n)) return null;
  const role: Role | null = /images|idx3/.test(n) ? 'images' : /labels|idx1/.test(n) ? 'labels' : null;
  if (!role) return null;
  const split: SplitName | null = /t10k|test/.test(n) ? 'test' : /train/.test(n) ? 'train' : null;
  return { split, role };
}

/** The IDX files of a folder by split and role; null when it holds none. */
export function findIdxFiles(dir: string): Record<string, string> | null {
  const found: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (!fs.statSync(full).isFile()) continue;
    const c = classify(name);
    if (!c) continue;
    const key = `${c.split ?? 'all'}/${c.role}`;
    if (found[key]) throw new DatasetError(dir, `two files for the ${c.split ?? ''} ${c.role}: ${path.basename(found[key])} and ${name}; keep one`);
    found[key] = full;
  }
  return Object.keys(found).length ? found : null;
}

function readPart(imagesFile: string, labelsFile: string, hash: ReturnType<typeof createHash>, root: string): { part: Part; shape: [number, number, number] } {
  const ib = new Uint8Array(fs.readFileSync(imagesFile));
  const lb = new Uint8Array(fs.readFileSync(labelsFile));
  for (const [f, b] of [[imagesFile, ib], [labelsFile, lb]] as const) {
    hash.update(path.relative(root, f)); hash.update(b);
  }
  const img = parseIdx(ib, imagesFile, [3, 4]);
  const lab = parseIdx(lb, labelsFile, [1]);
  if (img.dims[0] !== lab.dims[0]) {
    throw new DatasetError(labelsFile, `${lab.dims[0]} labels but ${path.basename(imagesFile)} has ${img.dims[0]} images`);
  }
  const shape: [number, number, number] = [img.dims[1], img.dims[2], img.dims[3] ?? 1];
  if (shape[2] !== 1 && shape[2] !== 3) throw new DatasetError(imagesFile, `${shape[2]} channels per pixel; expected 1 or 3`, { offset: 16 });
  return { part: { images: img.data, labels: Uint16Array.from(lab.data), count: img.dims[0] }, shape };
}

export function readIdxFolder(dir: string, files: Record<string, string>): RawDataset {
  const hash = createHash('sha256');
  const need = (key: string, other: string) => {
    if (!files[key]) throw new DatasetError(dir, `found ${path.basename(files[other])} but no matching ${key.replace('/', ' ')} file`);
    return files[key];
  };
  let train: { part: Part; shape: [number, number, number] };
  let test: { part: Part; shape: [number, number, number] } | null = null;
  if (files['train/images'] || files['train/labels']) {
    train = readPart(need('train/images', 'train/labels'), need('train/labels', 'train/images'), hash, dir);
    if (files['test/images'] || files['test/labels']) {
      test = readPart(need('test/images', 'test/labels'), need('test/labels', 'test/images'), hash, dir);
      if (test.shape.join() !== train.shape.join()) {
        throw new DatasetError(files['test/images'], `images are ${test.shape.join('×')}, the train images ${train.shape.join('×')}`);
      }
    }
  } else if (files['all/images'] || files['all/labels']) {
    train = readPart(need('all/images', 'all/labels'), need('all/labels', 'all/images'), hash, dir);
  } else {
    const only = Object.values(files)[0];
    throw new DatasetError(dir, `only ${path.basename(only)}: need training images and labels (train-images-idx3-ubyte, train-labels-idx1-ubyte)`);
  }
  let maxLabel = 0;
  for (const p of [train.part, test?.part]) if (p) for (const l of p.labels) if (l > maxLabel) maxLabel = l;
  return {
    kind: 'idx', shape: train.shape, classes: null, numClasses: maxLabel + 1,
    train: train.part, test: test?.part ?? null,
    sourceSha256: hash.digest('hex'), sourceFiles: test ? 4 : 2,
  };
}
