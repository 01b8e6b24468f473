// End-to-end harness: a real `whittle serve` subprocess on a temporary WHITTLE_HOME, the built
// renderer, and Debian's chromium driven by playwright-core. Everything started here is stopped in
// the callers' `finally`/afterAll.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

import { findChromium } from '../helpers/prereqs';

export const REPO = path.resolve(__dirname, '../..');
export const ARTIFACTS = path.join(REPO, 'test-artifacts', 'e2e');

/** The newest change to a file the build reads (unit tests beside the sources are not built). */
function newestMtime(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestMtime(p));
    else if (!e.name.endsWith('.test.ts')) t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

/** The built renderer: $WHITTLE_RENDERER, else out/renderer when newer than its sources, else a
 *  fresh vite build of src/renderer into a temporary folder. */
export async function ensureRenderer(): Promise<string> {
  if (process.env.WHITTLE_RENDERER) return process.env.WHITTLE_RENDERER;
  const out = path.join(REPO, 'out/renderer');
  const index = path.join(out, 'index.html');
  const src = Math.max(newestMtime(path.join(REPO, 'src/renderer')), newestMtime(path.join(REPO, 'src/shared')));
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= src) return out;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-renderer-'));
  // Not the user's path (serve finding out/renderer by itself): say so, and how to get it.
  console.warn(`e2e: out/renderer is ${fs.existsSync(index) ? 'older than src/renderer or src/shared' : 'missing'}: serving a temporary build through WHITTLE_RENDERER (${dir}); \`npm run build\` first to test what a user runs`);
  const { build } = await import('vite');
  const { svelte } = await import('@sveltejs/vite-plugin-svelte');
  await build({
    configFile: false, logLevel: 'warn', root: path.join(REPO, 'src/renderer'), base: './',
    plugins: [svelte()], build: { outDir: dir, emptyOutDir: true },
  });
  return dir;
}

export interface Serve { url: string; base: string; token: string; home: string; proc: ChildProcess; output: () => string; stop(): Promise<void> }

export interface ServeHow {
  /** The program and its arguments (default: node bin/whittle.mjs serve --port 0). */
  command?: string[];
  cwd?: string;
  /** A renderer folder to serve through WHITTLE_RENDERER; without it, serve finds the build itself as for a user. */
  rendererDir?: string;
  env?: Record<string, string>;
}

/** Starts `whittle serve` as a subprocess and waits for the URL it prints. */
export async function startServe(how: ServeHow = {}): Promise<Serve> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-e2e-'));
  const [cmd, ...args] = how.command ?? [process.execPath, path.join(REPO, 'bin/whittle.mjs'), 'serve', '--port', '0'];
  const env: Record<string, string | undefined> = { ...process.env, HOME: home, WHITTLE_HOME: home, NO_COLOR: '1', ...how.env };
  // The package's own build is what serve finds by itself, as for a user: only another folder needs the variable.
  if (how.rendererDir && path.resolve(how.rendererDir) !== path.join(REPO, 'out/renderer')) env.WHITTLE_RENDERER = how.rendererDir;
  else delete env.WHITTLE_RENDERER;
  const proc = spawn(cmd, args, {
    // HOME too: browser mode only exports inside the user's home folder, so the test's exports land in its temp folder.
    cwd: how.cwd ?? REPO, env, stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: `npx` starts whittle as a child, and stop() must reach both.
    detached: true,
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const kill = (sig: NodeJS.Signals) => { try { process.kill(-proc.pid!, sig); } catch { proc.kill(sig); } };
      kill('SIGTERM');
      const t = setTimeout(() => kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    fs.rmSync(home, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`whittle serve printed no URL in 90 s:\n${out}`)), 90_000);
      const check = () => {
        const m = /Whittle is serving at (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(out);
        if (m) { clearTimeout(t); resolve(m[1]); }
      };
      proc.stdout!.on('data', check);
      proc.once('exit', (code) => { clearTimeout(t); reject(new Error(`whittle serve exited (${code}):\n${out}`)); });
    });
    const u = new URL(url);
    return { url, base: u.origin, token: u.searchParams.get('token')!, home, proc, output: () => out, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Calls the API the way a script would (token header). */
export async function call<T = unknown>(s: Serve, method: string, ...args: unknown[]): Promise<T> {
  const res = await fetch(`${s.base}/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-whittle-token': s.token }, body: JSON.stringify(args) });
  const body = await res.json();
  if (!res.ok) throw new Error(`${method}: ${res.status} ${JSON.stringify(body)}`);
  return body as T;
}

export async function launch(): Promise<{ ctx: BrowserContext; page: Page; profile: string; close(): Promise<void> }> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: findChromium() ?? 'chromium', headless: true, viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  return {
    ctx, page, profile,
    close: async () => { await ctx.close().catch(() => {}); fs.rmSync(profile, { recursive: true, force: true }); },
  };
}

/** Types into a wizard's fields by name, in the order given: the inputs `#<idPrefix>-<field>` of
 *  components/fieldForm.ts ('f' the new-model wizard, 't' its text skill, 'c' the carve wizard). */
export async function fillFields(page: Page, idPrefix: 'f' | 't' | 'c', values: Record<string, string | number>): Promise<void> {
  for (const [field, value] of Object.entries(values)) await page.locator(`#${idPrefix}-${field}`).fill(String(value));
}

/** Saves a full-page screenshot under test-artifacts/e2e/. */
export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** The app as a user opens it: `whittle serve` on a fresh data folder and a Chromium page (not yet
 *  navigated); page errors are collected into `pageErrors` when given. */
export interface App { serve: Serve; page: Page; close(): Promise<void> }
export async function openApp(opts: { pageErrors?: string[]; serve?: ServeHow } = {}): Promise<App> {
  const serve = await startServe({ rendererDir: await ensureRenderer(), ...opts.serve });
  const browser = await launch().catch(async (e) => { await serve.stop(); throw e; });
  if (opts.pageErrors) browser.page.on('pageerror', (e) => opts.pageErrors!.push(e.message));
  return {
    serve, page: browser.page,
    close: async () => { try { await browser.close(); } finally { await serve.stop(); } },
  };
}
