// WebGPU route with an adapter (a GPU, or lavapipe in CI: scripts/ci/lavapipe.sh): the kernels the
// engine trains with give the cpu backend's values and gradients — MLP, softmax cross-entropy,
// transformer attention / LayerNorm / GELU (GPT-2 style) and RMSNorm / rotary / gated SiLU / grouped
// KV heads (Llama style) — and Adam / AdamW steps land on the cpu backend's weights. Only async
// reads (data()): the webgpu backend cannot read back synchronously under Node.
//
// Tolerance 1e-4 relative to each output's scale (relErr): float32 on both backends, different
// reduction orders (GPU workgroup trees vs sequential sums) — errors of a few ulps × sqrt(terms),
// far below what a wrong kernel gives (a wrong transpose or epsilon is off by ≥ 1e-2).
// Without an adapter this file is skipped with the reason (a failure under WHITTLE_TEST_STRICT=1, as
// CI installs lavapipe); webgpu.noAdapter.test.ts covers the machine without one.
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { need } from '../../../test/helpers/prereqs';
import { relErr } from '../../../test/helpers/numeric';
import { initBackend, preferenceOrder } from './backend';
import { Rng } from './rng';
import { tf, type Tensor, type Tensor2D } from './tf';
import { probeWebgpu } from './webgpu';
import { probeWebgpuQuietly } from './webgpuQuietProbe';
import { softmaxCrossEntropy } from './kernels';
import { initWeights, MaskableMlp, type MlpWeights } from '../models/mlp/model';
import { decoderConfig, type DecoderConfigInput } from '../models/decoder/config';
import { Transformer } from '../models/decoder/model';
import { windowTensors, type Windows } from '../train/batch';
import { createOptimizer, type Optimizer } from '../train/optimizers';
import { crossEntropy } from '../train/loss';
import { trainStep } from '../train/step';
import type { Batch } from '../tasks/types';

const present = need('webgpuAdapter', import.meta.url);
const TOL = 1e-4;

const host = async (ts: Tensor[]): Promise<Float32Array[]> => Promise.all(ts.map(async (t) => Float32Array.from(await t.data())));

/** Run `fn` on cpu, then on webgpu; every output must match within TOL; no tensor may leak. */
async function compareBackends(fn: () => Promise<Float32Array[]>): Promise<void> {
  const outs: Float32Array[][] = [];
  for (const b of ['cpu', 'webgpu']) {
    await tf.setBackend(b);
    expect(tf.getBackend()).toBe(b);
    const before = tf.memory().numTensors;
    outs.push(await fn());
    expect(tf.memory().numTensors, `tensors left on ${b}`).toBe(before);
  }
  const [ref, got] = outs;
  expect(got.length).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) expect(relErr(got[i], ref[i]), `output ${i}`).toBeLessThanOrEqual(TOL);
}

const mlpWeights: MlpWeights = initWeights({ inputs: 12, hidden: [32, 16], outputs: 5, activation: 'relu' }, new Rng(7));
const mlpBatch: Batch = (() => {
  const r = new Rng(11), count = 64;
  return { x: Float32Array.from({ length: count * 12 }, () => r.uniform(-1, 1)), y: Int32Array.from({ length: count }, (_, i) => i % 5), count };
})();

const windows = (vocab: number, count: number, T: number, seed: number): Windows => {
  const r = new Rng(seed);
  return { tokens: Int32Array.from({ length: count * (T + 1) }, () => r.int(vocab)), count, T };
};

const GPT2: DecoderConfigInput = { vocab: 11, context: 8, dModel: 16, heads: 2, headDim: 8, mlp: [24, 20] };
const LLAMA: DecoderConfigInput = { ...GPT2, heads: 4, headDim: 4, kvHeads: 2, norm: 'rmsnorm', positions: 'rotary', activation: 'silu', gatedMlp: true, tiedEmbeddings: false, bias: { qkv: false, attnOut: false, mlp: false } };

/** A transformer's logits and every parameter's gradient of the mean next-token loss. */
async function transformerValuesAndGrads(cfgIn: DecoderConfigInput): Promise<Float32Array[]> {
  const model = Transformer.create(decoderConfig(cfgIn), new Rng(3));
  const w = windows(cfgIn.vocab, 3, 7, 5);
  try {
    const out = tf.tidy(() => {
      const { x, y } = windowTensors(w.tokens, w.count, w.T);
      const logits = model.forward(x); // [B·T, V]
      const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x), y), model.params());
      return [logits, value, ...model.params().map((p) => grads[p.name])];
    });
    try { return await host(out); } finally { tf.dispose(out); }
  } finally { model.dispose(); }
}

/** The variables and the optimizer's state after its steps, read back asynchronously. */
async function weightsAndMoments(model: { params(): tf.Variable[] }, opt: Optimizer): Promise<Float32Array[]> {
  const state = await opt.readState();
  return [...(await host(model.params())), ...Object.values(state.slots)];
}

