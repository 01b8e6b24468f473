// The runs list as W&B/TensorBoard users expect it, end to end in headless Chromium against a real
// `whittle serve`: search, filter, sort by a header, notes and tags from the run view, finding a run
// by its tag, and its notes and tags in compare. Screenshots land in test-artifacts/e2e/.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRow } from '../../src/shared/api';
import { need } from '../helpers/prereqs';
import { type App, call, openApp, type Serve, shot } from './harness';

const WAIT = { timeout: 120_000 };

describe.runIf(need('chromium', import.meta.url))('runs list: search, filter, sort, notes and tags (headless Chromium)', () => {
  let serve: Serve | null = null;
  let app: App | null = null;
  let page: Page;
  const pageErrors: string[] = [];
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    app = await openApp({ pageErrors });
    ({ serve, page } = app);
    // Three finished runs of two kinds and two statuses, created as a script would.
    ids.alpha = (await call<RunRow>(serve, 'createRun', { kind: 'selftest', name: 'alpha sweep 2', steps: 3, stepMs: 1, checkpointEvery: 5 })).id;
    ids.beta = (await call<RunRow>(serve, 'createRun', { kind: 'selftest', name: 'beta sweep 10', steps: 3, stepMs: 1, checkpointEvery: 5, fail: 'throw', failAt: 1 })).id;
    ids.gamma = (await call<RunRow>(serve, 'createRun', { kind: 'bench', name: 'gamma timing', inputDim: 4, hidden: [4], outputs: 2, batch: 8, steps: 1, warmup: 0 })).id;
    for (const until = Date.now() + 120_000; ; await new Promise((r) => setTimeout(r, 500))) {
      const runs = await call<RunRow[]>(serve, 'listRuns');
      if (runs.every((r) => ['done', 'failed'].includes(r.status))) break;
      if (Date.now() > until) throw new Error(`runs did not finish: ${runs.map((r) => `${r.name} ${r.status}`).join(', ')}`);
    }
    await page.goto(serve.url);
    await page.getByText('Backend:').waitFor(WAIT);
  }, 300_000);

  afterAll(async () => {
    await app?.close();
  }, 60_000);

  const go = async (hash: string) => { await page.evaluate((h) => { location.hash = h; }, hash); };
  /** The run names the table shows, top to bottom, once they equal `expected` (or the last seen). */
  const rowsBecome = async (expected: string[]) => {
    await expect.poll(() => page.locator('table.runs tbody tr td:nth-child(2) a').allTextContents(), WAIT).toEqual(expected);
  };

  it('searches by name, filters by kind and status, and sorts by clicking a header', async () => {
    await go('#/runs');
    await rowsBecome(['gamma timing', 'beta sweep 10', 'alpha sweep 2']); // the default order: newest first
    await page.getByRole('searchbox').fill('sweep');
    await rowsBecome(['beta sweep 10', 'alpha sweep 2']);
    expect(await page.locator('#runs-search-state').textContent()).toMatch(/2 of 3 runs/);
    await shot(page, 'runslist-search');
    // At 1024 px the search and filters wrap inside the page rather than push it wider.
    await page.setViewportSize({ width: 1024, height: 768 });
    const right = await page.locator('.filters').evaluate((el) => Math.max(...[...el.children].map((c) => c.getBoundingClientRect().right)));
    expect(right).toBeLessThanOrEqual(1024);
    await shot(page, 'runslist-search-1024');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('searchbox').fill('');
    await rowsBecome(['gamma timing', 'beta sweep 10', 'alpha sweep 2']);

    await page.getByLabel('Kind').selectOption('bench');
    await rowsBecome(['gamma timing']);
    await page.getByLabel('Kind').selectOption('selftest');
    await page.getByLabel('Status').selectOption('failed');
    await rowsBecome(['beta sweep 10']);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await rowsBecome(['gamma timing', 'beta sweep 10', 'alpha sweep 2']);

    const nameHeader = page.locator('th:has(button[data-sort="name"])');
    await page.getByRole('button', { name: 'Name' }).click();
    await rowsBecome(['alpha sweep 2', 'beta sweep 10', 'gamma timing']);
    expect(await nameHeader.getAttribute('aria-sort')).toBe('ascending');
    await page.getByRole('button', { name: 'Name' }).click();
    await rowsBecome(['gamma timing', 'beta sweep 10', 'alpha sweep 2']);
    expect(await nameHeader.getAttribute('aria-sort')).toBe('descending');
    await page.getByRole('button', { name: 'Status' }).click();
    // Done before Failed; runs with equal status keep the default order (newest first): the sort is stable.
    await rowsBecome(['gamma timing', 'alpha sweep 2', 'beta sweep 10']);
    await page.getByRole('button', { name: 'Kind' }).click();
    await rowsBecome(['gamma timing', 'beta sweep 10', 'alpha sweep 2']); // bench before selftest, then newest first
    await shot(page, 'runslist-sorted');

    // The sort and a filter survive going elsewhere and coming back.
    await page.getByLabel('Status').selectOption('done');
    await go('#/');
    await page.getByRole('heading', { level: 1 }).first().waitFor(WAIT);
    await go('#/runs');
    await rowsBecome(['gamma timing', 'alpha sweep 2']);
    expect(await page.locator('th:has(button[data-sort="kind"])').getAttribute('aria-sort')).toBe('ascending');
    expect(await page.getByLabel('Status').inputValue()).toBe('done');
    await page.getByRole('button', { name: 'Clear filters' }).click();
  }, 200_000);

  it('adds a tag and a note in the run view, finds the run by its tag, and shows them in compare', async () => {
    await go('#/runs');
    await page.getByRole('link', { name: 'alpha sweep 2' }).click();
    await page.getByRole('heading', { name: 'alpha sweep 2' }).waitFor(WAIT);

    // A bad tag is refused at the field, in words, and nothing is saved.
    await page.getByLabel('Add tags').fill('bad!');
    await page.getByRole('button', { name: 'Add tag' }).click();
    const tagError = page.locator('[data-field="tags"]');
    await tagError.waitFor(WAIT);
    expect(await tagError.textContent()).toMatch(/'bad!' is not a valid tag: use letters, digits/);
    expect((await call<RunRow>(serve!, 'getRun', ids.alpha)).tags).toEqual([]);
    // The same rule over HTTP, for a script: 400, the field named.
    const refused = await fetch(`${serve!.base}/api/annotateRun`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-whittle-token': serve!.token },
      body: JSON.stringify([ids.alpha, { addTags: ['ok', 'no spaces allowed'] }]),
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: 'bad_request', issues: [{ path: 'addTags[1]' }] });

    await page.getByLabel('Add tags').fill('baseline, lr:3e-4');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await page.locator('header [data-tags="baseline lr:3e-4"]').waitFor(WAIT);
    expect(await tagError.count()).toBe(0);
    await page.getByRole('button', { name: 'Remove tag lr:3e-4' }).click();
    await page.locator('header [data-tags="baseline"]').waitFor(WAIT);
    await page.getByRole('textbox', { name: 'Notes' }).fill('The reference for the sweep.');
    await page.getByRole('button', { name: 'Save notes' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor(WAIT);
    await shot(page, 'runslist-run-notes-tags');
    expect(await call<RunRow>(serve!, 'getRun', ids.alpha)).toMatchObject({ tags: ['baseline'], notes: 'The reference for the sweep.' });

    // Back in the list: the tag is on the row, the Tag filter finds the run, and so does a search of the notes.
    await go('#/runs');
    await page.locator(`tr[data-run-id="${ids.alpha}"] [data-tags="baseline"]`).waitFor(WAIT);
    await page.getByLabel('Tag').selectOption('baseline');
    await rowsBecome(['alpha sweep 2']);
    await shot(page, 'runslist-by-tag');
    await page.getByLabel('Tag').selectOption('');
    await page.getByRole('searchbox').fill('reference');
    await rowsBecome(['alpha sweep 2']);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await rowsBecome(['gamma timing', 'beta sweep 10', 'alpha sweep 2']);

    // Compare: the run's tags and notes next to it.
    await page.getByLabel('Select alpha sweep 2 for comparison').check();
    await page.getByLabel('Select beta sweep 10 for comparison').check();
    await page.getByRole('link', { name: /Compare selected \(2\/8\)/ }).click();
    const notes = page.getByRole('table', { name: 'Notes and tags of the compared runs' });
    await notes.waitFor(WAIT);
    const alphaRow = notes.locator(`tr[data-run-id="${ids.alpha}"]`);
    expect(await alphaRow.textContent()).toMatch(/alpha sweep 2\s*#baseline\s*The reference for the sweep\./);
    expect(await notes.locator(`tr[data-run-id="${ids.beta}"]`).textContent()).toMatch(/beta sweep 10\s*—\s*—/);
    await shot(page, 'runslist-compare');
    expect(pageErrors).toEqual([]);
  }, 200_000);
});
