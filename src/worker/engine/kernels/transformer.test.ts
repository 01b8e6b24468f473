// The transformer step's fused kernels (native/transformer.c through transformer.ts) against the
// tfjs composition they replace, run on the cpu backend (the oracle), and against float64
// references: activation (GELU tanh and erf, SiLU), LayerNorm and RMSNorm, causal softmax, the
// split of the q|k|v projection into heads (through the models below), softmax cross-entropy over a
// vocabulary — values
// and gradients, odd widths, a single query, query counts that are no multiple of any block, keys
// after a KV cache — then whole decoder models (GPT-style and Llama-style: rotary, grouped-query,
// gated SiLU, RMSNorm) trained one step and run with a KV cache, on every GEMM route the addon has.
// Every case asserts the tensor count (and the backend's buffer count) is unchanged.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectMatch, on, type Fn } from '../../../../test/helpers/backendOracle';
import { relErr } from '../../../../test/helpers/numeric';
import { need } from '../../../../test/helpers/prereqs';
import { Rng } from '../rng';
import { tf, type Tensor, type Tensor1D } from '../tf';
import { decoderConfig, type DecoderConfigInput } from '../../models/decoder/config';
import { activate, disposeKvCache, initTransformer, Transformer } from '../../models/decoder/model';
import { windowTensors } from '../../train/batch';
import { crossEntropy } from '../../train/loss';
import { fusedActivation, fusedCausalSoftmax, fusedNorm, fusedSplitHeads, installKernels, setKernelThreads, softmaxCrossEntropy, uninstallKernels } from './index';
import { loadNative, type NativeGemm } from './native';

const addon = loadNative();

function randArr(n: number, seed: number, scale = 1): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.normal() * scale);
}
const rand = (shape: number[], seed: number, scale = 1) => tf.tensor(randArr(shape.reduce((a, b) => a * b, 1), seed, scale), shape);

// ---- float64 references ----------------------------------------------------------------------------

/** erf in float64: its Maclaurin series below 2.5, the continued fraction of erfc above. */
const erf = (x: number): number => {
  const t = Math.abs(x);
  if (t < 2.5) {
    let sum = t, term = t;
    for (let n = 1; n < 200 && Math.abs(term) > 1e-18; n++) { term *= -t * t / n; sum += term / (2 * n + 1); }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = 0; // erfc(t) = e^{−t²}/√π · 1/(t + (1/2)/(t + 1/(t + (3/2)/(t + …))))
  for (let k = 80; k >= 1; k--) f = (k / 2) / (t + f);
  return Math.sign(x) * (1 - Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + f));
};
const ACT64: Record<string, (x: number) => number> = {
  gelu_tanh: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  silu: (x) => x / (1 + Math.exp(-x)),
};

function norm64(kind: 'layernorm' | 'rmsnorm', x: Float32Array, d: number, g: Float32Array, b: Float32Array | null, eps: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / d; r++) {
    let mean = 0, q = 0;
    if (kind === 'layernorm') { for (let j = 0; j < d; j++) mean += x[r * d + j]; mean /= d; }
    for (let j = 0; j < d; j++) q += (x[r * d + j] - mean) ** 2;
    const rs = 1 / Math.sqrt(q / d + eps);
    for (let j = 0; j < d; j++) out[r * d + j] = (x[r * d + j] - mean) * rs * g[j] + (b ? b[j] : 0);
  }
  return out;
}

function causalSoftmax64(s: Float32Array, S: number, T: number, P: number, scale: number): Float64Array {
  const out = new Float64Array(s.length);
  for (let r = 0; r < s.length / S; r++) {
    const n = Math.min(S, P + (r % T) + 1);
    let max = -Infinity;
    for (let j = 0; j < n; j++) max = Math.max(max, scale * s[r * S + j]);
    let sum = 0;
    for (let j = 0; j < n; j++) sum += Math.exp(scale * s[r * S + j] - max);
    for (let j = 0; j < n; j++) out[r * S + j] = Math.exp(scale * s[r * S + j] - max) / sum;
  }
  return out;
}

