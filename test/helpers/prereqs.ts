// What some tests need from the machine, and what to do when it is missing. A test that cannot run
// here asks `need(...)`: it is skipped with its reason recorded, and the summary reporter lists every
// skip at the end of `npm test` with the command that enables it. Under WHITTLE_TEST_STRICT=1 (set
// by .ci/run) a missing prerequisite that CI provisions fails the run instead of skipping.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeLoadError } from '../../src/worker/engine/kernels/native';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where Debian, Ubuntu and Fedora put Chromium (and Chrome), after $CHROME_PATH. */
export const CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium', '/usr/lib64/chromium-browser/chromium-browser',
  '/snap/bin/chromium', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable',
];

/** The Chromium the end-to-end tests drive: $CHROME_PATH (or the older $WHITTLE_CHROMIUM), else the
 *  first of the usual places that exists; null when there is none. */
export function findChromium(): string | null {
  for (const v of [process.env.CHROME_PATH, process.env.WHITTLE_CHROMIUM]) if (v) return fs.existsSync(v) ? v : null;
  return CHROMIUM_CANDIDATES.find((p) => fs.existsSync(p)) ?? null;
}

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export interface Prereq {
  /** What is missing, for the skip list ("no Chromium found"). Null when present. */
  missing(): string | null;
  /** The command or step that provides it. */
  enable: string;
  /** .ci/run installs or builds it: under WHITTLE_TEST_STRICT=1 its absence fails the run. */
  providedByCi: boolean;
}

const python3Works = (): boolean => { try { execFileSync('python3', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; } };

const torchWorks = (): boolean => { try { execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }); return true; } catch { return false; } };

export const PREREQS = {
  chromium: {
    missing: () => findChromium() ? null
      : process.env.CHROME_PATH ? `no Chromium at $CHROME_PATH (${process.env.CHROME_PATH})`
      : `no Chromium found (looked in ${CHROMIUM_CANDIDATES.join(', ')} and $CHROME_PATH)`,
    enable: 'apt-get install chromium (or set CHROME_PATH to a Chromium or Chrome binary)',
    providedByCi: true,
  },
  fashionMnist: {
    missing: () => fs.existsSync(path.join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz')) ? null : `no Fashion-MNIST in ${FASHION_MNIST_DIR}`,
    enable: 'apt-get install dataset-fashion-mnist',
    providedByCi: true,
  },
  python3: {
    missing: () => python3Works() ? null : 'no python3 on PATH',
    enable: 'apt-get install python3',
    providedByCi: true,
  },
  torch: {
    missing: () => torchWorks() ? null : 'no PyTorch for /usr/bin/python3 (import torch fails)',
    enable: 'apt-get install python3-torch',
    providedByCi: true,
  },
  builtApp: {
    missing: () => fs.existsSync(path.join(REPO, 'out/main/worker.js')) && fs.existsSync(path.join(REPO, 'out/renderer/index.html'))
      ? null : 'the app is not built (no out/main/worker.js or out/renderer/index.html)',
    enable: 'npm run build (npm test builds before it runs vitest)',
    providedByCi: true,
  },
  nativeKernels: {
    missing: () => { const why = nativeLoadError(); return why === null ? null : `the native kernels are not in use: ${why}`; },
    enable: 'node native/build.mjs --strict (needs a C compiler: apt-get install build-essential)',
    providedByCi: true,
  },
  tmpfsMount: {
    missing: () => tmpfsMountError(),
    enable: 'run the tests as root on Linux (mount -t tmpfs), as CI does',
    providedByCi: true,
  },
  webgpuAdapter: {
    missing: () => webgpuAdapterError(),
    enable: 'bash scripts/ci/lavapipe.sh (Mesa 25 from bookworm-backports: a software Vulkan adapter Dawn accepts), or a machine with a GPU and its Vulkan driver',
    providedByCi: true,
  },
  twoCores: {
    missing: () => os.availableParallelism() >= 2 ? null : `this machine has ${os.availableParallelism()} core`,
    enable: 'a machine with 2 or more cores',
    providedByCi: true,
  },
} satisfies Record<string, Prereq>;

export type PrereqName = keyof typeof PREREQS;

let webgpuAnswer: string | null | undefined;
/** Null when Dawn (the `webgpu` package) finds an adapter, software ones included; asked once per
 *  process, in a child process (the probe is asynchronous, prerequisites are not). */
function webgpuAdapterError(): string | null {
  if (webgpuAnswer !== undefined) return webgpuAnswer;
  const script = "const m = await import('webgpu'); const a = await m.create([]).requestAdapter();" +
    " const i = a?.info ?? {}; process.stdout.write(a && i.device !== 'null-backend' ? 'ok ' + [i.vendor, i.architecture, i.device].join(' / ') : 'none');";
  try {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000 });
    webgpuAnswer = out.startsWith('ok') ? null : 'Dawn (the webgpu package) found no WebGPU adapter (no Vulkan device it accepts; Debian 12\'s own Mesa 22.3 is too old)';
  } catch (e) {
    webgpuAnswer = `the webgpu package could not be probed: ${(e as Error).message.split('\n')[0]}`;
  }
  return webgpuAnswer;
}

/** Null when this process may mount a small tmpfs (a full or read-only disk to test against). */
function tmpfsMountError(): string | null {
  if (process.platform !== 'linux') return `mounting a tmpfs needs Linux (this is ${process.platform})`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir], { stdio: 'ignore' });
    return null;
  } catch {
    return 'cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)';
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const strict = (): boolean => process.env.WHITTLE_TEST_STRICT === '1';

export interface SkipRecord { file: string; prereq: string; reason: string; enable: string }

/** True when `name` is present. When it is not: in strict mode, and CI provides it, throws (the test
 *  file fails with the reason); otherwise records the skip for the end-of-run list and returns false.
 *  `file` is the test file's import.meta.url. */
export function need(name: PrereqName, file: string): boolean {
  const p: Prereq = PREREQS[name];
  const reason = p.missing();
  if (reason === null) return true;
  if (strict() && p.providedByCi) {
    throw new Error(`WHITTLE_TEST_STRICT=1: ${reason}; CI provides it (${p.enable}), so its tests may not be skipped`);
  }
  recordSkip({ file: fileURLToPath(file), prereq: name, reason, enable: p.enable });
  return false;
}

/** The file the summary reporter reads. vitest.config.ts sets it before the test processes start. */
export function skipLogPath(): string | undefined { return process.env.WHITTLE_SKIP_LOG; }

export function recordSkip(r: SkipRecord): void {
  const log = skipLogPath();
  if (log) fs.appendFileSync(log, `${JSON.stringify(r)}\n`);
}
