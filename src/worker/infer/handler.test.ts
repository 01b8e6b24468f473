// Inference for "try the model", checked against oracles computed independently here: a plain-JS
// forward pass for CMSP and images, the run's own evaluation for the confusion matrix, and the
// sequence loss for per-token losses. Every test asserts the request leaves no tensor behind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunSpec, type TaskSpec } from '../../shared/specs';
import { ImportDatasetSpec } from '../../shared/specs/dataset';
import type { ConfusionMatrix, InferRun, ModelInfo, TryResult } from '../../shared/tryModel';
import { initBackend } from '../engine/backend';
import { Rng } from '../engine/rng';
import { tf, type Tensor1D, type Tensor2D } from '../engine/tf';
import { trainJob } from '../jobs/train';
import { recordingContext } from '../jobs/testContext';
import { initWeights } from '../models/mlp/model';
import { encodeMlp } from '../models/mlp/file';
import { refForward, refParams } from '../models/mlp/reference';
import { initTransformer, Transformer } from '../models/decoder/model';
import { crossEntropy } from '../train/loss';
import { encodeTransformer, TOKENIZER_META } from '../models/decoder/file';
import { greyPng, writeIdxFolder } from '../tasks/images/fixtures';
import { importDataset } from '../tasks/images/importer';
import { handleInfer } from './handler';
import { dropModels } from './models';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-infer-'));
beforeAll(async () => { await initBackend('cpu'); });
afterAll(() => { dropModels(); fs.rmSync(home, { recursive: true, force: true }); });

