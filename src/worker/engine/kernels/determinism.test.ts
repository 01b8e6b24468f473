// Same bytes at any thread count, on every GEMM the addon can route to:
//  - the fused MLP's forward and backward (native/mlp.c) at 1, 2, 3 and 4 threads must give
//    bit-identical activations, weight and bias gradients and input gradients. (The
//    thread-count-based split summed the weight gradients in an order that changed with the
//    threads, and from run to run at 2 threads.) Shapes: odd batch sizes and widths (row-block
//    and GEMM-tile tails), one block only, many blocks over 16 lanes, a batch too small for a
//    second thread, masked units, no hidden layer;
//  - a GEMM called on its own (the per-layer route), which threads split by rows or columns. (The
//    BLAS threaded such a call itself, and OpenBLAS's results changed with its thread count.)
import { afterAll, describe, expect, it } from 'vitest';
import { need } from '../../../../test/helpers/prereqs';
import { Rng } from '../rng';
import { loadNative, type NativeGemm } from './native';

const addon = loadNative();
const gemms: NativeGemm[] = [];
if (addon) {
  for (const g of ['avx512', 'blas', 'builtin'] as const) if (addon.useGemm(g) === g) gemms.push(g);
  addon.useGemm('auto');
}

interface Case { batch: number; dims: number[]; masked?: boolean }
const cases: Case[] = [
  { batch: 1001, dims: [13, 300, 40, 3], masked: true },
  { batch: 777, dims: [37, 129, 65, 5] },
  { batch: 1024, dims: [68, 512, 512, 2] },
  { batch: 5003, dims: [9, 512, 33, 2] }, // 20 blocks of 256 rows (the last 139) spread over 16 lanes
  { batch: 300, dims: [33, 100, 7] },
  { batch: 200, dims: [17, 5] }, // no hidden layer
  { batch: 100, dims: [11, 23, 3] }, // below two threads' worth of rows: one thread at any count
];

/** Runs forward then backward (with the input's gradient) for `c` at `threads`; returns every
 *  output of both passes (activations, logits, dW, db, dx; and dy between them) as raw bytes. */
