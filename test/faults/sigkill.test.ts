// SIGKILL at random moments of a real CLI training run (steps, evaluations, checkpoint writes, metric
// commits), then resume, over several iterations: the database stays intact, no run is left stuck,
// every committed metric is kept, and the resumed run ends with exactly the uninterrupted result.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { whittle } from '../helpers/cli';
import { tmpHome } from '../helpers/tmp';
import { FAULT_RUN, FAULT_SEED, ITERATIONS, killGroup, prng, readHome, seriesOf, sleep, startWhittle } from './harness';

// One thread: the run's bytes must not depend on how a resumed run's threads are scheduled.
const ENV = { WHITTLE_THREADS: '1' };

describe(`SIGKILL fault injection (seed ${FAULT_SEED}, ${ITERATIONS} iterations)`, { timeout: 600_000 }, () => {
  it('kills train and resume at random points; resume always reproduces the uninterrupted run', async () => {
    // The uninterrupted reference, and how long it takes end to end (the window kills are drawn from).
    const refHome = tmpHome('whittle-fault-ref-');
    const t0 = Date.now();
    const ref = await whittle(['train', ...FAULT_RUN, '--home', refHome, '--json'], ENV);
    const refMs = Date.now() - t0;
    expect(ref.code, ref.stderr).toBe(0);
    const refRun = JSON.parse(ref.stdout) as { runId: string; summary: unknown };
    const refSeries = seriesOf(readHome(refHome).metrics, refRun.runId);
    expect(refSeries.size).toBeGreaterThan(100);

    const random = prng(FAULT_SEED);
    const kills: string[] = [];
    for (let it = 0; it < ITERATIONS; it++) {
      const home = tmpHome('whittle-fault-kill-');
      // Up to two kills per iteration: one during `train`, one during the first `resume`.
      let proc = startWhittle(['train', ...FAULT_RUN, '--home', home, '--json'], ENV);
      let runId: string | null = null;
      for (let k = 0; k < 2; k++) {
        const at = Math.round(300 + random() * refMs);
        const end = await Promise.race([proc.exited, sleep(at).then(() => null)]);
        if (end) break; // it finished before the kill was due
        killGroup(proc);
        await proc.exited;

        const seen = readHome(home);
        expect(seen.integrity, `iteration ${it} kill ${k} at ${at} ms`).toBe('ok');
        kills.push(`${it}.${k}@${at}ms`);
        if (!seen.runs.length) break; // killed before the run was stored: nothing to lose
        runId = seen.runs[0].id;
        const committed = seriesOf(seen.metrics, runId);
        // Whatever was committed is a prefix of the reference, value for value.
        for (const [key, v] of committed) expect(refSeries.get(key), `${key} after kill at ${at} ms`).toBe(v);

        // The next process sees the run as interrupted (or done), never stuck running.
        const list = await whittle(['runs', '--json', '--home', home]);
        expect(list.code, list.stderr).toBe(0);
        const status = (JSON.parse(list.stdout) as { id: string; status: string }[]).find((r) => r.id === runId)!.status;
        expect(['interrupted', 'done'], `status after kill at ${at} ms`).toContain(status);
        if (status === 'done') break;
        proc = startWhittle(['resume', runId, '--home', home, '--json'], ENV);
      }
      if (!runId) {
        // The kill came before the run was stored: start it again, as the user would.
        proc = startWhittle(['train', ...FAULT_RUN, '--home', home, '--json'], ENV);
      }
      const last = await proc.exited;
      if (!runId) runId = readHome(home).runs[0].id;
      let final = readHome(home);
      if (final.runs[0].status !== 'done') {
        // The last kill landed during the resume: one more resume, uninterrupted.
        expect(last.signal, last.stderr).toBe('SIGKILL');
        const r = await whittle(['resume', runId, '--home', home, '--json'], ENV);
        expect(r.code, r.stderr).toBe(0);
        final = readHome(home);
      }
      expect(final.integrity).toBe('ok');
      expect(final.runs[0].status, `iteration ${it}`).toBe('done');
      const got = seriesOf(final.metrics, runId);
      expect(got.size, `iteration ${it}: metric count`).toBe(refSeries.size);
      for (const [key, v] of refSeries) expect(got.get(key), `iteration ${it}: ${key}`).toBe(v);
      const show = JSON.parse((await whittle(['show', runId, '--json', '--home', home])).stdout) as { summary: unknown };
      expect(show.summary, `iteration ${it}: summary`).toEqual(refRun.summary);
      // A checkpoint write cut short leaves no temp folder once a later process has started.
      const leftovers = fs.readdirSync(path.join(home, 'runs', runId)).filter((f) => f.includes('.tmp-'));
      expect(leftovers, `iteration ${it}: temp folders left`).toEqual([]);
      fs.rmSync(home, { recursive: true, force: true });
    }
    console.log(`fault injection: ${kills.length} kills (${kills.join(', ')}), reference run ${refMs} ms`);
    expect(kills.length).toBeGreaterThan(0);
  });
});
