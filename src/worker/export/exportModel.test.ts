import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobInput } from '../../shared/events';
import type { RunSpec } from '../../shared/specs';
import { initBackend } from '../engine/backend';
import { tf } from '../engine/tf';
import type { MlpWeights } from '../models/mlp/model';
import { decodeMlp, encodeMlp } from '../models/mlp/file';
import { encodeSafetensors } from '../models/safetensors';
import type { ModelCard } from './card';
import { exportModel, type ExportRequest } from './exportModel';
import { CMSP_CONFIG, IMAGE_CONFIG, maskedModel, maxAbsDiff, randomInputs, referenceForward } from './testModels';

let tmp: string;
beforeAll(async () => { await initBackend('cpu'); tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-export-')); });
afterAll(() => { if (!process.env.KEEP_EXPORT_TMP) fs.rmSync(tmp, { recursive: true, force: true }); else console.log(tmp); });

const PRUNE_SPEC = {
  kind: 'prune', name: 'keep skill 0', seed: 5, keep: [0], remove: [[1], [2]], inputs: { source: 'r-general' },
  score: { name: 'attribution' }, selection: { scope: 'global', sparsity: 0.66 }, targetAccuracy: 0.97,
} as unknown as RunSpec;
// The shape compress/summary.ts gives prune runs.
const PRUNE_SUMMARY = {
  kept: { skill: '[0]', acc: 0.991, lossBits: 0.02 },
  removed: [{ skill: '[1]', acc: 0.52, lossBits: 0.99, relearnAcc: 0.61 }, { skill: '[2]', acc: 0.49, lossBits: 1, relearnAcc: 0.55 }],
  targetAccuracy: 0.97, samplesToTarget: 120000, stepsToTarget: 120, samples: 500000,
  relearn: { '[1]': 0.61, '[2]': 0.55 }, method: 'prune',
};

function sourceRun(id: string, w: MlpWeights | null, spec = PRUNE_SPEC, summary: Record<string, unknown> | null = PRUNE_SUMMARY): JobInput {
  const dir = path.join(tmp, 'runs', id);
  fs.mkdirSync(dir, { recursive: true });
  if (w) fs.writeFileSync(path.join(dir, 'model.safetensors'), encodeMlp(w));
  return { runId: id, dir, summary, spec };
}

function request(source: JobInput, out: string, over: Partial<ExportRequest['spec']> = {}): ExportRequest {
  return {
    spec: { formats: ['tfjs', 'onnx', 'safetensors'], out, force: false, compact: true, onnxOpset: 21, latency: { batches: [1, 256], repeats: 3 }, seed: 0, ...over },
    source, backend: 'cpu', whittleVersion: '9.9.9', now: new Date('2026-11-29T10:00:00Z'),
  };
}

async function tfjsOutputs(dir: string, x: Float32Array, rows: number, width: number): Promise<Float32Array> {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const model = await tfl.loadLayersModel({
    load: async () => tf.io.getModelArtifactsForJSON(json, async (m) => {
      const data = Buffer.concat(m.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p)))));
      return [m.flatMap((g) => g.weights), data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)];
    }),
  });
  try {
    return tf.tidy(() => (model.predict(tf.tensor2d(x, [rows, width])) as tf.Tensor).dataSync().slice() as Float32Array);
  } finally { model.dispose(); }
}

async function onnxOutputs(file: string, x: Float32Array, rows: number, width: number): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(fs.readFileSync(file));
  try { return (await s.run({ input: new ort.Tensor('float32', x, [rows, width]) })).logits.data as Float32Array; } finally { await s.release(); }
}

const dirBytes = (dir: string, pick: (n: string) => boolean) => fs.readdirSync(dir).filter(pick).reduce((s, n) => s + fs.statSync(path.join(dir, n)).size, 0);