describe.runIf(present)('webgpu backend (adapter present)', () => {
  beforeAll(async () => {
    const info = await initBackend('webgpu');
    if (info.backend !== 'webgpu') throw new Error(`an adapter is present but the webgpu backend did not start: ${info.note}`);
  });
  afterAll(async () => { await tf.setBackend('cpu'); });

  it("the quiet lookup (a child process that keeps Dawn's stderr) finds the adapter this process finds", async () => {
    const p = await probeWebgpu({ allowSoftware: true });
    const q = await probeWebgpuQuietly(20_000);
    if (q.kind !== 'adapter') throw new Error(`the quiet lookup found no adapter: ${JSON.stringify(q)}`);
    expect([q.adapter.info?.vendor, q.adapter.info?.architecture]).toEqual([p.adapter?.vendor, p.adapter?.architecture]);
  }, 30_000);

  it('names its adapter; a software adapter is used when forced, never chosen automatically', async () => {
    const p = await probeWebgpu({ allowSoftware: true });
    console.log(`webgpu adapter: ${p.reason}`);
    expect(p.available).toBe(true);
    const forced = await initBackend('webgpu');
    expect(forced.backend).toBe('webgpu');
    expect(forced.adapter?.vendor.length ?? 0).toBeGreaterThan(0);
    expect(preferenceOrder('')).not.toContain('webgpu');
    const saved = { b: process.env.WHITTLE_BACKEND, s: process.env.WHITTLE_WEBGPU_SOFTWARE };
    delete process.env.WHITTLE_BACKEND; delete process.env.WHITTLE_WEBGPU_SOFTWARE;
    try {
      const auto = await initBackend(undefined, 'gpu-first');
      expect(auto.backend === 'webgpu').toBe(!p.adapter!.fallback); // lavapipe: never automatically
      expect((await initBackend(undefined, 'auto')).backend).not.toBe('webgpu');
      expect((await initBackend('webgpu', 'host')).backend).not.toBe('webgpu'); // export & co. stay on the host
    } finally {
      if (saved.b !== undefined) process.env.WHITTLE_BACKEND = saved.b;
      if (saved.s !== undefined) process.env.WHITTLE_WEBGPU_SOFTWARE = saved.s;
      await initBackend('webgpu');
    }
  });

  it('MLP: logits, loss and gradients match cpu', () => compareBackends(async () => {
    const model = new MaskableMlp(mlpWeights);
    try {
      const out = tf.tidy(() => {
        const x = tf.tensor2d(mlpBatch.x, [mlpBatch.count, 12]);
        const y = tf.tensor1d(mlpBatch.y, 'int32');
        const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x), y), model.params());
        return [model.forward(x), value, ...model.params().map((p) => grads[p.name])];
      });
      try { return await host(out); } finally { tf.dispose(out); }
    } finally { model.dispose(); }
  }));

  it('addN sums every input (its own webgpu kernel summed only the first ones: kernels/addN.ts)', () => compareBackends(async () => {
    const out = tf.tidy(() => [3, 9, 30].flatMap((n) => [
      tf.addN(Array.from({ length: n }, (_, i) => tf.scalar(i + 1))),
      tf.addN(Array.from({ length: n }, (_, i) => tf.fill([7, 3], i - 4.5))),
    ]));
    const got = await host(out);
    tf.dispose(out);
    expect(got[0][0]).toBe(6);
    expect(got[4][0]).toBe(465);
    return got;
  }));

  it('softmax cross-entropy: value and gradient match cpu (large logits included)', () => compareBackends(async () => {
    const r = new Rng(2);
    const logits = tf.tidy(() => tf.variable(tf.tensor2d(Float32Array.from({ length: 40 * 7 }, () => r.uniform(-30, 30)), [40, 7])));
    const labels = tf.tensor1d(Int32Array.from({ length: 40 }, (_, i) => (i * 3) % 7), 'int32');
    try {
      const out = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => softmaxCrossEntropy(logits as unknown as Tensor2D, labels as tf.Tensor1D), [logits]);
        return [value, grads[logits.name]];
      });
      try { return await host(out); } finally { tf.dispose(out); }
    } finally { logits.dispose(); labels.dispose(); }
  }));

  it('GPT-2-style transformer (attention, LayerNorm, GELU, learned positions): logits and gradients match cpu', () =>
    compareBackends(() => transformerValuesAndGrads(GPT2)));

  it('Llama-style transformer (RMSNorm, rotary, gated SiLU, grouped KV heads): logits and gradients match cpu', () =>
    compareBackends(() => transformerValuesAndGrads(LLAMA)));

  it('Adam on the MLP: weights and moments after 3 steps match cpu', () => compareBackends(async () => {
    const model = new MaskableMlp(mlpWeights);
    const opt = createOptimizer({ name: 'adam', lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false }, model.params());
    try {
      for (let s = 0; s < 3; s++) trainStep(model, opt, mlpBatch);
      return await weightsAndMoments(model, opt);
    } finally { opt.dispose(); model.dispose(); }
  }));

  it('AdamW on the transformer: weights and moments after 3 steps match cpu', async () => {
    const w = windows(GPT2.vocab, 3, 7, 9);
    await compareBackends(async () => {
      const model = Transformer.create(decoderConfig(GPT2), new Rng(4));
      const opt = createOptimizer({ name: 'adam', lr: 1e-2, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, decoupled: true }, model.params());
      try {
        for (let s = 0; s < 3; s++) trainStep(model, opt, w, { gradClip: 1 });
        return await weightsAndMoments(model, opt);
      } finally { opt.dispose(); model.dispose(); }
    });
  });
});
