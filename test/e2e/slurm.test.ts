// Runs on Slurm in the browser (#21), end to end: a real `whittle serve`, headless Chromium, and the
// real single-node Slurm of scripts/ci/slurm-up.sh. The review step offers "Run on: Slurm
// (partition …)", and the runs list shows each run's Slurm job and queue state while it runs.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StudyRow } from '../../src/shared/api';
import { need } from '../helpers/prereqs';
import { type App, call, openApp, type Serve, shot } from './harness';

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
    await shot(page, 'slurm-run-on');
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
});
