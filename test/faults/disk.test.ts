// A real CLI training run against a disk that fills up at a random moment, and a data folder that
// turns read-only under a run killed mid-way. After each: the database is intact, no run is shown
// running, every committed metric is the uninterrupted run's, and once the disk is usable again a
// resume ends with exactly the uninterrupted result.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { whittle } from '../helpers/cli';
import { fillDisk, remount, tmpfs } from '../helpers/disk';
import { need } from '../helpers/prereqs';
import { tmpHome } from '../helpers/tmp';
import { FAULT_RUN, FAULT_SEED, ITERATIONS, killGroup, prng, readHome, seriesOf, sleep, startWhittle, storedStep } from './harness';

const cleanup: (() => void)[] = [];
afterEach(() => { for (const c of cleanup.splice(0).reverse()) c(); });

/** The uninterrupted run: its summary and every metric value. */
async function reference(): Promise<{ summary: unknown; series: Map<string, number> }> {
  const home = tmpHome('whittle-disk-ref-');
  const ref = await whittle(['train', ...FAULT_RUN, '--home', home, '--json']);
  expect(ref.code, ref.stderr).toBe(0);
  const run = JSON.parse(ref.stdout) as { runId: string; summary: unknown };
  return { summary: run.summary, series: seriesOf(readHome(home).metrics, run.runId) };
}

/** Wait until the run in `home` has stored progress at or past `step` (or its process ended). */
async function reach(home: string, step: number, proc: ReturnType<typeof startWhittle>): Promise<boolean> {
  let ended = false;
  void proc.exited.then(() => (ended = true));
  while (!ended) {
    if (storedStep(home) >= step) return true;
    await sleep(50);
  }
  return false;
}

/** Take the space free on `mnt` but `leave` bytes into its filler file. */
function topUp(mnt: string, leave: number): void {
  const st = fs.statfsSync(mnt);
  const free = st.bavail * st.bsize - leave;
  if (free > 0) try { fs.appendFileSync(path.join(mnt, 'filler'), Buffer.alloc(free)); } catch { /* raced the run to it */ }
}

function expectPrefixOf(ref: Map<string, number>, got: Map<string, number>, what: string): void {
  for (const [key, v] of got) expect(ref.get(key), `${what}: ${key}`).toBe(v);
}

async function expectResumesToReference(home: string, runId: string, ref: { summary: unknown; series: Map<string, number> }, what: string): Promise<void> {
  const r = await whittle(['resume', runId, '--home', home, '--json']);
  expect(r.code, `${what}: ${r.stderr}`).toBe(0);
  expect((JSON.parse(r.stdout) as { summary: unknown }).summary, what).toEqual(ref.summary);
  const final = readHome(home);
  expect(final.integrity).toBe('ok');
  const got = seriesOf(final.metrics, runId);
  expect(got.size, `${what}: metric count`).toBe(ref.series.size);
  for (const [key, v] of ref.series) expect(got.get(key), `${what}: ${key}`).toBe(v);
}

describe(`disk faults (seed ${FAULT_SEED})`, { timeout: 600_000 }, () => {
  it('a disk that fills up at a random step: the run fails "disk full", nothing else is lost, resume after freeing space gives the uninterrupted result', async (t) => {
    if (!need('tmpfsMount', import.meta.url)) return t.skip('cannot mount a tmpfs to fill');
    const ref = await reference();
    const random = prng(FAULT_SEED + 1);
    const fills: string[] = [];
    for (let it = 0; it < Math.max(2, Math.ceil(ITERATIONS / 2)); it++) {
      const mnt = tmpfs('64m', (fn) => cleanup.push(fn));
      const home = path.join(mnt, 'home');
      const at = 50 + Math.floor(random() * 300);
      // Less than one checkpoint: the run cannot settle into the space left.
      const leave = Math.floor(random() * 4096);
      // Most of the disk is taken before the run starts, so filling the rest at step `at` is quick
      // (the run does hundreds of steps a second).
      fillDisk(mnt, 8 * 1024 * 1024);
      const proc = startWhittle(['train', ...FAULT_RUN, '--home', home, '--json']);
      expect(await reach(home, at, proc), `iteration ${it}: run ended before step ${at}`).toBe(true);
      // Fill it, leaving less than one checkpoint's worth: the next checkpoint cannot land (the old
      // one is deleted only after the new one is written).
      topUp(mnt, leave);
      const end = await proc.exited;
      fills.push(`${it}@step${at}+${leave}B`);
      expect(end.code, `iteration ${it}: ${end.stderr}`).toBe(1);
      expect(end.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      const out = JSON.parse(end.stdout) as { runId: string; status: string; error: string };
      expect(out.status).toBe('failed');
      expect(out.error).toMatch(/^disk full: /);

      // Still full: the folder is intact, the run is failed (not running), committed metrics are kept.
      const list = await whittle(['runs', '--home', home, '--json']);
      expect(list.code, list.stderr).toBe(0);
      expect((JSON.parse(list.stdout) as { status: string }[]).map((r) => r.status)).toEqual(['failed']);
      const seen = readHome(home);
      expect(seen.integrity).toBe('ok');
      expectPrefixOf(ref.series, seriesOf(seen.metrics, out.runId), `iteration ${it}`);
      expect(fs.readdirSync(path.join(home, 'runs', out.runId)).filter((f) => f.includes('.tmp-')), 'temp folders left').toEqual([]);

      fs.rmSync(path.join(mnt, 'filler'));
      await expectResumesToReference(home, out.runId, ref, `iteration ${it}`);
    }
    console.log(`disk full: ${fills.join(', ')}`);
  });

  it('a data folder that turns read-only under a killed run: read commands show it interrupted, writes say read-only, resume after remounting gives the uninterrupted result', async (t) => {
    if (!need('tmpfsMount', import.meta.url)) return t.skip('cannot mount a tmpfs read-only');
    const ref = await reference();
    const mnt = tmpfs('64m', (fn) => cleanup.push(fn));
    cleanup.push(() => { try { remount(mnt, 'rw'); } catch { /* unmounted */ } });
    const home = path.join(mnt, 'home');
    const at = 50 + Math.floor(prng(FAULT_SEED + 2)() * 400);
    const proc = startWhittle(['train', ...FAULT_RUN, '--home', home, '--json']);
    expect(await reach(home, at, proc), `run ended before step ${at}`).toBe(true);
    killGroup(proc);
    await proc.exited;
    remount(mnt, 'ro');

    const list = await whittle(['runs', '--home', home, '--json']);
    expect(list.code, list.stderr).toBe(0);
    const [run] = JSON.parse(list.stdout) as { id: string; status: string; error: string }[];
    expect(run.status, 'a dead owner\'s run on a read-only folder').toBe('interrupted');
    expect(run.error).toMatch(/not recorded: the data folder is read-only/);
    const show = await whittle(['show', run.id, '--home', home, '--json']);
    expect(show.code, show.stderr).toBe(0);
    expect((JSON.parse(show.stdout) as { status: string }).status).toBe('interrupted');
    const seen = readHome(home, { readonly: true });
    expect(seen.integrity).toBe('ok');
    expectPrefixOf(ref.series, seriesOf(seen.metrics, run.id), 'read-only');
    for (const args of [['resume', run.id], ['train', ...FAULT_RUN], ['rm', run.id]]) {
      const w = await whittle([...args, '--home', home]);
      expect(w.code, args[0]).toBe(1);
      expect(w.stderr).toContain(`the data folder ${home} is read-only`);
    }

    remount(mnt, 'rw');
    await expectResumesToReference(home, run.id, ref, 'after remount');
  });
});
