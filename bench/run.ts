// `npm run bench`: Whittle's training-step speed per backend, side by side with PyTorch on the same
// shapes and thread counts, plus any other bench module's JSON; prints one JSON object on stdout
// (progress goes to stderr).
//
//   npm run bench -- [--rounds 5] [--shapes a,b,c] [--backends wasm,wasm-only,cpu,webgpu] [--threads 1,2]
//                    [--variants engine,engine-blas,per-layer] [--omp passive,default] [--no-torch] [--no-extra] [--quick]
//                    [--suites mlp,lm,extra,decoder] [--decoder-size smollm|tiny] [--decoder-rounds 2] [--no-bf16] [--cache DIR]
//                    [--lm-shapes t,w] [--lm-variants fused,composed]
//
// Suites: `mlp` (the training step below), `lm` (the transformer training step of the lm-general-cpu
// recipe, 4×128, context 64, 16 windows, next to bench/torch/torch_lm_step.py), `extra` (bench/*.bench.ts), `decoder` (a Llama-shaped
// model with SmolLM-135M's dimensions imported from a Hugging Face folder and run next to PyTorch:
// import time, peak memory, forward and generation tokens/s; see bench/decoder/bench.ts).
// `--decoder-size tiny` runs the same harness on a tiny model in seconds (the unit test).
//
// Backends: tensorflow (tfjs-node, when installed), wasm (the default route: native kernels when the
// addon is built), wasm-only (no addon), cpu (tfjs's reference), webgpu (wherever Dawn finds an
// adapter; rows name it. A software adapter — lavapipe's llvmpipe, SwiftShader — runs the GPU code on
// the CPU: its rows are marked `softwareAdapter: true` and are a correctness path, not a speed
// figure, so they run one short round only).
// Variants (wasm): `engine` times train/step.ts exactly as train jobs run it (the whole MLP in one
// fused kernel, backward in another) with the GEMM the app picks (`auto`: the addon's AVX-512 kernel
// where the CPU has it, else the BLAS); `engine-blas` the same with every GEMM sent to the loaded BLAS
// (WHITTLE_GEMM=blas, what PyTorch calls too); `per-layer` the same math one fused dense op per layer.
//
// Fairness on a shared, noisy machine: every Whittle measurement is paired with PyTorch ones run
// next to it (same shape, thread count, malloc settings and OpenMP wait policy), in alternating
// order (W T T' in even pairs, T' T W in odd ones), `rounds` times (≥ 5 by default); the reported
// ratio is the median of the per-pair ratios, with their spread (min, max). The PyTorch side is
// the strongest one this machine offers: its OpenBLAS picks the kernels for this CPU (the
// machine's OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE pin is unset for that child only, and the kernel
// set it reports is recorded); where the machine pins OpenBLAS, a second PyTorch child with the pin
// (T') is reported beside it as `ratioPinned`. At more than one thread both OpenMP wait policies are
// measured (`passive`: what Whittle's workers run with; `default`: libgomp's spin-then-sleep, what
// PyTorch runs with unless told otherwise), each with both sides under the same policy. Each side
// also reports CPU ms per step, which other processes disturb far less than wall time (meaningful at
// 1 thread).
//
// Other benchmarks: drop a `bench/<name>.bench.ts` that prints one JSON object as its last stdout
// line; it is run as a child process and merged under `extra.<name>`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchDecoder, DECODER_SIZES } from './decoder/bench';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const torchScript = path.join(here, 'torch', 'torch_mlp_step.py');
const torchClock = path.join(here, 'torch', 'torch_clock.py');
const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);

