// The prune, groupLasso and distill jobs end to end on a tiny CMSP task, with a fake job context.
import '@tensorflow/tfjs-backend-cpu';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEvent, JobInput, MetricPoint } from '../../shared/events';
import { DistillSpec, GroupLassoSpec, PruneSpec, TrainSpec, type RunSpec } from '../../shared/specs';
import { writeFileAtomic } from '../engine/files';
import { Rng } from '../engine/rng';
import { tf } from '../engine/tf';
import { MaskableMlp } from '../models/mlp/model';
import { decodeMlp, encodeMlp } from '../models/mlp/file';
import { CmspSuite } from '../tasks/cmsp';
import { runPhase } from '../compress/phase';
import { createOptimizer } from '../train/optimizers';
import { distillJob } from './distill';
import { unlabelledSummaryKeys } from '../../shared/glossary';
import { groupLassoJob } from './groupLasso';
import { pruneJob } from './prune';
import type { JobContext } from './types';

const task = { suite: 'cmsp' as const, m: 2, k: 2, n: 4 };
let home: string;
let source: JobInput;

function fakeCtx<S extends RunSpec>(spec: S, inputs: Record<string, JobInput>) {
  const dir = path.join(home, 'runs', `r${Math.random().toString(36).slice(2)}`);
  fs.mkdirSync(dir, { recursive: true });
  const events: JobEvent[] = [];
  const metrics: MetricPoint[] = [];
  const ctx: JobContext<S> = {
    runId: path.basename(dir), spec, dir, home, resumeFrom: null, inputs,
    backend: { backend: 'cpu', threads: 1, simd: false },
    emit: (e) => events.push(e), progress: () => {}, metrics: (p) => metrics.push(...p),
    log: (m) => events.push({ type: 'log', level: 'info', message: m }), cancelled: () => false,
    saveCheckpoint: () => dir,
    saveArtifact(kind, rel, data, meta) {
      const f = path.join(dir, rel);
      writeFileAtomic(f, data);
      events.push({ type: 'artifact', kind, path: f, bytes: data.length, sha256: '', meta });
      return f;
    },
  };
  return { ctx, dir, events, metrics };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-compress-'));
  // a source model that knows skill [0] (2-bit parity) and a little of [1]
  const suite = new CmspSuite(task);
  const model = MaskableMlp.create({ inputs: 6, hidden: [16, 16], outputs: 2, activation: 'relu' }, new Rng(1));
  const opt = createOptimizer({ name: 'adam', lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false }, model.params());
  for (const code of [[0], [1], [0]]) {
    await runPhase({ model, optimizer: opt, suite, skill: suite.skill(code), steps: 100, batch: 64, rng: new Rng(code[0] + 5), stepOffset: 0, sampleOffset: 0, evalEvery: 1000, cancelled: () => false });
  }
  const dir = path.join(home, 'runs', 'source');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.safetensors'), encodeMlp(model.toWeightsSync()));
  opt.dispose();
  model.dispose();
  const spec = TrainSpec.parse({ kind: 'train', task, model: { arch: 'mlp', hidden: [16, 16] }, mixture: [{ skill: [0], perStep: 64 }], steps: 1 });
  source = { runId: 'source', dir, summary: null, spec };
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

const evalSpec = { every: 20, samples: 256 };

describe('compression jobs', () => {
  it('prune: scores, removes, relearns, recovers, compacts; records kept/removed skills', async () => {
    const spec = PruneSpec.parse({
      kind: 'prune', keep: [0], remove: [[1]], inputs: { source: 'source' }, targetAccuracy: 0.9, eval: evalSpec,
      score: { name: 'ablation', samples: 256 }, selection: { scope: 'global', sparsity: 0.5 },
      recovery: { steps: 40, batch: 64 }, relearn: { steps: 20, batch: 64 }, correlate: true,
    });
    const before = tf.memory().numTensors;
    const { ctx, dir, events, metrics } = fakeCtx(spec, { source });
    const s = await pruneJob(ctx) as Record<string, any>;
    expect(tf.memory().numTensors).toBe(before);
    const w = decodeMlp(new Uint8Array(fs.readFileSync(path.join(dir, 'model.safetensors'))));
    expect(w.config.hidden.reduce((a, b) => a + b, 0)).toBe(16);
    expect(s.units).toBe(16);
    expect(s.hidden).toEqual(w.config.hidden);
    expect(s.paramsAfter).toBeLessThan(s.paramsBefore);
    expect(s.kept.skill).toBe('[0]');
    expect(s.removed.map((r: any) => r.skill)).toEqual(['[1]']);
    expect(typeof s.removed[0].relearnAcc).toBe('number');
    expect(s.pruneSamples).toBe(256);
    expect(s.samples).toBe(256 + 40 * 64);
    if (s.samplesToTarget !== null) expect(s.samplesToTarget).toBeGreaterThanOrEqual(256);
    expect(Object.keys(s.afterPrune).sort()).toEqual(['[0]', '[1]']);
    expect(s.correlation.n).toBeGreaterThan(0);
    expect(events.some((e) => e.type === 'artifact' && e.kind === 'model')).toBe(true);
    expect(metrics.some((m) => m.key === 'acc/[0]' && m.step === 40)).toBe(true);
    expect(metrics.some((m) => m.key === 'relearn/[1]/acc/[1]')).toBe(true);
    expect(unlabelledSummaryKeys(s)).toEqual([]);
  });

  it('groupLasso: λ until the target size, then off; masks, activeUnits metric, compacted model', async () => {
    const spec = GroupLassoSpec.parse({
      kind: 'groupLasso', keep: [0], remove: [[1]], inputs: { source: 'source' }, eval: evalSpec, targetAccuracy: 0.6,
      lambda: 0.05, threshold: 0.3, schedule: { kind: 'offAtTarget', targetUnits: 12 }, maskEvery: 5,
      train: { steps: 60, batch: 64, optimizer: { name: 'adam', lr: 1e-2 } },
    });
    const before = tf.memory().numTensors;
    const { ctx, dir, metrics } = fakeCtx(spec, { source });
    const s = await groupLassoJob(ctx) as Record<string, any>;
    expect(tf.memory().numTensors).toBe(before);
    expect(s.units).toBeLessThanOrEqual(12);
    const w = decodeMlp(new Uint8Array(fs.readFileSync(path.join(dir, 'model.safetensors'))));
    expect(w.config.hidden.reduce((a, b) => a + b, 0)).toBe(s.units);
    const active = metrics.filter((m) => m.key === 'activeUnits').map((m) => m.value);
    expect(active.length).toBeGreaterThan(0);
    expect(active[active.length - 1]).toBeLessThanOrEqual(12);
    const lam = metrics.filter((m) => m.key === 'lambda').map((m) => m.value);
    if (s.reachedTargetUnits) expect(lam[lam.length - 1]).toBe(0);
    // issue #16 item 3: activeUnits and λ share the loss curves' samples axis (they fell back to steps)
    for (const m of metrics.filter((x) => x.key === 'activeUnits' || x.key === 'lambda')) expect(m.samples).toBe(Math.min(m.step, s.steps) * 64);
    expect(metrics.filter((m) => m.key === 'activeUnits').at(-1)!.samples).toBe(s.samples);
    expect(unlabelledSummaryKeys(s)).toEqual([]);
  });

  it('groupLasso: a forced cut at forceCutAt leaves the rest of the budget for training at size', async () => {
    const spec = GroupLassoSpec.parse({
      kind: 'groupLasso', keep: [0], inputs: { source: 'source' }, eval: evalSpec,
      lambda: 1e-4, threshold: 1e-6, schedule: { kind: 'offAtTarget', targetUnits: 6 }, maskEvery: 5, forceCutAt: 30,
      train: { steps: 50, batch: 64, optimizer: { name: 'adam', lr: 1e-2 } },
    });
    const { ctx, metrics } = fakeCtx(spec, { source });
    const s = await groupLassoJob(ctx) as Record<string, any>;
    expect(s.forcedCut).toBe(true);
    expect(s.reachedTargetUnits).toBe(false);
    expect(s.units).toBe(6);
    expect(s.samples).toBe(50 * 64);
    const lam = metrics.filter((m) => m.key === 'lambda');
    expect(lam.filter((m) => m.step < 30).every((m) => m.value === 1e-4)).toBe(true);
    expect(lam.filter((m) => m.step >= 30).every((m) => m.value === 0)).toBe(true);
    expect(metrics.filter((m) => m.key === 'activeUnits' && m.step >= 30).every((m) => m.value === 6)).toBe(true);
  });

  it('distill and scratch (α = 1): a student of the chosen size', async () => {
    for (const alpha of [0.5, 1]) {
      const spec = DistillSpec.parse({
        kind: 'distill', keep: [0], remove: [[1]], inputs: { teacher: 'source' }, eval: evalSpec, alpha, temperature: 2,
        model: { arch: 'mlp', hidden: [5, 3] }, train: { steps: 40, batch: 64, optimizer: { name: 'adam', lr: 1e-2 } },
      });
      const before = tf.memory().numTensors;
      const { ctx, dir } = fakeCtx(spec, { teacher: source });
      const s = await distillJob(ctx) as Record<string, any>;
      expect(tf.memory().numTensors).toBe(before);
      expect(s.method).toBe(alpha === 1 ? 'scratch' : 'distill');
      expect(unlabelledSummaryKeys(s)).toEqual([]);
      expect(s.hidden).toEqual([5, 3]);
      expect(s.samples).toBe(40 * 64);
      expect(decodeMlp(new Uint8Array(fs.readFileSync(path.join(dir, 'model.safetensors')))).config.hidden).toEqual([5, 3]);
    }
  });

  // #15 item 15: every compression job with steps below eval.every (and maskEvery) ends with a
  // summary and only finite metrics.
  it('short runs (steps below every interval) end with a summary and finite metrics', async () => {
    const short = { every: 100, samples: 128 };
    const specs: [RunSpec, (c: JobContext<any>) => Promise<Record<string, unknown>>, Record<string, JobInput>][] = [
      [PruneSpec.parse({ kind: 'prune', keep: [0], remove: [[1]], inputs: { source: 'source' }, eval: short, score: { name: 'magnitude' },
        selection: { scope: 'global', sparsity: 0.5 }, recovery: { steps: 3, batch: 16 }, relearn: { steps: 2, batch: 16 } }), pruneJob, { source }],
      [GroupLassoSpec.parse({ kind: 'groupLasso', keep: [0], inputs: { source: 'source' }, eval: short, lambda: 0.01, maskEvery: 50,
        train: { steps: 3, batch: 16, optimizer: { name: 'adam', lr: 1e-2 } } }), groupLassoJob, { source }],
      [DistillSpec.parse({ kind: 'distill', keep: [0], inputs: { teacher: 'source' }, eval: short, model: { arch: 'mlp', hidden: [4] },
        train: { steps: 3, batch: 16, optimizer: { name: 'adam', lr: 1e-2 } } }), distillJob, { teacher: source }],
    ];
    for (const [spec, job, inputs] of specs) {
      const before = tf.memory().numTensors;
      const { ctx, metrics } = fakeCtx(spec, inputs);
      const s = await job(ctx);
      expect(tf.memory().numTensors, spec.kind).toBe(before);
      expect(s.samples, spec.kind).toBeGreaterThan(0);
      expect(metrics.filter((m) => !Number.isFinite(m.value)), spec.kind).toEqual([]);
      expect(metrics.some((m) => m.key === 'trainLoss' || m.key.startsWith('acc/')), spec.kind).toBe(true);
    }
  });
});
