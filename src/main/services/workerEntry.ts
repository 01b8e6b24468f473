// Where the worker thread's code lives: the TypeScript source (run through tsx) when the services
// themselves run from source, or `worker.js` next to the bundle in a built app.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface WorkerEntry { file: string; execArgv: string[] }

export function resolveWorkerEntry(): WorkerEntry {
  const override = process.env.WHITTLE_WORKER;
  const here = fileURLToPath(import.meta.url);
  const file = override ?? (here.endsWith('.ts')
    ? path.resolve(path.dirname(here), '../../worker/worker.ts')
    : path.join(path.dirname(here), 'worker.js'));
  if (!fs.existsSync(file)) throw new Error(`worker entry not found at ${file}`);
  if (!file.endsWith('.ts')) return { file, execArgv: [] };
  const tsx = createRequire(import.meta.url).resolve('tsx');
  return { file, execArgv: ['--import', pathToFileURL(tsx).href] };
}