const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' }, omp: { type: 'string', default: 'passive,default' }, shapes: { type: 'string', default: 'a,b,c' },
    backends: { type: 'string' }, threads: { type: 'string' }, variants: { type: 'string', default: 'engine,engine-blas,per-layer' },
    'no-torch': { type: 'boolean', default: false }, 'no-extra': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    suites: { type: 'string', default: 'mlp,lm,extra,decoder' }, 'decoder-size': { type: 'string', default: 'smollm' },
    'decoder-rounds': { type: 'string' }, 'no-bf16': { type: 'boolean', default: false },
    cache: { type: 'string', default: process.env.WHITTLE_BENCH_CACHE ?? path.join(os.tmpdir(), 'whittle-bench-cache') },
    'lm-shapes': { type: 'string', default: 't,w' }, 'lm-variants': { type: 'string', default: 'fused,composed' },
  },
});
const suites = new Set(opt.suites!.split(',').map((x) => x.trim()));
if (opt['no-extra']) suites.delete('extra');

interface Shape { id: string; dims: number[]; batch: number; steps: number; warmup: number }
const SHAPES: Shape[] = [
  { id: 'a', dims: [68, 128, 128, 2], batch: 10000, steps: 20, warmup: 3 }, // the paper's curriculum shape
  { id: 'b', dims: [68, 512, 512, 2], batch: 1024, steps: 20, warmup: 3 },
  { id: 'c', dims: [68, 512, 512, 2], batch: 10000, steps: 8, warmup: 2 },
];

/** Same allocator tuning for both sides (it roughly halves torch's step time on glibc). */
const MALLOC_ENV = { MALLOC_MMAP_THRESHOLD_: '33554432', MALLOC_TRIM_THRESHOLD_: '2147483647' };
/** OpenMP wait policies: `passive` is what the app's workers run with (the scheduler sets it);
 *  `default` leaves OMP_WAIT_POLICY unset (libgomp spins a while, then sleeps). Both sides of a
 *  pair always run under the same one. */
type OmpPolicy = 'passive' | 'default';
const ompEnv = (p: OmpPolicy): Record<string, string | undefined> => ({ OMP_WAIT_POLICY: p === 'passive' ? 'PASSIVE' : undefined });
/** The machine's pin of OpenBLAS's kernel set (set on these machines for old OpenBLAS builds). */
const OPENBLAS_PIN_VARS = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'];
const machinePinsOpenblas = OPENBLAS_PIN_VARS.some((k) => process.env[k] !== undefined);
/** Variables that change BLAS / OpenMP behaviour, recorded with the results. */
const BLAS_VARS = ['OPENBLAS_CORETYPE', 'OPENBLAS_NUM_THREADS', 'OPENBLAS_L2_SIZE', 'OMP_WAIT_POLICY', 'GOMP_SPINCOUNT', 'MKL_NUM_THREADS'];

