// Image datasets: the import job's spec, the metadata every imported dataset carries, the file
// layout of a normalised dataset folder, and how a skill reference names a subset of classes.
// Pure: the worker (import, training) and the services (registry, GUI samples) both read these.
import { z } from 'zod';
import { int, type SkillRef } from './common';

/** Dataset names become folder names under WHITTLE_HOME/datasets/: keep them portable. */
export const DatasetName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
  'use 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit');

/** Import a dataset from disk (IDX files or class folders of PNG/JPEG) into WHITTLE_HOME/datasets/<name>/. */
export const ImportDatasetSpec = z.object({
  kind: z.literal('importDataset'),
  name: z.string().optional(),
  /** The dataset's registered name. */
  dataset: DatasetName,
  /** A folder: IDX files (train-/t10k- images and labels, raw or .gz), or one sub-folder per class
   *  (optionally inside train/ and test/), or a single IDX images file next to its labels file. */
  source: z.string().min(1),
  /** Used only when the source has no train/test split of its own: stratified per class, seeded. */
  split: z.object({
    testFraction: z.number().gt(0).lt(1).default(0.2),
    seed: int(0).default(0),
  }).strict().default({ testFraction: 0.2, seed: 0 }),
  /** `unit`: pixel/255. `standardize`: (pixel/255 − mean)/std with the train split's scalar mean and std. */
  normalisation: z.enum(['unit', 'standardize']).default('unit'),
  /** Convert colour images to one luma channel. */
  grayscale: z.boolean().default(false),
  /** Class names for sources that carry none (IDX); default: known names for a recognised dataset, else "0".."K-1". */
  classNames: z.array(z.string().min(1)).optional(),
  /** Named class subsets (skills), by class index or class name, e.g. {"footwear": ["Sandal", "Sneaker", 9]}. */
  subsets: z.record(z.string().min(1), z.array(z.union([int(), z.string().min(1)])).min(1)).optional(),
  /** Overwrite a dataset folder of the same name. */
  replace: z.boolean().default(false),
}).strict();
export type ImportDatasetSpec = z.infer<typeof ImportDatasetSpec>;

/** What a person gives to import a dataset (API `importDataset`, CLI `whittle data import`): the source
 *  and optionally the rest of the spec; the name defaults to the source folder's name. */
export type ImportDatasetRequest = { source: string; dataset?: string } & Partial<Omit<ImportDatasetSpec, 'kind' | 'source' | 'dataset'>>;

export const DATASET_FORMAT = 1;

/** Files of a normalised dataset folder. Images: uint8 [count, height, width, channels] row-major
 *  (HWC, the model's input order once flattened). Labels: uint16 little-endian [count]. */
export const DATASET_FILES = {
  meta: 'meta.json',
  trainImages: 'train-images.u8',
  trainLabels: 'train-labels.u16',
  testImages: 'test-images.u8',
  testLabels: 'test-labels.u16',
} as const;

export const Normalisation = z.object({
  kind: z.enum(['unit', 'standardize']),
  /** Model input = (pixel/255 − shift) / scale. unit: shift 0, scale 1. */
  shift: z.number(),
  scale: z.number().positive(),
  /** Mean and standard deviation of pixel/255 over the train split (recorded for every dataset). */
  mean: z.number(),
  std: z.number(),
}).strict();
export type Normalisation = z.infer<typeof Normalisation>;

export const DatasetMeta = z.object({
  format: z.literal(DATASET_FORMAT),
  name: DatasetName,
  source: z.object({
    path: z.string(),
    kind: z.enum(['idx', 'folder']),
    /** sha256 over every source file's relative path and bytes, in sorted order. */
    sha256: z.string(),
    files: int(),
  }).strict(),
  classes: z.array(z.string()).min(1),
  /** [height, width, channels] */
  shape: z.tuple([int(1), int(1), int(1)]),
  counts: z.object({
    train: int(),
    test: int(),
    trainPerClass: z.array(int()),
    testPerClass: z.array(int()),
  }).strict(),
  split: z.union([
    z.object({ kind: z.literal('source') }).strict(),
    z.object({ kind: z.literal('seeded'), testFraction: z.number(), seed: int() }).strict(),
  ]),
  normalisation: Normalisation,
  subsets: z.record(z.string(), z.array(int())),
  /** sha256 of the normalised data files (images and labels, train then test). */
  checksum: z.string(),
  createdAt: int(),
}).strict();
export type DatasetMeta = z.infer<typeof DatasetMeta>;

/** Subsets every dataset has, by class index. */
export function builtinSubsets(numClasses: number): Record<string, number[]> {
  const all = Array.from({ length: numClasses }, (_, i) => i);
  return { all, even: all.filter((i) => i % 2 === 0), odd: all.filter((i) => i % 2 === 1) };
}

/** The classes a skill reference denotes on this dataset: an int array is a class list; a string is a
 *  named subset (the dataset's own, then all/even/odd), or a class name. Throws naming the reference. */
export function resolveClassSubset(meta: Pick<DatasetMeta, 'name' | 'classes' | 'subsets'>, ref: SkillRef): number[] {
  const k = meta.classes.length;
  if (Array.isArray(ref)) {
    const seen = new Set<number>();
    for (const c of ref) {
      if (!Number.isInteger(c) || c < 0 || c >= k) throw new Error(`skill [${ref.join(',')}]: class ${c} is outside 0..${k - 1} of dataset ${meta.name}`);
      if (seen.has(c)) throw new Error(`skill [${ref.join(',')}]: class ${c} is listed twice`);
      seen.add(c);
    }
    return [...ref];
  }
  const named = meta.subsets[ref] ?? builtinSubsets(k)[ref];
  if (named) return [...named];
  const byName = meta.classes.indexOf(ref);
  if (byName >= 0) return [byName];
  const names = [...new Set([...Object.keys(meta.subsets), ...Object.keys(builtinSubsets(k))])];
  throw new Error(`skill "${ref}" is not a subset or class of dataset ${meta.name}: subsets ${names.join(', ')}; classes ${meta.classes.join(', ')}; or a class-index list such as [0,2]`);
}

/** A registered dataset as the API reports it. */
export interface DatasetRow {
  name: string;
  sourcePath: string;
  sourceKind: 'idx' | 'folder';
  classes: string[];
  shape: [number, number, number];
  trainCount: number;
  testCount: number;
  checksum: string;
  runId: string | null;
  createdAt: number;
  meta: DatasetMeta;
}

/** A few images for a person to look at (GUI thumbnails): raw pixels, HWC uint8 as plain numbers. */
export interface DatasetSample {
  split: 'train' | 'test';
  index: number;
  label: number;
  className: string;
  shape: [number, number, number];
  pixels: number[];
}