// ---- the compositions the fused ops replace (what the model runs without the addon) --------------

function layerNormComposed(x: Tensor, g: Tensor, b: Tensor, eps: number): Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), g), b);
}
function rmsNormComposed(x: Tensor, g: Tensor, eps: number): Tensor {
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))), g);
}
function causalSoftmaxComposed(s: Tensor, scale: number, T: number, P: number): Tensor {
  const S = s.shape[s.shape.length - 1];
  const R = s.shape[s.shape.length - 2];
  const m = new Float32Array(R * S);
  for (let r = 0; r < R; r++) for (let j = P + (r % T) + 1; j < S; j++) m[r * S + j] = -1e9;
  return tf.softmax(tf.add(tf.mul(s, scale), tf.tensor2d(m, [R, S])));
}

const norm = (kind: 'layernorm' | 'rmsnorm', x: Tensor, g: Tensor, b: Tensor | null, eps: number) =>
  fusedNorm(kind, x, g as Tensor1D, b as Tensor1D | null, eps) ?? (kind === 'layernorm' ? layerNormComposed(x, g, b!, eps) : rmsNormComposed(x, g, eps));
const softmax = (s: Tensor, scale: number, T: number, P: number) => fusedCausalSoftmax(s, scale, T, P) ?? causalSoftmaxComposed(s, scale, T, P);

const gemms: NativeGemm[] = [];
if (addon) {
  for (const g of ['avx512', 'blas', 'builtin'] as const) if (addon.useGemm(g) === g) gemms.push(g);
  addon.useGemm('auto');
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  await tf.setBackend('cpu');
  await tf.ready();
});
afterAll(() => { uninstallKernels('wasm'); addon?.useGemm('auto'); });

describe('without the native addon', () => {
  it('the fused ops are absent and the model keeps its tfjs composition', async () => {
    uninstallKernels('wasm');
    installKernels('wasm', { native: false });
    await tf.setBackend('wasm');
    tf.tidy(() => {
      const x = tf.ones([2, 4]);
      expect(fusedActivation('gelu_tanh', x)).toBeNull();
      expect(fusedNorm('layernorm', x, tf.ones([4]) as Tensor1D, null, 1e-5)).toBeNull();
      expect(fusedCausalSoftmax(tf.ones([1, 2, 2]), 1, 2, 0)).toBeNull();
      expect(fusedSplitHeads(tf.ones([2, 12]), 1, 2, 2, 1, 3)).toBeNull();
    });
    await tf.setBackend('cpu');
    uninstallKernels('wasm');
  });
});

