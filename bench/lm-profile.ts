// Where the time of one transformer training step goes (issue #18): runs the lm-general-cpu step
// (benchLm.ts's model, AdamW, batch 16 × 64 tokens) under tf.profile and sums each kernel's wall time
// by kernel name and by kernel name + input shapes, plus the engine overhead (step time − kernel time).
//   node --import ./bench/esm-hook.mjs --import tsx bench/lm-profile.ts [--threads 1] [--steps 5] [--warmup 3]
//     [--lm layers,d,heads,mlp,context --batch windows]   (default: lm-general-cpu, 16 windows)
// WHITTLE_FUSED_TRANSFORMER=0 profiles the tfjs composition the fused kernels replace.
// Prints one JSON object. On a shared machine read the shares, not the milliseconds.
import { parseArgs } from 'node:util';
import os from 'node:os';
import { initBackend } from '../src/worker/engine/backend';
import { setKernelThreads } from '../src/worker/engine/kernels';
import { Rng } from '../src/worker/engine/rng';
import { tf } from '../src/worker/engine/tf';
import { LM_GENERAL_CPU } from '../src/worker/jobs/benchLm';
import { decoderConfig } from '../src/worker/models/decoder/config';
import { Transformer } from '../src/worker/models/decoder/model';
import type { Windows } from '../src/worker/train/batch';
import { Adam } from '../src/worker/train/optimizers';
import { trainStep } from '../src/worker/train/step';

const { values } = parseArgs({ options: { threads: { type: 'string', default: '1' }, steps: { type: 'string', default: '5' }, warmup: { type: 'string', default: '3' }, lm: { type: 'string' }, batch: { type: 'string' } } });
const info = await initBackend('wasm');
const threads = setKernelThreads(Number(values.threads));
const [layers, dModel, heads, mlp, context] = (values.lm ?? '').split(',').map(Number);
const s = { ...LM_GENERAL_CPU, ...(values.lm ? { layers, dModel, heads, mlp, context } : {}), ...(values.batch ? { batch: Number(values.batch) } : {}) };
const rng = new Rng(0);
const model = Transformer.create(decoderConfig({ vocab: s.vocab, context: s.context, dModel: s.dModel, heads: s.heads, headDim: s.dModel / s.heads, mlp: Array(s.layers).fill(s.mlp) }), rng);
const opt = new Adam(model.params(), { name: 'adam', lr: 2e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: true });
const batch: Windows = { tokens: Int32Array.from({ length: s.batch * (s.context + 1) }, () => rng.int(s.vocab)), count: s.batch, T: s.context };
for (let i = 0; i < Number(values.warmup); i++) trainStep(model, opt, batch);

const byName = new Map<string, { ms: number; calls: number }>();
const byShape = new Map<string, { ms: number; calls: number }>();
const add = (m: Map<string, { ms: number; calls: number }>, k: string, ms: number) => {
  const e = m.get(k) ?? { ms: 0, calls: 0 }; e.ms += ms; e.calls += 1; m.set(k, e);
};
const steps = Number(values.steps);
let wallMs = 0;
let kernelMs = 0;
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  const p = await tf.profile(() => { trainStep(model, opt, batch); });
  wallMs += performance.now() - t0;
  for (const k of p.kernels) {
    const ms = Number(k.kernelTimeMs) || 0;
    kernelMs += ms;
    add(byName, k.name, ms);
    add(byShape, `${k.name} ${k.inputShapes.map((sh) => `[${sh}]`).join('')}`, ms);
  }
}
const table = (m: Map<string, { ms: number; calls: number }>, top: number) => [...m.entries()]
  .map(([k, v]) => ({ kernel: k, msPerStep: Math.round(v.ms / steps * 100) / 100, callsPerStep: v.calls / steps, share: Math.round(v.ms / kernelMs * 1000) / 1000 }))
  .sort((a, b) => b.msPerStep - a.msPerStep).slice(0, top);
model.dispose(); opt.dispose();
process.stdout.write(JSON.stringify({
  date: new Date().toISOString(), loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100), cpus: os.availableParallelism(),
  shape: s, fusedTransformerKernels: process.env.WHITTLE_FUSED_TRANSFORMER !== '0',
  backend: info.backend, native: info.kernels?.native ?? false, gemm: info.kernels?.gemm ?? null, threads, steps,
  wallMsPerStep: Math.round(wallMs / steps * 10) / 10, kernelMsPerStep: Math.round(kernelMs / steps * 10) / 10,
  kernelCallsPerStep: [...byName.values()].reduce((a, v) => a + v.calls, 0) / steps,
  byKernel: table(byName, 40), byKernelAndShape: table(byShape, 40),
}, null, 1) + '\n');
process.exit(0);
