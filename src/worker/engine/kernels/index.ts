// Installs Whittle's kernel registrations on a backend, right after it is set (see backend.ts).
// Registrations replace a backend's kernel for a name; the originals are kept and called for the
// cases a replacement does not handle. Installing twice is a no-op.
import os from 'node:os';
import { tf } from '../tf';
import { type WasmBackendLike } from './heap';
import { registerFusedWasm } from './fusedKernels';
import { makeAddNFromAdd } from './addN';
import { makeGather } from './gather';
import { makeIdentity } from './identity';
import { makeBatchMatMul, makeFusedMatMul } from './matmul';
import { registerFusedMlp } from './mlp';
import { gemmRequestNote, loadNative, nativeLoadError, type NativeGemm } from './native';
import { registerFusedGradients } from './ops';
import { unsortedSegmentSumKernel } from './segment';
import { makeSum } from './sum';
import { registerTransformerKernels } from './transformer';
import { registerTransformerGradients } from './transformerOps';

export interface KernelInstall {
  backend: string;
  /** Kernel names replaced or added on that backend. */
  kernels: string[];
  /** Native addon in use (BLAS GEMM on the wasm heap). */
  native: boolean;
  /** BLAS library the addon loaded ('builtin' = its own GEMM), or null without the addon. */
  blas: string | null;
  /** GEMM serving large products: the addon's AVX-512 kernel, the BLAS, or its built-in one. */
  gemm: NativeGemm | null;
  /** Threads the heavy kernels use (BLAS threads; wasm itself is single-threaded in Node). */
  threads: number;
  /** Why the native route is off, or why it runs another GEMM than WHITTLE_GEMM asks for. */
  note?: string;
}

type KernelConfig = Parameters<typeof tf.registerKernel>[0];
type AnyKernel = KernelConfig['kernelFunc'];
const installed = new Map<string, KernelInstall>();
/** Registrations we replaced (null = there was none), to restore them. */
const originals = new Map<string, Map<string, KernelConfig | null>>();

function replace(kernelName: string, backendName: string, make: (original: AnyKernel | null) => AnyKernel, done: string[]): void {
  const prev = tf.getKernel(kernelName, backendName) ?? null;
  if (prev) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({ ...(prev ?? {}), kernelName, backendName, kernelFunc: make(prev?.kernelFunc ?? null) });
  if (!originals.has(backendName)) originals.set(backendName, new Map());
  originals.get(backendName)!.set(kernelName, prev);
  done.push(kernelName);
}

/** Restore the backend's own kernels (tests compare routes; users never need this). */
export function uninstallKernels(backendName: string): void {
  for (const [name, prev] of originals.get(backendName) ?? []) {
    tf.unregisterKernel(name, backendName);
    if (prev) tf.registerKernel(prev);
  }
  originals.delete(backendName);
  installed.delete(backendName);
}

/** Thread count for native kernels: WHITTLE_THREADS, else every core. */
export function defaultThreads(): number {
  const env = Number(process.env.WHITTLE_THREADS);
  return Number.isInteger(env) && env >= 1 ? env : os.availableParallelism();
}

/** Register Whittle's kernels for `backendName` (wasm: fused and native kernels; webgpu: an AddN fix). */
export function installKernels(backendName: string, opts: { threads?: number; native?: boolean } = {}): KernelInstall {
  const have = installed.get(backendName);
  if (have) return have;
  const done: string[] = [];
  let info: KernelInstall = { backend: backendName, kernels: done, native: false, blas: null, gemm: null, threads: 1 };
  if (backendName === 'wasm') {
    const native = opts.native === false ? null : loadNative();
    const transpose = tf.getKernel('Transpose', 'wasm')?.kernelFunc;
    if (!transpose) throw new Error('wasm backend has no Transpose kernel');
    const t = transpose as never;
    replace('BatchMatMul', 'wasm', (orig) => makeBatchMatMul(orig as never, t, native), done);
    replace('_FusedMatMul', 'wasm', (orig) => makeFusedMatMul(orig as never, t, native), done);
    replace('Sum', 'wasm', (orig) => makeSum(orig as never, native), done);
    replace('Identity', 'wasm', (orig) => makeIdentity(orig!), done);
    replace('GatherV2', 'wasm', (orig) => makeGather(orig as never), done);
    if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) {
      replace('UnsortedSegmentSum', 'wasm', () => unsortedSegmentSumKernel, done);
    }
    registerFusedGradients();
    registerFusedWasm(native, (name, fn) => replace(name, 'wasm', () => fn, done));
    if (native) {
      // an addon built from older sources lacks the MLP entry points (`npm install` rebuilds it)
      if (typeof native.mlpForward === 'function') registerFusedMlp(native, (name, fn) => replace(name, 'wasm', () => fn, done));
      registerTransformerGradients();
      registerTransformerKernels(native, (name, fn) => replace(name, 'wasm', () => fn, done));
      const threads = native.setThreads(opts.threads ?? defaultThreads());
      const { blas, gemm } = native.info();
      info = { ...info, native: true, blas, gemm, threads };
      const asked = gemmRequestNote(process.env.WHITTLE_GEMM, gemm);
      if (asked) info.note = asked;
    } else {
      info.note = opts.native === false ? 'native kernels not requested' : nativeLoadError() ?? undefined;
    }
  }
  if (backendName === 'webgpu') {
    // its own AddN sums only the first inputs here (addN.ts)
    const add = tf.getKernel('Add', 'webgpu')?.kernelFunc;
    const identity = tf.getKernel('Identity', 'webgpu')?.kernelFunc;
    if (add && identity) replace('AddN', 'webgpu', () => makeAddNFromAdd(add, identity), done);
  }
  installed.set(backendName, info);
  return info;
}

/** What installKernels did for a backend (undefined if it has not run). */
export function kernelInstall(backendName: string): KernelInstall | undefined {
  return installed.get(backendName);
}

/** Set the native kernels' thread count (e.g. 1 for a fair single-thread comparison). */
export function setKernelThreads(n: number): number {
  const native = loadNative();
  const t = native ? native.setThreads(n) : 1;
  const w = installed.get('wasm');
  if (w && w.native) w.threads = t;
  return t;
}

export type { WasmBackendLike };
export { fusedMlp, fusedMlpAvailable } from './mlp';
export { fusedActivation, fusedCausalSoftmax, fusedNorm, fusedSplitHeads } from './transformerOps';
export { adamUpdate, dense, softmaxCrossEntropy, type AdamStep, type DenseActivation } from './ops';
