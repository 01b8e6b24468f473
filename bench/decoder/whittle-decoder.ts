// Child process of bench/decoder/bench.ts: imports a Hugging Face folder into Whittle's decoder,
// times one forward over a prompt and greedy generation with the KV cache, and records memory at
// each stage. Prints one JSON line. Run with the ESM hook (see ../esm-hook.mjs):
//
//   node --expose-gc --import ./bench/esm-hook.mjs --import tsx bench/decoder/whittle-decoder.ts \
//     --dir DIR --backend wasm [--threads 1] [--prompt-len 256] [--gen-prompt-len 16] [--new 64]
//     [--repeats 3] [--warmup 1] [--import-only] [--logits-out FILE] [--tokens-out FILE]
//
// Backends: wasm (with the native kernels when the addon is built), wasm-only (WHITTLE_NATIVE=0,
// set by the parent), cpu (tfjs's reference kernels).
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { initBackend, type BackendName } from '../../src/worker/engine/backend';
import { setKernelThreads } from '../../src/worker/engine/kernels';
import { tf, type Tensor2D } from '../../src/worker/engine/tf';
import { greedy } from '../../src/worker/models/decoder/generate';
import { readHfFolder } from '../../src/worker/models/decoder/hf/read';
import { Transformer } from '../../src/worker/models/decoder/model';
import { promptIds } from './prompt';

const { values: a } = parseArgs({
  options: {
    dir: { type: 'string' }, backend: { type: 'string', default: 'wasm' }, threads: { type: 'string', default: '1' },
    'prompt-len': { type: 'string', default: '256' }, 'gen-prompt-len': { type: 'string', default: '16' },
    new: { type: 'string', default: '64' }, repeats: { type: 'string', default: '3' }, warmup: { type: 'string', default: '1' },
    'import-only': { type: 'boolean', default: false }, 'logits-out': { type: 'string' }, 'tokens-out': { type: 'string' },
  },
});

const MB = 1 << 20;
const rssMB = () => round(process.memoryUsage().rss / MB, 1);
/** Peak resident set of this process so far (maxRSS is in kB). */
const peakMB = () => round(process.resourceUsage().maxRSS / 1024, 1);
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

/** The backend's own memory: tfjs's tensor bytes and, on wasm, the size of the wasm heap (it only grows). */
function tfMemory(): { tensorMB: number; wasmHeapMB: number | null } {
  const be = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  const heap = be.wasm?.HEAPU8?.buffer.byteLength;
  return { tensorMB: round(tf.memory().numBytes / MB, 1), wasmHeapMB: heap ? round(heap / MB, 1) : null };
}

function stage(name: string, extra: Record<string, unknown> = {}) {
  return { stage: name, rssMB: rssMB(), peakRssMB: peakMB(), ...tfMemory(), heapUsedMB: round(process.memoryUsage().heapUsed / MB, 1),
    arrayBuffersMB: round(process.memoryUsage().arrayBuffers / MB, 1), ...extra };
}

