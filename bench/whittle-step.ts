// Child process of bench/run.ts: times Whittle's training step for one shape on one backend and
// prints one JSON line. Run with the ESM hook (see esm-hook.mjs):
//   node --import ./bench/esm-hook.mjs --import tsx bench/whittle-step.ts \
//     --backend wasm --dims 68,128,128,2 --batch 10000 --steps 20 --warmup 3 [--threads 1] [--variant per-layer]
//   --model transformer times the lm-general-cpu transformer's step instead (--batch = windows of 64 tokens);
//   --lm layers,d,heads,mlp,context another transformer shape (byte vocabulary, --batch windows of `context` tokens).
// WebGPU rows name their adapter (a software one, lavapipe/SwiftShader, is a correctness path only).
import { parseArgs } from 'node:util';
import { initBackend, type BackendName } from '../src/worker/engine/backend';
import { setKernelThreads } from '../src/worker/engine/kernels';
import { timeTrainSteps } from '../src/worker/jobs/bench';
import { LM_GENERAL_CPU, timeLmSteps } from '../src/worker/jobs/benchLm';
import { describeAdapter } from '../src/worker/engine/webgpu';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' }, dims: { type: 'string', default: '68,128,128,2' },
    batch: { type: 'string', default: '10000' }, steps: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' }, threads: { type: 'string' }, variant: { type: 'string', default: 'engine' }, seed: { type: 'string', default: '0' },
    model: { type: 'string', default: 'mlp' }, lm: { type: 'string' },
  },
});
const dims = values.dims!.split(',').map(Number);
const want = values.backend as BackendName;
try {
  const info = await initBackend(want);
  if (info.backend !== want) throw new Error(`backend '${want}' is not available here (got '${info.backend}')`);
  if (values.threads) setKernelThreads(Number(values.threads));
  const adapter = info.adapter ? { adapter: describeAdapter(info.adapter), softwareAdapter: info.adapter.fallback } : {};
  if (values.model === 'transformer') {
    // --lm layers,d,heads,mlp,context (default: lm-general-cpu's model)
    const [layers, dModel, heads, mlp, context] = (values.lm ?? '').split(',').map(Number);
    const shape = values.lm ? { ...LM_GENERAL_CPU, layers, dModel, heads, mlp, context } : LM_GENERAL_CPU;
    const r = await timeLmSteps({ ...shape, batch: Number(values.batch), steps: Number(values.steps), warmup: Number(values.warmup), seed: Number(values.seed) });
    process.stdout.write(JSON.stringify({ ok: true, ...adapter, ...r }) + '\n');
    process.exit(0);
  }
  const r = await timeTrainSteps({
    inputDim: dims[0], hidden: dims.slice(1, -1), outputs: dims[dims.length - 1],
    batch: Number(values.batch), steps: Number(values.steps), warmup: Number(values.warmup), seed: Number(values.seed),
    variant: values.variant === 'per-layer' ? 'per-layer' : 'engine',  // engine-blas: engine, WHITTLE_GEMM=blas set by run.ts
  });
  process.stdout.write(JSON.stringify({ ok: true, simd: info.simd, ...adapter, ...r }) + '\n');
} catch (e) {
  process.stdout.write(JSON.stringify({ ok: false, backend: want, error: (e as Error).message }) + '\n');
}
process.exit(0);
