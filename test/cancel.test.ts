// Cancel reaches every job kind within one step (or one evaluation batch), through the real
// scheduler and worker threads: the path `whittle cancel`, /api/cancelRun and the GUI's button take.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PushEvent } from '../src/shared/api';
import { tmpHome } from './helpers/tmp';
import { WhittleService } from '../src/main/services/api';
import { writeClassFolders } from '../src/worker/tasks/images/fixtures';

const services: WhittleService[] = [];
function open(home = tmpHome('whittle-cancel-')) {
  const s = new WhittleService({ home, workers: 1 });
  services.push(s);
  return s;
}
afterEach(async () => { await Promise.all(services.splice(0).map((s) => s.close())); });

function untilProgress(svc: WhittleService, runId: string, step: number): Promise<number> {
  return new Promise((resolve) => {
    const off = svc.subscribe((ev: PushEvent) => {
      if (ev.type === 'progress' && ev.runId === runId && ev.progress.step >= step) { off(); resolve(ev.progress.step); }
    });
  });
}

/** A small text corpus on disk (lines of words), imported through the service as a domain. */
async function importCorpus(svc: WhittleService, name: string, files = 6): Promise<void> {
  const src = path.join(svc.store.home, 'src', name);
  fs.mkdirSync(src, { recursive: true });
  const words = name === 'python' ? ['def', 'f(x):', 'return', 'x', '+', '1', 'import', 'os'] : ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'ran'];
  for (let f = 0; f < files; f++) {
    const lines = Array.from({ length: 60 }, (_, i) => Array.from({ length: 8 }, (_, j) => words[(i * 7 + j * 3 + f) % words.length]).join(' '));
    fs.writeFileSync(path.join(src, `f${f}.txt`), lines.join('\n') + '\n');
  }
  const run = await svc.createRun({ kind: 'importCorpus', corpus: name, sources: [src], valFraction: 0.2 });
  expect((await svc.waitForRun(run.id)).status).toBe('done');
}

/** A byte-level transformer twice as wide as lm-general-cpu's (whose fused step now takes ~25-75 ms
 *  here), long enough that only a cancel ends it. Its steps take well over 100 ms, so the worker
 *  reports every step (progress is throttled to 10 Hz) and the step seen here is the step the worker is on. */
const lmSpec = {
  kind: 'lm', name: 'general lm', seed: 0, method: 'train',
  task: { suite: 'text', domains: ['python', 'prose'], context: 64, tokenizer: { kind: 'byte' } },
  model: { arch: 'transformer', layers: 4, dModel: 256, heads: 4, mlpWidth: 2048, context: 128 },
  mixture: [{ skill: 'python', perStep: 12 }, { skill: 'prose', perStep: 4 }],
  steps: 3000, optimizer: { lr: 0.002 }, schedule: { warmup: 10, minFraction: 0.1 },
  eval: { every: 50, windows: 16 }, checkpointEvery: 3000,
};

describe('cancel', () => {
  it('stops a language-model run within one step of the request, with a checkpoint', async () => {
    const svc = open();
    await importCorpus(svc, 'python');
    await importCorpus(svc, 'prose');
    const run = await svc.createRun(lmSpec);
    let seen = 0;
    const stepAt = new Map<number, number>();
    const off = svc.subscribe((ev) => {
      if (ev.type !== 'progress' || ev.runId !== run.id) return;
      seen = Math.max(seen, ev.progress.step);
      stepAt.set(ev.progress.step, Date.now());
    });
    await untilProgress(svc, run.id, 3);
    const msPerStep = (stepAt.get(3)! - stepAt.get(2)!);
    expect(msPerStep, 'steps must outlast the 10 Hz progress throttle for this bound').toBeGreaterThan(100);
    const t0 = Date.now();
    await svc.cancelRun(run.id);
    const requestedAt = seen;
    const ended = await Promise.race([svc.waitForRun(run.id), new Promise<null>((r) => setTimeout(() => r(null), 30_000))]);
    off();
    expect(ended?.status, 'the run did not end within 30 s of the cancel').toBe('cancelled');
    const stopped = (ended!.summary as { steps: number }).steps;
    // one step in flight when the request arrived, plus at most one more
    expect(stopped).toBeLessThanOrEqual(requestedAt + 2);
    expect(ended!.checkpoint).toMatch(new RegExp(`ckpt-0*${stopped}$`));
    expect(Date.now() - t0).toBeLessThan(15_000);
  }, 120_000);
});

