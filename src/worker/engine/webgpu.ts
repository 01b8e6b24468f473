// Optional WebGPU route for tfjs (GPUs without CUDA: AMD, Intel, Apple) through Dawn's Node
// bindings (`webgpu`, optional dependency) and `@tensorflow/tfjs-backend-webgpu` (optional too).
//
// Chosen by backend.ts: forced with WHITTLE_BACKEND=webgpu (software adapters included), or tried
// first for the job kinds backendPolicy.ts names when the adapter is a GPU. Under Node the webgpu
// backend cannot read tensors back synchronously — dataSync()/arraySync() throw ("OffscreenCanvas is
// not defined"); only async data() works, so every read a job makes (checkpoints: toWeights,
// optimizer readState; evaluation, scores, group norms, sampling) is async. Export and the other
// host-only jobs never run here (backendPolicy.ts).
//
// Measured (webgpu 0.6.2, tfjs 4.22, Node 20, Linux x64 without a usable GPU):
// - `create([])` + `requestAdapter()` never threw or hung; with no usable Vulkan device it resolves
//   null in ~20–170 ms. We still race it with a timeout. Dawn prints warnings on the process's stderr
//   during requestAdapter() (Vulkan loader; with lavapipe: "maxDynamicUniformBuffersPerPipelineLayout
//   artificially reduced …"), so the automatic choice looks in a child process first
//   (webgpuQuietProbe.ts) and loads Dawn here only for an adapter it will use.
// - Dawn may offer a 'null-backend' device (rejected) or a software adapter (SwiftShader/lavapipe:
//   isFallbackAdapter or architecture 'software'), never chosen automatically; accepted when
//   WHITTLE_BACKEND=webgpu forces webgpu (or with WHITTLE_WEBGPU_SOFTWARE=1).
// - tfjs-backend-webgpu registers its backend at import only if navigator.gpu exists then (Node 20
//   has no navigator), and once registered it stays registered even when setBackend('webgpu')
//   resolves false. So: probe first, install Dawn's globals and navigator.gpu, import the backend
//   only after a successful probe, and remove it again if anything after that fails.
// - tfjs-core keeps its engine and kernel registry on the global object, so the backend package's
//   own copy of tfjs-core registers into the same engine as ./tf.
// - node_modules/webgpu is ~132 MB (prebuilt dawn.node for every platform); its postinstall does
//   nothing on Linux.
import { tf } from './tf';
import { probeWebgpuQuietly, type GpuAdapterLike } from './webgpuQuietProbe';

export interface WebgpuAdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  /** Software (fallback) adapter, e.g. SwiftShader: runs WebGPU on the CPU. */
  fallback: boolean;
}

export interface WebgpuProbe {
  available: boolean;
  /** Why it is (not) available, for logs and errors. */
  reason: string;
  adapter?: WebgpuAdapterInfo;
}

// Minimal shapes of what we touch in Dawn's bindings (not importing 'webgpu' types: the package is
// optional, and its types would add the WebGPU DOM globals to the whole program).
interface GpuLike { requestAdapter(opts?: unknown): Promise<GpuAdapterLike | null> }
interface WebgpuModule { create(flags: string[]): GpuLike; globals: Record<string, unknown> }

interface RawProbe {
  ok: boolean;
  reason: string;
  ms: number;
  adapter?: WebgpuAdapterInfo;
  gpu?: GpuLike;
  globals?: Record<string, unknown>;
}

const DEFAULT_TIMEOUT_MS = 5000;
/** Longest we wait for the tfjs backend to get its own adapter and device. */
const INIT_TIMEOUT_MS = 30_000;

// Optional packages are imported by a computed name: the app bundler must neither inline them
// (dawn.node is found relative to the package's own folder) nor fail the build where they are absent.
const importOptional = (name: string): Promise<unknown> => import(/* @vite-ignore */ name);

