// Import a data set from disk into a normalised dataset folder: detect the source kind, read and
// check it, split it when it has no split, record the normalisation, name the classes and skills,
// write everything atomically. Any bad input throws a DatasetError before anything is written.
import fs from 'node:fs';
import path from 'node:path';
import { builtinSubsets, DATASET_FORMAT, type DatasetMeta, type ImportDatasetSpec, type Normalisation } from '../../../shared/specs/dataset';
import { datasetDir, encodeParts, writeDatasetFolder } from './datasetFolder';
import { DatasetError } from './errors';
import { ImportCancelled, looksLikeClassFolders, readClassFolders, type ReadHooks } from './folderSource';
import { findIdxFiles, readIdxFolder } from './idxSource';
import { recogniseByLabels } from './known';
import { countPerClass, type Part, type RawDataset } from './raw';
import { seededSplit } from './split';

export type ImportOptions = Pick<ImportDatasetSpec, 'dataset' | 'source' | 'split' | 'normalisation' | 'grayscale' | 'classNames' | 'subsets' | 'replace'>;

export interface ImportHooks extends ReadHooks { phase?(name: string): void }

/** Read any supported source into memory (no writes). */
export async function readSource(source: string, grayscale: boolean, hooks: ImportHooks = {}): Promise<RawDataset> {
  const src = path.resolve(source);
  if (!fs.existsSync(src)) throw new DatasetError(src, 'no such file or folder');
  const st = fs.statSync(src);
  if (st.isFile()) {
    // One IDX file named: take it and its partner from the same folder, as a source with no split.
    const files = findIdxFiles(path.dirname(src));
    const mine = files && Object.entries(files).find(([, f]) => f === src);
    if (!files || !mine) throw new DatasetError(src, 'not an IDX images or labels file name (e.g. train-images-idx3-ubyte.gz); to import images, name their folder');
    const split = mine[0].split('/')[0];
    const pair = Object.fromEntries(Object.entries(files).filter(([k]) => k.startsWith(`${split}/`)).map(([k, f]) => [`all/${k.split('/')[1]}`, f]));
    return readIdxFolder(path.dirname(src), pair);
  }
  const idx = findIdxFiles(src);
  if (idx) { hooks.phase?.('reading IDX files'); return readIdxFolder(src, idx); }
  if (looksLikeClassFolders(src)) { hooks.phase?.('decoding images'); return readClassFolders(src, { grayscale, progress: hooks.progress, cancelled: hooks.cancelled }); }
  throw new DatasetError(src, 'neither IDX files (train-images-idx3-ubyte[.gz] …) nor one sub-folder of PNG/JPEG images per class');
}

function classNames(raw: RawDataset, given: string[] | undefined, known: string[] | undefined, source: string): string[] {
  if (given) {
    if (given.length !== raw.numClasses) throw new DatasetError(source, `${given.length} class names given, the labels have ${raw.numClasses} classes (0..${raw.numClasses - 1})`);
    if (new Set(given).size !== given.length) throw new DatasetError(source, 'class names must be distinct');
    return given;
  }
  return raw.classes ?? known ?? Array.from({ length: raw.numClasses }, (_, i) => String(i));
}

/** Mean and std of pixel/255 over a split, and the transform the chosen normalisation applies. */
export function normalisationOf(train: Part, kind: 'unit' | 'standardize'): Normalisation {
  let s = 0, s2 = 0;
  const n = train.images.length;
  for (let i = 0; i < n; i++) { const v = train.images[i]; s += v; s2 += v * v; }
  const mean = n ? s / n / 255 : 0;
  const std = n ? Math.sqrt(Math.max(0, s2 / n / (255 * 255) - mean * mean)) : 1;
  return kind === 'unit'
    ? { kind, shift: 0, scale: 1, mean, std }
    : { kind, shift: mean, scale: std > 1e-8 ? std : 1, mean, std };
}

function resolveSubsets(given: ImportOptions['subsets'], classes: string[], source: string): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [name, members] of Object.entries(given ?? {})) {
    const idx = members.map((m) => {
      const i = typeof m === 'number' ? m : classes.indexOf(m);
      if (i < 0 || i >= classes.length) throw new DatasetError(source, `subset "${name}": ${JSON.stringify(m)} is not a class (classes: ${classes.join(', ')})`);
      return i;
    });
    out[name] = [...new Set(idx)].sort((a, b) => a - b);
  }
  return out;
}

export async function importDataset(opts: ImportOptions, home: string, hooks: ImportHooks = {}): Promise<DatasetMeta> {
  const dir = datasetDir(home, opts.dataset);
  if (fs.existsSync(dir) && !opts.replace) throw new DatasetError(dir, `dataset "${opts.dataset}" already exists; choose another name or replace it`);
  const source = path.resolve(opts.source);
  const raw = await readSource(source, opts.grayscale, hooks);
  const known = raw.kind === 'idx' ? recogniseByLabels(raw.train.labels) : null;
  const classes = classNames(raw, opts.classNames, known?.classes, source);
  const per = raw.shape[0] * raw.shape[1] * raw.shape[2];

  // Every class must have images: a gap in IDX labels or an empty class folder is a mistake.
  const total = countPerClass(raw.train.labels, raw.numClasses);
  if (raw.test) countPerClass(raw.test.labels, raw.numClasses).forEach((c, i) => { total[i] += c; });
  const empty = total.findIndex((c) => c === 0);
  if (empty >= 0) throw new DatasetError(source, `class ${empty} ("${classes[empty]}") has no images, but higher class indices do`);

  hooks.phase?.('splitting');
  const { train, test } = raw.test
    ? { train: raw.train, test: raw.test }
    : seededSplit(raw.train, raw.numClasses, per, opts.split.testFraction, opts.split.seed, classes, source);
  const { files, checksum } = encodeParts(train, test);
  const meta: DatasetMeta = {
    format: DATASET_FORMAT,
    name: opts.dataset,
    source: { path: source, kind: raw.kind, sha256: raw.sourceSha256, files: raw.sourceFiles },
    classes,
    shape: raw.shape,
    counts: {
      train: train.count, test: test.count,
      trainPerClass: countPerClass(train.labels, classes.length),
      testPerClass: countPerClass(test.labels, classes.length),
    },
    split: raw.test ? { kind: 'source' } : { kind: 'seeded', testFraction: opts.split.testFraction, seed: opts.split.seed },
    normalisation: normalisationOf(train, opts.normalisation),
    subsets: { ...builtinSubsets(classes.length), ...(known?.subsets ?? {}), ...resolveSubsets(opts.subsets, classes, source) },
    checksum,
    createdAt: Date.now(),
  };
  if (hooks.cancelled?.()) throw new ImportCancelled();
  hooks.phase?.('writing');
  if (fs.existsSync(dir) && !opts.replace) throw new DatasetError(dir, `dataset "${opts.dataset}" appeared while importing; not overwriting it`);
  writeDatasetFolder(dir, meta, files);
  return meta;
}
