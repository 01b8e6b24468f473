// Try an image classifier: an uploaded PNG/JPEG or a test image of the run's dataset → class
// probabilities; and the confusion matrix of the run's classes over the whole test split.
import { InputError } from '../../shared/errors';
import type { SkillRef } from '../../shared/specs';
import { resolveClassSubset } from '../../shared/specs/dataset';
import type { ConfusionMatrix, TryResult } from '../../shared/tryModel';
import { Rng } from '../engine/rng';
import { tf, type Tensor2D } from '../engine/tf';
import type { MaskableMlp } from '../models/mlp/model';
import { decodeImage } from '../tasks/images/decode';
import type { ImageSuite } from '../tasks/images/suite';
import { toShape } from './resize';

/** The classes a run was trained and evaluated on: the union of its skills' classes, sorted. */
export function runClasses(suite: ImageSuite, skills: SkillRef[]): number[] {
  const set = new Set<number>();
  for (const ref of skills) for (const c of resolveClassSubset(suite.meta, ref)) set.add(c);
  if (set.size === 0) suite.meta.classes.forEach((_, i) => set.add(i));
  return [...set].sort((a, b) => a - b);
}

function checkModel(model: MaskableMlp, suite: ImageSuite): void {
  if (model.config.inputs !== suite.inputDim || model.config.outputs !== suite.numClasses) {
    throw new InputError(`the model (${model.config.inputs} inputs, ${model.config.outputs} classes) does not fit dataset ${suite.meta.name} (${suite.inputDim} inputs, ${suite.numClasses} classes); was it re-imported with another shape?`);
  }
}

/** base64 (optionally a data: URL) → bytes, naming the field when it is not base64. */
export function imageBytes(image: string): Uint8Array {
  if (typeof image !== 'string' || image.length === 0) throw new InputError('image: no image data was sent');
  const b64 = image.startsWith('data:') ? image.slice(image.indexOf(',') + 1) : image;
  if (!/^[A-Za-z0-9+/=\s]+$/.test(b64)) throw new InputError('image: not base64-encoded data');
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

export function tryImage(model: MaskableMlp, suite: ImageSuite, input: { image: string } | { index: number }): Extract<TryResult, { kind: 'image' }> {
  checkModel(model, suite);
  let pixels: Uint8Array;
  let label: number | null = null;
  if ('index' in input) {
    ({ pixels, label } = suite.testImage(input.index));
  } else {
    let decoded;
    try { decoded = decodeImage(imageBytes(input.image), 'image'); } catch (e) { throw new InputError(`image: ${(e as Error).message.replace(/^image: /, '')}`); }
    pixels = toShape(decoded, suite.meta.shape);
  }
  const x = suite.normalise(pixels);
  const p = tf.tidy(() => tf.softmax(model.forward(tf.tensor2d(x, [1, x.length]) as Tensor2D, { training: false })).dataSync());
  let predicted = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[predicted]) predicted = i;
  const probabilities = Array.from(p, (v, index) => ({ index, name: suite.meta.classes[index], p: v }));
  return { kind: 'image', probabilities, predicted, pixels: Array.from(pixels), shape: suite.meta.shape, label };
}

const CHUNK = 2048;

/** Counts of (true class, predicted class) over every test image of `classes`: the images the
 *  run's evaluation of those classes uses (all of them when its eval samples cover the split). */
export async function confusionMatrix(runId: string, model: MaskableMlp, suite: ImageSuite, classes: number[]): Promise<ConfusionMatrix> {
  checkModel(model, suite);
  const batch = suite.evalSet(suite.skill(classes), Number.MAX_SAFE_INTEGER, new Rng(0)) // (its test order is fixed; rng unused);
  const pos = new Map(classes.map((c, i) => [c, i]));
  const counts = classes.map(() => new Array<number>(classes.length).fill(0));
  const outside = new Array<number>(classes.length).fill(0);
  const d = suite.inputDim;
  let correct = 0;
  for (let start = 0; start < batch.count; start += CHUNK) {
    const n = Math.min(CHUNK, batch.count - start);
    const argmax = tf.tidy(() => tf.argMax(model.forward(tf.tensor2d(batch.x.subarray(start * d, (start + n) * d), [n, d]) as Tensor2D, { training: false }), 1));
    const pred = await argmax.data();
    argmax.dispose();
    for (let r = 0; r < n; r++) {
      const row = pos.get(batch.y[start + r])!;
      const col = pos.get(pred[r]);
      if (col === undefined) outside[row]++;
      else counts[row][col]++;
      if (pred[r] === batch.y[start + r]) correct++;
    }
  }
  return {
    runId, classes: classes.map((index) => ({ index, name: suite.meta.classes[index] })), counts, outside,
    total: batch.count, accuracy: batch.count ? correct / batch.count : 0, split: 'test',
  };
}
