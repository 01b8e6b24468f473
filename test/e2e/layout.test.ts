// Layout at a small laptop width: the runs table fits 1024 px (nothing cut off, no sideways
// scrolling of the page), and progress bars have one length whatever their text says.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRow } from '../../src/shared/api';
import { need } from '../helpers/prereqs';
import { type App, call, openApp, type Serve, shot } from './harness';

const WAIT = { timeout: 120_000 };

describe.runIf(need('chromium', import.meta.url))('layout (headless Chromium)', () => {
  let serve: Serve | null = null;
  let app: App | null = null;
  let page: Page;

  beforeAll(async () => {
    app = await openApp();
    ({ serve, page } = app);
  }, 240_000);
  afterAll(async () => {
    await app?.close();
  }, 60_000);

  it('at 1024 px the runs table fits and finished progress bars are equally long', async () => {
    const s = serve!;
    // finished runs of different lengths (different progress texts), a long name, a failed one with a long error
    const ids: string[] = [];
    for (const [name, steps] of [['short', 3], ['a-rather-long-run-name-from-a-study/attribution/seed0/size-1024-units', 12], ['thousands', 1500]] as const) {
      ids.push((await call<RunRow>(s, 'createRun', { kind: 'selftest', name, steps, stepMs: 0, checkpointEvery: 100_000 })).id);
    }
    ids.push((await call<RunRow>(s, 'createRun', { kind: 'selftest', name: 'fails', steps: 10, stepMs: 0, fail: 'throw', failAt: 2 })).id);
    // a long error message (a text domain that was never imported)
    ids.push((await call<RunRow>(s, 'createRun', { kind: 'lm', name: 'no corpus', task: { suite: 'text', domains: ['a-text-domain-that-was-never-imported-here'], context: 8 },
      model: { arch: 'transformer', layers: 1, dModel: 8, heads: 2, mlpWidth: 8, context: 8 }, mixture: [{ skill: 'a-text-domain-that-was-never-imported-here', perStep: 2 }], steps: 4 })).id);
    for (const id of ids) await expect.poll(async () => ['done', 'failed'].includes((await call<RunRow>(s, 'getRun', id)).status), WAIT).toBe(true);

    await page.setViewportSize({ width: 1024, height: 768 });
    await page.goto(s.url);
    await page.evaluate(() => { location.hash = '#/runs'; });
    for (const id of ids) await page.locator(`tr[data-run-id="${id}"]`).waitFor(WAIT);
    await shot(page, 'runs-1024');
    const layout = await page.evaluate(() => {
      const table = document.querySelector('table.runs')!.getBoundingClientRect();
      const cells = [...document.querySelectorAll('table.runs th, table.runs td')].map((c) => c.getBoundingClientRect().right);
      return { page: document.documentElement.scrollWidth, viewport: innerWidth, table: table.right, cells: Math.max(...cells) };
    });
    expect(layout.page, 'the page scrolls sideways').toBeLessThanOrEqual(layout.viewport);
    expect(layout.table, 'the runs table is cut off').toBeLessThanOrEqual(layout.viewport);
    expect(layout.cells).toBeLessThanOrEqual(layout.viewport);

    const widths = await page.$$eval('tr[data-status="done"] [role="progressbar"]', (bars) => bars.map((b) => Math.round(b.getBoundingClientRect().width)));
    expect(widths.length).toBe(3);
    expect(new Set(widths).size, `bar widths ${widths.join(', ')}`).toBe(1);
    expect(widths[0]).toBeGreaterThan(40);
  });
});
