// Where the worker thread's code lives: the TypeScript source (run through tsx) when the services
// themselves run from source, or `worker.js` next to the bundle in a built app.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface WorkerEntry {
  /** A file path, or (with eval) a bootstrap script. */
  file: string;
  eval: boolean;
}

export function resolveWorkerEntry(): WorkerEntry {
  const override = process.env.WHITTLE_WORKER;
  const here = fileURLToPath(import.meta.url);
  const file = override ?? (here.endsWith('.ts')
    ? path.resolve(path.dirname(here), '../../worker/worker.ts')
    : path.join(path.dirname(here), 'worker.js'));
  if (!fs.existsSync(file)) throw new Error(`worker entry not found at ${file}`);
  if (!file.endsWith('.ts')) return { file, eval: false };
  // Register tsx inside the thread (loader flags in execArgv do not reach worker threads on Node 20).
  const tsxDir = path.dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const api = pathToFileURL(path.join(tsxDir, 'dist/esm/api/index.mjs')).href;
  const hook = pathToFileURL(path.join(path.dirname(file), 'engine/tfjsResolveHook.mjs')).href;
  const code = `import(${JSON.stringify(api)}).then(async (m) => {
    m.register();
    (await import('node:module')).register(${JSON.stringify(hook)});
    return import(${JSON.stringify(pathToFileURL(file).href)});
  })`;
  return { file: code, eval: true };
}
