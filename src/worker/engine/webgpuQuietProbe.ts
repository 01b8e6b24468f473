// The automatic backend choice's look for a WebGPU adapter, made in a child process whose stderr is
// captured and dropped. Dawn writes warnings to its process's own stderr (file descriptor 2, from
// native code: no JavaScript hook sees them) while requestAdapter() enumerates adapters; with
// Mesa's lavapipe installed (a software Vulkan driver) every lookup prints
//   Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 …
// A user who did not ask for webgpu (`whittle train`, `whittle bench` on a job that tries a GPU
// first) must not see that, and a software adapter is never chosen automatically anyway. So
// webgpu.ts asks here first and loads Dawn into its own process only when the answer is an adapter
// it would use. Cost: one Node start-up plus Dawn's lookup (`bench/webgpu-probe.ts`: median 141 ms,
// 104–283, over 10 lookups with lavapipe on the 2-core machine; bench/results/2026-12-06-2core-webgpu-
// quiet-probe.json), once per process, only for the job kinds and sizes that try a GPU first
// (shared/backendPolicy.ts).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** What Dawn's adapter says of itself (the fields webgpu.ts reads). */
export interface GpuAdapterLike {
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
}

export type QuietProbe =
  | { kind: 'adapter'; adapter: GpuAdapterLike }
  | { kind: 'none' }
  | { kind: 'noPackage' }
  | { kind: 'failed'; reason: string };

// Runs as an ES module in the child; WHITTLE_WEBGPU_URL is the webgpu package's entry. Prints one
// JSON line on stdout: the adapter's info, or null when Dawn finds none.
const CHILD = `
const m = await import(process.env.WHITTLE_WEBGPU_URL);
const a = await m.create([]).requestAdapter();
const i = a?.info ?? {};
const out = a ? { isFallbackAdapter: a.isFallbackAdapter, info: { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, isFallbackAdapter: i.isFallbackAdapter } } : null;
process.stdout.write(JSON.stringify(out) + '\\n', () => process.exit(0));
`;

// Not named `require`: the app bundle declares its own `require` shim at module scope.
const resolveOptional = createRequire(import.meta.url);

/** Dawn's adapter as a child process sees it; never throws. The child is killed after timeoutMs. */
export function probeWebgpuQuietly(timeoutMs: number): Promise<QuietProbe> {
  let entry: string;
  try { entry = resolveOptional.resolve('webgpu'); } catch { return Promise.resolve({ kind: 'noPackage' }); }
  return new Promise((resolve) => {
    // ELECTRON_RUN_AS_NODE: in the desktop app process.execPath is Electron, which then acts as Node
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', WHITTLE_WEBGPU_URL: pathToFileURL(entry).href },
      stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true,
    });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); }); // Dawn's warnings end here
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    timer.unref();
    child.on('error', (e) => { clearTimeout(timer); resolve({ kind: 'failed', reason: `the adapter probe did not start: ${e.message}` }); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') return resolve({ kind: 'failed', reason: `no adapter: requestAdapter() did not answer within ${timeoutMs} ms` });
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        const a = JSON.parse(line) as GpuAdapterLike | null;
        resolve(a ? { kind: 'adapter', adapter: a } : { kind: 'none' });
      } catch {
        // the last line of the child's stderr says why (e.g. dawn.node failed to load)
        const why = stderr.trim().split('\n').filter(Boolean).pop() ?? `exit code ${code}`;
        resolve({ kind: 'failed', reason: `webgpu package failed to load: ${why}` });
      }
    });
  });
}