describe('exportModel', () => {
  for (const [label, config] of [['CMSP-shaped', CMSP_CONFIG], ['image-shaped', IMAGE_CONFIG]] as const) {
    it(`exports a pruned ${label} model in every format; each computes the masked model's outputs and is smaller than the full export`, async () => {
      const before = tf.memory().numTensors;
      const w = maskedModel(config, 31);
      const src = sourceRun(`r-${label}`, w);
      const out = path.join(tmp, 'out', label);
      const res = await exportModel(request(src, out));
      const names = fs.readdirSync(out).sort();
      expect(names).toEqual(['export-report.json', 'group1-shard1of1.bin', 'model-card.json', 'model-card.md', 'model.json', 'model.onnx', 'model.safetensors']);
      expect(res.files.map((f) => f.name).sort()).toEqual(names);

      const rows = 9;
      const x = randomInputs(rows, config.inputs, 32);
      const want = referenceForward(w, x, rows); // the masked, uncompacted model in the app
      expect(maxAbsDiff(await tfjsOutputs(out, x, rows, config.inputs), want)).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDiff(await onnxOutputs(path.join(out, 'model.onnx'), x, rows, config.inputs), want)).toBeLessThanOrEqual(1e-5);
      const back = decodeMlp(new Uint8Array(fs.readFileSync(path.join(out, 'model.safetensors'))));
      expect(back.config.hidden).toEqual(config.hidden.map((h) => Math.ceil(h / 3)));
      expect(maxAbsDiff(referenceForward(back, x, rows), want)).toBeLessThanOrEqual(1e-5);

      // The same model exported without compaction (masked units zeroed, not removed) is bigger.
      const full = path.join(tmp, 'out', `${label}-full`);
      await exportModel(request(src, full, { compact: false }));
      expect(maxAbsDiff(await onnxOutputs(path.join(full, 'model.onnx'), x, rows, config.inputs), want)).toBeLessThanOrEqual(1e-5);
      const isModel = (n: string) => !n.startsWith('model-card') && n !== 'export-report.json';
      expect(dirBytes(out, isModel)).toBeLessThan(dirBytes(full, isModel));
      for (const f of ['model.onnx', 'model.safetensors', 'group1-shard1of1.bin']) {
        expect(fs.statSync(path.join(out, f)).size).toBeLessThan(fs.statSync(path.join(full, f)).size);
      }
      for (const f of ['tfjs', 'onnx', 'safetensors']) expect(res.report.compact.bytes[f]).toBeLessThan(res.report.original.bytes[f]);
      expect(res.report.compact.params).toBeLessThan(res.report.original.params);
      expect(res.report.check.maxAbsDiff).toBeLessThanOrEqual(1e-5);
      expect(res.report.runtimeChecks.map((c) => [c.format, c.runtime])).toEqual([['onnx', 'onnxruntime-node'], ['safetensors', 'whittle decoder']]);
      for (const c of res.report.runtimeChecks) expect(c.maxAbsDiff).toBeLessThanOrEqual(1e-5);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('writes a model card with the skills, method, sizes, accuracy, relearn results and provenance', async () => {
    const general = maskedModel(CMSP_CONFIG, 40, 1); // nothing masked: the model it was pruned from
    const pruned = maskedModel(CMSP_CONFIG, 41);
    const src = sourceRun('r-card', pruned);
    const out = path.join(tmp, 'out', 'card');
    const generalSpec = { kind: 'train', seed: 1, task: { suite: 'cmsp', m: 4, n: 40, k: 3 }, mixture: [{ skill: [0], perStep: 10 }] } as unknown as RunSpec;
    await exportModel({ ...request(src, out), original: { runId: 'r-general', weights: general, spec: generalSpec } });
    const card = JSON.parse(fs.readFileSync(path.join(out, 'model-card.json'), 'utf8')) as ModelCard;
    expect(card.skill).toEqual({ kept: '[0]', removed: ['[1]', '[2]'] });
    expect(card.method.kind).toBe('prune');
    expect(card.method.settings).toMatchObject({ score: { name: 'attribution' }, selection: { sparsity: 0.66 } });
    expect(card.size).toEqual({ unitsBefore: 112, unitsAfter: 22 + 16, paramsBefore: 44 * 64 + 64 + 64 * 48 + 48 + 48 * 2 + 2, paramsAfter: 44 * 22 + 22 + 22 * 16 + 16 + 16 * 2 + 2 });
    expect(card.accuracy).toEqual({ '[0]': 0.991, '[1]': 0.52, '[2]': 0.49 });
    expect(card.training).toEqual({ targetAccuracy: 0.97, samplesToTarget: 120000, stepsToTarget: 120, samples: 500000 });
    expect(card.relearn).toEqual(PRUNE_SUMMARY.relearn);
    expect(card.seed).toBe(5);
    expect(card.data).toMatchObject({ task: { suite: 'cmsp', m: 4 }, upstreamMixture: [{ skill: [0], perStep: 10 }] });
    expect(card.specSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(card.whittleVersion).toBe('9.9.9');
    expect(card.exportedAt).toBe('2026-11-29T10:00:00.000Z');
    expect(card.report.original.runId).toBe('r-general');
    expect(Object.keys(card.report.compact.latencyMs)).toEqual(['1', '256']);
    expect(card.files.find((f) => f.name === 'model.onnx')!.sha256).toMatch(/^[0-9a-f]{64}$/);
    const md = fs.readFileSync(path.join(out, 'model-card.md'), 'utf8');
    for (const s of ['# keep skill 0', '| [0] | kept | 0.9910 |', '| [1] | removed | 0.5200 |', 'Relearn test', '| parameters |', 'latency, batch 256', '| Samples to the target | 120,000 |', 'run by onnxruntime-node', card.specSha256, 'logits']) {
      expect(md).toContain(s);
    }
  });

  it('says no relearn test was run when the prune run did none (its summary holds relearn: {}), instead of printing {}', async () => {
    const removed = PRUNE_SUMMARY.removed.map(({ relearnAcc: _r, ...rest }) => rest);
    const src = sourceRun('r-norelearn', maskedModel(CMSP_CONFIG, 42), PRUNE_SPEC, { ...PRUNE_SUMMARY, removed, relearn: {} });
    const out = path.join(tmp, 'out', 'norelearn');
    await exportModel({ ...request(src, out), original: undefined });
    const card = JSON.parse(fs.readFileSync(path.join(out, 'model-card.json'), 'utf8')) as ModelCard;
    expect(card.relearn).toBeNull();
    const md = fs.readFileSync(path.join(out, 'model-card.md'), 'utf8');
    expect(md).not.toContain('{}');
    expect(md).not.toContain('### Relearn test');
    expect(md).toContain('No relearn test was run');
  });

  it('refuses bad input with a clear message and writes nothing', async () => {
    const src = sourceRun('r-ok', maskedModel(CMSP_CONFIG, 50));
    const noModel = sourceRun('r-nomodel', null, { kind: 'train', seed: 0 } as unknown as RunSpec, null);
    const out = path.join(tmp, 'out', 'bad');
    await expect(exportModel(request(noModel, out))).rejects.toThrow(/run r-nomodel \(train\) has no model to export/);
    await expect(exportModel(request(src, out, { formats: ['keras' as 'onnx'] }))).rejects.toThrow(/format 'keras' is not available for an MLP \(use tfjs, onnx, safetensors or all\)/);
    await expect(exportModel(request(src, out, { formats: ['hf'] }))).rejects.toThrow(/format 'hf' is not available for an MLP/);
    const lm = sourceRun('r-lm', null, { kind: 'lm', seed: 0 } as unknown as RunSpec, null);
    fs.writeFileSync(path.join(lm.dir, 'model.safetensors'), encodeSafetensors({ tensors: {}, metadata: { 'whittle.arch': 'transformer' } }));
    await expect(exportModel(request(lm, out))).rejects.toThrow(/holds a transformer model, not an MLP/);
    await expect(exportModel(request(src, 'rel/out'))).rejects.toThrow(/absolute path/);
    await expect(exportModel(request(src, path.join(tmp, 'chosen', '..', 'x'), { within: path.join(tmp, 'chosen') }))).rejects.toThrow(/outside the chosen folder/);
    expect(fs.existsSync(out)).toBe(false);
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'keep.txt'), 'x');
    await expect(exportModel(request(src, out))).rejects.toThrow(/not empty/);
    expect(fs.readdirSync(out)).toEqual(['keep.txt']);
    await exportModel(request(src, out, { force: true, formats: ['onnx'] }));
    expect(fs.readdirSync(out).sort()).toEqual(['export-report.json', 'keep.txt', 'model-card.json', 'model-card.md', 'model.onnx']);
  });
});
