// Corpus import and loading: text files from folders → one named corpus (a text domain) stored as
// raw bytes under WHITTLE_HOME/corpora/<name>/ {train.bin, val.bin, manifest.json}.
//
// Files are walked recursively in sorted path order, filtered by globs, size-capped; binary files
// (a NUL byte or mostly control bytes in the first 8 KiB) and unreadable ones are skipped and
// counted. The held-out split is by document: a file goes to `val` when a hash of its relative path
// falls below valFraction — stable across re-imports and machines. With too few files for that to
// give both splits text, the last valFraction of the bytes is held out instead ('tail').
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  CORPORA_DIR, CORPUS_FILES, type CorpusManifest, type CorpusSkipped, type ImportCorpusSpec,
} from '../../../shared/specs/text';
import { writeDirAtomic } from '../../engine/files';
import { InputError } from '../../../shared/errors';
import { globToRegExp, looksBinary } from '../../../shared/textFiles';

// The CorpusPreview service (main/services) filters and classifies files with the same two helpers.
export { globToRegExp, looksBinary };

/** Stable [0, 1) value of a document's relative path (decides its split). */
export function pathHash(rel: string): number {
  return createHash('sha256').update(rel).digest().readUInt32BE(0) / 4294967296;
}

interface FoundFile { abs: string; rel: string }