/** Start `spec`, cancel it once it has reported progress, and return how it ended. The bound:
 *  the run ends within two of its own steps (measured from its progress) plus a fixed allowance
 *  for the checkpoint and the messages, never "whenever the job happens to finish". */
async function cancelOnceRunning(svc: WhittleService, spec: Record<string, unknown>, minStep = 1) {
  const run = await svc.createRun(spec, { confirmed: true });
  const seen: { step: number; at: number }[] = [];
  let ended = false;
  const off = svc.subscribe((ev) => { if (ev.type === 'progress' && ev.runId === run.id) seen.push({ step: ev.progress.step, at: Date.now() }); });
  try {
    await Promise.race([
      untilProgress(svc, run.id, minStep),
      svc.waitForRun(run.id).then((r) => { ended = true; throw new Error(`${spec.kind} ended ${r.status} before it could be cancelled: make its spec longer`); }),
    ]);
    const t0 = Date.now();
    await svc.cancelRun(run.id);
    const first = seen[0], last = seen[seen.length - 1];
    const msPerStep = last.step > first.step ? (last.at - first.at) / (last.step - first.step) : 0;
    const bound = 2 * msPerStep + 5000; // the allowance covers a loaded machine (tests run two files at once)
    const r = await Promise.race([svc.waitForRun(run.id), new Promise<null>((res) => setTimeout(() => res(null), 60_000))]);
    ended = r !== null;
    return { run: r, tookMs: Date.now() - t0, boundMs: bound, lastStep: last.step, total: (await svc.getRun(run.id)).progress?.total ?? null };
  } finally {
    off();
    if (!ended) await svc.cancelRun(run.id).catch(() => {});
  }
}

