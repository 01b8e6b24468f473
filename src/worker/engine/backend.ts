// Picks the fastest available tfjs backend: tensorflow (tfjs-node[-gpu], optional) → wasm → cpu.
// WHITTLE_BACKEND=tensorflow|wasm|cpu overrides the choice.
import { createRequire } from 'node:module';
import os from 'node:os';
import { installKernels, type KernelInstall } from './kernels';
import { tf } from './tf';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export interface BackendInfo {
  backend: BackendName;
  /** Threads the step's heavy kernels use (wasm: the native BLAS's threads when it is in use). */
  threads: number;
  simd: boolean;
  /** Whittle's kernel registrations on this backend (native BLAS route, replaced kernels). */
  kernels?: KernelInstall;
}

// Not named `require`: the app bundle declares its own `require` shim at module scope.
const requireOptional = createRequire(import.meta.url);
const loaded = new Set<BackendName>();

async function load(name: BackendName): Promise<boolean> {
  if (loaded.has(name)) return true;
  try {
    if (name === 'tensorflow') {
      // Optional dependencies: present only where their installer could fetch libtensorflow.
      try { requireOptional('@tensorflow/tfjs-node-gpu'); } catch { requireOptional('@tensorflow/tfjs-node'); }
    } else if (name === 'wasm') {
      await import('@tensorflow/tfjs-backend-wasm');
    } else {
      await import('@tensorflow/tfjs-backend-cpu');
    }
    loaded.add(name);
    return true;
  } catch {
    return false;
  }
}

/** Backend names in preference order, honouring WHITTLE_BACKEND. */
export function preferenceOrder(override = process.env.WHITTLE_BACKEND): BackendName[] {
  const all: BackendName[] = ['tensorflow', 'wasm', 'cpu'];
  if (!override) return all;
  if (!all.includes(override as BackendName)) {
    throw new Error(`WHITTLE_BACKEND must be one of ${all.join(', ')} (got '${override}')`);
  }
  return [override as BackendName, ...all.filter((b) => b !== override)];
}

/** Initialise and activate the best available backend; returns what it runs on. */
export async function initBackend(prefer?: BackendName): Promise<BackendInfo> {
  const order = prefer ? [prefer, ...preferenceOrder().filter((b) => b !== prefer)] : preferenceOrder();
  for (const name of order) {
    if (!(await load(name))) continue;
    try {
      if (tf.getBackend() !== name && !(await tf.setBackend(name))) continue;
      await tf.ready();
      // Our kernel fixes go in as soon as the backend exists, before any job runs a kernel.
      return describe(name, installKernels(name));
    } catch {
      continue;
    }
  }
  throw new Error('no tfjs backend could be initialised');
}

function describe(name: BackendName, kernels: KernelInstall): BackendInfo {
  if (name === 'wasm') {
    const simd = Boolean(tf.env().getBool('WASM_HAS_SIMD_SUPPORT'));
    const wasmThreads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? os.availableParallelism() : 1;
    return { backend: name, threads: Math.max(wasmThreads, kernels.threads), simd, kernels };
  }
  if (name === 'tensorflow') return { backend: name, threads: os.availableParallelism(), simd: true, kernels };
  return { backend: name, threads: 1, simd: false, kernels };
}