describe.runIf(need('nativeKernels', import.meta.url) && !!addon)('fused transformer kernels (native addon)', () => {
  beforeAll(() => {
    uninstallKernels('wasm');
    const info = installKernels('wasm', { native: true, threads: 2 });
    expect(info.kernels).toEqual(expect.arrayContaining(['WhittleActivation', 'WhittleNorm', 'WhittleCausalSoftmax']));
  });

  it.each(['gelu_tanh', 'gelu', 'silu'] as const)('%s: values vs float64 and the composition, gradient vs the composition', async (kind) => {
    // 8193 values: one past a whole chunk of the threaded loop; scale 3 reaches both tails
    const xs = randArr(8193, 1, 3);
    xs[0] = 0; xs[1] = -12; xs[2] = 12; xs[3] = 1e-4;
    const [y] = await expectMatch(() => activate(kind, tf.tensor1d(xs)), 2e-6);
    const ref = Array.from(xs, ACT64[kind]);
    expect(relErr(y, ref)).toBeLessThanOrEqual(2e-6);
    const dy = randArr(8193, 2);
    await expectMatch(() => tf.grad((x: Tensor) => tf.sum(tf.mul(activate(kind, x), tf.tensor1d(dy))))(tf.tensor1d(xs)), 2e-6);
  });

  it.each([
    { kind: 'layernorm', rows: 1, d: 1, bias: true },
    { kind: 'layernorm', rows: 37, d: 13, bias: true },
    { kind: 'layernorm', rows: 300, d: 128, bias: true },
    { kind: 'rmsnorm', rows: 37, d: 13, bias: false },
    { kind: 'rmsnorm', rows: 300, d: 129, bias: false },
  ] as const)('$kind $rows × $d: values vs float64 and the composition; dx, dg, db vs the composition', async ({ kind, rows, d, bias }) => {
    const xs = randArr(rows * d, 3, 2).map((v, i) => v + (i % d) * 0.1); // rows with a mean to remove
    const gs = randArr(d, 4, 0.3).map((v) => v + 1);
    const bs = randArr(d, 5, 0.1);
    const eps = kind === 'layernorm' ? 1e-5 : 1e-6;
    const args = () => [tf.tensor2d(xs, [rows, d]), tf.tensor1d(gs), tf.tensor1d(bs)] as const;
    const [y] = await expectMatch(() => { const [x, g, b] = args(); return norm(kind, x, g, bias ? b : null, eps); }, 3e-6);
    // d = 1: LayerNorm's output is exactly b (x − mean = 0)
    expect(relErr(y, norm64(kind, xs, d, gs, bias ? bs : null, eps))).toBeLessThanOrEqual(3e-6);
    const dy = randArr(rows * d, 6);
    await expectMatch(() => {
      const [x, g, b] = args();
      const weight = tf.tensor2d(dy, [rows, d]);
      if (!bias) return tf.grads((a: Tensor, c: Tensor) => tf.sum(tf.mul(norm(kind, a, c, null, eps), weight)))([x, g]);
      return tf.grads((a: Tensor, c: Tensor, e: Tensor) => tf.sum(tf.mul(norm(kind, a, c, e, eps), weight)))([x, g, b]);
    }, 2e-5);
  });

  it.each([
    { lead: [2, 3], T: 5, P: 0, g: 1 }, // 5 queries: no multiple of any block
    { lead: [1, 1], T: 1, P: 0, g: 1 }, // one token
    { lead: [2, 1], T: 3, P: 0, g: 2 }, // grouped-query rows: g·T rows per key head
    { lead: [1, 2], T: 1, P: 6, g: 1 }, // one new token after 6 cached ones (sees every key)
    { lead: [1, 2], T: 3, P: 4, g: 3 }, // a chunk after a cache, grouped
    { lead: [2, 2], T: 64, P: 0, g: 1 }, // the lm-general-cpu shape per head
  ])('causal softmax $lead × ($g·$T) over $P + $T keys: values vs float64 and the additive-mask composition, gradient', async ({ lead, T, P, g }) => {
    const S = P + T, R = g * T;
    const shape = [...lead, R, S];
    const n = shape.reduce((a, b) => a * b, 1);
    const ss = randArr(n, 7, 4);
    const scale = 1 / Math.sqrt(8);
    const [y] = await expectMatch(() => softmax(tf.tensor(ss, shape), scale, T, P), 2e-6);
    expect(relErr(y, causalSoftmax64(ss, S, T, P, scale))).toBeLessThanOrEqual(2e-6);
    const dy = randArr(n, 8);
    await expectMatch(() => tf.grad((s: Tensor) => tf.sum(tf.mul(softmax(s, scale, T, P), tf.tensor(dy, shape))))(tf.tensor(ss, shape)), 2e-6);
  });

  it.each([{ N: 70, C: 257 }, { N: 1, C: 2 }, { N: 3, C: 5000 }])('softmax cross-entropy $N × $C: loss vs float64 and the composition, gradient', async ({ N, C }) => {
    const zs = randArr(N * C, 9, 3);
    const ys = Int32Array.from({ length: N }, (_, i) => (i * 7919) % C);
    const labels = () => tf.tensor1d(ys, 'int32');
    const [loss] = await expectMatch(() => softmaxCrossEntropy(tf.tensor2d(zs, [N, C]), labels()), 1e-6);
    let ref = 0;
    for (let i = 0; i < N; i++) {
      let max = -Infinity, sum = 0;
      for (let c = 0; c < C; c++) max = Math.max(max, zs[i * C + c]);
      for (let c = 0; c < C; c++) sum += Math.exp(zs[i * C + c] - max);
      ref += max + Math.log(sum) - zs[i * C + ys[i]];
    }
    expect(Math.abs(loss[0] - ref / N)).toBeLessThanOrEqual(1e-6 * Math.max(1, ref / N));
    await expectMatch(() => tf.grad((z: Tensor) => tf.mul(softmaxCrossEntropy(z as tf.Tensor2D, labels()), 3))(tf.tensor2d(zs, [N, C])), 1e-6);
  });

  it('bad arguments are refused with a clear error, never read outside the heap', () => {
    const heap = new ArrayBuffer(64);
    const n = addon as unknown as Record<string, (h: ArrayBuffer, a: unknown) => void>;
    expect(() => n.geluForward(heap, Float64Array.of(100, 0, 0, 0))).toThrow(/activation arguments malformed or outside the heap/);
    expect(() => n.geluForward(heap, [4, 0, 0, 16])).toThrow(/Float64Array of activation arguments/);
    expect(() => n.layerNormForward(heap, Float64Array.of(2, 4, 0, 1e-5, 0, 32, -1, 3))).toThrow(/norm arguments malformed/);
    expect(() => n.causalSoftmaxForward(heap, Float64Array.of(2, 3, 2, 0, 1, 0, 32))).toThrow(/keys S = P \+ T/);
    // the fused MLP reads its arguments with the same reader (args.c)
    expect(() => n.mlpForward(heap, Float64Array.of(1, 1, 4, 2, 0, 0, 0))).toThrow(/mlpForward arguments malformed or outside the heap/);
    expect(() => n.mlpBackward(heap, Float64Array.of(1, 1, 4, 2, 0, 0, 0, 0, 1000, -1))).toThrow(/mlpBackward arguments malformed or outside the heap/);
    expect(() => n.mlpForward(heap, [1, 1, 4, 2, 0, 0, 0, 0])).toThrow(/Float64Array of MLP arguments/);
  });
});

