// Child process of bench/decoder/bench.ts: times the decoder's matrix products alone on the wasm
// backend (native kernels when built), at the prompt's row count and at one row (a generated
// token), so the forward and generation figures can be read against the GEMM speed. Prints one
// JSON line. CPU time per product (robust to other load on a shared machine) and the rate at
// which the weight matrix is streamed (what bounds a one-row product).
//
//   node --import ./bench/esm-hook.mjs --import tsx bench/decoder/gemm-shapes.ts --d 576 --mlp 1536 --kv 192 --vocab 49152 --rows 256
import { parseArgs } from 'node:util';
import { initBackend } from '../../src/worker/engine/backend';
import { setKernelThreads } from '../../src/worker/engine/kernels';
import { tf } from '../../src/worker/engine/tf';

const { values: a } = parseArgs({ options: { d: { type: 'string' }, mlp: { type: 'string' }, kv: { type: 'string' }, vocab: { type: 'string' }, rows: { type: 'string', default: '256' }, threads: { type: 'string', default: '1' } } });
const [d, f, kv, V, T] = [a.d, a.mlp, a.kv, a.vocab, a.rows].map(Number);
try {
  const info = await initBackend('wasm');
  const threads = setKernelThreads(Number(a.threads));
  // [K, N, transposeB, what]: x·W for the layer's projections, x·wteᵀ for the tied head.
  const shapes: [number, number, boolean, string][] = [[d, d + 2 * kv, false, 'attn.wqkv'], [d, d, false, 'attn.wo'], [d, f, false, 'mlp.wg / mlp.wi'], [f, d, false, 'mlp.wo'], [d, V, true, 'tied head (wteᵀ)']];
  const out = [];
  for (const M of [T, 1]) {
    for (const [K, N, tb, what] of shapes) {
      const x = tf.randomNormal([M, K]); const w = tf.randomNormal(tb ? [N, K] : [K, N]);
      for (let i = 0; i < 2; i++) tf.matMul(x, w, false, tb).dispose();
      const reps = Math.max(3, Math.min(50, Math.round(2e9 / (2 * M * K * N))));
      const c0 = process.cpuUsage(); const t0 = performance.now();
      for (let i = 0; i < reps; i++) { const o = tf.matMul(x, w, false, tb); o.dataSync(); o.dispose(); }
      const c = process.cpuUsage(c0); const cpu = (c.user + c.system) / 1e6 / reps; const wall = (performance.now() - t0) / 1000 / reps;
      out.push({ what, M, K, N, transposeB: tb, cpuMs: r(cpu * 1000), wallMs: r(wall * 1000), gflopsCpu: r(2 * M * K * N / cpu / 1e9), weightGBpsCpu: r(K * N * 4 / cpu / 1e9) });
      x.dispose(); w.dispose();
    }
  }
  process.stdout.write(JSON.stringify({ ok: true, threads, gemm: info.kernels?.gemm ?? null, blas: info.kernels?.blas ?? null, products: out }) + '\n');
} catch (e) {
  process.stdout.write(JSON.stringify({ ok: false, error: (e as Error).message }) + '\n');
}
process.exit(0);

function r(x: number): number { return Math.round(x * 1000) / 1000; }
