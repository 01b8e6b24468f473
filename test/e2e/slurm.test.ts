// Runs on Slurm in the browser (#21), end to end: a real `whittle serve`, headless Chromium, and the
// real single-node Slurm of scripts/ci/slurm-up.sh. The review step offers "Run on: Slurm
// (partition …)", and the runs list shows each run's Slurm job and queue state while it runs. The
// carve wizard's review offers the same choice, and a carve study started with it runs on Slurm.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRow, StudyRow } from '../../src/shared/api';
import { writeTinyFolder } from '../helpers/hfTiny';
import { need } from '../helpers/prereqs';
import { writeTwoDomains } from '../helpers/textDomains';
import { type App, call, fillFields, openApp, type Serve, shot } from './harness';

const WAIT = { timeout: 120_000 };
const ready = need('chromium', import.meta.url) && need('slurm', import.meta.url);

describe.runIf(ready)('Slurm in the browser (headless Chromium, real Slurm)', () => {
  let serve: Serve;
  let app: App | null = null;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    app = await openApp({ pageErrors });
    ({ serve, page } = app);
    await page.goto(serve.url);
    await page.getByText('Backend:').waitFor(WAIT);
  }, 300_000);
  afterAll(async () => { await app?.close(); }, 60_000);

  it('the recipe review offers Run on: this machine / Slurm (partition …)', async () => {
    await page.evaluate(() => { location.hash = '#/new?recipe=curriculum-cpu'; });
    const runOn = page.getByTestId('run-on');
    await runOn.waitFor(WAIT);
    expect(await runOn.getByLabel('this machine').isChecked()).toBe(true);
    await expect(runOn.getByText(/Slurm \(partition \w+, default\)/).count()).resolves.toBe(1);
    expect(await runOn.getByTestId('run-on-estimate').count()).toBe(0);
    await runOn.getByText(/Slurm \(partition/).click();
    // the estimate below comes from this machine's speed: said where Slurm is chosen
    await expect(runOn.getByTestId('run-on-estimate').textContent()).resolves.toMatch(/this machine's speed.*nodes.*queue/);
    await shot(page, 'slurm-run-on');
    await runOn.getByLabel('this machine').check();
  }, 180_000);

  it('the runs list shows the Slurm job id and queue state of a study\'s runs as Slurm runs them', async () => {
    const spec = { kind: 'curriculum', name: 'on slurm', base: { task: { suite: 'cmsp', m: 6, n: 32, k: 4 }, model: { arch: 'mlp', hidden: [32, 32], activation: 'relu' }, optimizer: { name: 'adam', lr: 0.003 }, steps: 2000, eval: { every: 50, samples: 500 }, checkpointEvery: 500 },
      target: [0, 1, 2], seeds: [1], regimes: [{ name: 'broad', mixture: [{ skill: [0], perStep: 100 }, { skill: [0, 1, 2], perStep: 100 }] }, { name: 'narrow', mixture: [{ skill: [0, 1, 2], perStep: 200 }] }] };
    const study = await call<StudyRow>(serve, 'createStudy', spec, { executor: { kind: 'slurm', slurm: { cpusPerTask: 1 } } });
    await page.evaluate(() => { location.hash = '#/runs'; });
    const cells = page.getByTestId('slurm-state');
    await cells.first().waitFor(WAIT);
    // Pushed to the page as the coordinator sees it: queued or running in Slurm first, then ended.
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="slurm-state"]')].some((c) => /^\d+_\d+ · (PENDING|RUNNING)/.test(c.textContent ?? '')), undefined, WAIT);
    await shot(page, 'slurm-runs-list-live');
    await page.waitForFunction((n) => [...document.querySelectorAll('tr[data-status="done"] [data-testid="slurm-state"]')].filter((c) => /^\d+_\d+ · COMPLETED/.test(c.textContent ?? '')).length === n, study.runIds.length, { timeout: 240_000 });
    await shot(page, 'slurm-runs-list-done');
    expect(pageErrors).toEqual([]);
  }, 300_000);

  it('the carve wizard\'s review offers Slurm, and the study it starts there has its runs on Slurm', async () => {
    const model = await call<RunRow>(serve, 'importModel', { folder: writeTinyFolder(path.join(serve.home, 'hf', 'tiny-llama'), 'llama'), name: 'tiny llama' });
    const imports = [model];
    for (const [corpus, dir] of Object.entries(writeTwoDomains(serve.home))) imports.push(await call<RunRow>(serve, 'importCorpus', { sources: [dir], corpus }));
    for (const r of imports) await expect.poll(async () => (await call<RunRow>(serve, 'getRun', r.id)).status, WAIT).toBe('done');

    await page.evaluate((id) => { location.hash = `#/carve?source=${id}&keep=python`; }, model.id);
    await expect.poll(() => page.locator('#c-source').inputValue(), WAIT).toBe(model.id);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Remove prose').check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('#c-sizes').fill('0.5');
    for (const m of ['random', 'distill']) await page.locator(`input[name="carve-method"][value="${m}"]`).uncheck();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: '4. Review' }).waitFor(WAIT);
    await fillFields(page, 'c', { steps: 20, perStep: 4, evalEvery: 10, context: 16, relearnSteps: 5, name: 'carved on slurm' });

    const runOn = page.getByTestId('run-on');
    expect(await runOn.getByLabel('this machine').isChecked()).toBe(true);
    const slurm = runOn.getByLabel(/Slurm \(partition \w+, default\)/);
    await slurm.check();
    await page.getByText('Each run becomes one element of a Slurm array job').waitFor(WAIT);
    await shot(page, 'slurm-carve-review');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.waitForFunction(() => location.hash.startsWith('#/studies/'), null, WAIT);
    const studyId = await page.evaluate(() => decodeURIComponent(location.hash.split('/')[2]));
    const study = await call<StudyRow>(serve, 'getStudy', studyId);
    expect(study.name).toBe('carved on slurm');

    // The study page's runs list: each run's Slurm job id and queue state, COMPLETED at the end.
    const n = study.runIds.length;
    await page.getByRole('tab', { name: `Runs (${n})` }).click();
    await page.getByTestId('slurm-state').first().waitFor(WAIT);
    await page.waitForFunction((k) => [...document.querySelectorAll('tr[data-status="done"] [data-testid="slurm-state"]')].filter((c) => /^\d+_\d+ · COMPLETED/.test(c.textContent ?? '')).length === k, n, { timeout: 240_000 });
    await shot(page, 'slurm-carve-study-done');
    const runs = (await call<RunRow[]>(serve, 'listRuns')).filter((r) => r.studyId === studyId);
    expect(runs.map((r) => r.studyKey).sort()).toEqual(['attribution/mlp0.5', 'general', 'relearn/attribution/mlp0.5', 'relearn/general', 'scratch/mlp0.5']);
    expect(runs.filter((r) => r.status !== 'done' || !/^\d+_\d+$/.test(r.slurm?.jobId ?? '')).map((r) => `${r.studyKey}: ${r.status} ${r.slurm?.jobId ?? 'not on Slurm'}`)).toEqual([]);
    const shown = await page.locator('[data-testid="slurm-state"]').allTextContents();
    for (const r of runs) expect(shown.some((t) => t.startsWith(`${r.slurm!.jobId} · `))).toBe(true);
    // and in the app's runs list, on each run's own row
    await page.evaluate(() => { location.hash = '#/runs'; });
    for (const r of runs) await expect.poll(() => page.locator(`tr[data-run-id="${r.id}"] [data-testid="slurm-state"]`).textContent(), WAIT).toBe(`${r.slurm!.jobId} · COMPLETED`);
    expect((await call<StudyRow>(serve, 'getStudy', studyId)).status).toBe('done');
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
