// `whittle export` as a user runs it: a real CLI process, store, worker thread and export job, then
// the exported files checked by onnxruntime-node and the safetensors decoder.
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunSpec } from '../src/shared/specs';
import { exportSpecFor, recordExportOnSource } from '../src/main/services/exports';
import { Store } from '../src/main/services/store';
import { Rng } from '../src/worker/engine/rng';
import { initWeights } from '../src/worker/models/mlp/model';
import { decodeMlp, encodeMlp } from '../src/worker/models/mlp/file';
import { encodeTransformer, TOKENIZER_META } from '../src/worker/models/decoder/file';
import { liveWeights } from '../src/worker/export/testDecoders';
import { whittle } from './helpers/cli';
import { hfFixture } from './helpers/hfFixtures';
import { need } from './helpers/prereqs';
import { tmpHome } from './helpers/tmp';


const TRAIN_SPEC = {
  kind: 'train', seed: 3, task: { suite: 'cmsp', m: 4, n: 40, k: 3 }, model: { arch: 'mlp', hidden: [64, 48] },
  mixture: [{ skill: [0], perStep: 100 }], target: [0], steps: 10,
} as unknown as RunSpec;

const homes: string[] = [];
afterAll(() => { for (const h of homes) fs.rmSync(h, { recursive: true, force: true }); });

/** A home with one finished run whose model has two thirds of its units masked. */
function homeWithModel(): { home: string; runId: string } {
  const home = tmpHome('whittle-export-cli-');
  homes.push(home);
  const store = new Store(home);
  try {
    const runId = 'r-trained';
    store.insertRun({ id: runId, name: 'trained', spec: TRAIN_SPEC });
    store.updateRun(runId, { status: 'done', endedAt: Date.now(), summary: { finalAcc: { '[0]': 0.98 } } });
    const w = initWeights({ inputs: 44, hidden: [64, 48], outputs: 2, activation: 'relu' }, new Rng(1));
    w.masks.forEach((m) => m.forEach((_, j) => { if (j % 3) m[j] = 0; }));
    fs.mkdirSync(store.runDir(runId), { recursive: true });
    fs.writeFileSync(path.join(store.runDir(runId), 'model.safetensors'), encodeMlp(w));
    store.insertRun({ id: 'r-queued', name: 'queued', spec: TRAIN_SPEC });
    return { home, runId };
  } finally {
    store.close();
  }
}

