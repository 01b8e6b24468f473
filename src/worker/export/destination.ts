// Where an export goes, checked before anything is written, and writing it so that a failure
// leaves nothing half-done: every file is staged in a temp folder on the same filesystem and
// renamed into place at the end.
import fs from 'node:fs';
import path from 'node:path';

/** A problem with the user's request (shown as is; no stack trace needed). */
export class ExportError extends Error {
  override name = 'ExportError';
}

/** Names of the temp folders an export stages its files in. */
const STAGING_PREFIX = '.whittle-export-';

/** Sub-folders an export writes into (transformers.js looks for its ONNX files in onnx/). */
const EXPORT_SUBDIRS = ['onnx'];

/** File names an export writes (and that --force may replace), as paths relative to the destination
 *  with '/' separators: anything else in the folder stays. */
export function isExportFile(name: string): boolean {
  const top = /^(model\.json|model\.onnx|model\.safetensors|model-card\.(md|json)|export-report\.json|group\d+-shard\d+of\d+\.bin|config\.json|generation_config\.json|tokenizer\.json|tokenizer_config\.json)$/;
  return top.test(name) || /^onnx\/model\.onnx$/.test(name);
}

/** Export files already in `dir` (top level and the export sub-folders). */
function exportFilesIn(dir: string, entries: string[]): string[] {
  const out = entries.filter(isExportFile);
  for (const sub of EXPORT_SUBDIRS) {
    const p = path.join(dir, sub);
    if (entries.includes(sub) && fs.statSync(p).isDirectory()) {
      for (const n of fs.readdirSync(p)) if (isExportFile(`${sub}/${n}`)) out.push(`${sub}/${n}`);
    }
  }
  return out;
}

