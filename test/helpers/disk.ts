// Small file systems to fail against: a tmpfs of a given size (full disk, read-only remount).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A tmpfs of `size` (mount's syntax: `4m`) on a new folder; `cleanup` receives its unmount. Needs
 *  the `tmpfsMount` prereq. */
export function tmpfs(size: string, cleanup: (fn: () => void) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  cleanup(() => {
    try { execFileSync('umount', ['-l', dir]); } catch { /* already gone */ }
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Remount a tmpfs made by tmpfs() read-only or read-write. */
export function remount(dir: string, mode: 'ro' | 'rw'): void {
  execFileSync('mount', ['-o', `remount,${mode}`, dir]);
}

/** Fill the file system holding `dir` until `leave` bytes remain free (a file named `filler`). */
export function fillDisk(dir: string, leave: number): void {
  const st = fs.statfsSync(dir);
  fs.writeFileSync(path.join(dir, 'filler'), Buffer.alloc(Math.max(0, st.bavail * st.bsize - leave)));
}
