// The GUI end to end: headless Chromium against a real `whittle serve` (real backend, temporary
// WHITTLE_HOME, nothing mocked). Screenshots of each screen land in test-artifacts/e2e/.
import fs from 'node:fs';
import path from 'node:path';
import { encode as encodePng } from 'fast-png';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRow, StudyRow } from '../../src/shared/api';
import { need } from '../helpers/prereqs';
import { type App, call, openApp, type Serve, shot } from './harness';

const WAIT = { timeout: 120_000 };

describe.runIf(need('chromium', import.meta.url))('GUI in browser mode (headless Chromium)', () => {
  let serve: Serve | null = null;
  let app: App | null = null;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    app = await openApp({ pageErrors });
    ({ serve, page } = app);
  }, 240_000);

  afterAll(async () => {
    await app?.close();
  }, 60_000);

  const go = async (hash: string) => { await page.evaluate((h) => { location.hash = h; }, hash); };
  const points = (sel = 'figure.chart') => page.$eval(sel, (el) => Number(el.getAttribute('data-points') ?? 0));

  it('enforces the token: 401 without it, and the page sends it on every API call', async () => {
    const s = serve!;
    expect((await fetch(`${s.base}/api/listRuns`, { method: 'POST', body: '[]' })).status).toBe(401);
    expect((await fetch(`${s.base}/api/listRuns`, { method: 'POST', body: '[]', headers: { 'x-whittle-token': 'nope' } })).status).toBe(401);
    const bare = await page.goto(`${s.base}/`);
    expect(bare!.status()).toBe(401);

    const apiCalls: { url: string; token: string | undefined }[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/') && r.method() === 'POST') apiCalls.push({ url: r.url(), token: r.headers()['x-whittle-token'] });
    });
    await page.goto(s.url);
    await page.getByRole('heading', { name: 'Whittle', level: 1 }).waitFor(WAIT);
    await page.getByText('Backend:').waitFor(WAIT);
    expect(apiCalls.length).toBeGreaterThan(0);
    for (const c of apiCalls) expect(c.token).toBe(s.token);
    expect(await page.locator('.error-box').count()).toBe(0);
    await shot(page, 'home');
  });

  it('shows a run started over the API, live, in the runs list', async () => {
    const run = await call<RunRow>(serve!, 'createRun', { kind: 'selftest', name: 'api-run', steps: 150, stepMs: 20, checkpointEvery: 10 });
    await go('#/runs');
    const row = page.locator(`tr[data-run-id="${run.id}"]`);
    await row.waitFor(WAIT);
    const bar = row.getByRole('progressbar');
    await page.waitForFunction((id) => Number(document.querySelector(`tr[data-run-id="${id}"] [role=progressbar]`)?.getAttribute('aria-valuenow') ?? 0) > 0, run.id, WAIT);
    expect(await bar.getAttribute('aria-label')).toContain('api-run');
    await shot(page, 'runs-live');
    await page.locator(`tr[data-run-id="${run.id}"][data-status="done"]`).waitFor(WAIT);
  }, 200_000);

  it('a bad value in the wizard shows the field error and creates nothing', async () => {
    const before = (await call<RunRow[]>(serve!, 'listRuns')).length;
    const studiesBefore = (await call<StudyRow[]>(serve!, 'listStudies')).length;
    await go('#/new');
    await page.locator('#f-n').fill('4');
    await page.getByRole('button', { name: 'Next' }).click();
    const err = page.locator('[data-field="n"]');
    await err.waitFor(WAIT);
    expect(await err.textContent()).toMatch(/Data bits n: n must be at least m·k = 24/);
    expect(await page.locator('#f-n').getAttribute('aria-invalid')).toBe('true');
    await shot(page, 'wizard-error');
    // Fixing it clears the message; a bad width on the next step is caught there.
    await page.locator('#f-n').fill('32');
    await expect.poll(() => err.count()).toBe(0);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('#f-hidden').fill('64, lots');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('[data-field="hidden"]').waitFor(WAIT);
    expect(await page.locator('[data-field="hidden"]').textContent()).toContain('Hidden layer widths, item 2 must be a number.');
    expect(await page.getByRole('heading', { name: '2. How to get there?' }).count()).toBe(1);
    expect((await call<RunRow[]>(serve!, 'listRuns')).length).toBe(before);
    expect((await call<StudyRow[]>(serve!, 'listStudies')).length).toBe(studiesBefore);
  });

  it('a spec the API estimates as large asks before it starts; "Change the spec" creates nothing', async () => {
    const runsBefore = (await call<RunRow[]>(serve!, 'listRuns')).length;
    const studiesBefore = (await call<StudyRow[]>(serve!, 'listStudies')).length;
    await page.goto(serve!.url); // a fresh wizard
    await go('#/new');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: '2. How to get there?' }).waitFor(WAIT);
    await page.locator('#f-hidden').fill('4096, 4096');
    await page.locator('#f-steps').fill('50000000');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: '3. Review' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Start' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor(WAIT);
    expect(await dialog.locator('p').textContent()).toMatch(/^This is a large run\. The run: [\d,]+ parameters, .* steps \(more than 6\.0 h of training\)\.$/);
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Start anyway');
    await shot(page, 'wizard-large-confirm');
    await dialog.getByRole('button', { name: 'Change the spec' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await page.getByRole('heading', { name: '3. Review' }).count()).toBe(1);
    // the same spec as a curriculum study: the question names a study
    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByLabel(/Also train the narrow-only baseline/).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: '3. Review' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Start' }).click();
    await dialog.waitFor(WAIT);
    expect(await dialog.locator('p').textContent()).toMatch(/^This is a large study\. /);
    await dialog.getByRole('button', { name: 'Change the spec' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    expect((await call<RunRow[]>(serve!, 'listRuns')).length).toBe(runsBefore);
    expect((await call<StudyRow[]>(serve!, 'listStudies')).length).toBe(studiesBefore);
  });

  it('creates a CMSP study through the wizard; a run charts live, cancels, resumes; the study view opens', async () => {
    await page.goto(serve!.url); // a fresh wizard
    await go('#/new');
    await page.locator('#f-m').fill('4');
    await page.locator('#f-n').fill('8');
    await page.locator('#f-k').fill('2');
    for (const i of [2]) await page.getByLabel(`Atomic skill ${i}`, { exact: true }).uncheck();
    await shot(page, 'wizard-skill');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: '2. How to get there?' }).waitFor(WAIT);
    await page.getByRole('button', { name: "Use the narrow skill's parts" }).click();
    await page.locator('#f-targetPerStep').fill('32');
    await page.locator('#f-broadPerStep').fill('32');
    await page.locator('#f-hidden').fill('16');
    await page.locator('#f-steps').fill('200000');
    await page.locator('#f-evalEvery').fill('5');
    await page.getByLabel(/Also train the narrow-only baseline/).check();
    await page.locator('#f-seeds').fill('1');
    await shot(page, 'wizard-route');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: '3. Review' }).waitFor(WAIT);
    await page.locator('#f-name').fill('e2e curriculum');
    const json = JSON.parse((await page.getByTestId('spec-json').textContent())!);
    expect(json).toMatchObject({ kind: 'curriculum', target: [0, 1], base: { task: { suite: 'cmsp', m: 4, n: 8, k: 2 } }, seeds: [0] });
    await shot(page, 'wizard-review');
    await page.getByRole('button', { name: 'Start' }).click();

    // The wizard creates a curriculum study (the broad regime and the narrow-only baseline) and opens it.
    await page.waitForFunction(() => location.hash.startsWith('#/studies/'), undefined, WAIT);
    const studyId = decodeURIComponent((await page.evaluate(() => location.hash)).split('/')[2]);
    const study = await call<StudyRow>(serve!, 'getStudy', studyId);
    expect(study.kind).toBe('curriculum');
    expect(study.runIds.length).toBe(2);
    expect(await page.locator('[data-field="general"]').count()).toBe(0);
    await expect.poll(async () => (await call<RunRow[]>(serve!, 'listRuns', { studyId })).some((r) => r.status === 'running'), WAIT).toBe(true);
    const runId = (await call<RunRow[]>(serve!, 'listRuns', { studyId })).find((r) => r.status === 'running')!.id;
    const created = await call<RunRow>(serve!, 'getRun', runId);
    expect(created.kind).toBe('train');
    await go(`#/runs/${runId}`);
    await page.locator('figure.chart').first().waitFor(WAIT);
    await page.waitForFunction(() => Number(document.querySelector('figure.chart')?.getAttribute('data-points') ?? 0) > 0, undefined, WAIT);
    const first = await points();
    await page.waitForFunction((n) => Number(document.querySelector('figure.chart')?.getAttribute('data-points') ?? 0) > n, first, WAIT);
    await shot(page, 'run-live');

    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('header .badge[data-status="cancelled"]').waitFor(WAIT);
    await shot(page, 'run-cancelled');
    const atCancel = await points();
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('header .badge[data-status="running"]').waitFor(WAIT);
    await page.waitForFunction((n) => Number(document.querySelector('figure.chart')?.getAttribute('data-points') ?? 0) > n, atCancel, WAIT);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('header .badge[data-status="cancelled"]').waitFor(WAIT);

    for (const tab of ['Spec', 'Artifacts', 'Logs']) {
      await page.getByRole('tab', { name: new RegExp(`^${tab}`) }).click();
      await shot(page, `run-${tab.toLowerCase()}`);
    }
    await page.getByRole('tab', { name: 'Charts' }).click();

    await page.locator('header').getByRole('link', { name: /\// }).click();
    // The run page's own heading also contains the study's name: wait for the study page itself.
    await page.waitForFunction((id) => location.hash === `#/studies/${encodeURIComponent(id)}` || location.hash === `#/studies/${id}`, studyId, WAIT);
    await page.getByRole('heading', { name: 'e2e curriculum', exact: true }).waitFor(WAIT);
    await page.locator('figure.chart').waitFor(WAIT);
    await shot(page, 'study');
    await page.getByRole('tab', { name: /^Runs/ }).click();
    expect(await page.locator('tr[data-run-id]').count()).toBe(2);
    await call(serve!, 'cancelStudy', studyId);
  }, 400_000);

  it('exports a finished model through the export dialog', async () => {
    const run = await call<RunRow>(serve!, 'createRun', {
      kind: 'train', name: 'tiny to export', task: { suite: 'cmsp', m: 4, n: 8, k: 2 }, model: { arch: 'mlp', hidden: [8] },
      mixture: [{ skill: [0], perStep: 32 }], target: [0], steps: 60, eval: { every: 30, samples: 100 },
    });
    await expect.poll(async () => (await call<RunRow>(serve!, 'getRun', run.id)).status, WAIT).toBe('done');
    await go(`#/runs/${run.id}`);
    await page.getByRole('button', { name: 'Export…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor(WAIT);
    const out = path.join(serve!.home, 'exports-e2e');
    await page.locator('#export-out').fill('relative/path');
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    expect(await dialog.getByRole('alert').first().textContent()).toMatch(/Destination .*absolute/);
    // Outside the user's home folder: refused by the server, shown at the field, nothing written.
    await page.locator('#export-out').fill('/nonexistent-root/exports');
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await expect.poll(async () => (await dialog.getByRole('alert').allTextContents()).join(' '), WAIT).toMatch(/Destination \(out\): .*outside/);
    await page.locator('#export-out').fill(out);
    await shot(page, 'export-dialog');
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    // The export verifies every format and times both models: allow for a busy machine.
    await page.getByRole('table', { name: 'Size and speed report' }).waitFor({ timeout: 360_000 });
    await shot(page, 'export-done');
    for (const f of ['model.onnx', 'model.safetensors', 'model.json']) expect(fs.existsSync(path.join(out, f))).toBe(true);
    // Browser mode offers the written files as downloads.
    const link = dialog.getByRole('link', { name: 'model.safetensors' });
    await link.waitFor(WAIT);
    const got = await page.evaluate(async (u) => (await (await fetch(u!)).arrayBuffer()).byteLength, await link.getAttribute('href'));
    expect(got).toBe(fs.statSync(path.join(out, 'model.safetensors')).size);
    await dialog.getByRole('button', { name: 'Close' }).click();
  }, 500_000);

  it('imports an image dataset from the datasets page', async () => {
    const src = path.join(serve!.home, 'shapes-src');
    for (const cls of ['circle', 'square']) {
      fs.mkdirSync(path.join(src, cls), { recursive: true });
      for (let i = 0; i < 5; i++) {
        const data = new Uint8Array(8 * 8);
        for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
          const inside = cls === 'circle' ? (x - 3.5) ** 2 + (y - 3.5) ** 2 < 9 : Math.abs(x - 3.5) < 3 && Math.abs(y - 3.5) < 3;
          data[y * 8 + x] = inside ? 200 + i : 10;
        }
        fs.writeFileSync(path.join(src, cls, `${i}.png`), encodePng({ width: 8, height: 8, data, channels: 1, depth: 8 }));
      }
    }
    await go('#/datasets');
    await page.locator('#ds-source').fill(src);
    await page.locator('#ds-name').fill('bad name!');
    const before = (await call<RunRow[]>(serve!, 'listRuns')).length;
    await page.getByRole('button', { name: 'Import' }).click();
    expect(await page.getByRole('alert').first().textContent()).toMatch(/Name \(dataset\)/);
    expect((await call<RunRow[]>(serve!, 'listRuns')).length).toBe(before);
    await page.locator('#ds-name').fill('shapes');
    await page.getByRole('button', { name: 'Import' }).click();
    await expect.poll(async () => (await call<RunRow[]>(serve!, 'listRuns')).find((r) => r.kind === 'importDataset')?.status, WAIT).toBe('done');
    await page.locator('tr[data-status="done"]').filter({ hasText: 'import shapes' }).waitFor(WAIT);
    const table = page.getByRole('table', { name: 'Datasets' });
    await table.getByRole('button', { name: 'shapes', exact: true }).click();
    await page.getByRole('table', { name: 'Classes of shapes' }).waitFor(WAIT);
    await page.locator('canvas[aria-label^="circle"]').first().waitFor(WAIT);
    await page.locator('canvas[aria-label^="square"]').first().waitFor(WAIT);
    await shot(page, 'datasets');
  }, 200_000);

  it('compares runs and renders the other screens in light and dark', async () => {
    const runs = (await call<RunRow[]>(serve!, 'listRuns')).filter((r) => r.kind === 'train');
    await go(`#/compare?ids=${runs.slice(0, 3).map((r) => r.id).join(',')}`);
    await page.getByRole('heading', { name: 'Compare runs' }).waitFor(WAIT);
    await page.getByRole('table', { name: 'Spec comparison' }).waitFor(WAIT);
    await shot(page, 'compare');
    await go('#/studies');
    await page.getByRole('heading', { name: 'Studies' }).waitFor(WAIT);
    await shot(page, 'studies');
    await page.emulateMedia({ colorScheme: 'dark' });
    await go(`#/runs/${runs[0].id}`);
    await page.locator('figure.chart').first().waitFor(WAIT);
    await shot(page, 'run-dark');
    await go('#/new');
    await shot(page, 'wizard-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    expect(pageErrors).toEqual([]);
  }, 200_000);
});
