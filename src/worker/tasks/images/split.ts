// A fixed train/test split for sources that have none: stratified per class, from a seeded
// shuffle, so the same source and seed always give the same split on any machine.
import { Rng } from '../../engine/rng';
import { DatasetError } from './errors';
import type { Part } from './raw';

function take(p: Part, idx: number[], per: number): Part {
  const images = new Uint8Array(idx.length * per);
  const labels = new Uint16Array(idx.length);
  idx.forEach((src, i) => { images.set(p.images.subarray(src * per, (src + 1) * per), i * per); labels[i] = p.labels[src]; });
  return { images, labels, count: idx.length };
}

/** Every class keeps at least one image on each side; items stay in source order within a side. */
export function seededSplit(p: Part, numClasses: number, per: number, testFraction: number, seed: number, classNames: string[], source: string): { train: Part; test: Part } {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < p.count; i++) byClass[p.labels[i]].push(i);
  const rng = new Rng(seed);
  const train: number[] = [];
  const test: number[] = [];
  byClass.forEach((items, c) => {
    if (items.length < 2) throw new DatasetError(source, `class "${classNames[c]}" has ${items.length} image(s); a train/test split needs at least 2`);
    const order = Int32Array.from(items);
    rng.fork(c).shuffle(order);
    const nTest = Math.min(items.length - 1, Math.max(1, Math.round(items.length * testFraction)));
    order.subarray(0, nTest).forEach((i) => test.push(i));
    order.subarray(nTest).forEach((i) => train.push(i));
  });
  train.sort((a, b) => a - b);
  test.sort((a, b) => a - b);
  return { train: take(p, train, per), test: take(p, test, per) };
}
