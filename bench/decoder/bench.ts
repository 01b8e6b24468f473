// The decoder benchmark (issue #17, item 5): a Llama-shaped model with SmolLM-135M's dimensions and
// random weights, written as a Hugging Face folder by the repository's fixture script, imported and
// run by Whittle and by PyTorch (bench/torch/torch_decoder.py) from the same folder. Called by
// bench/run.ts (`npm run bench -- --suites decoder`); returns one JSON-plain object.
//
// Measured, each side in its own child process (so peak RSS is that side's alone):
//   import   reading the folder (F32, and BF16 converted to float32) and building the model
//   forward  one forward over a [1, promptLen] prompt: tokens/s (median of `repeats`, after warm-up)
//   generate greedy generation of `newTokens` tokens with the KV cache from a short prompt: tokens/s
//            (prefill of that prompt included, as a user waits for it)
//   memory   peak RSS (getrusage maxRSS), with Whittle's RSS, tfjs tensor bytes and wasm heap size at
//            each stage; target: peak ≤ 2 × the float32 weights
//   parity   max |logits_W − logits_T| / max |logits_T| over the whole prompt, and how many greedy
//            tokens agree
// Fairness: both sides get the same thread count (OMP_NUM_THREADS, WHITTLE_THREADS), the same OpenMP
// wait policy (PASSIVE, as the app's workers) and the machine's malloc defaults; PyTorch's OpenBLAS
// runs on the kernels it picks for this CPU (the machine's OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE pin
// is unset for that child only; the kernel set is recorded). Whittle and PyTorch run in pairs, in
// alternating order, `rounds` times; ratios are medians of per-pair ratios.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const torchScript = path.join(root, 'bench', 'torch', 'torch_decoder.py');
const fixtureScript = path.join(root, 'scripts', 'hf_fixtures.py');
const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** rope_theta is 10000 (hf_fixtures.py's Llama config); context = max_position_embeddings. */
export interface DecoderDims { layers: number; d: number; heads: number; kvHeads: number; mlp: number; vocab: number; context: number; tied: boolean }
export interface DecoderSize { id: string; dims: DecoderDims; promptLen: number; genPromptLen: number; newTokens: number; repeats: number; warmup: number }

export const DECODER_SIZES: Record<string, DecoderSize> = {
  /** SmolLM-135M's dimensions (HuggingFaceTB/SmolLM-135M config.json), random weights. */
  smollm: { id: 'smollm-135m-shape', dims: { layers: 30, d: 576, heads: 9, kvHeads: 3, mlp: 1536, vocab: 49152, context: 2048, tied: true }, promptLen: 256, genPromptLen: 16, newTokens: 64, repeats: 3, warmup: 1 },
  /** A few-second harness check (the unit test). */
  tiny: { id: 'tiny', dims: { layers: 2, d: 64, heads: 4, kvHeads: 2, mlp: 128, vocab: 512, context: 64, tied: true }, promptLen: 32, genPromptLen: 8, newTokens: 8, repeats: 2, warmup: 1 },
};

export interface DecoderBenchOptions {
  size: DecoderSize;
  /** wasm (native kernels when built), wasm-only (WHITTLE_NATIVE=0), cpu. */
  backends: string[];
  threads: number[];
  rounds: number;
  torch: boolean;
  /** Also import the BF16 copy of the checkpoint (import time and memory only). */
  bf16: boolean;
  /** Where the checkpoints are written and kept between runs. */
  cacheDir: string;
  log: (m: string) => void;
}

/** Runs a child with the parent's environment plus `env`; an `undefined` value removes that variable. */
function run(cmd: string, args: string[], env: Record<string, string | undefined>, timeoutMs = 1_800_000) {
  const full: Record<string, string | undefined> = { ...process.env, ...env };
  for (const [k, v] of Object.entries(full)) if (v === undefined) delete full[k];
  const r = spawnSync(cmd, args, { cwd: root, env: full as NodeJS.ProcessEnv, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  return { ok: r.status === 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error?.message };
}

function lastJsonLine(out: string): Record<string, unknown> | null {
  const lines = out.trim().split('\n').filter((l) => l.startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) { try { return JSON.parse(lines[i]); } catch { /* earlier */ } }
  return null;
}

/** Why a child failed: its error line (an uncaught exception's message) or the end of its stderr. */
const tail = (r: { stderr: string; error?: string }) => {
  if (r.error) return r.error;
  const lines = r.stderr.trim().split('\n');
  return lines.find((l) => /^\w*Error\b|^SystemExit|Error:/.test(l.trim()))?.trim() ?? lines.slice(-3).join(' | ');
};

/** Parameters of the Llama graph with these dimensions (for the memory target). */
export function llamaParams(d: DecoderDims): number {
  const hd = d.d / d.heads;
  const attn = d.d * d.heads * hd * 2 + d.d * d.kvHeads * hd * 2;
  const perLayer = attn + 3 * d.d * d.mlp + 2 * d.d;
  return d.vocab * d.d * (d.tied ? 1 : 2) + d.layers * perLayer + d.d;
}

/** The checkpoint folder for these dimensions and dtype, written by scripts/hf_fixtures.py once
 *  and kept in the cache (a `.complete` marker says the write finished). */
export function ensureCheckpoint(size: DecoderSize, dtype: 'F32' | 'BF16', cacheDir: string, log: (m: string) => void): { dir: string; writeS: number | null } {
  const d = size.dims;
  const name = `llama-L${d.layers}-d${d.d}-h${d.heads}-kv${d.kvHeads}-f${d.mlp}-v${d.vocab}${d.tied ? '-tied' : ''}-${dtype.toLowerCase()}`;
  const dir = path.join(cacheDir, name);
  if (fs.existsSync(path.join(dir, '.complete'))) return { dir, writeS: null };
  if (!fs.existsSync(fixtureScript)) throw new Error(`the checkpoint writer ${path.relative(root, fixtureScript)} is missing`);
  fs.mkdirSync(cacheDir, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  log(`writing the ${dtype} checkpoint ${name} …`);
  const t0 = performance.now();
  const args = [fixtureScript, '--arch', 'llama', '--layers', String(d.layers), '--d', String(d.d), '--heads', String(d.heads),
    '--kv-heads', String(d.kvHeads), '--mlp', String(d.mlp), '--vocab', String(d.vocab), '--context', String(d.context),
    d.tied ? '--tied' : '--untied', '--dtype', dtype, '--seed', '0', '--std', '0.02', '--no-reference', '--out', tmp];
  const r = run(python, args, {});
  if (!r.ok) throw new Error(`hf_fixtures.py failed: ${tail(r)}`);
  fs.writeFileSync(path.join(tmp, '.complete'), '');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return { dir, writeS: round((performance.now() - t0) / 1000, 1) };
}

const THREAD_ENV = (t: number) => ({ OMP_NUM_THREADS: String(t), WHITTLE_THREADS: String(t), OMP_WAIT_POLICY: 'PASSIVE' });
const UNPIN = { OPENBLAS_CORETYPE: undefined, OPENBLAS_L2_SIZE: undefined };
type Child = Record<string, unknown> & { ok: boolean; error?: string };

function whittle(dir: string, backend: string, threads: number, size: DecoderSize, extra: string[]): Child {
  const args = ['--expose-gc', '--import', './bench/esm-hook.mjs', '--import', 'tsx', 'bench/decoder/whittle-decoder.ts',
    '--dir', dir, '--backend', backend, '--threads', String(threads), '--prompt-len', String(size.promptLen),
    '--gen-prompt-len', String(size.genPromptLen), '--new', String(backend === 'cpu' ? Math.min(16, size.newTokens) : size.newTokens),
    '--repeats', String(backend === 'cpu' ? 1 : size.repeats), '--warmup', String(backend === 'cpu' ? 0 : size.warmup), ...extra];
  const r = run(process.execPath, args, { ...THREAD_ENV(threads), WHITTLE_NATIVE: backend === 'wasm-only' ? '0' : undefined });
  const j = lastJsonLine(r.stdout) as Child | null;
  return j ?? { ok: false, error: tail(r) };
}

function torch(dir: string, threads: number, size: DecoderSize, extra: string[]): Child {
  const args = [torchScript, '--dir', dir, '--threads', String(threads), '--prompt-len', String(size.promptLen),
    '--gen-prompt-len', String(size.genPromptLen), '--new', String(size.newTokens), '--repeats', String(size.repeats), '--warmup', String(size.warmup), ...extra];
  const r = run(python, args, { ...THREAD_ENV(threads), ...UNPIN });
  const j = lastJsonLine(r.stdout) as Child | null;
  return j && r.ok ? j : { ok: false, error: j?.error as string ?? tail(r) };
}

function readF32(file: string): Float32Array | null {
  if (!fs.existsSync(file)) return null;
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

/** max |a − b| / max |b| (b: PyTorch's logits), and max |a − b|. */
export function logitsDiff(a: Float32Array, b: Float32Array): { maxRelDiff: number; maxAbsDiff: number; maxAbsRef: number } | { error: string } {
  if (a.length !== b.length) return { error: `logits lengths differ: ${a.length} vs ${b.length}` };
  let diff = 0; let ref = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= diff)) diff = d; // NaN propagates
    const r = Math.abs(b[i]);
    if (r > ref) ref = r;
  }
  return { maxRelDiff: diff / ref, maxAbsDiff: diff, maxAbsRef: ref };
}

const med = (xs: number[]) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x: number | null, d = 3) => (x == null ? null : Math.round(x * 10 ** d) / 10 ** d);
const get = (o: unknown, p: string): number => {
  let v: unknown = o;
  for (const k of p.split('.')) v = (v as Record<string, unknown> | undefined)?.[k];
  return typeof v === 'number' ? v : NaN;
};

export function benchDecoder(o: DecoderBenchOptions): Record<string, unknown> {
  const { size } = o;
  const params = llamaParams(size.dims);
  const weightMB = params * 4 / 2 ** 20;
  const targetMB = 2 * weightMB;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-bench-decoder-'));
  const checkpoints: Record<string, unknown> = {};
  try {
    const f32 = ensureCheckpoint(size, 'F32', o.cacheDir, o.log);
    checkpoints.F32 = { dir: f32.dir, bytes: folderBytes(f32.dir), writeS: f32.writeS };
    const bf16 = o.bf16 ? ensureCheckpoint(size, 'BF16', o.cacheDir, o.log) : null;
    if (bf16) checkpoints.BF16 = { dir: bf16.dir, bytes: folderBytes(bf16.dir), writeS: bf16.writeS };

    // Paired rounds: Whittle on wasm (the default route) and PyTorch at each thread count.
    interface Pair { threads: number; round: number; order: string; w: Child; t: Child | null; loadavg: number[]; diff?: unknown; tokensAgree?: number | null }
    const pairs: Pair[] = [];
    let k = 0;
    for (let r = 0; r < o.rounds; r++) {
      for (const t of o.threads) {
        if (!o.backends.includes('wasm')) break;
        const tag = `${r}-${t}`;
        const wOut = ['--logits-out', path.join(work, `w-${tag}.f32`), '--tokens-out', path.join(work, `w-${tag}.json`)];
        const tOut = ['--logits-out', path.join(work, `t-${tag}.f32`), '--tokens-out', path.join(work, `t-${tag}.json`)];
        const pair: Pair = { threads: t, round: r, order: k % 2 === 0 ? 'W T' : 'T W', w: { ok: false, error: 'not run' }, t: null, loadavg: os.loadavg().map((x) => round(x, 2)!) };
        const steps = [
          () => { o.log(`decoder ${size.id}: Whittle wasm, ${t} thread(s), round ${r + 1}/${o.rounds}`); pair.w = whittle(f32.dir, 'wasm', t, size, wOut); },
          () => { if (o.torch) { o.log(`decoder ${size.id}: PyTorch, ${t} thread(s), round ${r + 1}/${o.rounds}`); pair.t = torch(f32.dir, t, size, tOut); } },
        ];
        for (const step of k % 2 === 0 ? steps : steps.reverse()) step();
        k++;
        if (pair.w.ok && pair.t?.ok) {
          const a = readF32(path.join(work, `w-${tag}.f32`)); const b = readF32(path.join(work, `t-${tag}.f32`));
          if (a && b) pair.diff = logitsDiff(a, b);
          pair.tokensAgree = tokensAgree(path.join(work, `w-${tag}.json`), path.join(work, `t-${tag}.json`));
        }
        o.log(`  → ${brief(pair.w)} | ${pair.t ? brief(pair.t) : 'no PyTorch'}`);
        pairs.push(pair);
      }
    }

    // The other backends, once, at one thread (wasm's XNNPACK and tfjs cpu are single-threaded).
    const others: Record<string, Child & { diff?: unknown; tokensAgree?: number | null }> = {};
    const torchRef = pairs.find((p) => p.threads === 1 && p.t?.ok) ?? pairs.find((p) => p.t?.ok);
    for (const b of o.backends.filter((x) => x !== 'wasm')) {
      o.log(`decoder ${size.id}: Whittle ${b}, 1 thread`);
      const tag = `other-${b}`;
      const c = whittle(f32.dir, b, 1, size, ['--logits-out', path.join(work, `${tag}.f32`), '--tokens-out', path.join(work, `${tag}.json`)]);
      const entry: Child & { diff?: unknown; tokensAgree?: number | null } = { ...c, loadavg: os.loadavg().map((x) => round(x, 2)!) };
      if (c.ok && torchRef) {
        const tag2 = `${torchRef.round}-${torchRef.threads}`;
        const a = readF32(path.join(work, `${tag}.f32`)); const ref = readF32(path.join(work, `t-${tag2}.f32`));
        if (a && ref) entry.diff = logitsDiff(a, ref);
        entry.tokensAgree = tokensAgree(path.join(work, `${tag}.json`), path.join(work, `t-${tag2}.json`));
      }
      o.log(`  → ${brief(c)}`);
      others[b] = entry;
    }

    // The matrix products alone (wasm, native kernels, 1 thread): what the forward and a generated
    // token are made of.
    let gemmShapes: Child | null = null;
    if (o.backends.includes('wasm')) {
      o.log(`decoder ${size.id}: the model's matrix products alone (wasm, 1 thread)`);
      const d = size.dims;
      const r = run(process.execPath, ['--import', './bench/esm-hook.mjs', '--import', 'tsx', 'bench/decoder/gemm-shapes.ts', '--d', String(d.d), '--mlp', String(d.mlp),
        '--kv', String(d.kvHeads * (d.d / d.heads)), '--vocab', String(d.vocab), '--rows', String(size.promptLen), '--threads', '1'], THREAD_ENV(1));
      gemmShapes = (lastJsonLine(r.stdout) as Child | null) ?? { ok: false, error: tail(r) };
    }

    // BF16: import only (time and memory), both sides.
    let bf16Import: Record<string, unknown> | null = null;
    if (bf16) {
      o.log(`decoder ${size.id}: BF16 import, Whittle wasm and PyTorch`);
      const w = o.backends.includes('wasm') || o.backends.length === 0 ? whittle(bf16.dir, 'wasm', o.threads[0] ?? 1, size, ['--import-only']) : null;
      const t = o.torch ? torch(bf16.dir, o.threads[0] ?? 1, size, ['--load-only']) : null;
      bf16Import = {
        whittle: w && (w.ok ? { import: w.import, dtype: w.dtype, peakRssMB: get(w, 'memory.peakRssMB'), bytesRead: w.bytesRead } : { error: w.error }),
        torch: t && (t.ok ? { loadS: t.loadS, dtypes: t.dtypes, peakRssMB: get(t, 'memoryMB.peakRss') } : { error: t.error }),
      };
    }

    const commit = run('git', ['rev-parse', '--short', 'HEAD'], {});
    return {
      commit: commit.ok ? commit.stdout.trim() : null,
      model: { size: size.id, dims: size.dims, params, weightMBF32: round(weightMB, 1), note: 'Llama graph (RMSNorm, rotary, GQA, SwiGLU, tied head), random weights from scripts/hf_fixtures.py' },
      checkpoints,
      workload: { promptTokens: size.promptLen, generatePromptTokens: size.genPromptLen, newTokens: size.newTokens, repeats: size.repeats, warmup: size.warmup, rounds: o.rounds },
      memoryTarget: { rule: 'peak RSS ≤ 2 × float32 weights', targetMB: round(targetMB, 1), units: 'every MB figure is MiB (2^20 bytes)' },
      summary: summarise(pairs, others, targetMB, bf16Import),
      pairs: pairs.map((p) => ({ threads: p.threads, round: p.round, order: p.order, loadavg: p.loadavg, whittle: p.w, torch: p.t, logits: p.diff ?? null, tokensAgree: p.tokensAgree ?? null })),
      otherBackends: others,
      bf16Import,
      gemmShapes,
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function tokensAgree(a: string, b: string): number | null {
  if (!fs.existsSync(a) || !fs.existsSync(b)) return null;
  const x = JSON.parse(fs.readFileSync(a, 'utf8')) as number[]; const y = JSON.parse(fs.readFileSync(b, 'utf8')) as number[];
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n]) n++;
  return n;
}

function folderBytes(dir: string): number {
  return fs.readdirSync(dir).reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0);
}

function brief(c: Child): string {
  if (!c.ok) return `error: ${c.error}`;
  const imp = get(c, 'import.totalS'); const load = get(c, 'loadS');
  return `${String(c.impl ?? `whittle ${c.backend}`)}: import ${Number.isFinite(imp) ? imp : load} s, forward ${get(c, 'forward.tokensPerSec')} tok/s, ` +
    `generate ${get(c, 'generate.tokensPerSec')} tok/s, peak ${Number.isFinite(get(c, 'memory.peakRssMB')) ? get(c, 'memory.peakRssMB') : get(c, 'memoryMB.peakRss')} MB`;
}

/** Side-by-side medians per thread count, the ratios (Whittle tokens/s ÷ PyTorch tokens/s, > 1:
 *  Whittle faster; PyTorch load s ÷ Whittle import s likewise) and the memory verdict. */
function summarise(pairs: { threads: number; w: Child; t: Child | null; diff?: unknown; tokensAgree?: number | null }[], others: Record<string, Child>, targetMB: number, bf16: Record<string, unknown> | null) {
  const byThreads: Record<string, unknown> = {};
  for (const t of [...new Set(pairs.map((p) => p.threads))]) {
    const ps = pairs.filter((p) => p.threads === t);
    const ws = ps.map((p) => p.w).filter((c) => c.ok); const ts = ps.map((p) => p.t).filter((c): c is Child => !!c && c.ok);
    const both = ps.filter((p) => p.w.ok && p.t?.ok);
    const ratio = (wp: string, tp: string, inverse = false) => round(med(both.map((p) => inverse ? get(p.t, tp) / get(p.w, wp) : get(p.w, wp) / get(p.t, tp))));
    const wPeak = ws.length ? Math.max(...ws.map((c) => get(c, 'memory.peakRssMB'))) : null;
    byThreads[`threads${t}`] = {
      whittle: ws.length ? {
        importS: round(med(ws.map((c) => get(c, 'import.totalS'))), 2), readS: round(med(ws.map((c) => get(c, 'import.readS'))), 2), buildS: round(med(ws.map((c) => get(c, 'import.buildS'))), 2),
        forwardTokensPerSec: round(med(ws.map((c) => get(c, 'forward.tokensPerSec'))), 1), forwardCpuS: round(med(ws.map((c) => get(c, 'forward.cpuS'))), 3),
        generateTokensPerSec: round(med(ws.map((c) => get(c, 'generate.tokensPerSec'))), 2), peakRssMB: wPeak,
        kernels: ws[0].kernels ?? null,
      } : null,
      torch: ts.length ? {
        loadS: round(med(ts.map((c) => get(c, 'loadS'))), 2), forwardTokensPerSec: round(med(ts.map((c) => get(c, 'forward.tokensPerSec'))), 1),
        forwardCpuS: round(med(ts.map((c) => get(c, 'forward.cpuS'))), 3),
        generateTokensPerSec: round(med(ts.map((c) => get(c, 'generate.tokensPerSec'))), 2), peakRssMB: Math.max(...ts.map((c) => get(c, 'memoryMB.peakRss'))),
        rssAfterImportTorchMB: round(med(ts.map((c) => get(c, 'memoryMB.rssBase'))), 1), openblasCore: (ts[0].openblas as { core?: string } | null)?.core ?? null,
      } : null,
      ratios: both.length ? {
        forward: ratio('forward.tokensPerSec', 'forward.tokensPerSec'), generate: ratio('generate.tokensPerSec', 'generate.tokensPerSec'),
        import: ratio('import.totalS', 'loadS', true),
      } : null,
      logitsMaxRelDiff: both.length ? Math.max(...both.map((p) => get(p.diff, 'maxRelDiff'))) : null,
      greedyTokensAgree: both.length ? Math.min(...both.map((p) => p.tokensAgree ?? 0)) : null,
      memory: wPeak == null ? null : { whittlePeakRssMB: wPeak, targetMB: round(targetMB, 1), withinTarget: wPeak <= targetMB, overTargetMB: round(Math.max(0, wPeak - targetMB), 1), peakOverWeights: round(wPeak / (targetMB / 2), 2) },
    };
  }
  const other: Record<string, unknown> = {};
  for (const [b, c] of Object.entries(others)) {
    other[b] = c.ok ? { importS: get(c, 'import.totalS'), forwardTokensPerSec: get(c, 'forward.tokensPerSec'), generateTokensPerSec: get(c, 'generate.tokensPerSec'),
      peakRssMB: get(c, 'memory.peakRssMB'), logitsMaxRelDiff: get((c as { diff?: unknown }).diff, 'maxRelDiff') } : { error: c.error };
  }
  return {
    note: 'ratios: Whittle tokens/s ÷ PyTorch tokens/s, and PyTorch load s ÷ Whittle import s (> 1: Whittle faster), medians of paired rounds. ' +
      'logitsMaxRelDiff = max|W − T| / max|T| over the prompt\'s logits. Peak RSS includes each runtime (PyTorch\'s import alone is rssAfterImportTorchMB).',
    ...byThreads, otherBackends: other,
    ...(bf16 ? { bf16Import: bf16 } : {}),
  };
}
