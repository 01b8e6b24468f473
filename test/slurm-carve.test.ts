// A carve study (lm-compare from an imported checkpoint, #19) on a real Slurm cluster (#21):
// scripts/ci/slurm-up.sh starts a single-node cluster (CI runs it); nothing here mocks Slurm. Its
// runs depend on each other (the general model's evaluation → prune + recover, distillation and
// scratch at the pruned shape → the relearn runs), so the executor submits each wave as its inputs
// finish. The study must end with every run done and the same per-run summaries as the same study
// run on this machine's worker threads.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunRow } from '../src/shared/api';
import { WhittleService } from '../src/main/services/api';
import { applyOverrides, findRecipe } from '../src/main/services/recipes';
import { writeTinyFolder } from './helpers/hfTiny';
import { need } from './helpers/prereqs';
import { writeTwoDomains } from './helpers/textDomains';
import { tmpHome } from './helpers/tmp';

const hasSlurm = need('slurm', import.meta.url);

/** What a run's result is made of, without what only says how long it took. */
function result(r: RunRow): Record<string, unknown> {
  const { wallSeconds: _w, seconds: _s, stepsPerSecond: _sps, tokensPerSecond: _tps, ...rest } = (r.summary ?? {}) as Record<string, unknown>;
  return { status: r.status, error: r.error, summary: rest };
}

const services: WhittleService[] = [];
afterAll(async () => { for (const s of services) await s.close(); });

describe.runIf(hasSlurm)('a carve study on a real Slurm cluster', () => {
  it('runs its dependent runs (general → prune/distill/scratch → relearn of the pruned) on Slurm to the same per-run results as locally', async () => {
    const home = tmpHome('whittle-slurm-carve-');
    const svc = new WhittleService({ home, workers: 2 });
    services.push(svc);
    const model = await svc.importModel({ folder: writeTinyFolder(path.join(home, 'hf', 'tiny-llama'), 'llama'), name: 'tiny' });
    for (const [corpus, dir] of Object.entries(writeTwoDomains(home))) {
      const imp = await svc.waitForRun((await svc.importCorpus({ sources: [dir], corpus, valFraction: 0.2 })).id);
      expect(imp.status, imp.error ?? '').toBe('done');
    }
    expect((await svc.waitForRun(model.id)).status).toBe('done');
    const spec = applyOverrides(findRecipe('lm-carve-tiny').spec, [`source.run=${model.id}`, 'methods=["attribution","distill","scratch"]', 'targetLossFactor=0.8']);

    const t0 = Date.now();
    const local = await svc.createStudy(spec);
    const localRuns = await Promise.all(local.runIds.map((id) => svc.waitForRun(id)));
    const localS = (Date.now() - t0) / 1000;

    const t1 = Date.now();
    const onSlurm = await svc.createStudy(spec, { executor: { kind: 'slurm', slurm: { cpusPerTask: 1 } } });
    const slurmRuns = await Promise.all(onSlurm.runIds.map((id) => svc.waitForRun(id)));
    const slurmS = (Date.now() - t1) / 1000;
    console.log(`carve study (${slurmRuns.length} runs, lm-carve-tiny + distill): local ${localS.toFixed(1)} s, Slurm ${slurmS.toFixed(1)} s`);

    const keys = slurmRuns.map((r) => r.studyKey).sort();
    expect(keys).toEqual(['attribution/mlp0.5', 'distill/mlp0.5', 'general', 'relearn/attribution/mlp0.5', 'relearn/general', 'scratch/mlp0.5']);
    expect(slurmRuns.filter((r) => r.status !== 'done').map((r) => `${r.studyKey}: ${r.status} ${r.error ?? ''}`)).toEqual([]);
    const listed = await svc.listRuns({ studyId: onSlurm.id });
    // Every run went through sbatch, as one array element of a wave whose inputs had finished.
    expect(listed.every((r) => /^\d+_\d+$/.test(r.slurm?.jobId ?? '') && r.slurm!.state === 'COMPLETED')).toBe(true);
    const job = (key: string) => Number(listed.find((r) => r.studyKey === key)!.slurm!.jobId.split('_')[0]);
    expect(job('attribution/mlp0.5')).toBeGreaterThan(job('general'));
    expect(job('relearn/attribution/mlp0.5')).toBeGreaterThan(job('attribution/mlp0.5'));
    // The runs trained (a target below the random model's loss: 0.8 × general), so the equality
    // below compares learning curves, not six untouched models.
    const general = (localRuns.find((r) => r.studyKey === 'general')!.summary as { losses: { python: number } }).losses.python;
    for (const key of ['attribution/mlp0.5', 'distill/mlp0.5', 'scratch/mlp0.5']) {
      const s = localRuns.find((r) => r.studyKey === key)!.summary as { steps: number; losses: { python: number } };
      expect(s.steps, key).toBeGreaterThan(0);
      expect(s.losses.python, key).toBeLessThan(general);
    }
    const pruned = slurmRuns.find((r) => r.studyKey === 'attribution/mlp0.5')!;
    expect(Object.values((await svc.metrics(pruned.id)).series).some((points) => points.length >= 3)).toBe(true);
    for (const r of slurmRuns) {
      const twin = localRuns.find((l) => l.studyKey === r.studyKey)!;
      expect(result(r), r.studyKey!).toEqual(result(twin));
      // Every evaluation, ingested from the task's metrics file, as the worker thread recorded it.
      expect(await svc.metrics(r.id), r.studyKey!).toEqual({ ...(await svc.metrics(twin.id)), runId: r.id });
    }
    const [a, b] = [await svc.getStudy(local.id), await svc.getStudy(onSlurm.id)];
    expect(b.status).toBe('done');
    expect((b.summary as { domains: unknown }).domains).toEqual((a.summary as { domains: unknown }).domains);
  }, 300_000);
});
