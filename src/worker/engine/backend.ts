// Picks the fastest available tfjs backend: tensorflow (tfjs-node[-gpu], optional) → wasm → cpu,
// with a hardware WebGPU adapter (webgpu.ts) tried first for the job kinds and sizes where a GPU pays
// (backendPolicy.ts: transformers, large MLP batches). A software adapter (llvmpipe, SwiftShader) is
// never chosen automatically. WHITTLE_BACKEND=tensorflow|wasm|cpu|webgpu overrides the choice;
// WHITTLE_BACKEND=webgpu uses a software adapter too when that is all there is (the tests run on
// lavapipe that way). Like any preference, an unavailable webgpu falls back to the automatic order;
// the reason is logged and kept in BackendInfo.note. Jobs read tensors back asynchronously (data()),
// which the webgpu backend needs under Node (it has no synchronous readback there).
import { createRequire } from 'node:module';
import os from 'node:os';
import { installKernels, type KernelInstall } from './kernels';
import { tf } from './tf';
import type { BackendPolicy } from '../../shared/backendPolicy';
import { initWebgpu, type WebgpuAdapterInfo } from './webgpu';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu' | 'webgpu';
export interface BackendInfo {
  backend: BackendName;
  /** Threads the step's heavy kernels use (wasm: the native BLAS's threads when it is in use). */
  threads: number;
  simd: boolean;
  /** Whittle's kernel registrations on this backend (native BLAS route, replaced kernels). */
  kernels?: KernelInstall;
  /** webgpu: the adapter in use. */
  adapter?: WebgpuAdapterInfo;
  /** Why a requested backend is not the one in use (e.g. 'webgpu unavailable: no adapter: …'). */
  note?: string;
}

/** Tried when nothing is requested, fastest first. */
const AUTOMATIC: BackendName[] = ['tensorflow', 'wasm', 'cpu'];
/** Accepted as a preference (WHITTLE_BACKEND or initBackend's argument). */
const ALL: BackendName[] = [...AUTOMATIC, 'webgpu'];

// Not named `require`: the app bundle declares its own `require` shim at module scope.
const requireOptional = createRequire(import.meta.url);
const loaded = new Set<BackendName>();
/** Fallback warnings already logged (once per process each). */
const warned = new Set<string>();

/** In the app's worker bundle tfjs-core is bundled (electron.vite.config.ts) while a backend
 *  package loads the package's own copy; both share tfjs's global engine and registries, and the
 *  second copy announces on every job that it set the platform again. Only that line is dropped. */
async function withoutPlatformNotice<T>(load: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && /^Platform \w+ has already been set\. Overwriting the platform/.test(args[0])) return;
    warn(...args);
  };
  try { return await load(); } finally { console.warn = warn; }
}

async function load(name: BackendName): Promise<boolean> {
  if (loaded.has(name)) return true;
  try {
    if (name === 'tensorflow') {
      // Optional dependencies: present only where their installer could fetch libtensorflow.
      try { requireOptional('@tensorflow/tfjs-node-gpu'); } catch { requireOptional('@tensorflow/tfjs-node'); }
    } else if (name === 'wasm') {
      await withoutPlatformNotice(() => import('@tensorflow/tfjs-backend-wasm'));
    } else {
      await withoutPlatformNotice(() => import('@tensorflow/tfjs-backend-cpu'));
    }
    loaded.add(name);
    return true;
  } catch {
    return false;
  }
}

/** Backend names in preference order, honouring WHITTLE_BACKEND (webgpu only when named). */
export function preferenceOrder(override = process.env.WHITTLE_BACKEND): BackendName[] {
  if (!override) return [...AUTOMATIC];
  if (!ALL.includes(override as BackendName)) {
    throw new Error(`WHITTLE_BACKEND must be one of ${ALL.join(', ')} (got '${override}')`);
  }
  return [override as BackendName, ...AUTOMATIC.filter((b) => b !== override)];
}

/**
 * Initialise and activate the best available backend for a job under `policy` (backendPolicy.ts);
 * returns what it runs on. `prefer` (a spec's backend field) goes before WHITTLE_BACKEND.
 */
export async function initBackend(prefer?: BackendName, policy: BackendPolicy = 'auto'): Promise<BackendInfo> {
  const requested = prefer ?? (process.env.WHITTLE_BACKEND as BackendName | undefined || undefined);
  let order = requested ? [requested, ...preferenceOrder().filter((b) => b !== requested)] : preferenceOrder();
  let note: string | undefined;
  if (policy === 'host' && order.includes('webgpu')) {
    order = order.filter((b) => b !== 'webgpu');
    note = 'webgpu not used: this job kind runs on the host backends (it reads the model back synchronously)';
  } else if (policy === 'gpu-first' && !requested) {
    order = ['webgpu', ...order];
  }
  for (const name of order) {
    if (name === 'webgpu') {
      // Forced (named) webgpu takes a software adapter too; the automatic choice only a GPU (or a
      // software adapter with WHITTLE_WEBGPU_SOFTWARE=1), and looks quietly (Dawn's warnings are
      // not for a user who did not ask for webgpu). initWebgpu never throws.
      const forced = requested === 'webgpu';
      const r = await initWebgpu({ allowSoftware: forced || process.env.WHITTLE_WEBGPU_SOFTWARE === '1', quiet: !forced });
      if (r.available) return { ...describe('webgpu', installKernels('webgpu')), adapter: r.adapter };
      if (!forced) continue; // automatic: no GPU here is the normal case, nothing to warn about
      note = `webgpu unavailable: ${r.reason}`;
      if (!warned.has(note)) {
        warned.add(note);
        console.warn(`whittle: ${note}; falling back to ${order.filter((b) => b !== 'webgpu').join(' → ')}`);
      }
      continue;
    }
    if (!(await load(name))) continue;
    try {
      if (tf.getBackend() !== name && !(await tf.setBackend(name))) continue;
      await tf.ready();
      // Our kernel fixes go in as soon as the backend exists, before any job runs a kernel.
      const info = describe(name, installKernels(name));
      const notes = [note, info.kernels?.native ? info.kernels.note : undefined].filter(Boolean);
      return notes.length ? { ...info, note: notes.join('; ') } : info;
    } catch {
      continue;
    }
  }
  throw new Error(`no tfjs backend could be initialised${note ? ` (${note})` : ''}`);
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