/** The last JSON object a child printed: one line, or pretty-printed over several to the end. */
function lastJson(out: string): Record<string, unknown> | null {
  const text = out.trim();
  const starts = [...text.matchAll(/^\{/gm)].map((m) => m.index!);
  for (let i = starts.length - 1; i >= 0; i--) {
    const line = text.slice(starts[i]).split('\n')[0];
    for (const cand of [line, text.slice(starts[i])]) {
      try { return JSON.parse(cand); } catch { /* keep looking */ }
    }
  }
  return null;
}

/** Runs a child with the parent's environment plus `env`; an `undefined` value removes that variable. */
function run(cmd: string, args: string[], env: Record<string, string | undefined>, timeoutMs = 900_000) {
  const full: Record<string, string | undefined> = { ...process.env, ...env };
  for (const [k, v] of Object.entries(full)) if (v === undefined) delete full[k];
  const r = spawnSync(cmd, args, { cwd: root, env: full as NodeJS.ProcessEnv, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  return { ok: r.status === 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error?.message };
}

// ---- probes -------------------------------------------------------------------------------------

function probeTorch(): { available: boolean; version?: string; note?: string } {
  if (opt['no-torch']) return { available: false, note: 'skipped (--no-torch)' };
  if (!fs.existsSync(torchScript)) return { available: false, note: `reference script not found at ${torchScript}` };
  const r = run(python, ['-c', 'import torch; print(torch.__version__)'], {});
  if (!r.ok) return { available: false, note: `${python} cannot import torch (apt-get install python3-torch libopenblas0-openmp)` };
  return { available: true, version: r.stdout.trim() };
}

function probeTensorflow(): { available: boolean; note?: string } {
  const req = createRequire(import.meta.url);
  for (const p of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try { req.resolve(p); return { available: true, note: p }; } catch { /* next */ }
  }
  return { available: false, note: 'tfjs-node(-gpu) not installed (optional dependency; its installer needs to download libtensorflow)' };
}

/** WebGPU (Dawn via the optional `webgpu` package): the engine's own probe, in a child process (a
 *  GPU driver can crash its process; the bench should survive that). */
function probeWebgpu(): { available: boolean; reason: string; adapter?: { fallback?: boolean } } {
  const r = run(process.execPath, ['--import', './bench/esm-hook.mjs', '--import', 'tsx', '--input-type=module', '-e',
    "const { probeWebgpu } = await import('./src/worker/engine/webgpu.ts'); const p = await probeWebgpu({ allowSoftware: true }); process.stdout.write(JSON.stringify(p) + '\\n'); process.exit(0);"],
  {}, 60_000);
  const j = lastJson(r.stdout) as { available: boolean; reason: string; adapter?: { fallback?: boolean } } | null;
  return j ?? { available: false, reason: `probe failed: ${r.error ?? r.stderr.trim().split('\n').slice(-1)[0] ?? 'no output'}` };
}

// ---- one measurement on each side ---------------------------------------------------------------

interface Side { medianMs: number; minMs: number; cpuMs: number | null; samplesPerSec: number; gflops: number; [k: string]: unknown }

function whittle(backend: string, native: boolean, shape: Shape, threads: number, variant: string, omp: OmpPolicy, fewer = false): Side | { error: string } {
  // tfjs's cpu backend needs ~2 min per step at shape (c): one untimed warm-up would double that.
  const steps = fewer ? (backend === 'cpu' ? 1 : 2) : opt.quick ? Math.max(3, shape.steps >> 2) : shape.steps;
  const warmup = fewer ? (backend === 'cpu' ? 0 : 1) : shape.warmup;
  const r = run(process.execPath, ['--import', './bench/esm-hook.mjs', '--import', 'tsx', 'bench/whittle-step.ts',
    '--backend', backend, '--dims', shape.dims.join(','), '--batch', String(shape.batch),
    '--steps', String(steps), '--warmup', String(warmup), '--threads', String(threads), '--variant', variant],
  { ...MALLOC_ENV, ...ompEnv(omp), WHITTLE_NATIVE: native ? '1' : '0', WHITTLE_THREADS: String(threads), OMP_NUM_THREADS: String(threads),
    WHITTLE_GEMM: variant.endsWith('-blas') ? 'blas' : process.env.WHITTLE_GEMM ?? 'auto' });
  const j = lastJson(r.stdout);
  if (!j || j.ok !== true) return { error: String(j?.error ?? r.error ?? r.stderr.trim().split('\n').slice(-3).join(' | ')) };
  return j as unknown as Side;
}

/** PyTorch's step. `pinned`: with the machine's OpenBLAS pin as set; otherwise the pin is removed
 *  for this child, so OpenBLAS uses the kernels it picks for this CPU. */
function torch(shape: Shape, threads: number, omp: OmpPolicy, pinned: boolean): Side | { error: string } {
  const steps = opt.quick ? Math.max(3, shape.steps >> 2) : shape.steps;
  const unpin = pinned ? {} : Object.fromEntries(OPENBLAS_PIN_VARS.map((k) => [k, undefined]));
  const args = [torchClock, torchScript, '--inputs', String(shape.dims[0]), '--width', String(shape.dims[1]),
    '--depth', String(shape.dims.length - 1), '--outputs', String(shape.dims[shape.dims.length - 1]), '--batch', String(shape.batch),
    '--threads', String(threads), '--steps', String(steps), '--warmup', String(shape.warmup)];
  const r = run(python, args, { ...MALLOC_ENV, ...ompEnv(omp), ...unpin, OMP_NUM_THREADS: String(threads) });
  const lines = r.stdout.trim().split('\n').filter((l) => l.startsWith('{'));
  if (!r.ok || lines.length < 2) return { error: r.error ?? r.stderr.trim().split('\n').slice(-2).join(' | ') };
  const main = JSON.parse(lines[0]);
  const clock = JSON.parse(lines[1]);
  return { impl: main.impl, medianMs: main.median_ms, minMs: main.min_ms, cpuMs: clock.cpu_ms, samplesPerSec: main.samples_per_s, gflops: main.gflops, openblasCore: clock.openblas?.core ?? null };
}

const med = (xs: number[]) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const r2 = (x: number | null) => (x == null ? null : Math.round(x * 100) / 100);
const r3 = (x: number | null) => (x == null ? null : Math.round(x * 1000) / 1000);
const isSide = (x: Side | { error: string }): x is Side => !('error' in x);

type Measured = Side | { error: string };
interface Pair { w: Measured; t: Measured | null; tPinned: Measured | null; order: string }

const sideSummary = (xs: Side[], batch: number) => xs.length === 0 ? null : {
  medianMs: r2(med(xs.map((x) => x.medianMs))), minMs: r2(Math.min(...xs.map((x) => x.minMs))),
  cpuMs: r2(med(xs.map((x) => (x.cpuMs ?? NaN) as number))),
  samplesPerSec: Math.round(batch / med(xs.map((x) => x.medianMs))! * 1000), gflops: r2(med(xs.map((x) => x.gflops))),
  rounds: xs.map((x) => r2(x.medianMs)),
};

/** Per-pair ratios (PyTorch ms ÷ Whittle ms: > 1 means Whittle is faster): median and spread. */
function ratios(pairs: Pair[], pick: (p: Pair) => Measured | null) {
  const both = pairs.filter((p) => isSide(p.w) && pick(p) && isSide(pick(p)!)).map((p) => ({ w: p.w as Side, t: pick(p) as Side }));
  const each = both.map((p) => p.t.medianMs / p.w.medianMs);
  return {
    ratio: r3(med(each)),
    spread: each.length ? [r3(Math.min(...each)), r3(Math.max(...each))] : null,
    pairs: each.map(r3),
    cpuTime: r3(med(both.map((p) => (p.t.cpuMs ?? NaN) / (p.w.cpuMs ?? NaN)))),
  };
}

/** Combine paired rounds: medians per side, the median per-pair ratio with its spread. */
function summarise(pairs: Pair[], batch: number) {
  const sides = (pick: (p: Pair) => Measured | null) => pairs.map(pick).filter((x): x is Side => !!x && isSide(x));
  const vs = ratios(pairs, (p) => p.t);
  const vsPinned = ratios(pairs, (p) => p.tPinned);
  const errors = pairs.flatMap((p) => [p.w, p.t, p.tPinned]).filter((x): x is { error: string } => !!x && !isSide(x)).map((x) => x.error);
  const torchSides = sides((p) => p.t);
  const pinnedSides = sides((p) => p.tPinned);
  return {
    whittle: sideSummary(sides((p) => p.w), batch),
    torch: torchSides.length ? { ...sideSummary(torchSides, batch), openblasCore: torchSides[0].openblasCore ?? null } : null,
    torchPinned: pinnedSides.length ? { ...sideSummary(pinnedSides, batch), openblasCore: pinnedSides[0].openblasCore ?? null } : null,
    // Against PyTorch with OpenBLAS on the kernels it picks for this CPU: the headline figure.
    ratio: vs.ratio, ratioSpread: vs.spread, ratioPairs: vs.pairs, ratioCpuTime: vs.cpuTime,
    // Against PyTorch with the machine's OpenBLAS pin (absent where the machine sets none).
    ...(pinnedSides.length ? { ratioPinned: vsPinned.ratio, ratioPinnedSpread: vsPinned.spread } : {}),
    order: pairs.map((p) => p.order),
    ...(errors.length ? { errors: [...new Set(errors)] } : {}),
  };
}

/** What a webgpu row says about its adapter: a software one is a correctness path, not a speed. */
function webgpuRowFacts(w: Side | undefined): Record<string, unknown> {
  if (!w) return {};
  return {
    adapter: w.adapter ?? null, softwareAdapter: w.softwareAdapter ?? null,
    ...(w.softwareAdapter ? { speedNote: 'software adapter (runs the GPU code on the CPU): a correctness-path figure, not a GPU speed' } : {}),
  };
}

// ---- the transformer training step (lm suite) ---------------------------------------------------

/** Transformer shapes (issue #18): t = lm-general-cpu's model (bench/torch/torch_lm_step.py's
 *  defaults); w = the wider one (8 layers, d = 512, MLP 2048, context 256), at 4 windows a step so
 *  that a pair takes seconds, not minutes, on two cores. */
interface LmShape { id: string; layers: number; d: number; heads: number; mlp: number; context: number; windows: number; steps: number; warmup: number }
const LM_SHAPES: LmShape[] = [
  { id: 't', layers: 4, d: 128, heads: 4, mlp: 512, context: 64, windows: 16, steps: 20, warmup: 3 },
  { id: 'w', layers: 8, d: 512, heads: 8, mlp: 2048, context: 256, windows: 4, steps: 4, warmup: 1 },
];
const lmModel = (s: LmShape) => `transformer ${s.layers}×${s.d}${s.id === 't' ? ' (lm-general-cpu)' : ''}, ${s.heads} heads, MLP ${s.mlp}, context ${s.context}, byte vocabulary`;

/** variant 'fused': the native transformer kernels (the default route); 'composed': the same
 *  addon with WHITTLE_FUSED_TRANSFORMER=0, i.e. the tfjs composition the kernels replace. */
function whittleLm(s: LmShape, backend: string, threads: number, fewer: boolean, variant: string): Side | { error: string } {
  const r = run(process.execPath, ['--import', './bench/esm-hook.mjs', '--import', 'tsx', 'bench/whittle-step.ts', '--model', 'transformer',
    '--lm', [s.layers, s.d, s.heads, s.mlp, s.context].join(','),
    '--backend', backend, '--batch', String(s.windows), '--steps', String(fewer ? 2 : opt.quick ? Math.min(5, s.steps) : s.steps), '--warmup', String(fewer ? 1 : s.warmup), '--threads', String(threads)],
  { ...MALLOC_ENV, ...ompEnv('passive'), WHITTLE_NATIVE: '1', WHITTLE_THREADS: String(threads), OMP_NUM_THREADS: String(threads),
    WHITTLE_FUSED_TRANSFORMER: variant === 'composed' ? '0' : undefined });
  const j = lastJson(r.stdout);
  if (!j || j.ok !== true) return { error: String(j?.error ?? r.error ?? r.stderr.trim().split('\n').slice(-3).join(' | ')) };
  return { ...(j as object), samplesPerSec: j.tokensPerSec, gflops: 0, cpuMs: null } as unknown as Side;
}

function torchLm(s: LmShape, threads: number): Side | { error: string } {
  const r = run(python, [path.join(here, 'torch', 'torch_lm_step.py'), '--layers', String(s.layers), '--d', String(s.d), '--heads', String(s.heads),
    '--mlp', String(s.mlp), '--context', String(s.context), '--batch', String(s.windows), '--threads', String(threads),
    '--steps', String(opt.quick ? Math.min(5, s.steps) : s.steps), '--warmup', String(s.warmup)],
    { ...MALLOC_ENV, ...ompEnv('passive'), ...Object.fromEntries(OPENBLAS_PIN_VARS.map((k) => [k, undefined])), OMP_NUM_THREADS: String(threads) });
  const j = lastJson(r.stdout);
  if (!r.ok || !j) return { error: r.error ?? r.stderr.trim().split('\n').slice(-2).join(' | ') };
  return { medianMs: j.median_ms as number, minMs: j.min_ms as number, cpuMs: null, samplesPerSec: j.tokens_per_s as number, gflops: 0, impl: j.framework };
}

/** The transformer training step on wasm (each shape, thread count and variant) and webgpu, each
 *  paired with PyTorch at the same thread count (webgpu: beside the wasm route at every core).
 *  The composed variant runs at shape t only (at shape w it would take minutes a pair). */
function lmSuite(threadList: number[], rounds: number, torchOk: boolean, webgpuOk: boolean, webgpuSoftware: boolean): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  const cpus = os.availableParallelism();
  const variants = opt['lm-variants']!.split(',');
  for (const shape of LM_SHAPES.filter((x) => opt['lm-shapes']!.split(',').includes(x.id))) {
    const plan: { backend: string; threads: number; variant: string }[] = [];
    for (const variant of variants) {
      if (variant === 'composed' && shape.id !== 't') continue;
      for (const t of threadList) plan.push({ backend: 'wasm', threads: t, variant });
    }
    if (webgpuOk && shape.id === 't') plan.push({ backend: 'webgpu', threads: cpus, variant: 'fused' });
    let wasmAllCores: number | null = null;
    for (const { backend, threads, variant } of plan) {
      const n = backend === 'webgpu' && webgpuSoftware ? 1 : rounds;
      const pairs: Pair[] = [];
      for (let i = 0; i < n; i++) {
        log(`lm ${shape.id} (${lmModel(shape)}), ${shape.windows} windows: ${backend} ${variant} ${threads} thread(s), pair ${i + 1}/${n}`);
        const pair: Pair = { w: { error: 'not run' }, t: null, tPinned: null, order: i % 2 === 0 ? 'W T' : 'T W' };
        const seq = [() => { pair.w = whittleLm(shape, backend, threads, backend === 'webgpu' && webgpuSoftware, variant); }, () => { if (torchOk) pair.t = torchLm(shape, threads); }];
        for (const f of i % 2 === 0 ? seq : seq.reverse()) f();
        pairs.push(pair);
      }
      const s = summarise(pairs, shape.windows * shape.context);
      const w = pairs.map((p) => p.w).find(isSide);
      if (backend === 'wasm' && variant === 'fused' && threads === cpus) wasmAllCores = s.whittle?.medianMs ?? null;
      rows.push({
        shape: shape.id, model: lmModel(shape), windows: shape.windows, backend, variant, threads,
        params: w?.params ?? null,
        ...(backend === 'webgpu' ? webgpuRowFacts(w) : {}),
        ...(backend === 'webgpu' && wasmAllCores && s.whittle?.medianMs ? { speedupVsWasm: r2(wasmAllCores / s.whittle.medianMs) } : {}),
        ...s,
      });
      log(`  → Whittle ${s.whittle?.medianMs ?? '–'} ms, torch ${s.torch?.medianMs ?? '–'} ms, ratio ${s.ratio ?? '–'}`);
    }
  }
  return rows;
}

// ---- main ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const cpus = os.availableParallelism();
  const load0 = os.loadavg();
  const rounds = Math.max(1, Number(opt.rounds));
  const torchInfo = probeTorch();
  const tfInfo = probeTensorflow();
  // The webgpu probe matters only to the MLP suite's backend list.
  const webgpu = suites.has('mlp') || suites.has('lm') ? probeWebgpu() : { available: false, reason: 'not probed (mlp and lm suites not run)' };
  const webgpuSoftware = Boolean(webgpu.adapter?.fallback);
  const shapes = suites.has('mlp') ? SHAPES.filter((s) => opt.shapes!.split(',').includes(s.id)) : [];
  const threadList = (opt.threads ?? `1,${cpus}`).split(',').map(Number).filter((n, i, a) => n >= 1 && a.indexOf(n) === i);
  // wasm = the default route (native BLAS kernels when the addon is built); wasm-only = the
  // portable route without the addon; cpu = tfjs's reference backend (slow: fewer steps).
  const backends = (opt.backends ?? ['tensorflow', 'webgpu', 'wasm', 'wasm-only', 'cpu']
    .filter((b) => (b !== 'tensorflow' || tfInfo.available) && (b !== 'webgpu' || webgpu.available)).join(',')).split(',');
  log(`torch: ${torchInfo.available ? torchInfo.version : torchInfo.note}; webgpu: ${webgpu.reason}; load ${load0.map((x) => x.toFixed(1)).join(' ')}`);

  const results: Record<string, unknown>[] = [];
  for (const shape of shapes) {
    for (const b of backends) {
      const backend = b === 'wasm-only' ? 'wasm' : b;
      const native = b === 'wasm';
      // Only the native route runs more than one thread (wasm is single-threaded in Node).
      const threadsHere = b === 'wasm' ? threadList : b === 'tensorflow' ? [cpus] : [1];
      const variants = b === 'wasm' ? opt.variants!.split(',') : b === 'wasm-only' ? opt.variants!.split(',').filter((v) => !v.endsWith('-blas')) : ['engine'];
      const policies = opt.omp!.split(',').map((x) => x.trim()).filter((x): x is OmpPolicy => x === 'passive' || x === 'default');
      for (const threads of threadsHere) for (const variant of variants) for (const omp of threads > 1 ? policies : policies.slice(0, 1)) {
        const slow = b === 'cpu' || (b === 'wasm-only' && shape.batch * shape.dims[1] > 1e6) || (b === 'webgpu' && webgpuSoftware);
        const n = slow ? 1 : rounds;
        const pairs: Pair[] = [];
        for (let i = 0; i < n; i++) {
          log(`${shape.id} ${shape.dims.join('→')} batch ${shape.batch}: ${b} ${variant} ${threads} thread(s), OpenMP ${omp}, pair ${i + 1}/${n}`);
          // Alternate who goes first, so neither side always gets the cooler (or hotter) machine.
          const pair: Pair = { w: { error: 'not run' }, t: null, tPinned: null, order: i % 2 === 0 ? 'W T Tpinned' : 'Tpinned T W' };
          const sequence = [
            () => { pair.w = whittle(backend, native, shape, threads, variant, omp, slow); },
            () => { if (torchInfo.available) pair.t = torch(shape, threads, omp, false); },
            () => { if (torchInfo.available && machinePinsOpenblas) pair.tPinned = torch(shape, threads, omp, true); },
          ];
          for (const measure of i % 2 === 0 ? sequence : sequence.reverse()) measure();
          pairs.push(pair);
        }
        const s = summarise(pairs, shape.batch);
        const wFirst = pairs.map((p) => p.w).find(isSide);
        results.push({
          shape: shape.id, dims: shape.dims, batch: shape.batch, backend: b, variant, threads, omp,
          kernels: wFirst ? (wFirst.blas ? `native, ${wFirst.gemm} GEMM (BLAS ${wFirst.blas})` : b === 'cpu' ? 'tfjs cpu' : b === 'webgpu' ? 'tfjs webgpu' : 'wasm (XNNPACK + Whittle registrations)') : null,
          ...(b === 'webgpu' ? webgpuRowFacts(wFirst) : {}),
          ...s,
        });
        log(`  → Whittle ${s.whittle?.medianMs ?? '–'} ms, torch ${s.torch?.medianMs ?? '–'} ms (${s.torch?.openblasCore ?? '?'}), ratio ${s.ratio ?? '–'} [${s.ratioSpread?.join('–') ?? '–'}]` +
          (s.torchPinned ? `, pinned torch ${s.torchPinned.medianMs} ms (${s.torchPinned.openblasCore ?? '?'}), ratio ${s.ratioPinned ?? '–'}` : ''));
      }
    }
  }

  // webgpu next to the wasm route on every core (the default CPU route), per MLP shape
  for (const r of results.filter((x) => x.backend === 'webgpu')) {
    const wasm = results.find((x) => x.backend === 'wasm' && x.variant === 'engine' && x.shape === r.shape && x.threads === cpus && x.omp === 'passive');
    const ms = (x: Record<string, unknown> | undefined) => (x?.whittle as { medianMs?: number } | null)?.medianMs ?? null;
    if (ms(wasm) && ms(r)) r.speedupVsWasm = r2(ms(wasm)! / ms(r)!);
  }
  const lm = suites.has('lm') ? lmSuite(threadList, rounds, torchInfo.available, webgpu.available, webgpuSoftware) : [];

  let decoder: Record<string, unknown> | null = null;
  if (suites.has('decoder')) {
    const size = DECODER_SIZES[opt['decoder-size']!];
    if (!size) throw new Error(`--decoder-size must be one of ${Object.keys(DECODER_SIZES).join(', ')}`);
    const torchOk = !opt['no-torch'] && run(python, ['-c', 'import torch'], {}).ok;
    try {
      decoder = benchDecoder({
        size, torch: torchOk, bf16: !opt['no-bf16'] && !opt.quick, cacheDir: opt.cache!, log,
        backends: (opt.backends ?? 'wasm,wasm-only,cpu').split(',').filter((b) => ['wasm', 'wasm-only', 'cpu'].includes(b)),
        threads: threadList, rounds: Math.max(1, Number(opt['decoder-rounds'] ?? (opt.quick ? 1 : 2))),
      });
    } catch (e) {
      decoder = { error: (e as Error).message };
      log(`decoder: ${(e as Error).message}`);
    }
  }

  const extra: Record<string, unknown> = {};
  if (suites.has('extra')) {
    for (const f of fs.readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort()) {
      const name = f.replace(/\.bench\.ts$/, '');
      log(`extra: ${f}`);
      // As the app's workers run: passive OpenMP waits.
      const r = run(process.execPath, ['--import', './bench/esm-hook.mjs', '--import', 'tsx', path.join('bench', f)], { ...MALLOC_ENV, ...ompEnv('passive') });
      extra[name] = lastJson(r.stdout) ?? { error: r.error ?? r.stderr.trim().split('\n').slice(-3).join(' | ') };
    }
  }

  // The default backend: tensorflow where installed, else wasm (webgpu is opt-in).
  const defaultBackend = tfInfo.available ? 'tensorflow' : 'wasm';
  const def = results.filter((r) => r.backend === defaultBackend && r.variant === 'engine');
  process.stdout.write(JSON.stringify({
    when: new Date().toISOString(),
    machine: {
      cpus, model: os.cpus()[0]?.model, node: process.version, loadavgBefore: load0.map(r2), loadavgAfter: os.loadavg().map(r2),
      env: Object.fromEntries(BLAS_VARS.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]])),
      openblasPinnedByMachine: machinePinsOpenblas,
    },
    note: 'ratio = PyTorch ms/step ÷ Whittle ms/step at the same thread count and OpenMP wait policy (> 1: Whittle faster), the median over ' +
      'paired rounds in alternating order, with ratioSpread = [min, max] over the pairs. PyTorch runs with OpenBLAS on the kernels it picks for ' +
      'this CPU (torch.openblasCore); ratioPinned is against PyTorch with the machine\'s OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE pin. ratioCpuTime ' +
      'compares CPU ms per step (robust to other load; meaningful at 1 thread). Wall times on a shared machine are noisy: compare ratios, not absolute figures.',
    torch: torchInfo, tensorflow: tfInfo, webgpu,
    ...(results.length ? { target: { goal: 'ratio ≥ 1.0 for every shape with the default backend', reached: def.length > 0 && def.every((r) => (r.ratio as number | null) != null && (r.ratio as number) >= 1) } } : {}),
    results, ...(lm.length ? { lm } : {}), extra, ...(decoder ? { decoder } : {}),
  }, null, 2) + '\n');
}

await main();
