#!/usr/bin/env node
// `npm start` pre-step: the Electron binary is skipped at install (it cannot be downloaded offline).
// Fetch it now if it is missing; offline, say so plainly and point to browser mode.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
let dir;
try {
  dir = path.dirname(require.resolve('electron/package.json'));
} catch {
  console.error('Electron is not installed (it is a dev dependency): run `npm install`, or use `npx whittle serve`.');
  process.exit(1);
}
const hasBinary = () => {
  try {
    const rel = fs.readFileSync(path.join(dir, 'path.txt'), 'utf8').trim();
    return fs.existsSync(path.join(dir, 'dist', rel));
  } catch {
    return false;
  }
};

if (!hasBinary()) {
  console.log('Fetching the Electron binary (first start)…');
  const env = { ...process.env };
  delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
  const r = spawnSync(process.execPath, [path.join(dir, 'install.js')], { stdio: ['ignore', 'inherit', 'pipe'], env, encoding: 'utf8' });
  const reason = (r.stderr ?? '').split('\n').find((l) => l.trim()) ?? '';
  if (r.status !== 0 || !hasBinary()) {
    console.error([
      '',
      `The Electron binary could not be downloaded (is this machine offline?)${reason ? `: ${reason.trim()}` : ''}.`,
      'The desktop window needs it; everything else works without it:',
      '  npm run build && npx whittle serve    # the same app in your browser',
      '  npx whittle --help                    # the CLI',
    ].join('\n'));
    process.exit(1);
  }
}
if (!fs.existsSync(path.resolve('out/main/index.js'))) {
  const b = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
