import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEvent, JobInput, MetricPoint } from '../../shared/events';
import { ImportCorpusSpec, LmSpec, RunSpec } from '../../shared/specs';
import { unlabelledSummaryKeys } from '../../shared/glossary';
import { initBackend } from '../engine/backend';
import { writeDirAtomic, writeFileAtomic } from '../engine/files';
import { Rng } from '../engine/rng';
import { tf } from '../engine/tf';
import { decodeTransformer } from '../models/decoder/file';
import { importCorpusJob } from './importCorpus';
import { lmJob } from './lm';
import { trainJob } from './train';
import type { JobContext } from './types';

let home: string;
beforeAll(async () => {
  await initBackend('cpu');
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-lm-'));
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

/** `cancelAt(step, checks)`: asked at every cancelled() call with the last progress step and the
 *  number of calls since that step was reported. */
function fakeCtx<S extends RunSpec>(spec: S, inputs: Record<string, JobInput> = {}, resumeFrom: string | null = null, cancelAt?: (step: number, checks: number) => boolean) {
  const dir = path.join(home, 'runs', `r${Math.random().toString(36).slice(2)}`);
  fs.mkdirSync(dir, { recursive: true });
  const events: JobEvent[] = [];
  const metrics: MetricPoint[] = [];
  const ckpts: string[] = [];
  let step = 0, checks = 0, cancel = false;
  const ctx: JobContext<S> = {
    runId: path.basename(dir), spec, dir, home, resumeFrom, inputs,
    backend: { backend: 'cpu', threads: 1, simd: false },
    emit: (e) => events.push(e), progress: (s) => { step = s; checks = 0; }, metrics: (p) => metrics.push(...p),
    log: (m) => events.push({ type: 'log', level: 'info', message: m }),
    cancelled: () => (cancel ||= cancelAt?.(step, ++checks) ?? false),
    saveCheckpoint(step, files) { const d = path.join(dir, `ckpt-${step}`); writeDirAtomic(d, files); ckpts.push(d); return d; },
    saveArtifact(kind, rel, data, meta) {
      const f = path.join(dir, rel);
      writeFileAtomic(f, data);
      events.push({ type: 'artifact', kind, path: f, bytes: data.length, sha256: '', meta });
      return f;
    },
  };
  const input = (): JobInput => ({ runId: ctx.runId, dir, summary: null, spec });
  return { ctx, dir, events, metrics, ckpts, input };
}

function writeCorpusFolder(name: string, line: (r: Rng, i: number) => string, files: number): string {
  const r = new Rng(name.length);
  const dir = path.join(home, 'src', name);
  for (let f = 0; f < files; f++) {
    const text = Array.from({ length: 30 }, (_, i) => line(r, i)).join('\n') + '\n';
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `f${f}.txt`), text);
  }
  return dir;
}

const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'dog', 'ran'];
const base = {
  kind: 'lm' as const,
  task: { suite: 'text' as const, domains: ['code', 'prose'], context: 16 },
  eval: { every: 10, windows: 6 },
  schedule: { warmup: 5, minFraction: 0.1 },
  optimizer: { lr: 1e-2 },
};
const tiny = { arch: 'transformer' as const, layers: 1, dModel: 16, heads: 2, mlpWidth: 32, context: 16 };

