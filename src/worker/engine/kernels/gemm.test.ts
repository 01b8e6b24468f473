// The addon's GEMMs (its AVX-512 packed kernel, the loaded BLAS, its built-in one) against a
// float64 reference, at shapes that cross every blocking boundary of the packed kernel
// (native/gemm_avx512.c: MR 12 rows, NR 32 columns, KC 256 of K, MC 96 rows, NC 512 columns).
import { afterAll, describe, expect, it } from 'vitest';
import { relErr } from '../../../../test/helpers/numeric';
import { need } from '../../../../test/helpers/prereqs';
import { Rng } from '../rng';
import { gemmRequestNote, loadNative, type NativeGemm } from './native';

const addon = loadNative();
const gemms: NativeGemm[] = [];
if (addon) {
  for (const g of ['avx512', 'blas', 'builtin'] as const) if (addon.useGemm(g) === g) gemms.push(g);
  addon.useGemm('auto');
}

/** C = op(A)·op(B) + beta·C in float64, row-major, dense operands. */
function reference(ta: boolean, tb: boolean, M: number, N: number, K: number, a: Float32Array, b: Float32Array,
  beta: number, c: Float32Array): Float32Array {
  const out = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (ta ? a[k * M + i] : a[i * K + k]) * (tb ? b[j * K + k] : b[k * N + j]);
      out[i * N + j] = s + (beta === 0 ? 0 : beta * c[i * N + j]);
    }
  }
  return out;
}

function filled(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

/** Runs the addon's gemm on one heap holding A, B and C; returns C. */
function run(ta: boolean, tb: boolean, M: number, N: number, K: number, a: Float32Array, b: Float32Array, beta: number,
  c: Float32Array): Float32Array {
  const heap = new ArrayBuffer(4 * (a.length + b.length + c.length) + 64);
  const aOff = 16, bOff = aOff + 4 * a.length, cOff = bOff + 4 * b.length;  // unaligned on purpose
  new Float32Array(heap, aOff, a.length).set(a);
  new Float32Array(heap, bOff, b.length).set(b);
  new Float32Array(heap, cOff, c.length).set(c);
  addon!.gemm(heap, ta, tb, M, N, K, aOff, bOff, cOff, beta, 1, 0, 0, 0);
  return new Float32Array(heap, cOff, c.length).slice();
}

// [M, N, K]: tails in every dimension; K past one KC block; N past one NC block; M past MC; one
// output row (the GEMV path of generation: N a block and a tail of 256 columns, and a vocabulary-wide
// row split across threads).
const shapes: [number, number, number][] = [[1, 16, 1], [13, 37, 7], [97, 45, 300], [200, 530, 70], [25, 17, 513],
  [1, 300, 577], [1, 17, 33], [1, 5000, 300]];

describe.runIf(need('nativeKernels', import.meta.url) && !!addon)('native GEMM', () => {
  afterAll(() => { addon?.useGemm('auto'); addon?.setThreads(1); });

  describe.each(gemms)('%s', (gemm) => {
    it.each(shapes)('M=%i N=%i K=%i, every transpose, beta 0 / 1 / 0.5', (M, N, K) => {
      expect(addon!.useGemm(gemm)).toBe(gemm);
      addon!.setThreads(1);
      const rng = new Rng(M * 7919 + N * 31 + K);
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
        const a = filled(M * K, rng), b = filled(K * N, rng), c = filled(M * N, rng);
        for (const beta of [0, 1, 0.5]) {
          const got = run(ta, tb, M, N, K, a, b, beta, c);
          expect(relErr(got, reference(ta, tb, M, N, K, a, b, beta, c)), `ta=${ta} tb=${tb} beta=${beta}`).toBeLessThan(2e-6);
        }
      }
    });

    it('a call from outside the fused MLP splits across threads (by rows, or by columns when wider) and matches', () => {
      expect(addon!.useGemm(gemm)).toBe(gemm);
      expect(addon!.setThreads(2)).toBeGreaterThanOrEqual(1);
      const rng = new Rng(5);
      for (const [M, N, K] of [[300, 40, 50], [20, 333, 90]]) {
        for (const [ta, tb] of [[false, false], [true, true]]) {
          const a = filled(M * K, rng), b = filled(K * N, rng), c = filled(M * N, rng);
          const got = run(ta, tb, M, N, K, a, b, 1, c);
          expect(relErr(got, reference(ta, tb, M, N, K, a, b, 1, c))).toBeLessThan(2e-6);
        }
      }
    });
  });

  it('useGemm names the GEMM in effect and refuses unknown names', () => {
    expect(addon!.useGemm('builtin')).toBe('builtin');
    expect(addon!.info().gemm).toBe('builtin');
    expect(() => addon!.useGemm('fast' as never)).toThrow(/useGemm expects/);
    expect(['avx512', 'blas', 'builtin']).toContain(addon!.useGemm('auto'));
  });
});

describe('WHITTLE_GEMM', () => {
  it('a request the addon cannot honour is explained; honoured or absent ones say nothing', () => {
    expect(gemmRequestNote(undefined, 'avx512')).toBeUndefined();
    expect(gemmRequestNote('auto', 'blas')).toBeUndefined();
    expect(gemmRequestNote('blas', 'blas')).toBeUndefined();
    expect(gemmRequestNote('fast', 'avx512')).toMatch(/WHITTLE_GEMM='fast' is not one of auto, avx512, blas, builtin: ignored, using the avx512 GEMM/);
    expect(gemmRequestNote('avx512', 'blas')).toMatch(/WHITTLE_GEMM=avx512 is not available here \(this CPU has no AVX-512\): using the blas GEMM/);
    expect(gemmRequestNote('blas', 'builtin')).toMatch(/WHITTLE_GEMM=blas is not available here \(no BLAS library was found\): using the builtin GEMM/);
  });
});
