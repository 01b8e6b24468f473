// Several coordinators on one data folder, started as a user would: a live `whittle serve` and CLI
// trains beside it. The serve must never take a live CLI run for a dead one, must notice a SIGKILLed
// one at once, and must be able to resume it; every run ends with exactly the result of a run alone.
import { describe, expect, it } from 'vitest';
import { whittle } from '../helpers/cli';
import { request } from '../helpers/http';
import { tmpHome } from '../helpers/tmp';
import { FAULT_RUN, killGroup, type Proc, readHome, seriesOf, sleep, startWhittle } from './harness';

interface Run { id: string; status: string; progress: { step: number } | null; summary: unknown }

/** `whittle serve --port 0 --json` on `home`; resolves once it prints its address. */
async function startServe(home: string): Promise<{ proc: Proc; call: <T>(method: string, ...args: unknown[]) => Promise<T> }> {
  const proc = startWhittle(['serve', '--port', '0', '--home', home, '--json']);
  let out = '';
  const info = await new Promise<{ url: string; port: number }>((resolve, reject) => {
    proc.child.stdout!.on('data', (d) => {
      out += d;
      try { resolve(JSON.parse(out)); } catch { /* not whole yet */ }
    });
    void proc.exited.then((e) => reject(new Error(`serve exited early (${e.code}): ${e.stderr}`)));
  });
  const token = new URL(info.url).searchParams.get('token')!;
  async function call<T>(method: string, ...args: unknown[]): Promise<T> {
    const r = await request(info.port, `/api/${method}`, { method: 'POST', body: args, headers: { 'x-whittle-token': token } });
    if (r.status !== 200) throw new Error(`${method}: HTTP ${r.status} ${r.body}`);
    return JSON.parse(r.body) as T;
  }
  return { proc, call };
}

describe('coordinators sharing one data folder', { timeout: 600_000 }, () => {
  it('a live serve and two concurrent CLI trains: no live run is marked dead, a killed one is noticed and resumed by the serve, all equal a run alone', async () => {
    const refHome = tmpHome('whittle-coord-ref-');
    const ref = await whittle(['train', ...FAULT_RUN, '--home', refHome, '--json']);
    expect(ref.code, ref.stderr).toBe(0);
    const refRun = JSON.parse(ref.stdout) as { runId: string; summary: unknown };
    const refSeries = seriesOf(readHome(refHome).metrics, refRun.runId);

    const home = tmpHome('whittle-coord-');
    const serve = await startServe(home);
    try {
      // Two trains at once beside the serve. While their processes live, the serve's view of their
      // runs must never be anything but queued/running/done (interrupted would mean it judged them dead).
      const trains = [0, 1].map(() => startWhittle(['train', ...FAULT_RUN, '--home', home, '--json']));
      const alive = trains.map(() => true);
      trains.forEach((t, i) => void t.exited.then(() => (alive[i] = false)));
      const wrong: string[] = [];
      let polls = 0;
      while (alive.some(Boolean)) {
        const runs = await serve.call<Run[]>('listRuns');
        polls++;
        // Both processes still alive: every run belongs to a live owner.
        if (alive.every(Boolean)) for (const r of runs) if (!['queued', 'running', 'done'].includes(r.status)) wrong.push(`${r.id} ${r.status}`);
        await sleep(200);
      }
      expect(wrong, 'runs the serve saw in a wrong state while their CLI owners were alive').toEqual([]);
      expect(polls).toBeGreaterThan(3);
      for (const t of trains) {
        const end = await t.exited;
        expect(end.code, end.stderr).toBe(0);
        expect((JSON.parse(end.stdout) as { summary: unknown }).summary).toEqual(refRun.summary);
      }

      // A third train is SIGKILLed after its first checkpoints: the serve marks it interrupted (its
      // owner's pid is gone), resumes it in its own scheduler, and the result is the run alone's.
      const doomed = startWhittle(['train', ...FAULT_RUN, '--home', home, '--json']);
      let victim: Run | undefined;
      for (let i = 0; i < 300 && !victim; i++) {
        await sleep(100);
        const runs = await serve.call<Run[]>('listRuns');
        victim = runs.find((r) => r.status === 'running' && (r.progress?.step ?? 0) >= 60);
      }
      expect(victim, 'the third run never reached step 60').toBeDefined();
      killGroup(doomed);
      await doomed.exited;
      const killedAt = Date.now();
      let seen: Run | undefined;
      while (Date.now() - killedAt < 10_000) {
        seen = await serve.call<Run>('getRun', victim!.id);
        if (seen.status !== 'running') break;
        await sleep(100);
      }
      expect(seen?.status, 'the serve still shows the killed CLI run').toBe('interrupted');
      const noticedMs = Date.now() - killedAt;
      await serve.call<Run>('resumeRun', victim!.id);
      let final: Run | undefined;
      for (let i = 0; i < 1200; i++) {
        final = await serve.call<Run>('getRun', victim!.id);
        if (!['queued', 'running'].includes(final.status)) break;
        await sleep(100);
      }
      expect(final?.status).toBe('done');
      expect(final?.summary).toEqual(refRun.summary);
      console.log(`coordinators: ${polls} polls while two trains ran, a killed run noticed in ${noticedMs} ms`);
    } finally {
      killGroup(serve.proc, 'SIGTERM');
      await serve.proc.exited;
    }

    // Every run in the folder: intact, done, and value for value the run alone.
    const after = readHome(home);
    expect(after.integrity).toBe('ok');
    expect(after.runs.map((r) => r.status)).toEqual(['done', 'done', 'done']);
    for (const r of after.runs) {
      const got = seriesOf(after.metrics, r.id);
      expect(got.size, `${r.id}: metric count`).toBe(refSeries.size);
      for (const [key, v] of refSeries) expect(got.get(key), `${r.id}: ${key}`).toBe(v);
    }
  });
});
