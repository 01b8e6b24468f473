import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh temporary WHITTLE_HOME. */
export function tmpHome(prefix = 'whittle-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const REPO = path.resolve(__dirname, '../..');
export const BIN = path.join(REPO, 'bin/whittle.mjs');
