// Crash-safe file writes: temp name, fsync, rename, fsync the folder.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
  } catch { /* some platforms cannot fsync a directory */ }
}

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}

/** Write a whole folder of files so that it appears complete or not at all. */
export function writeDirAtomic(dir: string, files: Record<string, string | Uint8Array>): void {
  const parent = path.dirname(dir);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  fs.mkdirSync(tmp, { recursive: true });
  try {
    for (const [name, data] of Object.entries(files)) {
      const fd = fs.openSync(path.join(tmp, name), 'w');
      try {
        fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }
  } catch (e) {
    // A write that failed (ENOSPC) must not leave its half-written folder holding the space.
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  fsyncDir(tmp);
  if (fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  fsyncDir(parent);
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
