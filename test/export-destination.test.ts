// #16 item 2: the export folder the service proposes is one its folder limit accepts, also when the
// data folder (WHITTLE_HOME) lies outside the folder a browser-mode page is limited to.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunSpec } from '../src/shared/specs';
import { Rng } from '../src/worker/engine/rng';
import { initWeights } from '../src/worker/models/mlp/model';
import { encodeMlp } from '../src/worker/models/mlp/file';
import { WhittleService } from '../src/main/services/api';

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-exportdir-')));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const TRAIN_SPEC = {
  kind: 'train', seed: 3, task: { suite: 'cmsp', m: 4, n: 40, k: 3 }, model: { arch: 'mlp', hidden: [16] },
  mixture: [{ skill: [0], perStep: 100 }], target: [0], steps: 10,
} as unknown as RunSpec;

function finishedRun(svc: WhittleService): string {
  const id = 'r-trained';
  svc.store.insertRun({ id, name: 'trained', spec: TRAIN_SPEC });
  svc.store.updateRun(id, { status: 'done', endedAt: Date.now(), summary: {} });
  fs.mkdirSync(svc.store.runDir(id), { recursive: true });
  fs.writeFileSync(path.join(svc.store.runDir(id), 'model.safetensors'), encodeMlp(initWeights({ inputs: 44, hidden: [16], outputs: 2, activation: 'relu' }, new Rng(1))));
  return id;
}

describe('export destination', () => {
  it('browser mode with WHITTLE_HOME outside the root: the proposed folder lies in the root and the export writes there', async () => {
    const root = path.join(tmp, 'user-home'), dataFolder = path.join(tmp, 'elsewhere', 'whittle-data');
    fs.mkdirSync(root, { recursive: true });
    const svc = new WhittleService({ home: dataFolder, mode: 'browser', folderRoots: [root], workers: 1 });
    try {
      const info = await svc.info();
      expect(info.folders).toEqual({ allowed: [root], exportDefault: path.join(root, 'whittle-exports') });
      // What the dialog proposed before (#16 item 2): the data folder, which the limit refuses.
      expect(() => svc.folders.check(path.join(dataFolder, 'exports', 'trained'), 'out')).toThrow(/outside/);
      const id = finishedRun(svc);
      const out = path.join(info.folders!.exportDefault, 'trained');
      const run = await svc.exportRun(id, { formats: ['safetensors'], out });
      const done = await svc.waitForRun(run.id);
      expect(done.error).toBeNull();
      expect(done.status).toBe('done');
      expect(fs.readdirSync(out)).toContain('model.safetensors');
    } finally {
      await svc.close();
    }
  }, 120_000);

  it('the data folder inside the root, or no limit (CLI): the proposal is <data folder>/exports', async () => {
    const root = path.join(tmp, 'home2'), dataFolder = path.join(root, '.whittle');
    const limited = new WhittleService({ home: dataFolder, mode: 'browser', folderRoots: [root] });
    const cli = new WhittleService({ home: path.join(tmp, 'cli-data') });
    try {
      expect((await limited.info()).folders).toEqual({ allowed: [root], exportDefault: path.join(dataFolder, 'exports') });
      expect((await cli.info()).folders).toEqual({ allowed: [], exportDefault: path.join(tmp, 'cli-data', 'exports') });
    } finally {
      await limited.close();
      await cli.close();
    }
  });
});