describe('whittle export', () => {
  it('exports every format, the files run elsewhere, and a non-empty destination is refused with exit 2', async () => {
    const { home, runId } = homeWithModel();
    const out = path.join(home, 'exported');
    const r = await whittle(['export', runId, '--format', 'all', '--out', out, '--home', home, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout) as { status: string; dir: string; report: { original: { params: number }; compact: { params: number; hidden: number[] } } };
    expect(res.status).toBe('done');
    expect(res.dir).toBe(out);
    expect(res.report.compact.hidden).toEqual([22, 16]);
    expect(res.report.compact.params).toBeLessThan(res.report.original.params);
    expect(fs.readdirSync(out).sort()).toEqual(['export-report.json', 'group1-shard1of1.bin', 'model-card.json', 'model-card.md', 'model.json', 'model.onnx', 'model.safetensors']);
    const session = await ort.InferenceSession.create(fs.readFileSync(path.join(out, 'model.onnx')));
    const y = await session.run({ input: new ort.Tensor('float32', new Float32Array(2 * 44).fill(0.5), [2, 44]) });
    expect(y.logits.dims).toEqual([2, 2]);
    await session.release();
    expect(decodeMlp(new Uint8Array(fs.readFileSync(path.join(out, 'model.safetensors')))).config.hidden).toEqual([22, 16]);
    const card = JSON.parse(fs.readFileSync(path.join(out, 'model-card.json'), 'utf8'));
    expect(card.accuracy).toEqual({ '[0]': 0.98 });
    // onnxruntime-node also ran inside the worker thread, before the files were written.
    expect(card.report.runtimeChecks[0]).toMatchObject({ format: 'onnx', runtime: 'onnxruntime-node' });
    expect(card.report.runtimeChecks[0].maxAbsDiff).toBeLessThanOrEqual(1e-5);

    // The service listed the exported files under the source run.
    const store = new Store(home);
    try {
      const kinds = store.artifacts(runId).map((a) => a.kind).sort();
      expect(kinds).toEqual(['export.card', 'export.card', 'export.card', 'export.onnx', 'export.safetensors', 'export.tfjs', 'export.tfjs']);
      expect(store.artifacts(runId).every((a) => a.path.startsWith(out))).toBe(true);
    } finally {
      store.close();
    }

    const again = await whittle(['export', runId, '--out', out, '--home', home]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/is not empty.*--force/);

    const forced = await whittle(['export', runId, '--format', 'onnx', '--out', out, '--force', '--home', home]);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(`exported ${runId} to ${out}`);
    expect(forced.stdout).toMatch(/parameters\s+6,098\s+1,392/);
  }, 300_000); // three CLI processes and a worker thread: slow on a loaded 2-core machine

  it('exports a language-model run as hf, onnx and transformers.js; MLP formats are refused for it', async () => {
    const home = tmpHome('whittle-export-cli-lm-');
    homes.push(home);
    const store = new Store(home);
    const runId = 'r-lm';
    try {
      store.insertRun({ id: runId, name: 'lm', spec: { kind: 'lm', method: 'train', seed: 2, task: { suite: 'text', domains: ['code'], context: 16 } } as unknown as RunSpec });
      store.updateRun(runId, { status: 'done', endedAt: Date.now(), summary: { losses: { code: 2.25 }, bitsPerByte: { code: 3.2 } } });
      const w = liveWeights({ vocab: 256, context: 16, dModel: 16, heads: 2, headDim: 8, mlp: [24, 24] }, 9);
      w.masks.mlp[1].forEach((_, j) => { if (j % 3 === 0) w.masks.mlp[1][j] = 0; });
      fs.mkdirSync(store.runDir(runId), { recursive: true });
      fs.writeFileSync(path.join(store.runDir(runId), 'model.safetensors'), encodeTransformer(w, { [TOKENIZER_META]: JSON.stringify({ kind: 'byte' }) }));
    } finally {
      store.close();
    }
    const refused = await whittle(['export', runId, '--format', 'tfjs', '--out', path.join(home, 'no'), '--home', home]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/format 'tfjs' is for MLP models; this run holds a decoder language model \(use hf, onnx, transformersjs or all\)/);

    const out = path.join(home, 'lm-export');
    const r = await whittle(['export', runId, '--format', 'all', '--out', out, '--home', home]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/MLP neurons\s+48\s+40/);
    expect(fs.readdirSync(out).sort()).toEqual(['config.json', 'export-report.json', 'generation_config.json', 'model-card.json', 'model-card.md', 'model.safetensors', 'onnx', 'tokenizer.json', 'tokenizer_config.json']);
    const card = JSON.parse(fs.readFileSync(path.join(out, 'model-card.json'), 'utf8'));
    expect(card.model.config.mlp).toEqual([24, 16]);
    expect(card.hfPaddedNeurons).toBe(8);
    expect(card.loss.exported).toEqual({ code: { natsPerToken: 2.25, bitsPerByte: 3.2 } });
    expect(card.report.runtimeChecks.map((c: { format: string }) => c.format)).toEqual(['onnx', 'hf']);
    const session = await ort.InferenceSession.create(fs.readFileSync(path.join(out, 'onnx', 'model.onnx')));
    expect(session.inputNames.slice(0, 3)).toEqual(['input_ids', 'attention_mask', 'past_key_values.0.key']);
    await session.release();
    const store2 = new Store(home);
    try {
      const kinds = store2.artifacts(runId).map((a) => a.kind);
      expect(new Set(kinds)).toEqual(new Set(['export.hf', 'export.onnx', 'export.card']));
    } finally {
      store2.close();
    }
  }, 300_000);

  it.runIf(need('torch', import.meta.url))('a checkpoint imported with `whittle model import` exports to every format and reads back as PyTorch computes it', async () => {
    const home = tmpHome('whittle-export-cli-import-');
    homes.push(home);
    const { dir, ref } = hfFixture('llama-untied-rope3');
    const imp = await whittle(['model', 'import', dir, '--name', 'tiny-llama', '--home', home, '--json']);
    expect(imp.code, imp.stderr).toBe(0);
    const runId = JSON.parse(imp.stdout.slice(imp.stdout.lastIndexOf('\n{') + 1)).runId as string;
    const out = path.join(home, 'exported');
    const r = await whittle(['export', runId, '--out', out, '--home', home, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as { status: string; formats: string[] };
    expect(res.status).toBe('done');
    // the export is itself a checkpoint folder the import takes
    const again = await whittle(['model', 'import', out, '--name', 're-imported', '--home', home, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const gen = await whittle(['model', 'generate', JSON.parse(again.stdout.slice(again.stdout.lastIndexOf('\n{') + 1)).runId, '--prompt', ref.prompt, '--tokens', '4', '--home', home, '--json']);
    expect(gen.code, gen.stderr).toBe(0);
    const session = await ort.InferenceSession.create(fs.readFileSync(path.join(out, 'onnx', 'model.onnx')));
    const T = ref.ids.length;
    const c = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ref.ids, (v) => BigInt(v)), [1, T]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(T).fill(1n), [1, T]),
    };
    for (let l = 0; l < c.num_hidden_layers; l++) for (const kv of ['key', 'value']) feeds[`past_key_values.${l}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, c.num_key_value_heads, 0, c.head_dim]);
    const logits = (await session.run(feeds)).logits.data as Float32Array;
    await session.release();
    const want = ref.logits.flat();
    const scale = Math.max(...want.map(Math.abs));
    expect(Math.max(...want.map((v, k) => Math.abs(v - logits[k]))) / scale).toBeLessThanOrEqual(1e-4);
  }, 300_000);

  it('the service refuses unfinished runs and runs without a model (the folder limit is folderLimit.test.ts)', () => {
    const { home, runId } = homeWithModel();
    const store = new Store(home);
    try {
      expect(() => exportSpecFor(store, 'r-queued', { out: path.join(home, 'x') })).toThrow(/r-queued is queued; only a finished run/);
      fs.rmSync(path.join(store.runDir(runId), 'model.safetensors'));
      expect(() => exportSpecFor(store, runId, { out: path.join(home, 'x') })).toThrow(/has no model to export/);
      fs.writeFileSync(path.join(store.runDir(runId), 'model.safetensors'), 'x');
      expect(() => exportSpecFor(store, runId, { out: 'relative' })).toThrow(/absolute path/);
      expect(() => exportSpecFor(store, runId, { out: path.join(home, 'k'), formats: 'keras' })).toThrow(/unknown export format 'keras'/);
      const spec = exportSpecFor(store, runId, { out: path.join(home, 'a', 'b'), formats: 'onnx,tfjs' });
      expect(spec).toMatchObject({ kind: 'export', inputs: { source: runId }, formats: ['onnx', 'tfjs'], force: false, compact: true });

      // A pruned run: the export compares against (and takes the task of) the run it was pruned from.
      store.insertRun({ id: 'r-pruned', name: 'pruned', spec: { kind: 'prune', seed: 0, keep: [0], inputs: { source: runId } } as unknown as RunSpec });
      store.updateRun('r-pruned', { status: 'done' });
      fs.mkdirSync(store.runDir('r-pruned'), { recursive: true });
      fs.writeFileSync(path.join(store.runDir('r-pruned'), 'model.safetensors'), 'x');
      expect(exportSpecFor(store, 'r-pruned', { out: path.join(home, 'p') }).inputs).toEqual({ source: 'r-pruned', original: runId });

      // Recording: an export run's files are listed under its source run too.
      store.insertRun({ id: 'r-exp', name: 'exp', spec: spec as unknown as RunSpec });
      store.updateRun('r-exp', { status: 'done' });
      store.addArtifact({ runId: 'r-exp', kind: 'export.onnx', path: '/x/model.onnx', bytes: 10, sha256: 'ab', meta: { sourceRun: runId } });
      expect(recordExportOnSource(store, store.getRun('r-exp')!)).toBe(1);
      expect(store.artifacts(runId)).toMatchObject([{ kind: 'export.onnx', path: '/x/model.onnx', meta: { sourceRun: runId, exportRun: 'r-exp' } }]);
    } finally {
      store.close();
    }
  });
});
