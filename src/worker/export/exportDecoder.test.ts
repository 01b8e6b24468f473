// A Whittle-trained language model (BPE tokenizer), a pruned one with uneven MLP widths, and one
// with pruned residual dimensions, exported and loaded back by the runtimes users deploy with:
// the Hugging Face files through the import's config reader and name map (and @huggingface/tokenizers),
// the ONNX graph through onnxruntime-node, the transformers.js folder through @huggingface/transformers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobInput } from '../../shared/events';
import { ExportSpec, type RunSpec } from '../../shared/specs';
import { initBackend } from '../engine/backend';
import { tf } from '../engine/tf';
import { decodeTransformer, encodeTransformer, TOKENIZER_META } from '../models/decoder/file';
import { Transformer, type TransformerWeights } from '../models/decoder/model';
import { greedy } from '../models/decoder/generate';
import { BpeTokenizer } from '../tasks/text/tokenizer';
import { liveWeights } from './testDecoders';
import { engineLogits, OrtDecoder, randomTokens } from './decoderVerify';
import { ExportError } from './destination';
import { exportDecoder } from './exportDecoder';
import { weightsFromHfFiles } from './hfExport';

let home: string;
let bpe: BpeTokenizer;
beforeAll(async () => {
  await initBackend('cpu');
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-decexp-'));
  bpe = BpeTokenizer.train(new Uint8Array(fs.readFileSync('README.md')), 320);
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

const LM_SPEC = { kind: 'lm', method: 'train', seed: 4, task: { suite: 'text', domains: ['code', 'prose'], context: 16 } } as unknown as RunSpec;
const SUMMARY = { losses: { code: 2.5, prose: 3.1 }, bitsPerByte: { code: 1.9, prose: 2.2 } };

function runWith(id: string, w: TransformerWeights, spec: RunSpec = LM_SPEC): JobInput {
  const dir = path.join(home, 'runs', id);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.safetensors'), encodeTransformer(w, { [TOKENIZER_META]: JSON.stringify(bpe.toJSON()) }));
  return { runId: id, dir, summary: SUMMARY, spec };
}

const spec = (out: string, formats: string[] = ['all']) => ExportSpec.parse({ kind: 'export', inputs: { source: 'x' }, out, formats, latency: { repeats: 3 } });
const ids = (s: string) => Array.from(bpe.encode(new Uint8Array(Buffer.from(s, 'utf8'))));

describe('decoder export', () => {
  it('writes hf, onnx and transformers.js files that load back with the same logits and greedy tokens', async () => {
    const before = tf.memory().numTensors;
    const w = liveWeights({ vocab: bpe.vocabSize, context: 32, dModel: 16, heads: 4, headDim: 4, mlp: [24, 24] }, 11);
    const source = runWith('r-lm', w);
    const out = path.join(home, 'out', 'lm');
    const res = await exportDecoder({ spec: spec(out), source, backend: 'cpu', whittleVersion: 'test' });
    expect(fs.readdirSync(out).sort()).toEqual(['config.json', 'export-report.json', 'generation_config.json', 'model-card.json', 'model-card.md', 'model.safetensors', 'onnx', 'tokenizer.json', 'tokenizer_config.json']);
    expect(res.card.model.huggingFace).toBe('GPT2LMHeadModel');
    expect(res.report.runtimeChecks.map((c) => c.format)).toEqual(['onnx', 'hf']);
    expect(res.cardMarkdown).toMatch(/GPT2LMHeadModel/);
    expect(res.cardMarkdown).toMatch(/\| code \| 2\.5000 \| 1\.9000 \|/);

    // hf: config.json + model.safetensors read back through the import's reader, tokenizer.json by @huggingface/tokenizers
    const back = weightsFromHfFiles(fs.readFileSync(path.join(out, 'config.json'), 'utf8'), new Uint8Array(fs.readFileSync(path.join(out, 'model.safetensors'))));
    const toks = randomTokens(2, 10, bpe.vocabSize, 3);
    const want = engineLogits(w, toks, 2, 10);
    const got = engineLogits(back, toks, 2, 10);
    expect(Math.max(...got.map((v, k) => Math.abs(v - want[k])))).toBeLessThanOrEqual(1e-5);
    const hfTok = new Tokenizer(JSON.parse(fs.readFileSync(path.join(out, 'tokenizer.json'), 'utf8')), JSON.parse(fs.readFileSync(path.join(out, 'tokenizer_config.json'), 'utf8')));
    const prompt = 'Whittle exports a model: ';
    expect(hfTok.encode(prompt).ids).toEqual(ids(prompt));

    // onnx: onnxruntime-node, with the cache, step by step as a generator would
    const dec = await OrtDecoder.open(ort, new Uint8Array(fs.readFileSync(path.join(out, 'onnx', 'model.onnx'))), { layers: 2, kvHeads: 4, headDim: 4 });
    const model = new Transformer(w);
    const expected = greedy(model, ids(prompt), 8);
    model.dispose();
    const seq = ids(prompt);
    let step = await dec.run(seq, 1, null);
    const viaOrt: number[] = [];
    for (let k = 0; k < 8; k++) {
      const V = bpe.vocabSize;
      const last = step.logits.subarray(step.logits.length - V);
      const next = last.indexOf(Math.max(...last));
      viaOrt.push(next);
      step = await dec.run([next], 1, step.present);
    }
    await dec.release();
    expect(viaOrt).toEqual(expected);

    // transformers.js: the folder from a local path, remote models off
    const { env, AutoModelForCausalLM, AutoTokenizer } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = path.dirname(out);
    const tjsTok = await AutoTokenizer.from_pretrained(path.basename(out));
    const tjs = await AutoModelForCausalLM.from_pretrained(path.basename(out));
    const input = tjsTok(prompt);
    expect(Array.from(input.input_ids.data as BigInt64Array, Number)).toEqual(ids(prompt));
    const gen = await tjs.generate({ ...input, max_new_tokens: 8, do_sample: false }) as { tolist(): bigint[][] };
    expect(gen.tolist()[0].slice(seq.length).map(Number)).toEqual(expected);
    await tjs.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('a pruned model whose layers kept different MLP widths: hf pads them with zero neurons, onnx keeps them compact', async () => {
    const w = liveWeights({ vocab: bpe.vocabSize, context: 16, dModel: 16, heads: 2, headDim: 8, mlp: [20, 20] }, 12);
    w.masks.mlp[0].forEach((_, j) => { if (j % 2) w.masks.mlp[0][j] = 0; });
    w.masks.mlp[1].forEach((_, j) => { if (j % 4) w.masks.mlp[1][j] = 0; });
    const source = runWith('r-pruned', w, { ...LM_SPEC, method: 'prune', inputs: { source: 'r-lm' } } as unknown as RunSpec);
    const out = path.join(home, 'out', 'pruned');
    const res = await exportDecoder({ spec: spec(out), source, original: { runId: 'r-lm', dir: path.join(home, 'runs', 'r-lm'), summary: { losses: { code: 2.0 } }, spec: LM_SPEC }, backend: 'cpu', whittleVersion: 'test' });
    expect(res.card.model.config.mlp).toEqual([10, 5]);
    expect(res.card.hfPaddedNeurons).toBe(5);
    expect(res.report.original.runId).toBe('r-lm');
    expect(res.report.compact.params).toBeLessThan(res.report.original.params);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')).n_inner).toBe(10);
    expect(res.cardMarkdown).toMatch(/pad every layer to 10 with 5 zero neurons/);
    const back = weightsFromHfFiles(fs.readFileSync(path.join(out, 'config.json'), 'utf8'), new Uint8Array(fs.readFileSync(path.join(out, 'model.safetensors'))));
    expect(back.config.mlp).toEqual([10, 10]);
    const toks = randomTokens(1, 12, bpe.vocabSize, 5);
    const want = engineLogits(w, toks, 1, 12);
    const got = engineLogits(back, toks, 1, 12);
    expect(Math.max(...got.map((v, k) => Math.abs(v - want[k])))).toBeLessThanOrEqual(1e-4);
  }, 60_000);

  it('a GPT-style model with pruned attention heads: written with zero heads back up to width / head width, same logits', async () => {
    const w = liveWeights({ vocab: bpe.vocabSize, context: 16, dModel: 16, heads: 4, headDim: 4, mlp: [12, 12] }, 15);
    w.masks.heads = [Float32Array.from([1, 0, 1, 1]), Float32Array.from([1, 1, 0, 0])]; // 3 and 2 heads kept
    const source = runWith('r-heads', w, { ...LM_SPEC, method: 'prune', inputs: { source: 'r-lm' } } as unknown as RunSpec);
    const out = path.join(home, 'out', 'heads');
    const res = await exportDecoder({ spec: spec(out, ['hf', 'onnx']), source, backend: 'cpu', whittleVersion: 'test' });
    expect(res.card.model.huggingFace).toBe('GPT2LMHeadModel');
    expect(res.report.runtimeChecks.map((c) => c.format)).toEqual(['onnx', 'hf']);
    const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    expect([config.n_head, config.n_embd]).toEqual([4, 16]);
    const back = weightsFromHfFiles(fs.readFileSync(path.join(out, 'config.json'), 'utf8'), new Uint8Array(fs.readFileSync(path.join(out, 'model.safetensors'))));
    const toks = randomTokens(2, 12, bpe.vocabSize, 6);
    const want = engineLogits(w, toks, 2, 12);
    const got = engineLogits(back, toks, 2, 12);
    expect(Math.max(...got.map((v, k) => Math.abs(v - want[k])))).toBeLessThanOrEqual(1e-4);
  }, 60_000);

  it('residual dimensions pruned below heads × head width: no HF architecture fits, so hf is refused and onnx + transformers.js still export', async () => {
    const w = liveWeights({ vocab: bpe.vocabSize, context: 16, dModel: 16, heads: 2, headDim: 8, mlp: [12] }, 13);
    w.masks.resid[3] = 0;
    const source = runWith('r-resid', w);
    const out = path.join(home, 'out', 'resid');
    await expect(exportDecoder({ spec: spec(out), source, backend: 'cpu', whittleVersion: 'test' })).rejects.toThrow(/cannot be written as a Hugging Face folder: GPT2LMHeadModel needs heads × head width = width.*--format onnx,transformersjs still works/);
    expect(fs.existsSync(out)).toBe(false);
    const res = await exportDecoder({ spec: spec(out, ['onnx', 'transformersjs']), source, backend: 'cpu', whittleVersion: 'test' });
    expect(res.card.model.config.dModel).toBe(15);
    const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    expect(config.model_type).toBe('gpt2');
    expect(config.whittle_config.dModel).toBe(15);
  }, 60_000);

  it('fails before writing anything when the model file is not a decoder or a check fails', async () => {
    const w = liveWeights({ vocab: bpe.vocabSize, context: 8, dModel: 8, heads: 2, headDim: 4, mlp: [8] }, 14);
    const source = runWith('r-notok', w);
    fs.writeFileSync(path.join(source.dir, 'model.safetensors'), encodeTransformer(w, {}));
    const out = path.join(home, 'out', 'notok');
    await expect(exportDecoder({ spec: spec(out, ['hf']), source, backend: 'cpu', whittleVersion: 'test' })).rejects.toThrow(/tokenizer: the model file carries no tokenizer/);
    await expect(exportDecoder({ spec: spec(out, ['tfjs']), source, backend: 'cpu', whittleVersion: 'test' })).rejects.toThrow(ExportError);
    await expect(exportDecoder({ spec: { ...spec(out, ['onnx']), compact: false }, source: runWith('r-masked', (() => { const m = decodeTransformer(encodeTransformer(w)).weights; m.masks.mlp[0][0] = 0; return m; })()), backend: 'cpu', whittleVersion: 'test' })).rejects.toThrow(/always exported compacted/);
    expect(fs.existsSync(out)).toBe(false);
  });
});
