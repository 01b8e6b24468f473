// What a text-corpus import would take, before it runs: every file under the sources with its size
// and what the import will do with it (take it, or why not), in the order the import job walks them
// (sorted paths), with the same globs, caps and binary test (shared/textFiles.ts). Only the first
// 8 KiB of each file are read, so a preview of a large tree stays quick.
import fs from 'node:fs';
import path from 'node:path';
import type { CorpusPreview, CorpusPreviewFile, CorpusFileVerdict } from '../../shared/specs/corpusImport';
import type { ImportCorpusSpec } from '../../shared/specs/text';
import { globToRegExp, looksBinary } from '../../shared/textFiles';

/** Rows listed in a preview; the totals always cover every file. */
export const PREVIEW_MAX_ROWS = 500;

interface Found { abs: string; rel: string }

function walk(source: string, out: Found[], unreadable: string[]): void {
  let st: fs.Stats;
  try { st = fs.statSync(source); } catch (e) {
    throw new Error(`source ${source} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (st.isFile()) { out.push({ abs: source, rel: path.basename(source) }); return; }
  if (!st.isDirectory()) throw new Error(`source ${source} is neither a folder nor a file`);
  const rec = (dir: string, rel: string) => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch (e) {
      unreadable.push(`${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) rec(path.join(dir, e.name), r);
      else if (e.isFile()) out.push({ abs: path.join(dir, e.name), rel: r });
    }
  };
  rec(source, '');
}

function headOf(abs: string): Uint8Array {
  const fd = fs.openSync(abs, 'r');
  try {
    const buf = Buffer.alloc(8192);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** The preview of a validated import spec (sources already resolved and checked by the caller). */
export function previewCorpus(spec: ImportCorpusSpec): CorpusPreview {
  const include = spec.include.map(globToRegExp);
  const exclude = spec.exclude.map(globToRegExp);
  const found: Found[] = [];
  const unreadable: string[] = [];
  for (const s of spec.sources) {
    const before = found.length;
    walk(path.resolve(s), found, unreadable);
    // as the import does: relative paths stay unique across several sources
    if (spec.sources.length > 1) for (let i = before; i < found.length; i++) found[i].rel = `${path.basename(s)}/${found[i].rel}`;
  }
  const counts: Record<CorpusFileVerdict, number> = { take: 0, filtered: 0, tooLarge: 0, empty: 0, overBudget: 0, binary: 0, unreadable: unreadable.length };
  const files: CorpusPreviewFile[] = [];
  let takeBytes = 0;
  let totalBytes = 0;
  for (const f of found) {
    let bytes = 0;
    let verdict: CorpusFileVerdict;
    try {
      bytes = fs.statSync(f.abs).size;
      totalBytes += bytes;
      if ((include.length && !include.some((r) => r.test(f.rel))) || exclude.some((r) => r.test(f.rel))) verdict = 'filtered';
      else if (bytes > spec.maxFileBytes) verdict = 'tooLarge';
      else if (bytes === 0) verdict = 'empty';
      else if (takeBytes + bytes > spec.maxTotalBytes) verdict = 'overBudget';
      else if (looksBinary(headOf(f.abs))) verdict = 'binary';
      else verdict = 'take';
    } catch (e) {
      verdict = 'unreadable';
      unreadable.push(`${f.abs}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (verdict === 'take') takeBytes += bytes;
    counts[verdict]++;
    if (files.length < PREVIEW_MAX_ROWS) files.push({ path: f.rel, bytes, verdict });
  }
  return {
    corpus: spec.corpus, sources: spec.sources, files, listed: files.length, found: found.length,
    counts, takeBytes, totalBytes, unreadable: unreadable.slice(0, 10),
    maxFileBytes: spec.maxFileBytes, maxTotalBytes: spec.maxTotalBytes,
  };
}