describe('cancel, every job kind', () => {
  it('ends each kind cancelled within one step or evaluation batch (checkpointed where the kind checkpoints)', async () => {
    const svc = open();
    await importCorpus(svc, 'python');
    await importCorpus(svc, 'prose');
    const cmsp = { suite: 'cmsp', m: 2, k: 2, n: 4 };
    // inputs the compress, export and sampling kinds read: a small CMSP model and a small lm
    const teacher = await svc.createRun({ kind: 'train', task: cmsp, model: { arch: 'mlp', hidden: [32, 32] }, mixture: [{ skill: [0], perStep: 64 }, { skill: [1], perStep: 64 }], steps: 30 });
    const small = { arch: 'transformer', layers: 1, dModel: 32, heads: 2, mlpWidth: 64, context: 32 };
    const lmBase = { kind: 'lm', task: { suite: 'text', domains: ['python', 'prose'], context: 32 }, mixture: [{ skill: 'python', perStep: 4 }, { skill: 'prose', perStep: 4 }],
      optimizer: { lr: 0.002 }, schedule: { warmup: 2, minFraction: 0.1 }, eval: { every: 5, windows: 8 } };
    // big enough that its export takes a while between phases
    const wide = await svc.createRun({ kind: 'train', task: cmsp, model: { arch: 'mlp', hidden: [1024, 1024, 1024] }, mixture: [{ skill: [0], perStep: 16 }], steps: 1 });
    const lm = await svc.createRun({ ...lmBase, method: 'train', model: small, steps: 10, checkpointEvery: 10 });
    expect((await svc.waitForRun(teacher.id)).status).toBe('done');
    expect((await svc.waitForRun(lm.id)).status).toBe('done');
    expect((await svc.waitForRun(wide.id)).status).toBe('done');
    const images = path.join(svc.store.home, 'src', 'images');
    writeClassFolders(images, { classes: Array.from({ length: 10 }, (_, i) => `c${i}`), perClass: 120, w: 28, h: 28 });
    const prose = path.join(svc.store.home, 'src', 'many');
    fs.mkdirSync(prose, { recursive: true });
    // enough files that the import is still reading when the cancel arrives on a fast, idle machine
    for (let i = 0; i < 24_000; i++) fs.writeFileSync(path.join(prose, `f${i}.txt`), `line ${i} of many\n`.repeat(20));

    const long = 100_000;
    const kinds: { label: string; spec: Record<string, unknown>; checkpoints: boolean; minStep?: number }[] = [
      { label: 'selftest', spec: { kind: 'selftest', steps: long, stepMs: 5, checkpointEvery: long }, checkpoints: true },
      { label: 'bench', spec: { kind: 'bench', steps: long, batch: 256, backend: 'cpu' }, checkpoints: false },
      { label: 'train (cmsp)', spec: { kind: 'train', task: cmsp, model: { arch: 'mlp', hidden: [64, 64] }, mixture: [{ skill: [0], perStep: 256 }], steps: long, checkpointEvery: long, eval: { every: 50, samples: 512 } }, checkpoints: true },
      { label: 'train (text)', spec: { kind: 'train', task: { suite: 'text', domains: ['python'], context: 32 }, model: small, mixture: [{ skill: 'python', perStep: 8 }], steps: 20_000, checkpointEvery: 20_000 }, checkpoints: true },
      { label: 'lm train', spec: { ...lmBase, method: 'train', model: small, steps: 20_000, checkpointEvery: 20_000 }, checkpoints: true },
      { label: 'lm prune', spec: { ...lmBase, method: 'prune', inputs: { source: lm.id }, steps: 20_000, checkpointEvery: 20_000, prune: { keep: 32, scoreWindows: 8 } }, checkpoints: true, minStep: 2 },
      { label: 'lm distill', spec: { ...lmBase, method: 'distill', inputs: { teacher: lm.id }, model: small, steps: 20_000, checkpointEvery: 20_000 }, checkpoints: true },
      { label: 'lmSample', spec: { kind: 'lmSample', inputs: { model: lm.id }, tokens: 100_000, prompt: 'def ' }, checkpoints: false, minStep: 16 },
      { label: 'prune + relearn', spec: { kind: 'prune', keep: [0], remove: [[1]], inputs: { source: teacher.id }, targetAccuracy: 0.99, eval: { every: 50, samples: 256 }, score: { name: 'magnitude' },
        selection: { scope: 'global', sparsity: 0.5 }, recovery: { steps: long, batch: 64 }, relearn: { steps: long, batch: 64 } }, checkpoints: false },
      { label: 'groupLasso', spec: { kind: 'groupLasso', keep: [0], inputs: { source: teacher.id }, eval: { every: 50, samples: 256 }, lambda: 0.01, maskEvery: 50, train: { steps: long, batch: 64, optimizer: { name: 'adam', lr: 1e-2 } } }, checkpoints: false },
      { label: 'distill', spec: { kind: 'distill', keep: [0], inputs: { teacher: teacher.id }, eval: { every: 50, samples: 256 }, model: { arch: 'mlp', hidden: [8] }, train: { steps: long, batch: 64, optimizer: { name: 'adam', lr: 1e-2 } } }, checkpoints: false },
      { label: 'importCorpus', spec: { kind: 'importCorpus', corpus: 'many', sources: [prose] }, checkpoints: false },
      { label: 'export', spec: { kind: 'export', inputs: { source: wide.id }, out: path.join(svc.store.home, 'exports', 'wide') }, checkpoints: false },
      { label: 'importDataset', spec: { kind: 'importDataset', dataset: 'shapes', source: images }, checkpoints: false },
    ];
    const report: string[] = [];
    for (const k of kinds) {
      const r = await cancelOnceRunning(svc, k.spec, k.minStep);
      report.push(`${k.label}: ${r.run?.status ?? 'still running'} ${r.tookMs} ms after the request (bound ${Math.round(r.boundMs)} ms), last step seen ${r.lastStep}/${r.total}`);
      expect(r.run?.status, `${k.label} did not end cancelled:\n${report.join('\n')}`).toBe('cancelled');
      expect(r.tookMs, `${k.label} took too long to stop:\n${report.join('\n')}`).toBeLessThanOrEqual(r.boundMs);
      if (k.checkpoints) expect(r.run!.checkpoint, `${k.label} left no checkpoint`).toBeTruthy();
    }
    // what an interrupted import leaves: nothing registered
    expect(fs.existsSync(path.join(svc.store.home, 'corpora', 'many'))).toBe(false);
    const exported = path.join(svc.store.home, 'exports', 'wide');
    expect(fs.existsSync(exported) ? fs.readdirSync(exported) : []).toEqual([]);
    console.log(report.join('\n'));
  }, 600_000);
});
