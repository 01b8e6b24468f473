// Which job kinds may run on a WebGPU adapter when nothing forces a backend. Pure: the worker asks it
// with the run spec before initBackend (worker/engine/backend.ts); the scheduler asks mayUseGpu for
// its GPU lease (gpuLease.ts).
//
//   'gpu-first'  try a hardware WebGPU adapter first (never a software one: llvmpipe, SwiftShader),
//                then the usual order (tensorflow → wasm → cpu)
//   'auto'       the usual order only: the step is too small for a GPU to pay for its dispatch and
//                readback latency
//   'host'       the host backends only, even under WHITTLE_BACKEND=webgpu: the job reads back
//                synchronously by design (export verifies the written model against the engine's
//                forward pass; imports and the self-test are host work)
//
// Why these thresholds: on the wasm route a 68→512→512→2 step at batch 10,000 (≈1.8e10 FLOP) takes
// hundreds of milliseconds on 2 cores, where a GPU's per-kernel dispatch (≈0.1–1 ms, ~30 kernels a
// step) is noise; the CMSP MLP of the built-in recipes (≈1e7 FLOP per step) finishes a wasm step in
// about a millisecond, less than one GPU round trip. Transformers (lm jobs, text train runs) have
// the large matrix products GPUs are built for. GPU_MIN_FLOPS_PER_STEP sits between the two; it was
// not tuned on a hardware GPU (none was available to this project yet: bench/README.md, WebGPU).
import { estimateCost } from './specs/cost';

export type BackendPolicy = 'gpu-first' | 'auto' | 'host';

/** Training FLOPs per step from which an MLP job tries the GPU first. */
export const GPU_MIN_FLOPS_PER_STEP = 5e9;

/** Job kinds that never run on webgpu (see above). */
const HOST_ONLY = new Set(['export', 'importDataset', 'importCorpus', 'importModel', 'selftest', 'lmSample']);

export function backendPolicy(spec: { kind: string }): BackendPolicy {
  if (HOST_ONLY.has(spec.kind)) return 'host';
  if (spec.kind === 'lm') return 'gpu-first';
  if (spec.kind === 'train') {
    const s = spec as { task?: { suite?: string } };
    if (s.task?.suite === 'text') return 'gpu-first';
  }
  if (spec.kind === 'train' || spec.kind === 'bench') {
    let flops = 0;
    try { flops = estimateCost(spec)?.flopsPerStep ?? 0; } catch { /* a partial spec: the worker validates it */ }
    return flops >= GPU_MIN_FLOPS_PER_STEP ? 'gpu-first' : 'auto';
  }
  // prune / groupLasso / distill: the input model's size is not in the spec; their phases use
  // the CMSP-sized MLPs and batches of the recipes, which stay on the CPU
  return 'auto';
}

/**
 * Whether a run may put its work on the GPU, for the scheduler's GPU lease (gpuLease.ts): the
 * spec or WHITTLE_BACKEND names webgpu, or its kind tries a GPU first. Whether it does is known
 * once its worker reports its backend; the scheduler gives the lease back then if it did not.
 */
export function mayUseGpu(spec: { kind: string; backend?: string }, envBackend: string | undefined): boolean {
  const policy = backendPolicy(spec);
  if (policy === 'host') return false;
  const named = spec.backend ?? (envBackend || undefined);
  if (named !== undefined) return named === 'webgpu';
  return policy === 'gpu-first';
}