let rawProbe: Promise<RawProbe> | null = null;
/** The child-process lookup (quiet), once per process. */
let quietProbe: Promise<RawProbe> | null = null;
let initDone: Promise<WebgpuProbe> | null = null;

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: T): Promise<T> {
  return Promise.race([p, new Promise<T>((resolve) => setTimeout(resolve, ms, onTimeout).unref())]);
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

async function probeRaw(timeoutMs: number): Promise<RawProbe> {
  const t0 = performance.now();
  const done = (r: Omit<RawProbe, 'ms'>): RawProbe => ({ ...r, ms: Math.round(performance.now() - t0) });
  let mod: WebgpuModule;
  try {
    mod = (await importOptional('webgpu')) as WebgpuModule;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return done({ ok: false, reason: NO_PACKAGE });
    return done({ ok: false, reason: `webgpu package failed to load: ${errText(e)}` });
  }
  try {
    const gpu = mod.create([]);
    const timedOut = Symbol('timeout');
    const adapter = await withTimeout<GpuAdapterLike | null | typeof timedOut>(gpu.requestAdapter(), timeoutMs, timedOut);
    if (adapter === timedOut) return done({ ok: false, reason: `no adapter: requestAdapter() did not answer within ${timeoutMs} ms` });
    if (!adapter) return done({ ok: false, reason: NO_ADAPTER });
    const a = readAdapter(adapter);
    if (!a) return done({ ok: false, reason: NULL_BACKEND });
    return done({ ok: true, reason: describeAdapter(a), adapter: a, gpu, globals: mod.globals });
  } catch (e) {
    return done({ ok: false, reason: `no adapter: ${errText(e)}` });
  }
}

const NO_PACKAGE = 'no package: webgpu is not installed';
const NO_ADAPTER = 'no adapter: Dawn found no usable GPU (no Vulkan/Metal/D3D12 device)';
const NULL_BACKEND = "no adapter: only Dawn's null backend";

/** Our view of what Dawn's adapter says of itself; null for Dawn's null backend (no device). */
function readAdapter(adapter: GpuAdapterLike): WebgpuAdapterInfo | null {
  const info = adapter.info ?? {};
  if (info.device === 'null-backend') return null;
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    description: info.description || info.device || '',
    fallback: Boolean(adapter.isFallbackAdapter ?? info.isFallbackAdapter) || info.architecture === 'software',
  };
}

/** The same lookup as probeRaw, in a child process (webgpuQuietProbe.ts): Dawn's stderr stays there. */
async function probeRawQuietly(timeoutMs: number): Promise<RawProbe> {
  const t0 = performance.now();
  const r = await probeWebgpuQuietly(timeoutMs);
  const ms = Math.round(performance.now() - t0);
  if (r.kind === 'noPackage') return { ok: false, reason: NO_PACKAGE, ms };
  if (r.kind === 'none') return { ok: false, reason: NO_ADAPTER, ms };
  if (r.kind === 'failed') return { ok: false, reason: r.reason, ms };
  const a = readAdapter(r.adapter);
  return a ? { ok: true, reason: describeAdapter(a), ms, adapter: a } : { ok: false, reason: NULL_BACKEND, ms };
}

/** A software adapter counts when the caller says so, else with WHITTLE_WEBGPU_SOFTWARE=1. */
const softwareAllowed = (given: boolean | undefined): boolean => given ?? process.env.WHITTLE_WEBGPU_SOFTWARE === '1';

/** 'vendor / architecture / device' for logs and `whittle show`. */
export function describeAdapter(a: WebgpuAdapterInfo): string {
  return [a.vendor, a.architecture, a.description].filter(Boolean).join(' / ') || 'unnamed adapter';
}

function judge(raw: RawProbe, allowSoftware: boolean): WebgpuProbe {
  if (!raw.ok || !raw.adapter) return { available: false, reason: raw.reason };
  const a = raw.adapter;
  if (a.fallback && !allowSoftware) {
    return { available: false, reason: `software adapter (${describeAdapter(a)}): not a GPU, never chosen automatically; WHITTLE_BACKEND=webgpu (or WHITTLE_WEBGPU_SOFTWARE=1) uses it anyway`, adapter: a };
  }
  return { available: true, reason: `${a.fallback ? 'software adapter' : 'GPU'}: ${describeAdapter(a)} (probe ${raw.ms} ms)`, adapter: a };
}

/**
 * Is there a WebGPU adapter tfjs could use? Never throws; the adapter lookup runs once per process
 * (the first call's timeout applies). Software adapters count only with allowSoftware (default:
 * WHITTLE_WEBGPU_SOFTWARE=1).
 */
export async function probeWebgpu(opts: { timeoutMs?: number; allowSoftware?: boolean } = {}): Promise<WebgpuProbe> {
  rawProbe ??= probeRaw(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS).catch((e) => ({ ok: false, reason: `probe failed: ${errText(e)}`, ms: 0 }));
  return judge(await rawProbe, softwareAllowed(opts.allowSoftware));
}

/** Make Dawn's GPU visible the way tfjs-backend-webgpu looks for it; returns an undo. */
function installGlobals(gpu: GpuLike, globals: Record<string, unknown>): () => void {
  const g = globalThis as Record<string, unknown>;
  const added = Object.keys(globals).filter((k) => !(k in g));
  Object.assign(globalThis, globals);
  const nav = g.navigator as Record<string, unknown> | undefined;
  let undoNav: () => void;
  if (nav === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    undoNav = () => { delete g.navigator; };
  } else if (!nav.gpu) {
    Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, writable: true });
    undoNav = () => { delete nav.gpu; };
  } else {
    undoNav = () => {};
  }
  return () => { undoNav(); for (const k of added) delete g[k]; };
}

