// The run lifecycle as users meet it from the terminal: a `whittle train` killed (SIGKILL) or
// stopped (SIGTERM) while other processes share its data folder, a disk that fills up mid-run,
// and a data folder mounted read-only.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WhittleService } from '../src/main/services/api';
import { checkpointStep } from '../src/main/services/scheduler';
import { Store } from '../src/main/services/store';
import { whittle } from './helpers/cli';
import { fillDisk, remount, tmpfs as mountTmpfs } from './helpers/disk';
import { need } from './helpers/prereqs';
import { BIN, tmpHome } from './helpers/tmp';

const cleanup: (() => unknown)[] = [];
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

function recipe(spec: Record<string, unknown>): string {
  const file = path.join(tmpHome('whittle-recipe-'), 'recipe.json');
  fs.writeFileSync(file, JSON.stringify({ kind: 'run', spec: { kind: 'selftest', ...spec } }));
  return file;
}

/** `whittle ARGS` as a child process we can signal; `exit` resolves with its code and signal. */
function startWhittle(args: string[], opts: { detached?: boolean } = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached, env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('exit', (code, signal) => setTimeout(() => resolve({ code, signal, stdout, stderr }), 50));
  });
  cleanup.push(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  return { child, exit };
}

async function until<T>(get: () => T | null | undefined | false, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The one run in `store` once it is running and has stored progress at or past `step`. */
const runningPast = (store: Store, step: number) => () =>
  store.listRuns().find((r) => r.status === 'running' && (r.progress?.step ?? 0) >= step);

const tmpfs = (size: string) => mountTmpfs(size, (fn) => cleanup.push(fn));

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('run lifecycle from the CLI', { timeout: 180_000 }, () => {
  it('a SIGKILLed `whittle train` run becomes interrupted inside a live service on the same folder, and resumes', async () => {
    const home = tmpHome();
    const serve = new WhittleService({ home, workers: 1, mode: 'browser' }); // stands for a live `whittle serve`
    cleanup.push(() => serve.close());
    const { child, exit } = startWhittle(['train', '--recipe', recipe({ steps: 400, stepMs: 20, checkpointEvery: 10 }), '--home', home], { detached: true });
    const run = await until(runningPast(serve.store, 15), 60_000, 'the CLI run is under way');
    process.kill(-child.pid!, 'SIGKILL'); // the whole process group, as a terminal's kill does
    expect((await exit).signal).toBe('SIGKILL');
    // Reading the run through the service (as the GUI's getRun does) is what notices the dead owner.
    const deadline = Date.now() + 5000;
    let seen = await serve.getRun(run.id);
    while (seen.status === 'running' && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 100));
      seen = await serve.getRun(run.id);
    }
    expect(seen.status).toBe('interrupted');
    expect(seen.error).toMatch(/ended unexpectedly/);
    await serve.resumeRun(run.id); // no 409
    const done = await serve.waitForRun(run.id);
    expect(done.status).toBe('done');
    expect((await serve.metrics(run.id)).series.count.map((p) => p.step)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
  });

  it('SIGTERM to `whittle train` checkpoints, marks the run interrupted, exits 143; `whittle resume` finishes it', async () => {
    const home = tmpHome();
    const { child, exit } = startWhittle(['train', '--recipe', recipe({ steps: 100_000, stepMs: 5, checkpointEvery: 100_000 }), '--home', home]);
    const store = new Store(home);
    cleanup.push(() => store.close());
    const run = await until(runningPast(store, 20), 60_000, 'the run is under way');
    child.kill('SIGTERM');
    const r = await exit;
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 143, signal: null });
    expect(r.stderr).toContain('stopped by SIGTERM');
    noStack(r.stderr);
    const end = store.getRun(run.id)!;
    expect(end.status).toBe('interrupted');
    expect(end.error).toBe('stopped by SIGTERM');
    const at = checkpointStep(end.checkpoint);
    expect(at).toBeGreaterThanOrEqual(20);
    expect(end.progress?.step).toBe(at); // what it reached, not a stale earlier value
    expect(r.stderr).toContain(`checkpoint at step ${at}`);
    // Resume it with a spec that ends soon after (resume continues from the checkpoint's step).
    store.db.prepare("UPDATE runs SET spec = json_set(spec, '$.steps', ?) WHERE id = ?").run(at! + 15, run.id);
    const resumed = await whittle(['resume', run.id, '--home', home, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).status).toBe('done');
    expect(store.metrics(run.id).series.count.map((p) => p.step)).toEqual(Array.from({ length: at! + 15 }, (_, i) => i + 1));
  });

  it('Ctrl-C (SIGINT) to `whittle train` does the same and exits 130', async () => {
    const home = tmpHome();
    const { child, exit } = startWhittle(['train', '--recipe', recipe({ steps: 100_000, stepMs: 5, checkpointEvery: 100_000 }), '--home', home]);
    const store = new Store(home);
    cleanup.push(() => store.close());
    const run = await until(runningPast(store, 10), 60_000, 'the run is under way');
    child.kill('SIGINT');
    const r = await exit;
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 130, signal: null });
    noStack(r.stderr);
    const end = store.getRun(run.id)!;
    expect([end.status, end.error]).toEqual(['interrupted', 'stopped by SIGINT']);
    expect(end.progress?.step).toBe(checkpointStep(end.checkpoint));
  });

  it('a disk that fills up mid-run fails the run with "disk full", removes its checkpoint temp, and runs/show/rm still work', async (t) => {
    if (!need('tmpfsMount', import.meta.url)) return t.skip('cannot mount a tmpfs to fill (the PRAGMA max_page_count variant in lifecycle.test.ts still runs)');
    const home = path.join(tmpfs('4m'), 'home');
    const first = await whittle(['train', '--recipe', recipe({ steps: 5, stepMs: 1 }), '--home', home, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const keep = JSON.parse(first.stdout).runId as string;
    fillDisk(home, 192 * 1024);
    const r = await whittle(['train', '--recipe', recipe({ steps: 10_000_000, stepMs: 0, checkpointEvery: 50 }), '--home', home, '--json']);
    expect(r.code, r.stderr).toBe(1);
    noStack(r.stderr);
    const out = JSON.parse(r.stdout) as { runId: string; status: string; error: string };
    expect(out.status).toBe('failed');
    expect(out.error).toMatch(/^disk full: /);
    expect(fs.readdirSync(path.join(home, 'runs', out.runId)).filter((n) => n.includes('.tmp-'))).toEqual([]);
    // Still full: the read commands and rm work, so Whittle itself can free the space.
    fillDisk(home, 0);
    const runs = await whittle(['runs', '--home', home, '--json']);
    expect(runs.code, runs.stderr).toBe(0);
    const listed = JSON.parse(runs.stdout) as { id: string; status: string }[];
    expect(listed.find((x) => x.id === out.runId)?.status).toMatch(/^(failed|interrupted)$/); // never left running
    expect((await whittle(['show', keep, '--home', home])).code).toBe(0);
    const full = await whittle(['train', '--recipe', recipe({ steps: 5, stepMs: 1 }), '--home', home]);
    if (full.code !== 0) { expect(full.code).toBe(1); expect(full.stderr).toMatch(/disk full/); noStack(full.stderr); }
    const rm = await whittle(['rm', out.runId, keep, '--home', home]);
    expect(rm.code, rm.stderr).toBe(0);
    expect(JSON.parse((await whittle(['runs', '--home', home, '--json'])).stdout).map((x: { id: string }) => x.id)).not.toContain(out.runId);
  });

  it('a read-only data folder: runs/show/metrics read it; train and rm say the folder is read-only (exit 1, no stack trace)', async (t) => {
    if (!need('tmpfsMount', import.meta.url)) return t.skip('cannot mount a tmpfs read-only (root is not stopped by chmod)');
    const mnt = tmpfs('4m');
    const home = path.join(mnt, 'home');
    const made = await whittle(['train', '--recipe', recipe({ steps: 5, stepMs: 1 }), '--home', home, '--json']);
    expect(made.code, made.stderr).toBe(0);
    const id = JSON.parse(made.stdout).runId as string;
    remount(mnt, 'ro');
    cleanup.push(() => { try { remount(mnt, 'rw'); } catch { /* unmounted */ } });
    const runs = await whittle(['runs', '--home', home, '--json']);
    expect(runs.code, runs.stderr).toBe(0);
    expect(JSON.parse(runs.stdout).map((r: { id: string; status: string }) => [r.id, r.status])).toEqual([[id, 'done']]);
    const show = await whittle(['show', id, '--home', home]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(id);
    const metrics = await whittle(['metrics', id, '--home', home, '--json']);
    expect(metrics.code, metrics.stderr).toBe(0);
    expect(JSON.parse(metrics.stdout).series.count).toHaveLength(5);
    for (const args of [['train', '--recipe', recipe({ steps: 5, stepMs: 1 })], ['rm', id]]) {
      const w = await whittle([...args, '--home', home]);
      expect(w.code, args[0]).toBe(1);
      expect(w.stderr).toContain(`the data folder ${home} is read-only`);
      noStack(w.stderr);
    }
  });
});
