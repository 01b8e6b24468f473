// Reads class folders of PNG/JPEG images: ROOT/<class>/<image>, or ROOT/train/<class>/… plus
// ROOT/test/<class>/… when the source brings its own split. Classes are the folder names in natural
// order ("2" before "10"); every image of the data set must have the same width and height.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DatasetError } from './errors';
import { decodeImage, isGreyRgb, type Pixels, toChannels } from './decode';
import type { Part, RawDataset } from './raw';

const naturally = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
const visible = (name: string) => !name.startsWith('.'); // .DS_Store and friends are not data

function subdirs(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && visible(e.name)).map((e) => e.name).sort(naturally);
}

/** Has the folder the layout this reader expects (sub-folders, not files)? */
export function looksLikeClassFolders(dir: string): boolean {
  return subdirs(dir).length > 0;
}

interface Item { file: string; label: number; px: Pixels }

/** What an import reports while decoding, and how it learns it should stop. */
export interface ReadHooks { progress?(done: number, total: number): void; cancelled?(): boolean }

export class ImportCancelled extends Error {
  constructor() { super('import cancelled'); this.name = 'ImportCancelled'; }
}

/** Every image file of every class folder (errors for stray folders and empty classes come first,
 *  before any decoding, so a bad layout fails fast). */
function listClasses(dir: string, classes: string[]): { file: string; label: number }[] {
  const out: { file: string; label: number }[] = [];
  classes.forEach((cls, label) => {
    const cdir = path.join(dir, cls);
    const names = fs.readdirSync(cdir, { withFileTypes: true }).filter((e) => visible(e.name)).sort((a, b) => naturally(a.name, b.name));
    for (const e of names) {
      const file = path.join(cdir, e.name);
      if (e.isDirectory()) throw new DatasetError(file, `a folder inside class folder "${cls}"; class folders hold images only`);
      out.push({ file, label });
    }
    if (names.length === 0) throw new DatasetError(cdir, `class "${cls}" has no images`);
  });
  return out;
}

const YIELD_EVERY = 256;

/** Decode the listed files in order; every image must have the first one's size. */
async function decodeAll(root: string, files: { file: string; label: number }[], hash: ReturnType<typeof createHash>, hooks: ReadHooks, done0: number, total: number, first: { file: string; w: number; h: number } | null): Promise<{ items: Item[]; first: { file: string; w: number; h: number } | null }> {
  const items: Item[] = [];
  for (const { file, label } of files) {
    const bytes = new Uint8Array(fs.readFileSync(file));
    hash.update(path.relative(root, file)); hash.update(bytes);
    const px = decodeImage(bytes, file);
    if (!first) first = { file, w: px.width, h: px.height };
    else if (px.width !== first.w || px.height !== first.h) {
      throw new DatasetError(file, `image is ${px.width}×${px.height}, but ${path.relative(root, first.file)} is ${first.w}×${first.h}; every image must have the same size`);
    }
    items.push({ file, label, px });
    if (items.length % YIELD_EVERY === 0) {
      hooks.progress?.(done0 + items.length, total);
      await new Promise<void>((r) => setImmediate(r)); // let a cancel message in
      if (hooks.cancelled?.()) throw new ImportCancelled();
    }
  }
  return { items, first };
}

function toPart(items: Item[], channels: 1 | 3, w: number, h: number): Part {
  const per = w * h * channels;
  const images = new Uint8Array(items.length * per);
  const labels = new Uint16Array(items.length);
  items.forEach((it, i) => { images.set(toChannels(it.px, channels), i * per); labels[i] = it.label; });
  return { images, labels, count: items.length };
}

export async function readClassFolders(root: string, opts: { grayscale: boolean } & ReadHooks): Promise<RawDataset> {
  const top = subdirs(root);
  const hasSplit = top.includes('train') && top.includes('test') && top.length === 2;
  const trainDir = hasSplit ? path.join(root, 'train') : root;
  const classes = subdirs(trainDir);
  if (classes.length === 0) throw new DatasetError(trainDir, 'no class folders: expected one sub-folder of images per class');
  if (classes.length > 65535) throw new DatasetError(trainDir, `${classes.length} classes; at most 65535 are supported`);
  if (hasSplit) {
    const testClasses = subdirs(path.join(root, 'test'));
    const missing = testClasses.filter((c) => !classes.includes(c));
    if (missing.length) throw new DatasetError(path.join(root, 'test', missing[0]), `class "${missing[0]}" is in test/ but not in train/`);
    const absent = classes.filter((c) => !testClasses.includes(c));
    if (absent.length) throw new DatasetError(path.join(root, 'test'), `no folder for class "${absent[0]}" (it is in train/)`);
  }
  const hash = createHash('sha256');
  const trFiles = listClasses(trainDir, classes);
  const teFiles = hasSplit ? listClasses(path.join(root, 'test'), classes) : [];
  const total = trFiles.length + teFiles.length;
  const tr = await decodeAll(root, trFiles, hash, opts, 0, total, null);
  const te = hasSplit ? await decodeAll(root, teFiles, hash, opts, trFiles.length, total, tr.first) : null;
  opts.progress?.(total, total);
  const all = [...tr.items, ...(te?.items ?? [])];
  const channels: 1 | 3 = opts.grayscale || all.every((it) => isGreyRgb(it.px)) ? 1 : 3;
  const { w, h } = tr.first!;
  return {
    kind: 'folder', shape: [h, w, channels], classes, numClasses: classes.length,
    train: toPart(tr.items, channels, w, h), test: te ? toPart(te.items, channels, w, h) : null,
    sourceSha256: hash.digest('hex'), sourceFiles: all.length,
  };
}
