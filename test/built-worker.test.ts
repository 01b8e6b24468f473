// The packaged app's engine: the worker bundle that `npm run build` writes (out/main/worker.js),
// not the TypeScript sources, runs a real training job. `npm test` builds before it runs vitest.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WhittleService } from '../src/main/services/api';
import { need } from './helpers/prereqs';
import { BIN, REPO, tmpHome } from './helpers/tmp';
import { spawnSync } from 'node:child_process';

const bundle = path.join(REPO, 'out/main/worker.js');

describe.runIf(need('builtApp', import.meta.url))('built worker bundle', () => {
  const prev = process.env.WHITTLE_WORKER;
  afterAll(() => { if (prev === undefined) delete process.env.WHITTLE_WORKER; else process.env.WHITTLE_WORKER = prev; });

  it('trains a CMSP model end to end', async () => {
    process.env.WHITTLE_WORKER = bundle;
    const svc = new WhittleService({ home: tmpHome(), workers: 1 });
    try {
      const run = await svc.createRun({
        kind: 'train', task: { suite: 'cmsp', m: 2, n: 8, k: 2 }, model: { arch: 'mlp', hidden: [16] },
        mixture: [{ skill: [0], perStep: 64 }, { skill: [0, 1], perStep: 64 }], steps: 20, eval: { every: 10, samples: 100 },
      });
      const done = await svc.waitForRun(run.id);
      expect(done.error).toBeNull();
      expect(done.status).toBe('done');
      expect(done.summary).toMatchObject({ steps: 20, params: 210 });
      expect((await svc.artifacts(run.id)).some((a) => a.kind === 'model')).toBe(true);
    } finally {
      await svc.close();
    }
  });

  it('prints nothing of tfjs on stderr (the bundled tfjs-core and the wasm package\'s own copy both set the platform)', () => {
    const r = spawnSync(process.execPath, [BIN, 'train', '--recipe', 'cmsp-cpu', '--set', 'steps=20', '--home', tmpHome()], {
      env: { ...process.env, WHITTLE_WORKER: bundle }, encoding: 'utf8', timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/has already been set|Platform node/);
  });
});