// Whole models: one training step's loss and every gradient, and a cached forward, on wasm with
// the fused kernels (each GEMM route) against the cpu backend running the composition.
const GPT: DecoderConfigInput = { vocab: 23, context: 9, dModel: 12, heads: 3, headDim: 4, mlp: [20, 13] };
const GPT_GQA: DecoderConfigInput = { ...GPT, kvHeads: 1 }; // learned positions, three query heads per key head
const LLAMA: DecoderConfigInput = {
  vocab: 19, context: 9, dModel: 10, heads: 4, headDim: 4, kvHeads: 2, mlp: [14, 11], norm: 'rmsnorm', normEps: 1e-6,
  positions: 'rotary', activation: 'silu', gatedMlp: true, tiedEmbeddings: false, bias: { qkv: false, attnOut: false, mlp: false },
};

function stepOutputs(input: DecoderConfigInput, B: number, T: number, masked: 'none' | 'mlp' | 'resid'): Fn {
  return () => {
    const w = initTransformer(input, new Rng(11));
    const r = new Rng(12);
    for (const [name, v] of Object.entries(w.params)) {
      if (!name.endsWith('.g')) for (let i = 0; i < v.length; i++) v[i] *= 10; // well above float32 noise
      else for (let i = 0; i < v.length; i++) v[i] = 1 + 0.3 * r.normal();
    }
    const some = (m: Float32Array) => Float32Array.from(m, (_, i) => (i % 3 === 1 ? 0 : 1));
    if (masked === 'mlp') w.masks.mlp[0] = some(w.masks.mlp[0]);
    // masked residual dimensions: the norms take the composition (the fused norm has no mask)
    if (masked === 'resid') w.masks.resid = some(w.masks.resid);
    const model = new Transformer(w);
    const toks = Int32Array.from({ length: B * (T + 1) }, () => r.int(decoderConfig(input).vocab));
    const { x, y } = windowTensors(toks, B, T);
    const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x), y), model.params());
    const out = [value, ...model.params().map((p) => grads[p.name])];
    model.dispose();
    return out;
  };
}

