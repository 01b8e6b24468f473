// Which folders a service may read from and write to on the user's behalf. The limit is set by
// whoever starts the service (browser mode: the user's home folder or --root; Electron: home plus
// the folders the user picks in the native dialog; CLI: none) and is never a field a caller can
// pass over the API: a page that holds the token must not be able to widen it.
import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../shared/transport';

/** A user path named in a run spec, with the field a refusal names. */
export interface SpecPath { field: string; value: string }

export class FolderLimit {
  private roots: { given: string; real: string }[] = [];

  /** `roots` empty or absent: no limit (the CLI acts with the user's own rights anyway). */
  constructor(roots: readonly string[] = []) {
    for (const r of roots) this.allow(r);
  }

  get limited(): boolean { return this.roots.length > 0; }

  /** Add a root (Electron: a folder the user chose in the native dialog, which is consent to use it). */
  allow(root: string): void {
    const given = path.resolve(root);
    if (!this.roots.some((r) => r.given === given)) this.roots.push({ given, real: realOrSelf(given) });
  }

  /** The allowed folders as given (empty: no limit). */
  get allowed(): string[] { return this.roots.map((r) => r.given); }

  /** Where an export goes unless the user says otherwise: `<data folder>/exports` when the limit
   *  allows it (no limit, or the data folder inside a root), else `<first root>/whittle-exports`
   *  (WHITTLE_HOME may lie outside the home folder a browser-mode page is limited to, #16 item 2). */
  exportDefault(dataFolder: string): string {
    const inData = path.join(path.resolve(dataFolder), 'exports');
    if (!this.limited || this.rootOf(inData)) return inData;
    return path.join(this.roots[0].given, 'whittle-exports');
  }

  /** The root `p` lies under, if any (tests and error messages). */
  rootOf(p: string): string | undefined {
    const abs = path.resolve(p);
    const real = realPathOf(abs);
    // Inside as written and as resolved: `..` and symlinks (to the nearest existing folder) cannot
    // lead out. As written, like the export worker's own re-check of `within` at write time.
    return this.roots.find((r) => inside(r.given, abs) && inside(r.real, real))?.given;
  }

  /** `p` resolved, or an ApiError naming `field` when `p` lies outside every allowed folder. */
  check(p: string, field: string): string {
    const abs = path.resolve(p);
    if (!this.limited || this.rootOf(abs)) return abs;
    const where = this.roots.map((r) => r.given).join(', ');
    const message = `${abs} is outside the folders this app may use (${where})`;
    throw new ApiError(`${field}: ${message}`, 'bad_request', [{ path: field, message }]);
  }
}

/** Every user path a run spec reads or writes (the rest of a spec names runs, datasets and corpora
 *  that live in the data folder). A new job kind with a path field must be listed here. */
export function specPaths(spec: { kind: string } & Record<string, unknown>, prefix = 'spec'): SpecPath[] {
  switch (spec.kind) {
    case 'export': return [{ field: `${prefix}.out`, value: String(spec.out) }];
    case 'importDataset': return [{ field: `${prefix}.source`, value: String(spec.source) }];
    case 'importModel': return [{ field: `${prefix}.folder`, value: String(spec.folder) }];
    case 'importCorpus': return (spec.sources as string[]).map((s, i) => ({ field: `${prefix}.sources[${i}]`, value: s }));
    default: return [];
  }
}

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function realOrSelf(p: string): string {
  try { return fs.realpathSync(p); } catch { return p; }
}

/** Real path of the nearest existing ancestor, with the part that does not exist yet appended. */
function realPathOf(abs: string): string {
  const tail: string[] = [];
  for (let cur = abs; ; cur = path.dirname(cur)) {
    try {
      return path.join(fs.realpathSync(cur), ...tail.reverse());
    } catch {
      const up = path.dirname(cur);
      if (up === cur) return abs;
      tail.push(path.basename(cur));
    }
  }
}
