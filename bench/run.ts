// `npm run bench`: Whittle's training-step speed per backend, side by side with PyTorch on the same
// shapes and thread counts, plus any other bench module's JSON; prints one JSON object on stdout
// (progress goes to stderr).
//
//   npm run bench -- [--rounds 3] [--shapes a,b,c] [--backends wasm,wasm-only,cpu,webgpu] [--threads 1,2]
//                    [--variants engine,engine-blas,per-layer] [--no-torch] [--no-extra] [--quick]
//
// Backends: tensorflow (tfjs-node, when installed), wasm (the default route: native kernels when the
// addon is built), wasm-only (no addon), cpu (tfjs's reference), webgpu (only where a real GPU
// adapter is found; opt-in in the app).
// Variants (wasm): `engine` times train/step.ts exactly as train jobs run it (the whole MLP in one
// fused kernel, backward in another) with the GEMM the app picks (`auto`: the addon's AVX-512 kernel
// where the CPU has it, else the BLAS); `engine-blas` the same with every GEMM sent to the loaded BLAS
// (WHITTLE_GEMM=blas, what PyTorch calls too); `per-layer` the same math one fused dense op per layer.
//
// Fairness on a shared, noisy machine: every Whittle measurement is paired with a PyTorch one run
// right after it (same shape, same thread count, same malloc settings), repeated `rounds` times;
// the reported ratio is the median of the per-pair ratios. Each side also reports CPU ms per step,
// which other processes disturb far less than wall time (meaningful at 1 thread).
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

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const torchScript = path.resolve(root, '..', 'shared', 'bench', 'torch_mlp_step.py');
const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);

const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' }, shapes: { type: 'string', default: 'a,b,c' },
    backends: { type: 'string' }, threads: { type: 'string' }, variants: { type: 'string', default: 'engine,engine-blas,per-layer' },
    'no-torch': { type: 'boolean', default: false }, 'no-extra': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
  },
});

interface Shape { id: string; dims: number[]; batch: number; steps: number; warmup: number }
const SHAPES: Shape[] = [
  { id: 'a', dims: [68, 128, 128, 2], batch: 10000, steps: 20, warmup: 3 }, // the paper's curriculum shape
  { id: 'b', dims: [68, 512, 512, 2], batch: 1024, steps: 20, warmup: 3 },
  { id: 'c', dims: [68, 512, 512, 2], batch: 10000, steps: 8, warmup: 2 },
];

/** Same allocator tuning for both sides (it roughly halves torch's step time on glibc). */
const MALLOC_ENV = { MALLOC_MMAP_THRESHOLD_: '33554432', MALLOC_TRIM_THRESHOLD_: '2147483647' };
/** Whittle's children run as the app's workers do (the scheduler sets passive OpenMP waits);
 *  PyTorch keeps its own default. Anything else (OPENBLAS_CORETYPE, …) both sides inherit alike. */
