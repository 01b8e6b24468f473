// Small data sets written by the tests themselves: IDX files (raw or gzip) and class folders of
// PNG/JPEG images, each class drawn with its own brightness so a model could tell them apart.
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { encodeIdx } from './idx';

/** Pixel value of image `i` of class `c` at position p: distinct per class, varying per image. */
export function pixel(c: number, i: number, p: number): number {
  return (c * 40 + ((i * 7 + p) % 30)) & 0xff;
}

export function idxImages(count: number, h: number, w: number, labels: number[]): Uint8Array {
  const data = new Uint8Array(count * h * w);
  for (let i = 0; i < count; i++) for (let p = 0; p < h * w; p++) data[i * h * w + p] = pixel(labels[i], i, p);
  return encodeIdx([count, h, w], data);
}

export function idxLabels(labels: number[]): Uint8Array {
  return encodeIdx([labels.length], Uint8Array.from(labels));
}

/** Labels 0..k-1 repeated: n items. */
export function cycleLabels(n: number, k: number): number[] {
  return Array.from({ length: n }, (_, i) => i % k);
}

/** Write an MNIST-style folder: train/t10k images and labels (gzip when asked). */
export function writeIdxFolder(dir: string, opts: { train: number; test: number | null; k: number; h?: number; w?: number; gzip?: boolean }): void {
  fs.mkdirSync(dir, { recursive: true });
  const h = opts.h ?? 4, w = opts.w ?? 3;
  const z = (b: Uint8Array) => (opts.gzip ? gzipSync(b) : b);
  const ext = opts.gzip ? '.gz' : '';
  const trl = cycleLabels(opts.train, opts.k);
  fs.writeFileSync(path.join(dir, `train-images-idx3-ubyte${ext}`), z(idxImages(opts.train, h, w, trl)));
  fs.writeFileSync(path.join(dir, `train-labels-idx1-ubyte${ext}`), z(idxLabels(trl)));
  if (opts.test !== null) {
    const tel = cycleLabels(opts.test, opts.k);
    fs.writeFileSync(path.join(dir, `t10k-images-idx3-ubyte${ext}`), z(idxImages(opts.test, h, w, tel)));
    fs.writeFileSync(path.join(dir, `t10k-labels-idx1-ubyte${ext}`), z(idxLabels(tel)));
  }
}

export function greyPng(c: number, i: number, w: number, h: number): Uint8Array {
  const data = new Uint8Array(w * h);
  for (let p = 0; p < w * h; p++) data[p] = pixel(c, i, p);
  return encodePng({ width: w, height: h, data, channels: 1, depth: 8 });
}

export function rgbPng(c: number, i: number, w: number, h: number): Uint8Array {
  const data = new Uint8Array(w * h * 4);
  for (let p = 0; p < w * h; p++) { data[4 * p] = pixel(c, i, p); data[4 * p + 1] = 255 - pixel(c, i, p); data[4 * p + 2] = 10 * c; data[4 * p + 3] = 255; }
  return encodePng({ width: w, height: h, data, channels: 4, depth: 8 });
}

export function greyJpeg(c: number, i: number, w: number, h: number): Uint8Array {
  const data = new Uint8Array(w * h * 4);
  for (let p = 0; p < w * h; p++) { const v = pixel(c, i, p); data[4 * p] = data[4 * p + 1] = data[4 * p + 2] = v; data[4 * p + 3] = 255; }
  return new Uint8Array(jpeg.encode({ width: w, height: h, data }, 95).data);
}

/** ROOT/<class>/img<i>.png (a JPEG every third image when `mixJpeg`), or under train/ and test/. */
export function writeClassFolders(root: string, opts: { classes: string[]; perClass: number; w?: number; h?: number; colour?: boolean; mixJpeg?: boolean; split?: boolean }): void {
  const w = opts.w ?? 5, h = opts.h ?? 4;
  const sides = opts.split ? ['train', 'test'] : [''];
  for (const side of sides) {
    opts.classes.forEach((cls, c) => {
      const dir = path.join(root, side, cls);
      fs.mkdirSync(dir, { recursive: true });
      for (let i = 0; i < opts.perClass; i++) {
        if (opts.mixJpeg && i % 3 === 2) fs.writeFileSync(path.join(dir, `img${i}.jpg`), greyJpeg(c, i, w, h));
        else fs.writeFileSync(path.join(dir, `img${i}.png`), opts.colour ? rgbPng(c, i, w, h) : greyPng(c, i, w, h));
      }
    });
  }
}
