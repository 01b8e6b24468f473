// Image classification as a skill suite. A skill is a subset of classes; training draws from the
// train split of those classes (with replacement, so a draw depends only on the rng and a resumed
// run continues the same stream); evaluation uses the test images of those classes.
import fs from 'node:fs';
import path from 'node:path';
import { DATASET_FILES, type DatasetMeta, resolveClassSubset } from '../../../shared/specs/dataset';
import { skillKey, type SkillRef } from '../../../shared/specs';
import { Rng } from '../../engine/rng';
import type { Batch, Skill, SkillSuite } from '../types';
import { datasetDir, type LoadedDataset, readDatasetFolder } from './datasetFolder';
import { InputError } from '../../../shared/errors';

export interface ImageSkill extends Skill { classes: number[] }

interface Resolved { skill: ImageSkill; train: Int32Array; test: Int32Array }

/** Indices (into a split) whose label is one of `classes`, in split order. */
function indicesOf(labels: Uint16Array, classes: number[]): Int32Array {
  const want = new Set(classes);
  const out: number[] = [];
  for (let i = 0; i < labels.length; i++) if (want.has(labels[i])) out.push(i);
  return Int32Array.from(out);
}

// A fixed order of the test images for evaluation subsets: every evaluation of a run sees the same
// images, so its accuracy curve moves only when the model does.
const EVAL_ORDER_SEED = 0x5eed;

export class ImageSuite implements SkillSuite {
  readonly inputDim: number;
  readonly numClasses: number;
  readonly meta: DatasetMeta;
  private readonly lut = new Float32Array(256);
  private readonly skills = new Map<string, Resolved>();

  constructor(private readonly data: LoadedDataset) {
    this.meta = data.meta;
    const [h, w, c] = data.meta.shape;
    this.inputDim = h * w * c;
    this.numClasses = data.meta.classes.length;
    const { shift, scale } = data.meta.normalisation;
    for (let v = 0; v < 256; v++) this.lut[v] = (v / 255 - shift) / scale;
  }

  skill(ref: SkillRef): ImageSkill {
    const key = skillKey(ref);
    return (this.skills.get(key) ?? this.resolve(key, resolveClassSubset(this.meta, ref))).skill;
  }

  private resolve(key: string, classes: number[]): Resolved {
    const train = indicesOf(this.data.train.labels, classes);
    const test = indicesOf(this.data.test.labels, classes);
    const names = classes.map((c) => this.meta.classes[c]).join(', ');
    if (train.length === 0) throw new InputError(`skill ${key}: dataset ${this.meta.name} has no training images of classes ${names}`);
    const skill: ImageSkill = {
      key, classes,
      description: `${this.meta.name}: ${classes.length === this.numClasses ? 'all classes' : names} (${train.length} train / ${test.length} test images)`,
    };
    const r = { skill, train, test: this.evalOrder(test) };
    this.skills.set(key, r);
    return r;
  }

  private evalOrder(test: Int32Array): Int32Array {
    const order = Int32Array.from(test);
    new Rng(EVAL_ORDER_SEED).shuffle(order);
    return order;
  }

  private resolved(skill: Skill): Resolved {
    const r = this.skills.get(skill.key);
    if (r) return r;
    // A skill resolved by another suite of the same dataset (e.g. a teacher's): its classes suffice.
    const classes = (skill as Partial<ImageSkill>).classes;
    if (!classes) throw new Error(`skill ${skill.key} is not a skill of dataset ${this.meta.name} (resolve it with suite.skill first)`);
    return this.resolve(skill.key, resolveClassSubset(this.meta, classes));
  }

  private fill(images: Uint8Array, labels: Uint16Array, idx: ArrayLike<number>, out: Batch, offset: number): void {
    const d = this.inputDim;
    const lut = this.lut;
    for (let r = 0; r < idx.length; r++) {
      const src = idx[r] * d;
      const dst = (offset + r) * d;
      for (let j = 0; j < d; j++) out.x[dst + j] = lut[images[src + j]];
      out.y[offset + r] = labels[idx[r]];
    }
  }

  /** Raw pixels (uint8, [h, w, c]) and label of test image `index` (trying a model on it). */
  testImage(index: number): { pixels: Uint8Array; label: number } {
    const { test } = this.data;
    if (!Number.isInteger(index) || index < 0 || index >= test.count) throw new InputError(`index: ${index} is outside the test split's 0..${test.count - 1} of dataset ${this.meta.name}`);
    return { pixels: test.images.slice(index * this.inputDim, (index + 1) * this.inputDim), label: test.labels[index] };
  }

  /** Pixels of this dataset's shape as the model's input, normalised as in training. */
  normalise(pixels: Uint8Array): Float32Array {
    const out = new Float32Array(pixels.length);
    for (let j = 0; j < pixels.length; j++) out[j] = this.lut[pixels[j]];
    return out;
  }

  sample(skill: Skill, count: number, rng: Rng): Batch {
    const out: Batch = { x: new Float32Array(count * this.inputDim), y: new Int32Array(count), count };
    this.sampleInto(skill, count, rng, out, 0);
    return out;
  }

  sampleInto(skill: Skill, count: number, rng: Rng, out: Batch, offset: number): void {
    const { train } = this.resolved(skill);
    const idx = new Int32Array(count);
    for (let i = 0; i < count; i++) idx[i] = train[rng.int(train.length)];
    this.fill(this.data.train.images, this.data.train.labels, idx, out, offset);
  }

  /** All test images of the skill's classes, or the first `count` of a fixed shuffled order of them
   *  (the same images at every evaluation; `rng` is deliberately not used). */
  evalSet(skill: Skill, count: number, _rng: Rng): Batch {
    const { test } = this.resolved(skill);
    const idx = count >= test.length ? test : test.subarray(0, count);
    const out: Batch = { x: new Float32Array(idx.length * this.inputDim), y: new Int32Array(idx.length), count: idx.length };
    this.fill(this.data.test.images, this.data.test.labels, idx, out, 0);
    return out;
  }
}

// Datasets loaded by this thread, by folder: a study runs many jobs on one data set in one worker.
const cache = new Map<string, { mtimeMs: number; data: LoadedDataset }>();
const CACHE_LIMIT = 2;

/** The suite of a registered dataset under WHITTLE_HOME. */
export function loadImageSuite(home: string, dataset: string): ImageSuite {
  const dir = datasetDir(home, dataset);
  const metaFile = path.join(dir, DATASET_FILES.meta);
  if (!fs.existsSync(metaFile)) throw new InputError(`dataset "${dataset}" is not imported (no ${metaFile}); run: whittle data import PATH --name ${dataset}`);
  const mtimeMs = fs.statSync(metaFile).mtimeMs;
  let hit = cache.get(dir);
  if (!hit || hit.mtimeMs !== mtimeMs) {
    hit = { mtimeMs, data: readDatasetFolder(dir) };
    cache.delete(dir);
    cache.set(dir, hit);
    while (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  }
  return new ImageSuite(hit.data);
}
