// Where the time of decoder inference goes (issue #18): a Llama-shaped model with SmolLM-135M's
// dimensions by default (30 layers, d 576, 9 heads, 3 KV heads, MLP 1536, vocab 49,152, tied head;
// random weights, no checkpoint files needed), a prompt forward of --prompt tokens, then --tokens
// single-token steps with the KV cache, each under tf.profile; prints ms per prompt and per token
// and the kernels summed by name (and name + shapes).
//   node --import ./bench/esm-hook.mjs --import tsx bench/decode-profile.ts [--threads 1] [--prompt 256] [--tokens 8]
//     [--dims layers,d,heads,kvHeads,mlp,vocab]
// WHITTLE_FUSED_TRANSFORMER=0 profiles the tfjs composition. On a shared machine read the shares.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/worker/engine/backend';
import { setKernelThreads } from '../src/worker/engine/kernels';
import { Rng } from '../src/worker/engine/rng';
import { tf, type Tensor2D } from '../src/worker/engine/tf';
import { decoderConfig } from '../src/worker/models/decoder/config';
import { disposeKvCache, type KvCache, Transformer } from '../src/worker/models/decoder/model';

const { values } = parseArgs({ options: {
  threads: { type: 'string', default: '1' }, prompt: { type: 'string', default: '256' }, tokens: { type: 'string', default: '8' },
  dims: { type: 'string', default: '30,576,9,3,1536,49152' },
} });
const info = await initBackend('wasm');
const threads = setKernelThreads(Number(values.threads));
const [layers, d, heads, kvHeads, mlp, vocab] = values.dims!.split(',').map(Number);
const cfg = decoderConfig({ vocab, context: 2048, dModel: d, heads, headDim: d / heads, kvHeads, mlp: Array(layers).fill(mlp),
  norm: 'rmsnorm', normEps: 1e-5, positions: 'rotary', activation: 'silu', gatedMlp: true, tiedEmbeddings: true,
  bias: { qkv: false, attnOut: false, mlp: false } });
const model = Transformer.create(cfg, new Rng(0));
const rng = new Rng(1);
const P = Number(values.prompt), N = Number(values.tokens);
const ids = (n: number) => tf.tensor2d(Int32Array.from({ length: n }, () => rng.int(vocab)), [1, n], 'int32') as Tensor2D;

type Acc = Map<string, { ms: number; calls: number }>;
const add = (m: Acc, k: string, ms: number) => { const e = m.get(k) ?? { ms: 0, calls: 0 }; e.ms += ms; e.calls++; m.set(k, e); };
const table = (m: Acc, per: number, top: number) => [...m.entries()].map(([k, v]) => ({ kernel: k, msPer: Math.round(v.ms / per * 100) / 100, callsPer: v.calls / per }))
  .sort((a, b) => b.msPer - a.msPer).slice(0, top);

async function profiled(f: () => void, byName: Acc, byShape: Acc): Promise<{ wall: number; kernel: number; calls: number }> {
  const t0 = performance.now();
  const p = await tf.profile(f);
  const wall = performance.now() - t0;
  let kernel = 0;
  for (const k of p.kernels) {
    const ms = Number(k.kernelTimeMs) || 0;
    kernel += ms;
    add(byName, k.name, ms);
    add(byShape, `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join('')}`, ms);
  }
  return { wall, kernel, calls: p.kernels.length };
}

let cache: KvCache | null = null;
// warm-up: one short prompt and one token
tf.tidy(() => { const r = model.forwardCached(ids(8), null); disposeKvCache(r.cache); });
const pn: Acc = new Map(), ps: Acc = new Map(), gn: Acc = new Map(), gs: Acc = new Map();
const prompt = await profiled(() => {
  const r = model.forwardCached(ids(P), null);
  cache = r.cache;
  tf.keep(r.logits).dispose();
}, pn, ps);
let wall = 0, kernel = 0, calls = 0;
for (let i = 0; i < N; i++) {
  const past: KvCache | null = cache;
  const s = await profiled(() => {
    const r = model.forwardCached(ids(1), past);
    cache = r.cache;
  }, gn, gs);
  disposeKvCache(past);
  wall += s.wall; kernel += s.kernel; calls += s.calls;
}
disposeKvCache(cache);
model.dispose();
const r2 = (x: number) => Math.round(x * 100) / 100;
process.stdout.write(JSON.stringify({
  date: new Date().toISOString(), loadavg: os.loadavg().map(r2), cpus: os.availableParallelism(), backend: info.backend,
  gemm: info.kernels?.gemm ?? null, threads, fusedTransformerKernels: process.env.WHITTLE_FUSED_TRANSFORMER !== '0',
  dims: { layers, d, heads, kvHeads, mlp, vocab }, params: model.paramCount(),
  prompt: { tokens: P, wallMs: r2(prompt.wall), kernelMs: r2(prompt.kernel), kernelCalls: prompt.calls, tokensPerSec: r2(P / prompt.wall * 1000), byKernel: table(pn, 1, 20), byKernelAndShape: table(ps, 1, 20) },
  generate: { tokens: N, wallMsPerToken: r2(wall / N), kernelMsPerToken: r2(kernel / N), kernelCallsPerToken: calls / N, tokensPerSec: r2(N / wall * 1000), byKernel: table(gn, N, 20), byKernelAndShape: table(gs, N, 20) },
}, null, 1) + '\n');
process.exit(0);