describe('lm job', () => {
  let general: JobInput;

  it('imports two corpora and trains a general model on both', async () => {
    const codeDir = writeCorpusFolder('code', (r, i) => `    x${r.int(4)} = f(x${i % 4}) + ${r.int(10)}`, 12);
    const proseDir = writeCorpusFolder('prose', (r) => Array.from({ length: 6 }, () => words[r.int(words.length)]).join(' ') + '.', 12);
    for (const [corpus, dir] of [['code', codeDir], ['prose', proseDir]]) {
      const { ctx } = fakeCtx(ImportCorpusSpec.parse({ kind: 'importCorpus', corpus, sources: [dir], valFraction: 0.2 }));
      const s = await importCorpusJob(ctx) as Record<string, any>;
      expect(s.manifest.bytes.val).toBeGreaterThan(100);
    }
    const before = tf.memory().numTensors;
    const spec = LmSpec.parse({ ...base, model: tiny, mixture: [{ skill: 'code', perStep: 2 }, { skill: 'prose', perStep: 2 }], steps: 30, checkpointEvery: 15, sample: { prompt: '    x', tokens: 20 } });
    const run = fakeCtx(spec);
    const s = await lmJob(run.ctx) as Record<string, any>;
    expect(tf.memory().numTensors).toBe(before);
    const first = run.metrics.find((m) => m.key === 'loss/code' && m.step === 0)!.value;
    expect(first).toBeGreaterThan(6.5); // ≈ log2 256 = 8 bits/token at init (the metric is in bits)
    expect(s.losses.code).toBeLessThan(first * Math.LN2 - 1.0); // the summary stays in nats/token
    expect(s.bitsPerByte.code).toBeCloseTo(s.losses.code * Math.LOG2E, 5);
    // issue #16 item 3: the logged loss is bits/token, so with a byte-level tokenizer it equals bits per byte
    const lastLoss = run.metrics.filter((m) => m.key === 'loss/code').at(-1)!;
    const lastBpb = run.metrics.filter((m) => m.key === 'bpb/code').at(-1)!;
    expect(lastLoss.value).toBeCloseTo(s.losses.code * Math.LOG2E, 5);
    expect(lastLoss.value).toBeCloseTo(lastBpb.value, 5);
    expect(unlabelledSummaryKeys(s)).toEqual([]);
    expect(s.tokens).toBe(30 * 4 * 16);
    expect(run.metrics.filter((m) => m.key === 'loss/prose').map((m) => m.samples)).toEqual([0, 640, 1280, 1920]);
    expect(typeof s.sample).toBe('string');
    expect(s.sample.startsWith('    x')).toBe(true);
    expect(run.ckpts.length).toBe(2);
    general = { ...run.input(), summary: s };
  });

  it('runs a `train` spec on a text task as a language model', async () => {
    const spec = RunSpec.parse({
      kind: 'train', task: { suite: 'text', domains: ['code'], context: 16 }, model: tiny,
      optimizer: { name: 'adam', lr: 1e-2, decoupled: true }, mixture: [{ skill: 'code', perStep: 2 }], steps: 10,
      eval: { every: 5, samples: 6 },
    });
    const run = fakeCtx(spec);
    const s = await trainJob(run.ctx as never) as Record<string, any>;
    expect(s.tokens).toBe(10 * 2 * 16);
    expect(run.metrics.some((m) => m.key === 'loss/code')).toBe(true);
    expect(unlabelledSummaryKeys(s)).toEqual([]);
    expect(fs.existsSync(path.join(run.dir, 'model.safetensors'))).toBe(true);
  });

  it('stops at a cancel with a checkpoint and no final model', async () => {
    const spec = LmSpec.parse({ ...base, model: tiny, mixture: [{ skill: 'code', perStep: 2 }], steps: 50 });
    const run = fakeCtx(spec);
    let n = 0;
    run.ctx.progress = () => { n++; };
    run.ctx.cancelled = () => n >= 3;
    const s = await lmJob(run.ctx) as Record<string, any>;
    expect(s).toMatchObject({ cancelled: true, steps: 3 });
    expect(run.ckpts.length).toBe(1);
    expect(fs.existsSync(path.join(run.dir, 'model.safetensors'))).toBe(false);
  });

  it('resumes from a checkpoint to the same result', async () => {
    const spec = LmSpec.parse({ ...base, model: tiny, mixture: [{ skill: 'code', perStep: 4 }], steps: 20, checkpointEvery: 10 });
    const full = fakeCtx(spec);
    const a = await lmJob(full.ctx) as Record<string, any>;
    const resumed = fakeCtx(spec, {}, full.ckpts[0]);
    const b = await lmJob(resumed.ctx) as Record<string, any>;
    expect(b.steps).toBe(20);
    expect(b.losses.code).toBeCloseTo(a.losses.code, 4);
  });

  it('cancelled in the middle of an evaluation, the resumed run evaluates that step again: the same points and losses as uninterrupted', async () => {
    const spec = LmSpec.parse({ ...base, model: tiny, mixture: [{ skill: 'code', perStep: 2 }, { skill: 'prose', perStep: 2 }], steps: 20, checkpointEvery: 15 });
    const whole = fakeCtx(spec);
    const a = await lmJob(whole.ctx) as Record<string, any>;
    // progress(10) comes before the step-10 evaluation, which checks once per domain: the 2nd check is before 'prose'
    const cut = fakeCtx(spec, {}, null, (step, checks) => step === 10 && checks === 2);
    await lmJob(cut.ctx);
    expect(cut.ckpts.map((c) => path.basename(c))).toEqual(['ckpt-10']);
    expect(JSON.parse(fs.readFileSync(path.join(cut.ckpts[0], 'state.json'), 'utf8')).evalPending).toBe(true);
    expect(cut.metrics.filter((m) => m.step === 10 && m.key.startsWith('loss/'))).toEqual([]);
    const resumed = fakeCtx(spec, {}, cut.ckpts[0]);
    const b = await lmJob(resumed.ctx) as Record<string, any>;
    const evalPoints = (ms: MetricPoint[]) => ms.filter((m) => /^(loss|bpb)\/|^neurons$/.test(m.key)).map((m) => [m.key, m.step, m.value, m.samples]);
    expect(evalPoints([...cut.metrics, ...resumed.metrics])).toEqual(evalPoints(whole.metrics));
    expect(b.losses).toEqual(a.losses);
  });

  it.each([true, false])('prunes (group lasso, attribution on neurons and residual dims) and recovers to a target loss (compact %s)', async (compact) => {
    const before = tf.memory().numTensors;
    const spec = LmSpec.parse({
      ...base, method: 'prune', inputs: { source: 'x' }, target: 'code', targetLossFactor: 1.2, stopAtTarget: true,
      prune: { keep: 12, keepResid: 12, scoreWindows: 8, compact, groupLasso: { lambda: 1e-3, steps: 5 } },
      mixture: [{ skill: 'code', perStep: 4 }], steps: 40,
    });
    const run = fakeCtx(spec, { source: general });
    const s = await lmJob(run.ctx) as Record<string, any>;
    expect(tf.memory().numTensors).toBe(before);
    expect(s.targetLoss).toBeCloseTo(1.2 * (general.summary as any).losses.code, 5);
    expect(s.neurons).toBe(12);
    expect(s.dModel).toBe(12);
    expect(s.pruneTokens).toBe(5 * 4 * 16 + 8 * 16);
    expect(s.tokensToTarget).not.toBeNull();
    expect(s.tokensToTarget).toBeGreaterThanOrEqual(s.pruneTokens);
    expect(run.metrics.some((m) => m.key === 'beforePrune/loss/code')).toBe(true);
    const { weights, metadata } = decodeTransformer(new Uint8Array(fs.readFileSync(path.join(run.dir, 'model.safetensors'))));
    expect(weights.config.mlp).toEqual([12]);
    expect(weights.config.dModel).toBe(12);
    expect(JSON.parse(metadata['whittle.tokenizer']).kind).toBe('byte');
  });

  it('prunes attention heads with the MLP, holds them at zero through teacher recovery, and removes them', async () => {
    const before = tf.memory().numTensors;
    const spec = LmSpec.parse({
      ...base, method: 'prune', inputs: { source: 'x', teacher: 'x' }, target: 'code', steps: 12, distill: { alpha: 0.5, temperature: 2 },
      prune: { keepFraction: 0.5, keepHeadsFraction: 0.5, scoreWindows: 4, compact: false }, mixture: [{ skill: 'code', perStep: 4 }],
    });
    const run = fakeCtx(spec, { source: general, teacher: general });
    const s = await lmJob(run.ctx) as Record<string, any>;
    expect(tf.memory().numTensors).toBe(before);
    expect(s).toMatchObject({ heads: 1, kvHeads: 1, headsKept: [1], neurons: 16 });
    expect(s.pruneTokens).toBe(2 * 4 * 16); // the 4 scoring windows read twice: once for the heads, once for the MLP
    expect(run.events.some((e) => e.type === 'log' && /heads kept per layer: 1 of 2 each/.test(e.message))).toBe(true);
    // the last checkpoint is the full-size model with its masks: the masked head's q/k/v columns and wo rows are exactly 0
    const ck = decodeTransformer(new Uint8Array(fs.readFileSync(path.join(run.ckpts[run.ckpts.length - 1], 'model.safetensors')))).weights;
    const gone = ck.masks.heads!.map((m) => m.findIndex((v) => v === 0));
    expect(gone[0]).toBeGreaterThanOrEqual(0);
    const { heads: H, headDim: hd, dModel: d } = ck.config;
    const W = 3 * H * hd;
    const wqkv = ck.params['h.0.attn.wqkv'], wo = ck.params['h.0.attn.wo'];
    let nonzero = 0;
    for (let r = 0; r < d; r++) for (const part of [0, 1, 2]) for (let c = 0; c < hd; c++) nonzero += wqkv[r * W + part * H * hd + gone[0] * hd + c] !== 0 ? 1 : 0;
    for (let r = gone[0] * hd; r < (gone[0] + 1) * hd; r++) for (let c = 0; c < d; c++) nonzero += wo[r * d + c] !== 0 ? 1 : 0;
    expect(nonzero).toBe(0);
    const { weights } = decodeTransformer(new Uint8Array(fs.readFileSync(path.join(run.dir, 'model.safetensors'))));
    expect(weights.config).toMatchObject({ heads: 1, kvHeads: 1, mlp: [16] });
  });

  it('distills into a smaller student, and explains bad inputs', async () => {
    const spec = LmSpec.parse({ ...base, method: 'distill', inputs: { teacher: 'x' }, model: { ...tiny, mlpWidth: 8 }, distill: { alpha: 0.5, temperature: 2 }, target: 'code', mixture: [{ skill: 'code', perStep: 4 }], steps: 10 });
    const s = await lmJob(fakeCtx(spec, { teacher: general }).ctx) as Record<string, any>;
    expect(s.neurons).toBe(8);
    expect(Number.isFinite(s.losses.code)).toBe(true);
    expect(() => LmSpec.parse({ ...base, method: 'prune', mixture: [{ skill: 'code', perStep: 1 }], steps: 1 })).toThrow(/prune settings/);
    expect(() => LmSpec.parse({ ...base, model: tiny, mixture: [{ skill: 'rust', perStep: 1 }], steps: 1 })).toThrow(/'rust' is not one of the task's domains/);
    const tooLong = LmSpec.parse({ ...base, task: { ...base.task, context: 4000 }, model: { ...tiny, context: 4000 }, mixture: [{ skill: 'code', perStep: 1 }], steps: 1 });
    await expect(lmJob(fakeCtx(tooLong).ctx)).rejects.toThrow(/text domain 'code' is too small for context 4000/);
  });

  it('distills into a student given as a fraction of the teacher\'s MLP and attention heads (what lm-compare\'s head sizes send)', async () => {
    const spec = LmSpec.parse({ ...base, method: 'distill', inputs: { teacher: 'x' }, student: { mlpFraction: 0.5, headsFraction: 0.5, headGroup: 'kv' }, distill: { alpha: 0.5, temperature: 2 }, target: 'code', mixture: [{ skill: 'code', perStep: 4 }], steps: 4 });
    const run = fakeCtx(spec, { teacher: general });
    const s = await lmJob(run.ctx) as Record<string, any>;
    expect(s).toMatchObject({ heads: 1, kvHeads: 1, neurons: 16 });
    expect(Number.isFinite(s.losses.code)).toBe(true);
    const { weights } = decodeTransformer(new Uint8Array(fs.readFileSync(path.join(run.dir, 'model.safetensors'))));
    expect(weights.config).toMatchObject({ heads: 1, kvHeads: 1, headDim: 8, mlp: [16] });
  });

  // #15 item 15: a run shorter than every interval (eval.every, checkpointEvery, the group-lasso
  // mask cadence) must end with a summary and only finite metrics (the store cannot hold NaN).
  it.each(['train', 'prune', 'distill'] as const)('a short %s run (steps below every interval) ends with finite metrics', async (method) => {
    const before = tf.memory().numTensors;
    const extra = method === 'prune'
      ? { inputs: { source: 'x' }, prune: { keep: 12, scoreWindows: 4, groupLasso: { lambda: 1e-3, steps: 2 } } }
      : method === 'distill' ? { inputs: { teacher: 'x' }, model: { ...tiny, mlpWidth: 8 } } : { model: tiny };
    const spec = LmSpec.parse({ ...base, ...extra, method, eval: { every: 100, windows: 4 }, checkpointEvery: 1000, mixture: [{ skill: 'code', perStep: 2 }], steps: 3 });
    const run = fakeCtx(spec, method === 'prune' ? { source: general } : method === 'distill' ? { teacher: general } : {});
    const s = await lmJob(run.ctx) as Record<string, any>;
    expect(tf.memory().numTensors).toBe(before);
    expect(s).toMatchObject({ method, steps: 3 });
    expect(Object.keys(s.losses)).toEqual(['code', 'prose']);
    expect(run.metrics.filter((m) => !Number.isFinite(m.value))).toEqual([]);
    expect(run.metrics.find((m) => m.key === 'train/loss' && m.step === 3)).toBeDefined();
    expect(run.ckpts.map((c) => path.basename(c))).toEqual(['ckpt-3']);
  });
});