function walk(source: string, out: FoundFile[], unreadable: string[], skipped: CorpusSkipped): void {
  let st: fs.Stats;
  try { st = fs.statSync(source); } catch (e) {
    throw new InputError(`source ${source} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (st.isFile()) { out.push({ abs: source, rel: path.basename(source) }); return; }
  if (!st.isDirectory()) throw new InputError(`source ${source} is neither a folder nor a file`);
  const rec = (dir: string, rel: string) => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch (e) {
      skipped.unreadable++;
      if (unreadable.length < 10) unreadable.push(`${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const abs = path.join(dir, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) rec(abs, r);
      else if (e.isFile()) out.push({ abs, rel: r });
    }
  };
  rec(source, '');
}

export interface ImportResult { manifest: CorpusManifest; dir: string }

export function corpusDir(home: string, name: string): string {
  return path.join(home, CORPORA_DIR, name);
}

/** Import a corpus; `onProgress(done, total)` is called per file. Throws with a message naming the
 *  corpus and what is missing when nothing usable was found. */
export function importCorpus(home: string, spec: ImportCorpusSpec, onProgress?: (done: number, total: number) => void, beforeWrite?: () => void): ImportResult {
  const dir = corpusDir(home, spec.corpus);
  if (fs.existsSync(path.join(dir, CORPUS_FILES.manifest)) && !spec.replace) {
    throw new Error(`corpus '${spec.corpus}' already exists (import with replace: true to overwrite it)`);
  }
  const skipped: CorpusSkipped = { binary: 0, tooLarge: 0, unreadable: 0, overBudget: 0, empty: 0 };
  const unreadable: string[] = [];
  const include = spec.include.map(globToRegExp);
  const exclude = spec.exclude.map(globToRegExp);
  const found: FoundFile[] = [];
  for (const s of spec.sources) {
    const before = found.length;
    walk(path.resolve(s), found, unreadable, skipped);
    // keep relative paths unique across several sources
    if (spec.sources.length > 1) for (let i = before; i < found.length; i++) found[i].rel = `${path.basename(s)}/${found[i].rel}`;
  }
  const candidates = found.filter((f) => (include.length === 0 || include.some((r) => r.test(f.rel))) && !exclude.some((r) => r.test(f.rel)));
  const docs: { rel: string; data: Buffer }[] = [];
  let total = 0;
  candidates.forEach((f, i) => {
    onProgress?.(i, candidates.length);
    let data: Buffer;
    try {
      const size = fs.statSync(f.abs).size;
      if (size > spec.maxFileBytes) { skipped.tooLarge++; return; }
      if (size === 0) { skipped.empty++; return; }
      if (total + size > spec.maxTotalBytes) { skipped.overBudget++; return; }
      data = fs.readFileSync(f.abs);
    } catch (e) {
      skipped.unreadable++;
      if (unreadable.length < 10) unreadable.push(`${f.abs}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return;
    }
    if (looksBinary(data.subarray(0, 8192))) { skipped.binary++; return; }
    docs.push({ rel: f.rel, data });
    total += data.length;
  });
  const why = `skipped ${skipped.binary} binary, ${skipped.tooLarge} over ${spec.maxFileBytes} bytes, ${skipped.unreadable} unreadable, ${skipped.empty} empty, ${skipped.overBudget} over the ${spec.maxTotalBytes}-byte budget`;
  if (docs.length === 0) {
    const filt = candidates.length < found.length ? ` (${found.length - candidates.length} of ${found.length} files filtered out by include/exclude)` : '';
    throw new InputError(`corpus '${spec.corpus}': no text files found in ${spec.sources.join(', ')}${filt}; ${why}`);
  }
  // split by document; fall back to the tail when either side would be empty
  const trainParts: Buffer[] = [];
  const valParts: Buffer[] = [];
  const nl = Buffer.from('\n');
  const push = (arr: Buffer[], d: Buffer) => { arr.push(d); if (d[d.length - 1] !== 10) arr.push(nl); };
  let nTrain = 0; let nVal = 0;
  for (const d of docs) {
    if (pathHash(d.rel) < spec.valFraction) { push(valParts, d.data); nVal++; } else { push(trainParts, d.data); nTrain++; }
  }
  let split: CorpusManifest['split'] = 'documents';
  let train = Buffer.concat(trainParts);
  let val = Buffer.concat(valParts);
  if (nVal === 0 || nTrain === 0 || val.length < 0.25 * spec.valFraction * (train.length + val.length)) {
    const all = Buffer.concat([...docs.flatMap((d) => (d.data[d.data.length - 1] === 10 ? [d.data] : [d.data, nl]))]);
    const cut = Math.floor(all.length * (1 - spec.valFraction));
    train = all.subarray(0, cut); val = all.subarray(cut);
    nTrain = docs.length; nVal = 0; split = 'tail';
  }
  const manifest: CorpusManifest = {
    name: spec.corpus, kind: 'text', sources: spec.sources.map((s) => path.resolve(s)),
    include: spec.include, exclude: spec.exclude,
    files: { train: nTrain, val: nVal }, bytes: { train: train.length, val: val.length },
    skipped, unreadable, split, valFraction: spec.valFraction,
    sha256: createHash('sha256').update(train).update(val).digest('hex'),
    createdAt: new Date().toISOString(),
  };
  beforeWrite?.(); // the last chance to stop with nothing written (a cancel)
  writeDirAtomic(dir, {
    [CORPUS_FILES.train]: train, [CORPUS_FILES.val]: val,
    [CORPUS_FILES.manifest]: JSON.stringify(manifest, null, 2),
  });
  onProgress?.(candidates.length, candidates.length);
  return { manifest, dir };
}

export interface LoadedCorpus { manifest: CorpusManifest; train: Uint8Array; val: Uint8Array }

/** Read an imported corpus; the error names the corpus and lists the ones that exist. */
export function loadCorpus(home: string, name: string): LoadedCorpus {
  const dir = corpusDir(home, name);
  const mf = path.join(dir, CORPUS_FILES.manifest);
  if (!fs.existsSync(mf)) {
    const root = path.join(home, CORPORA_DIR);
    const have = fs.existsSync(root) ? fs.readdirSync(root).filter((n) => fs.existsSync(path.join(root, n, CORPUS_FILES.manifest))) : [];
    throw new InputError(`text domain '${name}' is not an imported corpus (have: ${have.length ? have.join(', ') : 'none'}); import a folder of text first`);
  }
  const manifest = JSON.parse(fs.readFileSync(mf, 'utf8')) as CorpusManifest;
  const read = (f: string) => new Uint8Array(fs.readFileSync(path.join(dir, f)));
  return { manifest, train: read(CORPUS_FILES.train), val: read(CORPUS_FILES.val) };
}
