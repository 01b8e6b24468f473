// Errors of the disk under the data folder (full, read-only), recognised wherever they surface
// (SQLite or the file system) and turned into one message a person can act on.
import fs from 'node:fs';
import path from 'node:path';

/** The data folder cannot be written (read-only mount, no permission): write commands stop with
 *  this; read commands open the database read-only instead. */
export class DataFolderError extends Error {
  constructor(message: string, readonly reason: 'read-only' | 'disk-full') {
    super(message);
    this.name = 'DataFolderError';
  }
}

const codeOf = (e: unknown): string => String((e as { code?: unknown } | null)?.code ?? '');

/** SQLite's "database or disk is full" or the file system's ENOSPC (also as text, when a worker
 *  thread passed the error on as a message). */
export function isDiskFull(e: unknown): boolean {
  const code = codeOf(e);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return true;
  const msg = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
  return /\bENOSPC\b|no space left on device|database or disk is full/i.test(msg);
}

/** Writing failed because the folder or its file system is read-only. */
export function isReadOnly(e: unknown): boolean {
  const code = codeOf(e);
  return code === 'EROFS' || code === 'EACCES' || code === 'EPERM' || code.startsWith('SQLITE_READONLY');
}

export const diskFullMessage = (home: string, detail?: string) =>
  `disk full: the disk holding the data folder ${home} has no space left${detail ? ` (${detail})` : ''}; ` +
  'free some, e.g. with `whittle rm RUN`';

export const readOnlyMessage = (home: string) => `the data folder ${home} is read-only`;

/** Space held back in the data folder for the few writes that must land on a full disk (a run's
 *  ending, a delete): SQLite cannot record anything once the disk has no byte left, and a run that
 *  shows `running` forever is worse than one that shows `failed: disk full`. Released when the
 *  disk fills, taken again when a process next opens the folder with space to spare. */
export class SpaceReserve {
  static readonly BYTES = 1024 * 1024;
  readonly file: string;

  constructor(home: string) {
    this.file = path.join(home, 'space-reserve');
  }

  /** Take the reserve if it is not held and the disk can spare it (never fails). */
  ensure(): void {
    try {
      if (fs.statSync(this.file).size === SpaceReserve.BYTES) return;
    } catch { /* not held yet */ }
    try {
      fs.writeFileSync(this.file, Buffer.alloc(SpaceReserve.BYTES));
    } catch {
      fs.rmSync(this.file, { force: true }); // a part of it would only take space nobody can use
    }
  }

  /** Give the reserve's space back to the disk. True when there was one to give. */
  release(): boolean {
    try {
      fs.unlinkSync(this.file);
      return true;
    } catch {
      return false;
    }
  }
}
