// #16 items 2 and 6 end to end in browser mode (headless Chromium, real `whittle serve`): the export
// dialog's proposed folder works when the data folder lies outside the allowed root; deleting a run
// names what depends on it, deletes them together, and the trash gives them back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRow, StudyRow } from '../../src/shared/api';
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

  it('deleting a run names what depends on it, deletes them together, and Undo and the Trash page give them back', async () => {
    const teacher = await finished({ ...TINY, name: 'teacher e2e' });
    const pruned = await call<RunRow>(serve!, 'createRun', { kind: 'prune', name: 'pruned e2e', keep: [0], remove: [[1]], inputs: { source: teacher.id }, selection: { keep: 4 }, score: { name: 'magnitude' }, recovery: { steps: 10, batch: 32 }, eval: { every: 10, samples: 50 } });
    const exported = await call<RunRow>(serve!, 'exportRun', teacher.id, { formats: ['safetensors'], out: path.join(userHome, 'teacher-export') });
    for (const r of [pruned, exported]) await expect.poll(async () => (await call<RunRow>(serve!, 'getRun', r.id)).status, WAIT).toMatch(/^(done|failed)$/);
    const ids = async () => (await call<RunRow[]>(serve!, 'listRuns')).map((r) => r.id);
    const group = [teacher.id, pruned.id, exported.id];

    await go(`#/runs/${teacher.id}`);
    await page.getByRole('heading', { name: 'teacher e2e' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog');
    const dependents = dialog.getByRole('list', { name: 'Dependents' });
    await dependents.waitFor(WAIT);
    const listed = await dependents.textContent();
    expect(listed).toContain('Run pruned e2e (uses “teacher e2e” as an input)');
    expect(listed).toMatch(/Export export of teacher e2e \(an export of “teacher e2e”; the files in .*teacher-export stay where they are\)/);
    await shot(page, 'delete-dependents');
    await dialog.getByRole('button', { name: 'Delete all 3' }).click();
    await dialog.getByRole('heading', { name: 'Deleted' }).waitFor(WAIT);
    expect(await dialog.textContent()).toMatch(/Moved run “teacher e2e” and 2 dependents to the trash: 3 runs/);
    await shot(page, 'delete-undo');
    const after = await ids();
    for (const id of group) expect(after).not.toContain(id);
    expect(fs.existsSync(path.join(serve!.home, 'trash', teacher.id, 'model.safetensors'))).toBe(true);
    // The exported files are the user's: they stay.
    expect(fs.existsSync(path.join(userHome, 'teacher-export', 'model.safetensors'))).toBe(true);

    await dialog.getByRole('button', { name: 'Undo' }).click();
    await dialog.waitFor({ state: 'detached', ...WAIT });
    expect(await ids()).toEqual(expect.arrayContaining(group));
    expect(fs.existsSync(path.join(serve!.home, 'runs', teacher.id, 'model.safetensors'))).toBe(true);
    await page.getByRole('heading', { name: 'teacher e2e' }).waitFor(WAIT);

    // Again, closed this time: the run page goes; the Trash page restores.
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog.getByRole('button', { name: 'Delete all 3' }).click();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.waitForFunction(() => location.hash === '#/runs', undefined, WAIT);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Trash' }).click();
    const row = page.getByRole('table', { name: 'Trash' }).getByRole('row').filter({ hasText: 'run “teacher e2e” and 2 dependents' });
    await row.waitFor(WAIT);
    await shot(page, 'trash');
    await row.getByRole('button', { name: 'Restore' }).click();
    await page.getByText('The trash is empty.').waitFor(WAIT);
    expect(await ids()).toEqual(expect.arrayContaining(group));
    expect(pageErrors).toEqual([]);
  }, 400_000);

  it('a study can be deleted with its runs from its page, and Undo gives it back', async () => {
    const study = await call<StudyRow>(serve!, 'createStudy', {
      kind: 'curriculum', name: 'study to delete', base: { task: { suite: 'cmsp', m: 3, n: 8, k: 2 }, model: { arch: 'mlp', hidden: [8] }, steps: 20 },
      target: [0, 1], regimes: [{ name: 'broad', mixture: [{ skill: [0], perStep: 8 }, { skill: [0, 1], perStep: 8 }] }, { name: 'narrow', mixture: [{ skill: [0, 1], perStep: 8 }] }], seeds: [0],
    });
    await expect.poll(async () => (await call<StudyRow>(serve!, 'getStudy', study.id)).status, WAIT).toBe('done');
    const studies = async () => (await call<StudyRow[]>(serve!, 'listStudies')).map((s) => s.id);
    await go(`#/studies/${study.id}`);
    await page.getByRole('button', { name: 'Delete study' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('With its 2 runs.').waitFor(WAIT);
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog.getByRole('heading', { name: 'Deleted' }).waitFor(WAIT);
    expect(await studies()).not.toContain(study.id);
    for (const id of study.runIds) await expect(call(serve!, 'getRun', id)).rejects.toThrow(/404/);
    await dialog.getByRole('button', { name: 'Undo' }).click();
    await dialog.waitFor({ state: 'detached', ...WAIT });
    expect(await studies()).toContain(study.id);
    expect((await call<StudyRow>(serve!, 'getStudy', study.id)).runIds.sort()).toEqual([...study.runIds].sort());
    expect(pageErrors).toEqual([]);
  }, 300_000);
});