function inside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The nearest folder on the way up from `p` that exists (p itself when it does). */
function nearestExisting(p: string): string {
  let cur = p;
  while (!fs.existsSync(cur)) {
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  return cur;
}

export interface Destination { dir: string; exists: boolean; conflicting: string[] }

/** Resolve and check the destination folder. Throws ExportError with a message a user can act on. */
export function checkDestination(out: string, opts: { force: boolean; within?: string }): Destination {
  if (!path.isAbsolute(out)) throw new ExportError(`export destination must be an absolute path (got '${out}')`);
  const dir = path.resolve(out);
  if (opts.within !== undefined) {
    if (!path.isAbsolute(opts.within)) throw new ExportError(`the chosen export folder must be an absolute path (got '${opts.within}')`);
    const root = path.resolve(opts.within);
    if (!inside(root, dir)) throw new ExportError(`export destination ${dir} is outside the chosen folder ${root}`);
    // Symlinks on the way could still lead out: compare real paths of what exists.
    const realRoot = fs.existsSync(root) ? fs.realpathSync(root) : root;
    const realDir = fs.realpathSync(nearestExisting(dir));
    if (!inside(realRoot, realDir) && !inside(realDir, realRoot)) {
      throw new ExportError(`export destination ${dir} leads outside the chosen folder ${root} (through a link to ${realDir})`);
    }
  }
  const existing = nearestExisting(dir);
  if (!fs.statSync(existing).isDirectory()) {
    throw new ExportError(`cannot export to ${dir}: ${existing} is a file, not a folder`);
  }
  try {
    fs.accessSync(existing, fs.constants.W_OK);
  } catch {
    throw new ExportError(`cannot export to ${dir}: ${existing} is not writable`);
  }
  if (existing !== dir) return { dir, exists: false, conflicting: [] };
  // A staging folder left by an export that was killed half-way does not make the folder "used".
  const entries = fs.readdirSync(dir).filter((n) => !n.startsWith(STAGING_PREFIX));
  if (entries.length && !opts.force) {
    throw new ExportError(`export destination ${dir} is not empty (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}); choose an empty folder or pass --force to replace earlier export files`);
  }
  for (const sub of EXPORT_SUBDIRS) {
    if (entries.includes(sub) && !fs.statSync(path.join(dir, sub)).isDirectory()) {
      throw new ExportError(`cannot export to ${dir}: ${path.join(dir, sub)} is a file where the export puts a folder`);
    }
  }
  return { dir, exists: true, conflicting: exportFilesIn(dir, entries) };
}

function writeFileSync(file: string, data: string | Uint8Array): void {
  const fd = fs.openSync(file, 'wx');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

const tag = () => `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

/**
 * Write `files` (relative paths → contents: plain names, or onnx/<name>) into the checked destination. A new folder appears whole
 * (staged as a sibling, then renamed). In an existing folder the files are staged in a hidden
 * sub-folder, earlier export files are moved aside, and the new ones renamed in; any failure moves
 * everything back. Other files in the folder are never touched.
 */
export function writeExport(dest: Destination, files: Record<string, string | Uint8Array>): string[] {
  for (const name of Object.keys(files)) {
    const parts = name.split('/');
    const plain = parts.every((p) => p && p === path.basename(p) && p !== '.' && p !== '..');
    if (!plain || parts.length > 2 || (parts.length === 2 && !EXPORT_SUBDIRS.includes(parts[0])) || !isExportFile(name)) {
      throw new ExportError(`refusing to write '${name}': export files are plain names (or onnx/<name>) inside the destination folder`);
    }
  }
  const subdirsOf = (names: string[]) => [...new Set(names.filter((n) => n.includes('/')).map((n) => n.split('/')[0]))];
  const { dir } = dest;
  const staging = dest.exists ? path.join(dir, `${STAGING_PREFIX}${tag()}`) : `${dir}${STAGING_PREFIX}${tag()}`;
  try {
    fs.mkdirSync(path.dirname(staging), { recursive: true });
    fs.mkdirSync(staging);
    for (const sub of subdirsOf(Object.keys(files))) fs.mkdirSync(path.join(staging, sub));
    for (const [name, data] of Object.entries(files)) writeFileSync(path.join(staging, name), data);
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new ExportError(`cannot write the export to ${dir}: ${(e as Error).message}`);
  }
  if (!dest.exists) {
    try {
      fs.renameSync(staging, dir);
    } catch (e) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw new ExportError(`cannot create ${dir}: ${(e as Error).message}`);
    }
    return Object.keys(files).map((n) => path.join(dir, n));
  }
  // Existing folder: set earlier export files aside, move the new ones in, then drop the old.
  const aside = path.join(staging, '.old');
  const movedAside: string[] = [];
  const movedIn: string[] = [];
  const created: string[] = [];
  try {
    fs.mkdirSync(aside);
    for (const sub of subdirsOf([...dest.conflicting, ...Object.keys(files)])) {
      fs.mkdirSync(path.join(aside, sub));
      if (!fs.existsSync(path.join(dir, sub))) { fs.mkdirSync(path.join(dir, sub)); created.push(sub); }
    }
    for (const name of dest.conflicting) {
      fs.renameSync(path.join(dir, name), path.join(aside, name));
      movedAside.push(name);
    }
    for (const name of Object.keys(files)) {
      fs.renameSync(path.join(staging, name), path.join(dir, name));
      movedIn.push(name);
    }
  } catch (e) {
    for (const name of movedIn) fs.rmSync(path.join(dir, name), { force: true });
    for (const name of movedAside) fs.renameSync(path.join(aside, name), path.join(dir, name));
    for (const sub of created) fs.rmSync(path.join(dir, sub), { recursive: true, force: true });
    fs.rmSync(staging, { recursive: true, force: true });
    throw new ExportError(`cannot write the export into ${dir}: ${(e as Error).message} (the folder was left as it was)`);
  }
  fs.rmSync(staging, { recursive: true, force: true });
  return Object.keys(files).map((n) => path.join(dir, n));
}
