import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hfFixture } from '../../../test/helpers/hfFixtures';
import { need } from '../../../test/helpers/prereqs';
import { unlabelledSummaryKeys } from '../../shared/glossary';
import { HF_SOURCE_META, ImportModelSpec } from '../../shared/specs/importModel';
import { MODEL_FILE } from '../compress/io';
import { JobCancelled } from '../engine/cancelled';
import { decodeTransformer, TOKENIZER_META } from '../models/decoder/file';
import { readHfFolder } from '../models/decoder/hf/read';
import { importModelJob } from './importModel';
import { recordingContext } from './testContext';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-importmodel-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const backend = { backend: 'cpu', threads: 1, simd: false } as const;

describe.runIf(need('torch', import.meta.url))('importModel job', () => {
  it('writes the checkpoint as the run\'s decoder model file, with its tokenizer and a summary naming its shape', async () => {
    const { dir } = hfFixture('llama-sharded');
    const runDir = path.join(root, 'sharded');
    fs.mkdirSync(runDir);
    const spec = ImportModelSpec.parse({ kind: 'importModel', folder: dir });
    const steps: number[] = [];
    const ctx = recordingContext(spec, runDir, backend, { onProgress: (s) => steps.push(s) });
    const summary = await importModelJob(ctx);
    const direct = await readHfFolder(dir);
    const c = direct.weights.config;
    expect(summary).toMatchObject({
      architecture: 'LlamaForCausalLM', modelType: 'llama', layers: c.mlp.length, dModel: c.dModel, heads: c.heads, kvHeads: c.kvHeads,
      mlpWidth: c.mlp[0], vocab: c.vocab, dtype: 'F32', bytesRead: direct.bytesRead, sourceFiles: direct.files.length, folder: dir,
    });
    expect(direct.files.length).toBeGreaterThan(1);
    expect(unlabelledSummaryKeys(summary)).toEqual([]);
    // progress counts bytes, never backwards, ending at everything read
    expect(steps.length).toBeGreaterThan(2);
    expect(steps.every((s, i) => i === 0 || s >= steps[i - 1])).toBe(true);
    expect(steps[steps.length - 1]).toBe(direct.bytesRead);

    const { weights, metadata } = decodeTransformer(new Uint8Array(fs.readFileSync(path.join(runDir, MODEL_FILE))));
    expect(weights.config).toEqual(c);
    for (const [name, v] of Object.entries(direct.weights.params)) expect(weights.params[name], name).toEqual(v);
    expect(JSON.parse(metadata[TOKENIZER_META])).toMatchObject({ kind: 'hf', json: direct.tokenizer.json });
    expect(JSON.parse(metadata[HF_SOURCE_META])).toMatchObject({ architecture: 'LlamaForCausalLM', eosId: direct.eosId });
    expect(ctx.artifacts).toEqual([{ kind: 'model', path: path.join(runDir, MODEL_FILE) }]);
  });

  it('stops when cancelled mid-read and writes nothing', async () => {
    const { dir } = hfFixture('gpt2');
    const runDir = path.join(root, 'cancelled');
    fs.mkdirSync(runDir);
    const ctx = recordingContext(ImportModelSpec.parse({ kind: 'importModel', folder: dir }), runDir, backend, { cancelAtStep: 1 });
    await expect(importModelJob(ctx)).rejects.toBeInstanceOf(JobCancelled);
    expect(fs.readdirSync(runDir)).toEqual([]);
  });

  it('reports a folder the reader refuses as the input\'s fault', async () => {
    const bad = path.join(root, 'bad');
    fs.cpSync(hfFixture('gpt2').dir, bad, { recursive: true });
    fs.truncateSync(path.join(bad, 'model.safetensors'), fs.statSync(path.join(bad, 'model.safetensors')).size - 4);
    const runDir = path.join(root, 'badrun');
    fs.mkdirSync(runDir);
    const err = await importModelJob(recordingContext(ImportModelSpec.parse({ kind: 'importModel', folder: bad }), runDir, backend)).catch((e) => e);
    expect(err).toMatchObject({ kind: 'input' });
    expect(String(err.message)).toMatch(/model\.safetensors/);
  });
});