async function main(): Promise<Record<string, unknown>> {
  if (!a.dir) throw new Error('--dir is required');
  const want = (a.backend === 'wasm-only' ? 'wasm' : a.backend) as BackendName;
  const t0 = performance.now();
  const info = await initBackend(want);
  if (info.backend !== want) throw new Error(`backend '${want}' is not available here (got '${info.backend}')`);
  const threads = setKernelThreads(Number(a.threads));
  const initS = (performance.now() - t0) / 1000;
  gc();
  const stages = [stage('backend ready')];

  // Import: read the folder (weights converted to float32 on the host), then build the model
  // (weights uploaded to the backend).
  let t = performance.now();
  let progressCalls = 0;
  let read: Awaited<ReturnType<typeof readHfFolder>> | null = await readHfFolder(a.dir, { onProgress: () => { progressCalls++; }, cancelled: () => false });
  const readS = (performance.now() - t) / 1000;
  const hostWeightBytes = Object.values(read.weights.params).reduce((s, p) => s + p.byteLength, 0);
  const summary = { architecture: read.architecture, dtype: read.dtype, bytesRead: read.bytesRead, files: read.files.length };
  stages.push(stage('folder read (host float32 weights)'));
  t = performance.now();
  // As the importer builds it: each host array is dropped once its values are on the backend.
  const model = new Transformer(read.weights, { releaseHostWeights: true });
  const buildS = (performance.now() - t) / 1000;
  stages.push(stage('model built (host arrays released as uploaded)'));
  read = null; // the app keeps only the model after building
  gc();
  stages.push(stage('host copy released (gc)'));
  const config = model.config;
  const base = {
    backend: a.backend, kernels: info.kernels ? { native: info.kernels.native, gemm: info.kernels.gemm, blas: info.kernels.blas, note: info.kernels.note ?? null } : null,
    threads, simd: info.simd, initBackendS: round(initS), ...summary, progressCalls, hostWeightBytes, params: model.paramCount(),
    config: { layers: config.mlp.length, dModel: config.dModel, heads: config.heads, kvHeads: config.kvHeads, mlp: config.mlp[0], vocab: config.vocab },
    import: { readS: round(readS), buildS: round(buildS), totalS: round(readS + buildS) },
  };
  if (a['import-only']) {
    model.dispose();
    return { ok: true, ...base, memory: { peakRssMB: peakMB(), stages } };
  }

  // One forward over the prompt.
  const T = Number(a['prompt-len']);
  const ids = promptIds(T, config.vocab);
  const times: number[] = [];
  const cpu: number[] = [];
  let logits: Float32Array | null = null;
  const warmup = Number(a.warmup);
  for (let i = 0; i < warmup + Number(a.repeats); i++) {
    const s = performance.now();
    const c = process.cpuUsage();
    const out = tf.tidy(() => model.forward(tf.tensor2d(ids, [1, T], 'int32') as Tensor2D));
    const data = out.dataSync() as Float32Array;
    const dt = (performance.now() - s) / 1000;
    const dc = process.cpuUsage(c);
    out.dispose();
    if (i >= warmup) { times.push(dt); cpu.push((dc.user + dc.system) / 1e6); }
    logits = data;
  }
  stages.push(stage('after forward'));
  if (a['logits-out'] && logits) fs.writeFileSync(a['logits-out'], new Uint8Array(logits.buffer, logits.byteOffset, logits.byteLength));
  logits = null;

  // Greedy generation with the KV cache; the first token includes the prompt's prefill.
  const genPrompt = Array.from(promptIds(Number(a['gen-prompt-len']), config.vocab));
  const nNew = Number(a.new);
  const stamps: number[] = [];
  const g0 = performance.now();
  const tokens = greedy(model, genPrompt, nNew, { cancelled: () => false, onToken: () => { stamps.push(performance.now()); } });
  const genS = (performance.now() - g0) / 1000;
  stages.push(stage('after generation'));
  if (a['tokens-out']) fs.writeFileSync(a['tokens-out'], JSON.stringify(tokens));
  model.dispose();
  const fwd = median(times);
  return {
    ok: true, ...base,
    forward: { tokens: T, repeats: times.length, medianS: round(fwd, 4), minS: round(Math.min(...times), 4), cpuS: round(median(cpu), 4), tokensPerSec: round(T / fwd, 1) },
    generate: { promptTokens: genPrompt.length, newTokens: tokens.length, totalS: round(genS, 4), tokensPerSec: round(tokens.length / genS, 2),
      firstTokenS: round((stamps[0] - g0) / 1000, 4), decodeTokensPerSec: tokens.length > 1 ? round((tokens.length - 1) / ((stamps[stamps.length - 1] - stamps[0]) / 1000), 2) : null },
    memory: { peakRssMB: peakMB(), stages },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

try {
  process.stdout.write(JSON.stringify(await main()) + '\n');
} catch (e) {
  process.stdout.write(JSON.stringify({ ok: false, backend: a.backend, error: (e as Error).message, peakRssMB: peakMB() }) + '\n');
}
process.exit(0);
