import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JobEvent, JobInput } from '../../shared/events';
import { unlabelledSummaryKeys } from '../../shared/glossary';
import { ExportSpec, type RunSpec } from '../../shared/specs';
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