function cachedOutputs(input: DecoderConfigInput, B: number): Fn {
  return () => {
    const model = new Transformer(initTransformer(input, new Rng(13)));
    const r = new Rng(14);
    const toks = (n: number) => tf.tensor2d(Int32Array.from({ length: B * n }, () => r.int(decoderConfig(input).vocab)), [B, n], 'int32');
    const a = model.forwardCached(toks(4), null);
    const b = model.forwardCached(toks(1), a.cache); // one new token
    const c = model.forwardCached(toks(3), b.cache); // a chunk after the cache
    const out = [a.logits, b.logits, c.logits];
    [a, b, c].forEach((s) => disposeKvCache(s.cache));
    model.dispose();
    return out;
  };
}

describe.runIf(need('nativeKernels', import.meta.url) && !!addon).each(gemms.map((g) => ({ gemm: g })))('decoder models on the fused route ($gemm GEMM)', ({ gemm }) => {
  beforeAll(() => {
    uninstallKernels('wasm');
    expect(addon!.useGemm(gemm)).toBe(gemm);
    installKernels('wasm', { native: true, threads: 2 });
  });

  it.each([
    { name: 'GPT-style', cfg: GPT, B: 3, T: 9, masked: 'none' },
    { name: 'GPT-style, one token', cfg: GPT, B: 2, T: 1, masked: 'none' },
    { name: 'GPT-style, masked neurons', cfg: GPT, B: 2, T: 7, masked: 'mlp' },
    { name: 'GPT-style, masked residual dimensions', cfg: GPT, B: 2, T: 7, masked: 'resid' },
    { name: 'GPT-style, grouped-query', cfg: GPT_GQA, B: 2, T: 5, masked: 'none' },
    { name: 'Llama-style', cfg: LLAMA, B: 2, T: 7, masked: 'none' },
    { name: 'Llama-style, masked residual dimensions', cfg: LLAMA, B: 2, T: 5, masked: 'resid' },
  ] as const)('$name: training loss and every gradient equal the composition on cpu', async ({ cfg, B, T, masked }) => {
    const [loss] = await expectMatch(stepOutputs(cfg, B, T, masked), 1e-4);
    expect(Number.isFinite(loss[0])).toBe(true);
  });

  // B = 1: a new token's products have one row (the addon's GEMV path)
  it.each([
    { name: 'GPT-style', cfg: GPT, B: 2 }, { name: 'GPT-style, grouped-query', cfg: GPT_GQA, B: 2 },
    { name: 'Llama-style', cfg: LLAMA, B: 2 }, { name: 'Llama-style, one sequence', cfg: LLAMA, B: 1 },
    { name: 'GPT-style, one sequence', cfg: GPT, B: 1 },
  ])('$name: KV-cached logits equal the composition on cpu', async ({ cfg, B }) => {
    await expectMatch(cachedOutputs(cfg, B), 1e-5);
  });
});

// Same bytes at any thread count (README: a seed gives bit-identical runs at 1 or 2 threads): a step
// large enough that every fused kernel splits its rows across threads (≥ 32,768 elements a call).
describe.runIf(need('nativeKernels', import.meta.url) && !!addon)('fused transformer step: same bytes at any thread count', () => {
  beforeAll(() => {
    uninstallKernels('wasm');
    addon!.useGemm('auto');
    installKernels('wasm', { native: true, threads: 2 });
  });
  afterAll(() => setKernelThreads(1));

  it('loss and every gradient at 1, 2 and 3 threads', async () => {
    const cfg: DecoderConfigInput = { vocab: 256, context: 64, dModel: 128, heads: 4, headDim: 32, mlp: [512] };
    const bytes = async (threads: number) => {
      expect(setKernelThreads(threads)).toBe(threads);
      const out = await on('wasm', stepOutputs(cfg, 4, 64, 'none'));
      return out.map((a) => new Uint8Array(a.buffer.slice(0)));
    };
    const one = await bytes(1);
    for (const t of [2, 3]) {
      const got = await bytes(t);
      got.forEach((b, i) => expect(Buffer.compare(Buffer.from(b), Buffer.from(one[i])), `${t} threads, output ${i}`).toBe(0));
    }
  });
});
