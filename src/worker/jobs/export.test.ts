import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JobEvent, JobInput } from '../../shared/events';
import { unlabelledSummaryKeys } from '../../shared/glossary';
import { ExportSpec, ImportCorpusSpec, LmSpec, type RunSpec } from '../../shared/specs';
import { writeFileAtomic } from '../engine/files';
import { decodeTransformer, TOKENIZER_META } from '../models/decoder/file';
import { greedy } from '../models/decoder/generate';
import { Transformer } from '../models/decoder/model';
import { tokenizerFromJSON } from '../tasks/text/tokenizer';
import { importCorpusJob } from './importCorpus';
import { lmJob } from './lm';
import { initBackend } from '../engine/backend';
import { tf } from '../engine/tf';
import { encodeMlp } from '../models/mlp/file';
import { CMSP_CONFIG, maskedModel } from '../export/testModels';
import { exportJob } from './export';
import type { JobContext } from './types';

let home: string;
beforeAll(async () => { await initBackend('cpu'); home = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-exportjob-')); });
afterAll(() => { fs.rmSync(home, { recursive: true, force: true }); });

function run(id: string, spec: unknown, model: boolean): JobInput {
  const dir = path.join(home, 'runs', id);
  fs.mkdirSync(dir, { recursive: true });
  if (model) fs.writeFileSync(path.join(dir, 'model.safetensors'), encodeMlp(maskedModel(CMSP_CONFIG, id.length, id === 'r-general' ? 1 : 3)));
  return { runId: id, dir, summary: { accuracy: { '[0]': 0.99 } }, spec: spec as RunSpec };
}

function context(spec: ExportSpec, inputs: Record<string, JobInput>, events: JobEvent[]): JobContext<ExportSpec> {
  return {
    runId: 'r-export', spec, dir: path.join(home, 'runs', 'r-export'), home, resumeFrom: null, inputs,
    backend: { backend: 'cpu', threads: 1, simd: false }, emit: (e) => events.push(e),
    progress: () => {}, metrics: () => {}, log: (message, level = 'info') => events.push({ type: 'log', level, message }),
    cancelled: () => false, saveCheckpoint: () => '', saveArtifact: () => '',
  };
}

it('the export job writes every format, announces each file as an artifact of the source, and compares with the run it was pruned from', async () => {
  const before = tf.memory().numTensors;
  run('r-general', { kind: 'train', seed: 0 }, true);
  const source = run('r-pruned', { kind: 'prune', seed: 1, keep: [0], remove: [[1]], inputs: { source: 'r-general' } }, true);
  const out = path.join(home, 'exports', 'pruned');
  const spec = ExportSpec.parse({ kind: 'export', inputs: { source: 'r-pruned' }, out, latency: { batches: [1], repeats: 2 } });
  const events: JobEvent[] = [];
  const summary = await exportJob(context(spec, { source }, events)) as { sourceRun: string; files: { name: string }[]; report: { original: { runId: string; params: number }; compact: { params: number } }; cardMarkdown: string };
  expect(summary.sourceRun).toBe('r-pruned');
  expect(summary.cardMarkdown).toMatch(/^# /m);
  expect(unlabelledSummaryKeys(summary)).toEqual([]);
  expect(summary.report.original.runId).toBe('r-general');
  expect(summary.report.compact.params).toBeLessThan(summary.report.original.params);
  const artifacts = events.filter((e): e is Extract<JobEvent, { type: 'artifact' }> => e.type === 'artifact');
  expect(artifacts.map((a) => a.kind).sort()).toEqual(['export.card', 'export.card', 'export.card', 'export.onnx', 'export.safetensors', 'export.tfjs', 'export.tfjs']);
  for (const a of artifacts) {
    expect(a.meta).toMatchObject({ sourceRun: 'r-pruned', exportDir: out });
    expect(fs.statSync(a.path).size).toBe(a.bytes);
  }
  expect(tf.memory().numTensors).toBe(before);
});

it('a cancelled export stops before writing anything', async () => {
  const source = run('r-cancel', { kind: 'train', seed: 0 }, true);
  const out = path.join(home, 'exports', 'cancelled');
  const spec = ExportSpec.parse({ kind: 'export', inputs: { source: 'r-cancel' }, out });
  const ctx = { ...context(spec, { source }, []), cancelled: () => true };
  const cancelled = await exportJob(ctx);
  expect(cancelled).toEqual({ sourceRun: 'r-cancel', written: false });
  expect(unlabelledSummaryKeys(cancelled)).toEqual([]);
  expect(fs.existsSync(out)).toBe(false);
});

it('fails clearly when the source run has no model', async () => {
  const source = run('r-empty', { kind: 'train', seed: 0 }, false);
  const spec = ExportSpec.parse({ kind: 'export', inputs: { source: 'r-empty' }, out: path.join(home, 'exports', 'none') });
  await expect(exportJob(context(spec, { source }, []))).rejects.toThrow(/r-empty \(train\) has no model to export/);
  expect(fs.existsSync(path.join(home, 'exports', 'none'))).toBe(false);
});

it('the spec rejects unknown formats and a missing source', () => {
  expect(ExportSpec.safeParse({ kind: 'export', inputs: { source: 'r' }, out: '/x', formats: ['keras'] }).success).toBe(false);
  expect(ExportSpec.safeParse({ kind: 'export', inputs: {}, out: '/x' }).success).toBe(false);
  expect(ExportSpec.parse({ kind: 'export', inputs: { source: 'r' }, out: '/x' }).formats).toEqual(['all']);
  expect(ExportSpec.parse({ kind: 'export', inputs: { source: 'r' }, out: '/x', formats: ['hf', 'transformersjs'] }).formats).toEqual(['hf', 'transformersjs']);
});

// ---- a language model trained in Whittle, then pruned, exported through the job -----------------

function lmCtx<S extends RunSpec>(id: string, spec: S, inputs: Record<string, JobInput> = {}): { ctx: JobContext<S>; input: (summary: Record<string, unknown>) => JobInput } {
  const dir = path.join(home, 'runs', id);
  fs.mkdirSync(dir, { recursive: true });
  const ctx: JobContext<S> = {
    runId: id, spec, dir, home, resumeFrom: null, inputs, backend: { backend: 'cpu', threads: 1, simd: false },
    emit: () => {}, progress: () => {}, metrics: () => {}, log: () => {}, cancelled: () => false,
    saveCheckpoint: () => '',
    saveArtifact(_kind, rel, data) { const f = path.join(dir, rel); writeFileAtomic(f, data); return f; },
  };
  return { ctx, input: (summary) => ({ runId: id, dir, summary, spec }) };
}

it('a language model trained in Whittle (BPE tokenizer) and a pruned copy export to hf, onnx and transformers.js', async () => {
  const src = path.join(home, 'corpus-src');
  fs.mkdirSync(src, { recursive: true });
  for (let f = 0; f < 8; f++) fs.writeFileSync(path.join(src, `f${f}.py`), Array.from({ length: 40 }, (_, i) => `def f${i % 7}(x):\n    return x * ${i} + ${f}  # the value\n`).join(''));
  await importCorpusJob(lmCtx('r-corpus', ImportCorpusSpec.parse({ kind: 'importCorpus', corpus: 'pycode', sources: [src], valFraction: 0.2 })).ctx);
  const base = {
    kind: 'lm', task: { suite: 'text', domains: ['pycode'], context: 16, tokenizer: { kind: 'bpe', vocab: 300, trainBytes: 4096 } },
    eval: { every: 10, windows: 4 }, schedule: { warmup: 2, minFraction: 0.1 }, optimizer: { lr: 1e-2 }, mixture: [{ skill: 'pycode', perStep: 4 }],
  };
  const trainSpec = LmSpec.parse({ ...base, model: { arch: 'transformer', layers: 2, dModel: 16, heads: 2, mlpWidth: 32, context: 16 }, steps: 10 });
  const trained = lmCtx('r-lmtrain', trainSpec);
  const trainSummary = await lmJob(trained.ctx) as Record<string, unknown>;
  const pruneSpec = LmSpec.parse({ ...base, method: 'prune', inputs: { source: 'r-lmtrain' }, target: 'pycode', prune: { keep: 24, scoreWindows: 4 }, steps: 4 });
  const pruned = lmCtx('r-lmprune', pruneSpec, { source: trained.input(trainSummary) });
  const pruneSummary = await lmJob(pruned.ctx) as { mlp: number[] };
  expect(pruneSummary.mlp.reduce((a, b) => a + b, 0)).toBe(24);

  const before = tf.memory().numTensors;
  for (const [id, input] of [['r-lmtrain', trained.input(trainSummary)], ['r-lmprune', pruned.input(pruneSummary as unknown as Record<string, unknown>)]] as const) {
    const out = path.join(home, 'exports', id);
    const spec = ExportSpec.parse({ kind: 'export', inputs: { source: id }, out, latency: { repeats: 3 } });
    const events: JobEvent[] = [];
    const s = await exportJob({ ...context(spec, { source: input }, events), runId: `x-${id}` }) as { formats: string[]; report: { original: { runId: string | null; params: number }; compact: { params: number }; runtimeChecks: { format: string; maxAbsDiff: number }[] }; cardMarkdown: string };
    expect(unlabelledSummaryKeys(s)).toEqual([]);
    expect(s.formats).toEqual(['hf', 'onnx', 'transformersjs']);
    expect(s.report.runtimeChecks.map((c) => c.format)).toEqual(['onnx', 'hf']);
    expect(s.cardMarkdown).toMatch(/\| pycode \| \d\.\d{4} \|/);
    if (id === 'r-lmprune') {
      expect(s.report.original.runId).toBe('r-lmtrain');
      expect(s.report.compact.params).toBeLessThan(s.report.original.params);
    }
    // transformers.js continues a prompt with the engine's greedy tokens
    const { env, AutoModelForCausalLM, AutoTokenizer } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = path.dirname(out);
    const tok = await AutoTokenizer.from_pretrained(id);
    const model = await AutoModelForCausalLM.from_pretrained(id);
    const prompt = 'def f3(x):\n    return';
    const enc = tok(prompt);
    const gen = await model.generate({ ...enc, max_new_tokens: 6, do_sample: false }) as { tolist(): bigint[][] };
    await model.dispose();
    const { weights, metadata } = decodeTransformer(new Uint8Array(fs.readFileSync(path.join(input.dir, 'model.safetensors'))));
    const ids = Array.from(tokenizerFromJSON(JSON.parse(metadata[TOKENIZER_META])).encode(new Uint8Array(Buffer.from(prompt))));
    expect(Array.from(enc.input_ids.data as BigInt64Array, Number)).toEqual(ids);
    const engine = new Transformer(weights);
    const want = greedy(engine, ids, 6);
    engine.dispose();
    expect(gen.tolist()[0].slice(ids.length).map(Number)).toEqual(want);
  }
  expect(tf.memory().numTensors).toBe(before);
}, 300_000);