function pass(c: Case, threads: number): Uint8Array {
  const { batch: B, dims: d } = c;
  const L = d.length - 1;
  let end = 64; // unaligned on purpose after the first tensor: offsets are only 4-byte aligned
  const at = (n: number) => { const o = end; end += 4 * n; return o; };
  const x = at(B * d[0]);
  const W = d.slice(0, L).map((din, l) => at(din * d[l + 1]));
  const b = d.slice(1).map((w) => at(w));
  const masks = d.slice(1, L).map((w) => (c.masked ? at(w) : -1));
  const h = d.slice(1).map((w) => at(B * w)); // h_1..h_{L-1}, logits
  const dy = at(B * d[L]);
  const dW = d.slice(0, L).map((din, l) => at(din * d[l + 1]));
  const db = d.slice(1).map((w) => at(w));
  const dx = at(B * d[0]);
  const outStart = h[0];
  const heap = new ArrayBuffer(end);
  const f = new Float32Array(heap);
  const rng = new Rng(c.batch * 31 + d.length);
  const fill = (off: number, n: number, lo: number, hi: number) => { for (let i = 0; i < n; i++) f[off / 4 + i] = rng.uniform(lo, hi); };
  fill(x, B * d[0], 0, 1);
  W.forEach((o, l) => fill(o, d[l] * d[l + 1], -0.3, 0.3));
  b.forEach((o, l) => fill(o, d[l + 1], -0.1, 0.1));
  masks.forEach((o, m) => { if (o >= 0) for (let j = 0; j < d[m + 1]; j++) f[o / 4 + j] = j % 3 === 0 ? 0 : 1; });
  fill(dy, B * d[L], -1, 1);
  // the outputs start as garbage: every byte compared must have been written by the kernels
  for (let i = outStart / 4; i < end / 4; i++) if (i < dy / 4 || i >= (dy + 4 * B * d[L]) / 4) f[i] = NaN;
  expect(addon!.setThreads(threads)).toBe(threads);
  addon!.mlpForward(heap, Float64Array.from([B, L, ...d, x, ...W, ...b, ...masks, ...h]));
  addon!.mlpBackward(heap, Float64Array.from([B, L, ...d, x, ...W, ...h.slice(0, L - 1), dy, ...dW, ...db, dx]));
  return new Uint8Array(heap, outStart).slice();
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe.runIf(need('nativeKernels', import.meta.url) && !!addon)('fused MLP: same bytes at any thread count', () => {
  afterAll(() => { addon?.useGemm('auto'); addon?.setThreads(1); });

  describe.each(gemms)('%s GEMM', (gemm) => {
    it.each(cases)('batch $batch, widths $dims (masked: $masked)', (c) => {
      expect(addon!.useGemm(gemm)).toBe(gemm);
      const one = pass(c, 1);
      const f = new Float32Array(one.buffer);
      expect(f.some((v) => Number.isNaN(v)), 'an output the kernels never wrote').toBe(false);
      expect(f.some((v) => v !== 0)).toBe(true);
      for (const threads of [2, 3, 4]) {
        // twice each: a dynamic schedule can hand blocks out differently from one call to the next
        for (let rep = 0; rep < 2; rep++) {
          expect(firstDifference(pass(c, threads), one), `${threads} threads, try ${rep + 1}: first differing byte`).toBe(-1);
        }
      }
    });
  });
});

/** C = op(A)·op(B) + 0.5·C through the addon at `threads`; returns C's bytes. */
const operands = new Map<string, Float32Array>();
function gemmAt(threads: number, ta: boolean, tb: boolean, M: number, N: number, K: number): Uint8Array {
  const key = `${M},${N},${K}`;
  if (!operands.has(key)) {
    const rng = new Rng(M * 131 + N * 7 + K);
    operands.set(key, Float32Array.from({ length: M * K + K * N + M * N }, () => rng.uniform(-1, 1)));
  }
  const heap = operands.get(key)!.slice().buffer;
  expect(addon!.setThreads(threads)).toBe(threads);
  addon!.gemm(heap, ta, tb, M, N, K, 0, 4 * M * K, 4 * (M * K + K * N), 0.5, 1, 0, 0, 0);
  return new Uint8Array(heap, 4 * (M * K + K * N)).slice();
}

describe.runIf(need('nativeKernels', import.meta.url) && !!addon)('a GEMM on its own: same bytes at any thread count', () => {
  afterAll(() => { addon?.useGemm('auto'); addon?.setThreads(1); });

  // [M, N, K]: split by rows (odd tail), by columns (wider than tall), a 2-wide output (the BLAS
  // even where the AVX-512 kernel serves the rest), one too small to split, and one output row
  // (generation's products: contiguous column ranges across threads; K past a multiple of 4 rows).
  const shapes: [number, number, number][] = [[1001, 300, 70], [97, 530, 100], [2500, 2, 900], [60, 40, 30], [1, 5000, 300],
    [1, 1000, 301]];
  describe.each(gemms)('%s GEMM', (gemm) => {
    it.each(shapes)('M=%i N=%i K=%i, every transpose', (M, N, K) => {
      expect(addon!.useGemm(gemm)).toBe(gemm);
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
        const one = gemmAt(1, ta, tb, M, N, K);
        for (const threads of [2, 3, 4]) {
          expect(firstDifference(gemmAt(threads, ta, tb, M, N, K), one), `ta=${ta} tb=${tb}, ${threads} threads: first differing byte`).toBe(-1);
        }
      }
    });
  });

  // Attention's batched products (batch × heads entries of 64×64 or 64×32), which threads share
  // by whole entries; one with a broadcast operand (stride 0); a 135M model's prompt (9 heads of
  // 256×256×64: entries the AVX-512 route keeps whole, the BLAS route splits) and a generated
  // token's (3 KV heads of 3 queries × 258 keys).
  const batched: [number, number, number, number, boolean][] = [[64, 64, 64, 32, false], [37, 64, 32, 64, false], [40, 60, 48, 32, true],
    [9, 256, 256, 64, false], [3, 3, 258, 64, false]];
  describe.each(gemms)('%s GEMM, batched', (gemm) => {
    it.each(batched)('batch %i of M=%i N=%i K=%i (B broadcast: %s), every transpose', (batch, M, N, K, broadcast) => {
      expect(addon!.useGemm(gemm)).toBe(gemm);
      const rng = new Rng(batch + M + N + K);
      const sizeB = broadcast ? K * N : batch * K * N;
      const data = Float32Array.from({ length: batch * M * K + sizeB + batch * M * N }, () => rng.uniform(-1, 1));
      const run = (threads: number, ta: boolean, tb: boolean) => {
        const heap = data.slice().buffer;
        expect(addon!.setThreads(threads)).toBe(threads);
        const bOff = 4 * batch * M * K, cOff = bOff + 4 * sizeB;
        addon!.gemm(heap, ta, tb, M, N, K, 0, bOff, cOff, 0, batch, 4 * M * K, broadcast ? 0 : 4 * K * N, 4 * M * N);
        return new Uint8Array(heap, cOff).slice();
      };
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
        const one = run(1, ta, tb);
        for (const threads of [2, 3]) expect(firstDifference(run(threads, ta, tb), one), `ta=${ta} tb=${tb}, ${threads} threads`).toBe(-1);
      }
    });
  });
});