const WHITTLE_ENV = { ...MALLOC_ENV, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' };
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

function run(cmd: string, args: string[], env: Record<string, string>, timeoutMs = 900_000) {
  const r = spawnSync(cmd, args, { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
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
function probeWebgpu(): { available: boolean; reason: string; adapter?: unknown } {
  const r = run(process.execPath, ['--import', './bench/esm-hook.mjs', '--import', 'tsx', '--input-type=module', '-e',
    "const { probeWebgpu } = await import('./src/worker/engine/webgpu.ts'); const p = await probeWebgpu(); process.stdout.write(JSON.stringify(p) + '\\n'); process.exit(0);"],
  {}, 60_000);
  const j = lastJson(r.stdout) as { available: boolean; reason: string; adapter?: unknown } | null;
  return j ?? { available: false, reason: `probe failed: ${r.error ?? r.stderr.trim().split('\n').slice(-1)[0] ?? 'no output'}` };
}

// ---- one measurement on each side ---------------------------------------------------------------

interface Side { medianMs: number; minMs: number; cpuMs: number | null; samplesPerSec: number; gflops: number; [k: string]: unknown }

function whittle(backend: string, native: boolean, shape: Shape, threads: number, variant: string, fewer = false): Side | { error: string } {
  // tfjs's cpu backend needs ~2 min per step at shape (c): one untimed warm-up would double that.
  const steps = fewer ? (backend === 'cpu' ? 1 : 2) : opt.quick ? Math.max(3, shape.steps >> 2) : shape.steps;
  const warmup = fewer ? (backend === 'cpu' ? 0 : 1) : shape.warmup;
  const r = run(process.execPath, ['--import', './bench/esm-hook.mjs', '--import', 'tsx', 'bench/whittle-step.ts',
    '--backend', backend, '--dims', shape.dims.join(','), '--batch', String(shape.batch),
    '--steps', String(steps), '--warmup', String(warmup), '--threads', String(threads), '--variant', variant],
  { ...WHITTLE_ENV, WHITTLE_NATIVE: native ? '1' : '0', WHITTLE_THREADS: String(threads), OMP_NUM_THREADS: String(threads),
    WHITTLE_GEMM: variant.endsWith('-blas') ? 'blas' : process.env.WHITTLE_GEMM ?? 'auto' });
  const j = lastJson(r.stdout);
  if (!j || j.ok !== true) return { error: String(j?.error ?? r.error ?? r.stderr.trim().split('\n').slice(-3).join(' | ')) };
  return j as unknown as Side;
}

function torch(shape: Shape, threads: number): Side | { error: string } {
  const steps = opt.quick ? Math.max(3, shape.steps >> 2) : shape.steps;
  const args = [path.join(here, 'torch_clock.py'), torchScript, '--inputs', String(shape.dims[0]), '--width', String(shape.dims[1]),
    '--depth', String(shape.dims.length - 1), '--outputs', String(shape.dims[shape.dims.length - 1]), '--batch', String(shape.batch),
    '--threads', String(threads), '--steps', String(steps), '--warmup', String(shape.warmup)];
  const r = run(python, args, { ...MALLOC_ENV, OMP_NUM_THREADS: String(threads) });
  const lines = r.stdout.trim().split('\n').filter((l) => l.startsWith('{'));
  if (!r.ok || lines.length < 2) return { error: r.error ?? r.stderr.trim().split('\n').slice(-2).join(' | ') };
  const main = JSON.parse(lines[0]);
  const clock = JSON.parse(lines[1]);
  return { impl: main.impl, medianMs: main.median_ms, minMs: main.min_ms, cpuMs: clock.cpu_ms, samplesPerSec: main.samples_per_s, gflops: main.gflops };
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

/** Combine paired rounds: medians per side, the median per-pair ratio (throughput Whittle ÷ torch). */
function summarise(rounds: { w: Side | { error: string }; t: Side | { error: string } | null }[], batch: number) {
  const ws = rounds.map((r) => r.w).filter(isSide);
  const ts = rounds.map((r) => r.t).filter((t): t is Side => !!t && isSide(t));
  const side = (xs: Side[]) => xs.length === 0 ? null : {
    medianMs: r2(med(xs.map((x) => x.medianMs))), minMs: r2(Math.min(...xs.map((x) => x.minMs))),
    cpuMs: r2(med(xs.map((x) => (x.cpuMs ?? NaN) as number))),
    samplesPerSec: Math.round(batch / med(xs.map((x) => x.medianMs))! * 1000), gflops: r2(med(xs.map((x) => x.gflops))),
    rounds: xs.map((x) => r2(x.medianMs)),
  };
  const pairs = rounds.filter((r) => isSide(r.w) && r.t && isSide(r.t)) as { w: Side; t: Side }[];
  const errors = rounds.flatMap((r) => [r.w, r.t]).filter((x): x is { error: string } => !!x && !isSide(x)).map((x) => x.error);
  return {
    whittle: side(ws), torch: side(ts),
    // > 1 means Whittle is faster.
    ratio: r3(med(pairs.map((p) => p.t.medianMs / p.w.medianMs))),
    ratioBestOf: pairs.length ? r3(Math.min(...pairs.map((p) => p.t.minMs)) / Math.min(...pairs.map((p) => p.w.minMs))) : null,
    ratioCpuTime: r3(med(pairs.map((p) => (p.t.cpuMs ?? NaN) / (p.w.cpuMs ?? NaN)))),
    ...(errors.length ? { errors: [...new Set(errors)] } : {}),
  };
}

// ---- main ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const cpus = os.availableParallelism();
  const load0 = os.loadavg();
  const rounds = Math.max(1, Number(opt.rounds));
  const torchInfo = probeTorch();
  const tfInfo = probeTensorflow();
  const webgpu = probeWebgpu();
  const shapes = SHAPES.filter((s) => opt.shapes!.split(',').includes(s.id));
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
      for (const threads of threadsHere) for (const variant of variants) {
        const slow = b === 'cpu' || (b === 'wasm-only' && shape.batch * shape.dims[1] > 1e6);
        const n = slow ? 1 : rounds;
        const pairs: { w: Side | { error: string }; t: Side | { error: string } | null }[] = [];
        for (let i = 0; i < n; i++) {
          log(`${shape.id} ${shape.dims.join('→')} batch ${shape.batch}: ${b} ${variant} ${threads} thread(s), round ${i + 1}/${n}`);
          const w = whittle(backend, native, shape, threads, variant, slow);
          const t = torchInfo.available && isSide(w) ? torch(shape, threads) : null;
          pairs.push({ w, t });
        }
        const s = summarise(pairs, shape.batch);
        const wFirst = pairs.map((p) => p.w).find(isSide);
        results.push({
          shape: shape.id, dims: shape.dims, batch: shape.batch, backend: b, variant, threads,
          kernels: wFirst ? (wFirst.blas ? `native, ${wFirst.gemm} GEMM (BLAS ${wFirst.blas})` : b === 'cpu' ? 'tfjs cpu' : b === 'webgpu' ? 'tfjs webgpu' : 'wasm (XNNPACK + Whittle registrations)') : null,
          ...s,
        });
        log(`  → Whittle ${s.whittle?.medianMs ?? '–'} ms, torch ${s.torch?.medianMs ?? '–'} ms, ratio ${s.ratio ?? '–'} (cpu-time ratio ${s.ratioCpuTime ?? '–'})`);
      }
    }
  }

  const extra: Record<string, unknown> = {};
  if (!opt['no-extra']) {
    for (const f of fs.readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort()) {
      const name = f.replace(/\.bench\.ts$/, '');
      log(`extra: ${f}`);
      const r = run(process.execPath, ['--import', './bench/esm-hook.mjs', '--import', 'tsx', path.join('bench', f)], WHITTLE_ENV);
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
      whittleEnv: { OMP_WAIT_POLICY: WHITTLE_ENV.OMP_WAIT_POLICY },
    },
    note: 'ratio = PyTorch ms/step ÷ Whittle ms/step at the same thread count (> 1: Whittle faster), the median over paired rounds; ' +
      'ratioCpuTime compares CPU ms per step (robust to other load; meaningful at 1 thread). Wall times on a shared machine are noisy: compare ratios, not absolute figures.',
    torch: torchInfo, tensorflow: tfInfo, webgpu,
    target: { goal: 'ratio ≥ 1.0 for every shape with the default backend', reached: def.length > 0 && def.every((r) => (r.ratio as number | null) != null && (r.ratio as number) >= 1) },
    results, extra,
  }, null, 2) + '\n');
}

await main();
