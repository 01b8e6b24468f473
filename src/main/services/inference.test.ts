// "Try the model" through the service, as the GUI calls it: real runs trained by the scheduler, the
// model answered by the inference thread even while every training slot is busy, the confusion
// matrix kept in the run folder, and errors that say what is wrong.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfusionMatrix, TryResult } from '../../shared/tryModel';
import { API_ARGS } from '../../shared/apiSchemas';
import { tmpHome } from '../../../test/helpers/tmp';
import { WhittleService } from './api';

const cleanup: (() => unknown)[] = [];
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

function open(home = tmpHome(), workers = 1): WhittleService {
  const s = new WhittleService({ home, workers });
  cleanup.push(() => s.close());
  return s;
}

/** An MNIST-style folder (IDX files) of 4×3 images whose brightness tells the class (services may
 *  not import the worker's fixtures: the layering rule). */
function writeIdx(dir: string, train: number, test: number, k: number): void {
  fs.mkdirSync(dir, { recursive: true });
  const idx = (dims: number[], data: Uint8Array) => {
    const head = Buffer.alloc(4 + 4 * dims.length);
    head.writeUInt32BE(0x800 + dims.length, 0);
    dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
    return Buffer.concat([head, data]);
  };
  for (const [name, n] of [['train', train], ['t10k', test]] as const) {
    const labels = Uint8Array.from({ length: n }, (_, i) => i % k);
    const images = Uint8Array.from({ length: n * 12 }, (_, j) => labels[Math.floor(j / 12)] * 60 + (j % 7));
    fs.writeFileSync(path.join(dir, `${name}-images-idx3-ubyte`), idx([n, 4, 3], images));
    fs.writeFileSync(path.join(dir, `${name}-labels-idx1-ubyte`), idx([n], labels));
  }
}

const cmspRun = (steps: number) => ({
  kind: 'train', name: `cmsp-${steps}`, task: { suite: 'cmsp', m: 2, n: 8, k: 3 }, model: { arch: 'mlp', hidden: [16] },
  mixture: [{ skill: [0], perStep: 32 }, { skill: [1], perStep: 32 }], steps, eval: { every: Math.max(1, steps), samples: 64 },
});

describe('try the model through the service', () => {
  it('answers on its own thread while the only training slot is busy, and refuses unfinished runs', async () => {
    const svc = open(undefined, 1);
    const done = await svc.createRun(cmspRun(5));
    expect((await svc.waitForRun(done.id)).status).toBe('done');
    const long = await svc.createRun(cmspRun(200_000));
    const queued = await svc.createRun(cmspRun(3));
    for (let i = 0; i < 100 && (await svc.getRun(long.id)).status !== 'running'; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await svc.getRun(long.id)).status).toBe('running');

    const info = await svc.modelInfo(done.id);
    expect(info.target).toMatchObject({ kind: 'cmsp', m: 2, n: 8, skills: [[0], [1]] });
    const bits = [1, 0, 1, 1, 0, 0, 1, 0];
    const out = await svc.tryModel(done.id, { kind: 'cmsp', bits, skill: [1] }) as Extract<TryResult, { kind: 'cmsp' }>;
    expect(out.parity).toBe(bits[3] ^ bits[4] ^ bits[5]);
    expect(out.probabilities[0] + out.probabilities[1]).toBeCloseTo(1, 5);
    // the slot is still the long run's; the queued run still waits for it
    expect((await svc.getRun(long.id)).status).toBe('running');
    expect((await svc.getRun(queued.id)).status).toBe('queued');

    await expect(svc.tryModel(long.id, { kind: 'cmsp', bits, skill: [0] })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/is running; only a finished run's model can be tried/) });
    await expect(svc.tryModel(done.id, { kind: 'cmsp', bits: [1], skill: [0] })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringMatching(/bits: expected 8 data bits/) });
    await expect(svc.modelInfo('r-nope')).rejects.toMatchObject({ code: 'not_found' });
    await svc.cancelRun(long.id);
  }, 120_000);

  it('computes an image run\'s confusion matrix once and keeps it in the run folder', async () => {
    const home = tmpHome();
    const svc = open(home, 1);
    writeIdx(path.join(home, 'idx'), 80, 40, 4);
    const imp = await svc.importDataset({ source: path.join(home, 'idx'), dataset: 'four' });
    expect((await svc.waitForRun(imp.id)).status).toBe('done');
    const run = await svc.createRun({
      kind: 'train', task: { suite: 'images', dataset: 'four' }, model: { arch: 'mlp', hidden: [8] },
      mixture: [{ skill: 'all', perStep: 16 }], steps: 6, eval: { every: 6, samples: 1000 },
    });
    const ended = await svc.waitForRun(run.id);
    expect(ended.status).toBe('done');
    const cm = await svc.confusionMatrix(run.id) as ConfusionMatrix;
    expect(cm.total).toBe(40);
    expect(cm.counts.flat().reduce((a, b) => a + b, 0)).toBe(40);
    expect(cm.accuracy).toBeCloseTo((ended.summary!.finalAcc as Record<string, number>).all, 6);
    const file = path.join(home, 'runs', run.id, 'confusion.json');
    expect(fs.existsSync(file)).toBe(true);
    // the cached copy is what a second call returns (a marker written into it comes back)
    const cached = JSON.parse(fs.readFileSync(file, 'utf8'));
    cached.matrix.split = 'test'; cached.matrix.total = -1;
    fs.writeFileSync(file, JSON.stringify(cached));
    expect((await svc.confusionMatrix(run.id)).total).toBe(-1);
    // a CMSP run has no confusion matrix: said so, not crashed
    const cmsp = await svc.createRun(cmspRun(2));
    await svc.waitForRun(cmsp.id);
    await expect(svc.confusionMatrix(cmsp.id)).rejects.toMatchObject({ code: 'bad_request', message: expect.stringMatching(/is not an image model/) });
  }, 120_000);

  it('tries a pruned model on the task of the run it was pruned from', async () => {
    const svc = open(undefined, 1);
    const source = await svc.createRun(cmspRun(5));
    await svc.waitForRun(source.id);
    const pruned = await svc.createRun({
      kind: 'prune', keep: [1], inputs: { source: source.id }, selection: { scope: 'global', sparsity: 0.5 },
      score: { name: 'magnitude' }, recovery: { steps: 2, batch: 32 }, eval: { every: 2, samples: 64 },
    });
    expect((await svc.waitForRun(pruned.id)).status).toBe('done');
    const info = await svc.modelInfo(pruned.id);
    expect(info.target).toMatchObject({ kind: 'cmsp', m: 2, n: 8, skills: [[1]] });
    expect(info.params).toBeLessThan((await svc.modelInfo(source.id)).params);
    const out = await svc.tryModel(pruned.id, { kind: 'cmsp', bits: [0, 0, 0, 1, 1, 1, 0, 0], skill: [1] }) as Extract<TryResult, { kind: 'cmsp' }>;
    expect(out.parity).toBe(1);
  }, 120_000);

  it('checks the arguments of the new methods at the transport, naming the field', () => {
    const bad = API_ARGS.tryModel.safeParse(['r1', { kind: 'cmsp', bits: [2], skill: [0] }]);
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error!.issues[0].path)).toBe('[1,"bits",0]');
    expect(API_ARGS.tryModel.safeParse(['r1', { kind: 'text', prompt: 'hi', maxBytes: 2000, temperature: 0 }]).success).toBe(false);
    expect(API_ARGS.tryModel.safeParse(['r1', { kind: 'testImage', index: 3 }]).success).toBe(true);
  });
});