function runDir(name: string): string {
  const dir = path.join(home, 'runs', name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Tensors alive before and after `f`, with every cached model released. */
async function noLeak<T>(f: () => Promise<T>): Promise<T> {
  dropModels();
  const before = tf.memory().numTensors;
  const out = await f();
  dropModels();
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

const softmax = (z: ArrayLike<number>) => { const m = Math.max(...Array.from(z)); const e = Array.from(z, (v) => Math.exp(v - m)); const s = e.reduce((a, b) => a + b); return e.map((v) => v / s); };

describe('try a CMSP model', () => {
  const task: TaskSpec = { suite: 'cmsp', m: 3, n: 12, k: 3 };
  const spec = RunSpec.parse({ kind: 'train', task, model: { arch: 'mlp', hidden: [16] }, mixture: [{ skill: [0], perStep: 8 }, { skill: [1, 2], perStep: 8 }], steps: 1 });
  const weights = initWeights({ inputs: 15, hidden: [16], outputs: 2, activation: 'relu' }, new Rng(7));
  const dir = runDir('cmsp');
  fs.writeFileSync(path.join(dir, 'model.safetensors'), encodeMlp(weights));
  const run: InferRun = { runId: 'cmsp', dir, spec, task };

  it('describes the model: bits, subsets and the run\'s skills', async () => {
    const info = await noLeak(() => handleInfer(home, { op: 'info', run })) as ModelInfo;
    expect(info).toMatchObject({ arch: 'mlp', params: 15 * 16 + 16 + 16 * 2 + 2, target: { kind: 'cmsp', m: 3, n: 12, skills: [[0], [1, 2]] } });
    expect((info.target as { subsets: number[][] }).subsets[2]).toEqual([6, 7, 8]);
  });

  it('predicts what an independent forward pass predicts, and gives the true parity', async () => {
    const r = new Rng(3);
    for (let trial = 0; trial < 8; trial++) {
      const bits = Array.from({ length: 12 }, () => r.int(2));
      const skill = trial % 2 ? [2, 1] : [0];
      const out = await noLeak(() => handleInfer(home, { op: 'try', run, input: { kind: 'cmsp', bits, skill } })) as Extract<TryResult, { kind: 'cmsp' }>;
      // the input row built by hand: control bits of the code, then the data bits
      const x = [0, 0, 0, ...bits];
      for (const i of skill) x[i] = 1;
      expect(out.x).toEqual(x);
      const p = softmax(refForward(weights, refParams(weights), x, 1)[0]);
      expect(out.probabilities[0]).toBeCloseTo(p[0], 5);
      expect(out.probabilities[1]).toBeCloseTo(p[1], 5);
      expect(out.predicted).toBe(p[1] > p[0] ? 1 : 0);
      const read = skill.length === 1 ? [0, 1, 2] : [3, 4, 5, 6, 7, 8];
      expect(out.parityBits).toEqual(read);
      expect(out.parity).toBe(read.reduce((a, j) => a ^ bits[j], 0));
    }
  });

  it('names the field of bad input', async () => {
    const t = (input: object) => handleInfer(home, { op: 'try', run, input: input as never });
    await expect(t({ kind: 'cmsp', bits: [1, 0], skill: [0] })).rejects.toThrow(/bits: expected 12 data bits, got 2/);
    await expect(t({ kind: 'cmsp', bits: Array(12).fill(2), skill: [0] })).rejects.toThrow(/bits\[0\]: 2 is not 0 or 1/);
    await expect(t({ kind: 'cmsp', bits: Array(12).fill(0), skill: [5] })).rejects.toThrow(/skill: .*atomic 5, outside 0\.\.2/);
    await expect(t({ kind: 'text', prompt: 'x', maxBytes: 1, temperature: 0 })).rejects.toThrow(/not a language model/);
  });
});

describe('try an image model', () => {
  let run: InferRun;
  let summary: Record<string, any>;

  beforeAll(async () => {
    writeIdxFolder(path.join(home, 'src-idx'), { train: 120, test: 60, k: 4, h: 4, w: 3 });
    await importDataset(ImportDatasetSpec.parse({ kind: 'importDataset', dataset: 'four', source: path.join(home, 'src-idx') }), home);
    // trained on three of the four classes, evaluated on all their test images (45 of 60)
    const spec = RunSpec.parse({
      kind: 'train', task: { suite: 'images', dataset: 'four' }, model: { arch: 'mlp', hidden: [8] },
      mixture: [{ skill: [0, 1, 3], perStep: 16 }], steps: 12, eval: { every: 6, samples: 1000 }, optimizer: { name: 'adam', lr: 0.01 },
    }) as Extract<RunSpec, { kind: 'train' }>;
    const dir = runDir('img');
    const ctx = recordingContext(spec, dir, { backend: 'cpu', threads: 1, simd: false }, { home });
    summary = await trainJob(ctx);
    run = { runId: 'img', dir, spec, task: spec.task };
  });

  it('describes the dataset and the run\'s classes', async () => {
    const info = await noLeak(() => handleInfer(home, { op: 'info', run })) as ModelInfo;
    expect(info.target).toEqual({ kind: 'images', dataset: 'four', shape: [4, 3, 1], classNames: ['0', '1', '2', '3'], classes: [0, 1, 3] });
  });

  it('has a confusion matrix over the test split of the run\'s classes that agrees with the run\'s accuracy', async () => {
    const cm = await noLeak(() => handleInfer(home, { op: 'confusion', run })) as ConfusionMatrix;
    expect(cm.classes.map((c) => c.index)).toEqual([0, 1, 3]);
    const cells = cm.counts.flat().reduce((a, b) => a + b, 0) + cm.outside.reduce((a, b) => a + b, 0);
    expect(cells).toBe(45);
    expect(cm.total).toBe(45);
    cm.counts.forEach((row, i) => expect(row.reduce((a, b) => a + b, 0) + cm.outside[i]).toBe(15)); // 15 test images per class
    const trace = cm.counts.reduce((s, row, i) => s + row[i], 0);
    expect(cm.accuracy).toBeCloseTo(trace / 45, 12);
    expect(cm.accuracy).toBeCloseTo(summary.finalAcc['[0,1,3]'], 6);
  });

  it('classifies a test image as an independent forward pass does, with its label', async () => {
    const out = await noLeak(() => handleInfer(home, { op: 'try', run, input: { kind: 'testImage', index: 5 } })) as Extract<TryResult, { kind: 'image' }>;
    expect(out.label).toBe(5 % 4);
    const w = (await import('../models/mlp/file')).decodeMlp(new Uint8Array(fs.readFileSync(path.join(run.dir, 'model.safetensors'))));
    const x = out.pixels.map((v) => v / 255); // 'unit' normalisation
    const p = softmax(refForward(w, refParams(w), x, 1)[0]);
    out.probabilities.forEach((c, i) => expect(c.p).toBeCloseTo(p[i], 5));
    expect(out.probabilities.map((c) => c.name)).toEqual(['0', '1', '2', '3']);
    await expect(handleInfer(home, { op: 'try', run, input: { kind: 'testImage', index: 60 } })).rejects.toThrow(/index: 60 is outside the test split's 0\.\.59/);
  });

  it('converts an uploaded PNG of another size to the dataset\'s shape, and names a bad upload', async () => {
    // 6×8 PNG (twice the 3×4 shape): each output pixel is the mean of a 2×2 block
    const png = greyPng(1, 0, 6, 8);
    const out = await noLeak(() => handleInfer(home, { op: 'try', run, input: { kind: 'image', image: `data:image/png;base64,${Buffer.from(png).toString('base64')}` } })) as Extract<TryResult, { kind: 'image' }>;
    expect(out.shape).toEqual([4, 3, 1]);
    const src = (x: number, y: number) => ((1 * 40 + ((0 * 7 + y * 6 + x) % 30)) & 0xff);
    expect(out.pixels[0]).toBe(Math.round((src(0, 0) + src(1, 0) + src(0, 1) + src(1, 1)) / 4));
    expect(out.label).toBeNull();
    expect(out.probabilities.reduce((s, c) => s + c.p, 0)).toBeCloseTo(1, 5);
    await expect(handleInfer(home, { op: 'try', run, input: { kind: 'image', image: Buffer.from('hello').toString('base64') } })).rejects.toThrow(/image: .*not a PNG or JPEG/);
  });
});

describe('try a language model', () => {
  const config = { vocab: 256, context: 8, dModel: 16, heads: 2, headDim: 8, mlp: [32] };
  const weights = initTransformer(config, new Rng(5));
  const dir = runDir('lm');
  fs.writeFileSync(path.join(dir, 'model.safetensors'), encodeTransformer(weights, { [TOKENIZER_META]: JSON.stringify({ kind: 'byte' }) }));
  const spec = RunSpec.parse({ kind: 'lm', task: { suite: 'text', domains: ['prose'], context: 8 }, model: { arch: 'transformer', layers: 1, dModel: 16, heads: 2, mlpWidth: 32, context: 8 }, mixture: [{ skill: 'prose', perStep: 1 }], steps: 1 });
  const run: InferRun = { runId: 'lm', dir, spec, task: null };

  /** The sequence loss in bits (sum over targets) computed in one forward pass, as training does. */
  function sequenceBits(seq: number[]): number {
    const m = new Transformer(weights);
    try {
      return tf.tidy(() => {
        const T = seq.length - 1;
        const x = tf.tensor2d(seq.slice(0, T), [1, T], 'int32') as Tensor2D;
        const y = tf.tensor1d(seq.slice(1), 'int32') as Tensor1D;
        return crossEntropy(m.forward(x), y).dataSync()[0] * T * Math.LOG2E;
      });
    } finally { m.dispose(); }
  }

  it('gives per-token losses that sum to the sequence loss, and a greedy continuation', async () => {
    const info = await noLeak(() => handleInfer(home, { op: 'info', run })) as ModelInfo;
    expect(info.target).toEqual({ kind: 'text', context: 8, vocab: 256, tokenizer: 'byte' });
    const prompt = 'the cat';
    const out = await noLeak(() => handleInfer(home, { op: 'try', run, input: { kind: 'text', prompt, maxBytes: 5, temperature: 0 } })) as Extract<TryResult, { kind: 'text' }>;
    expect(out.tokens.map((t) => t.text).join('')).toBe(prompt);
    const seq = [10, ...Buffer.from(prompt)];
    expect(out.totalBits).toBeCloseTo(sequenceBits(seq), 3);
    expect(out.tokens.reduce((s, t) => s + t.lossBits, 0)).toBeCloseTo(out.totalBits, 9);
    expect(out.bitsPerByte).toBeCloseTo(out.totalBits / 7, 9);
    expect(Buffer.byteLength(out.continuation)).toBeLessThanOrEqual(5);
    // greedy is deterministic
    const again = await handleInfer(home, { op: 'try', run, input: { kind: 'text', prompt, maxBytes: 5, temperature: 0 } }) as Extract<TryResult, { kind: 'text' }>;
    expect(again.continuation).toBe(out.continuation);
  });

  it('scores a prompt longer than the context in overlapping windows', async () => {
    const prompt = 'abcdefghijklmnopqrstu'; // 21 bytes, context 8
    const out = await noLeak(() => handleInfer(home, { op: 'try', run, input: { kind: 'text', prompt, maxBytes: 0, temperature: 0 } })) as Extract<TryResult, { kind: 'text' }>;
    expect(out.tokens).toHaveLength(21);
    expect(out.continuation).toBe('');
    const seq = [10, ...Buffer.from(prompt)];
    // the first 8 targets see the whole window from the start: the same as one pass over them
    expect(out.tokens.slice(0, 8).reduce((s, t) => s + t.lossBits, 0)).toBeCloseTo(sequenceBits(seq.slice(0, 9)), 3);
    // each later token is scored with at least half a context before it
    const t12 = out.tokens[12].lossBits; // target seq[13], window starting at 8: tokens 8..12 before it
    const window = seq.slice(8, 14);
    expect(t12).toBeCloseTo(sequenceBits(window) - sequenceBits(window.slice(0, 5)), 3);
    await expect(handleInfer(home, { op: 'try', run, input: { kind: 'text', prompt, maxBytes: 5000, temperature: 0 } })).rejects.toThrow(/maxBytes: expected a whole number 0\.\.1024/);
  });
});