async function initOnce(): Promise<WebgpuProbe> {
  const probe = await probeWebgpu({ allowSoftware: true }); // initWebgpu judged the adapter already
  if (!probe.available) return probe;
  const raw = await rawProbe!;
  const fail = (reason: string): WebgpuProbe => ({ available: false, reason, adapter: probe.adapter });
  const prev = tf.getBackend();
  const undoGlobals = installGlobals(raw.gpu!, raw.globals ?? {});
  // A failed setBackend leaves no active backend: unregister webgpu and re-activate the previous one.
  const cleanup = async () => {
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    undoGlobals();
    if (prev && prev !== 'webgpu' && tf.findBackendFactory(prev)) await tf.setBackend(prev).catch(() => false);
  };
  try {
    await importOptional('@tensorflow/tfjs-backend-webgpu');
  } catch (e) {
    await cleanup();
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return fail('no package: @tensorflow/tfjs-backend-webgpu is not installed');
    return fail(`@tensorflow/tfjs-backend-webgpu failed to load: ${errText(e)}`);
  }
  if (!tf.findBackendFactory('webgpu')) {
    await cleanup();
    return fail('@tensorflow/tfjs-backend-webgpu registered no backend (navigator.gpu missing at import?)');
  }
  try {
    const timedOut = Symbol('timeout');
    const ok = await withTimeout<boolean | typeof timedOut>(tf.setBackend('webgpu'), INIT_TIMEOUT_MS, timedOut);
    if (ok === timedOut) throw new Error(`tf.setBackend('webgpu') did not finish within ${INIT_TIMEOUT_MS} ms`);
    if (!ok) throw new Error("tf.setBackend('webgpu') failed (no adapter or device for tfjs)");
    await tf.ready();
    return probe;
  } catch (e) {
    await cleanup();
    return fail(`webgpu backend did not start: ${errText(e)}`);
  }
}

/**
 * Probe, install Dawn's globals, load tfjs-backend-webgpu and make 'webgpu' the active backend.
 * Never throws: returns available:false with the reason (and the backend unregistered) on failure.
 * Once set up, later calls re-activate the backend.
 */
export async function initWebgpu(opts: { allowSoftware?: boolean; quiet?: boolean } = {}): Promise<WebgpuProbe> {
  // quiet (the automatic choice): look in a child process first, so that Dawn loads (and prints
  // its warnings) in this process only for an adapter that will be used; once Dawn is loaded here
  // (an earlier job named webgpu) there is nothing more to keep quiet
  if (opts.quiet && !rawProbe) {
    quietProbe ??= probeRawQuietly(DEFAULT_TIMEOUT_MS);
    const seen = judge(await quietProbe, softwareAllowed(opts.allowSoftware));
    if (!seen.available) return seen;
  }
  // judged per call (a software adapter may be refused to one caller and forced by another);
  // the backend itself is set up once
  const probe = await probeWebgpu({ allowSoftware: opts.allowSoftware });
  if (!probe.available) return probe;
  initDone ??= initOnce();
  const r = await initDone;
  if (r.available && tf.getBackend() !== 'webgpu') {
    try {
      if (!(await tf.setBackend('webgpu'))) return { available: false, reason: "tf.setBackend('webgpu') failed", adapter: r.adapter };
    } catch (e) {
      return { available: false, reason: `tf.setBackend('webgpu') failed: ${errText(e)}`, adapter: r.adapter };
    }
  }
  return r;
}

/**
 * Tests only: pretend the probe found `gpu` (e.g. a stand-in whose requestAdapter() gives null), to
 * exercise initWebgpu's failure clean-up on machines without a GPU; reset() forgets everything.
 * tfjs-backend-webgpu registers itself once per process (at import), so use it only where no real
 * adapter will be initialised later in the same process.
 */
export const webgpuTesting = {
  fakeAdapter(gpu: GpuLike, adapter: WebgpuAdapterInfo, globals: Record<string, unknown> = {}): void {
    rawProbe = Promise.resolve({ ok: true, reason: describeAdapter(adapter), ms: 0, adapter, gpu, globals });
    initDone = null;
  },
  reset(): void { rawProbe = null; quietProbe = null; initDone = null; },
  /** Whether this process has loaded Dawn and asked it for an adapter (probeRaw). */
  probedInProcess(): boolean { return rawProbe !== null; },
};
