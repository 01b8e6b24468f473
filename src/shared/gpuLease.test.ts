import { describe, expect, it } from 'vitest';
import { backendPolicy, GPU_MIN_FLOPS_PER_STEP, mayUseGpu } from './backendPolicy';
import { GpuLease, gpuRunsFromEnv } from './gpuLease';
import { BenchSpec } from './specs/bench';

describe('GPU lease', () => {
  it('lets `limit` runs hold the GPU, the next waits until one gives it back', () => {
    const lease = new GpuLease(1);
    expect(lease.tryAcquire('a')).toBe(true);
    expect(lease.tryAcquire('a')).toBe(true); // idempotent for its holder
    expect(lease.full).toBe(true);
    expect(lease.tryAcquire('b')).toBe(false);
    lease.release('b'); // not a holder: nothing happens
    expect(lease.runs).toEqual(['a']);
    lease.release('a');
    expect(lease.tryAcquire('b')).toBe(true);
    const two = new GpuLease(2);
    expect([two.tryAcquire('x'), two.tryAcquire('y'), two.tryAcquire('z')]).toEqual([true, true, false]);
  });

  it('WHITTLE_GPU_RUNS: default 1, a bad value is named', () => {
    expect(gpuRunsFromEnv(undefined)).toBe(1);
    expect(gpuRunsFromEnv('')).toBe(1);
    expect(gpuRunsFromEnv('3')).toBe(3);
    expect(() => gpuRunsFromEnv('0')).toThrow(/WHITTLE_GPU_RUNS/);
    expect(() => gpuRunsFromEnv('two')).toThrow(/WHITTLE_GPU_RUNS/);
    expect(() => new GpuLease(0)).toThrow(/≥ 1/);
  });
});

describe('backend policy per job kind', () => {
  const bench = (hidden: number[], batch: number) => BenchSpec.parse({ kind: 'bench', inputDim: 68, hidden, outputs: 2, batch, steps: 5, warmup: 1 });

  it('transformers try the GPU first; large MLP steps do, the CMSP-sized ones stay on the CPU', () => {
    expect(backendPolicy({ kind: 'lm' })).toBe('gpu-first');
    expect(backendPolicy({ kind: 'train', task: { suite: 'text' } } as never)).toBe('gpu-first');
    expect(backendPolicy(bench([512, 512], 10_000))).toBe('gpu-first'); // ≈1.8e10 FLOP per step
    expect(backendPolicy(bench([64], 1000))).toBe('auto');
    expect(GPU_MIN_FLOPS_PER_STEP).toBeGreaterThan(6 * 68 * 64 * 1000);
    for (const k of ['prune', 'groupLasso', 'distill']) expect(backendPolicy({ kind: k })).toBe('auto');
  });

  it('export, imports, the self-test and sampling stay on the host, even when webgpu is named', () => {
    for (const k of ['export', 'importDataset', 'importCorpus', 'importModel', 'selftest', 'lmSample']) {
      expect(backendPolicy({ kind: k })).toBe('host');
      expect(mayUseGpu({ kind: k }, 'webgpu')).toBe(false);
    }
  });

  it('a run may use the GPU when webgpu is named (spec before WHITTLE_BACKEND) or its kind tries it first', () => {
    expect(mayUseGpu({ kind: 'prune' }, 'webgpu')).toBe(true);
    expect(mayUseGpu({ kind: 'prune' }, undefined)).toBe(false);
    expect(mayUseGpu({ kind: 'lm' }, undefined)).toBe(true);
    expect(mayUseGpu({ kind: 'lm' }, 'wasm')).toBe(false);
    expect(mayUseGpu({ kind: 'lm', backend: 'webgpu' }, 'wasm')).toBe(true);
    expect(mayUseGpu({ kind: 'bench', backend: 'cpu' }, 'webgpu')).toBe(false);
  });
});
