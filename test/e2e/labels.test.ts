// Issue #16 items 3 and 5 in the GUI (headless Chromium against a real `whittle serve`): errors
// appear at a field only after the user touches it, in words; a text run's charts say what their
// values are (bits, consistently with bits per byte); the compare view's axes say what they count
// and its charts of one run share one x range; a finished compare study in which no run reached
// the target still draws its points (final accuracy) and says why.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricSeries, RunRow, StudyRow } from '../../src/shared/api';
import { need } from '../helpers/prereqs';
import { type App, call, openApp, type Serve, shot } from './harness';

const WAIT = { timeout: 180_000 };
const TASK = { suite: 'cmsp', m: 8, n: 32, k: 3 };

async function finished(s: Serve, id: string): Promise<RunRow> {
  for (const t0 = Date.now(); Date.now() - t0 < 240_000;) {
    const r = await call<RunRow>(s, 'getRun', id);
    if (!['queued', 'running'].includes(r.status)) return r;
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`run ${id} did not finish`);
}

describe.runIf(need('chromium', import.meta.url))('labels, units and field errors (#16 items 3, 5)', () => {
  let serve: Serve | null = null;
  let app: App | null = null;
  let page: Page;
  const pageErrors: string[] = [];
  let teacher: RunRow;

  beforeAll(async () => {
    app = await openApp({ pageErrors });
    ({ serve, page } = app);
    await page.goto(serve.url);
    // a finished general model on the wizard's default task, so "Use a finished run" can be chosen
    const t = await call<RunRow>(serve, 'createRun', {
      kind: 'train', name: 'general-small', task: TASK, model: { arch: 'mlp', hidden: [24] }, optimizer: { name: 'adam', lr: 0.01 },
      mixture: [{ skill: [0], perStep: 32 }, { skill: [1], perStep: 32 }], target: [0], steps: 60, eval: { every: 20, samples: 200 },
    });
    teacher = await finished(serve, t.id);
    expect(teacher.status).toBe('done');
  }, 300_000);

  afterAll(async () => {
    await app?.close();
  }, 60_000);

  const go = async (hash: string) => { await page.evaluate((h) => { location.hash = h; }, hash); };
  const errorTexts = () => page.locator('.field-error').allTextContents();

  it('compress → "Use a finished run" shows no error before the user acts, then one worded error', async () => {
    await go('#/new');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: '2. How to get there?' }).waitFor(WAIT);
    await page.getByLabel('Compress a general model and compare methods').check();
    await page.getByLabel(/Use a finished run/).check();
    await page.locator('#f-teacherRun').waitFor(WAIT);
    expect(await errorTexts()).toEqual([]);
    expect(await page.locator('#f-teacherRun').getAttribute('aria-invalid')).toBe('false');
    await shot(page, 'labels-compress-untouched');

    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('[data-field="teacherRun"]').waitFor(WAIT);
    const texts = await errorTexts();
    expect(texts).toEqual(['General model: pick a finished general model, or let the study train one.']);
    for (const t of texts) expect(t).not.toMatch(/Too small|expected|>=|teacher\.|task\.|hidden/);
    await shot(page, 'labels-compress-after-next');

    // a bad entry typed in a field is worded by its label as soon as it is touched
    await page.locator('#f-sizes').fill('8, 0');
    await expect.poll(() => page.locator('[data-field="sizes"]').textContent(), WAIT).toBe('Sizes (hidden units kept), item 2 must be at least 1.');
    // choosing the general model clears its error
    await page.locator('#f-teacherRun').selectOption(teacher.id);
    await expect.poll(() => page.locator('[data-field="teacherRun"]').count(), WAIT).toBe(0);
  }, 120_000);

  it("a text run's charts: loss in bits, equal to bits per byte for a byte-level model; tokens on the x axis", async () => {
    const s = serve!;
    const src = path.join(s.home, 'prose-src');
    fs.mkdirSync(src, { recursive: true });
    const words = ['the', 'model', 'learns', 'a', 'narrow', 'skill', 'from', 'broad', 'data', 'and', 'keeps', 'it'];
    for (let f = 0; f < 16; f++) {
      fs.writeFileSync(path.join(src, `doc${f}.txt`), Array.from({ length: 40 }, (_, i) => words[(i * 7 + f) % words.length]).join(' ') + '.\n');
    }
    const imp = await call<RunRow>(s, 'createRun', { kind: 'importCorpus', corpus: 'prose', sources: [src], valFraction: 0.25 });
    expect((await finished(s, imp.id)).status).toBe('done');
    const lm = await call<RunRow>(s, 'createRun', {
      kind: 'lm', name: 'text-bits', task: { suite: 'text', domains: ['prose'], context: 16 },
      model: { arch: 'transformer', layers: 1, dModel: 16, heads: 2, mlpWidth: 32, context: 16 },
      mixture: [{ skill: 'prose', perStep: 4 }], steps: 20, eval: { every: 10, windows: 6 }, optimizer: { lr: 1e-2 },
    });
    expect((await finished(s, lm.id)).status).toBe('done');

    const m = await call<MetricSeries>(s, 'metrics', lm.id);
    const loss = m.series['loss/prose'].at(-1)!;
    const bpb = m.series['bpb/prose'].at(-1)!;
    expect(loss.value).toBeCloseTo(bpb.value, 4); // byte-level: bits/token = bits/byte (was nats vs bits)
    expect(loss.value).toBeGreaterThan(1);

    await go(`#/runs/${lm.id}`);
    const lossChart = page.locator('figure.chart[aria-label="Loss (bits)"]');
    const bpbChart = page.locator('figure.chart[aria-label="Bits per byte (held-out)"]');
    await lossChart.waitFor(WAIT);
    await bpbChart.waitFor(WAIT);
    await expect.poll(() => lossChart.getAttribute('data-points'), WAIT).not.toBe('0');
    expect(await lossChart.getAttribute('data-x-label')).toBe('Training tokens seen');
    expect(await lossChart.getAttribute('data-x-max')).toBe(await bpbChart.getAttribute('data-x-max'));
    expect(await page.locator('figure.chart[aria-label="Training loss (bits)"]').count()).toBe(1);
    await shot(page, 'labels-text-run');
  }, 300_000);

  it('the compare view: axes say what they count; active units share the loss curves\' samples range; a finished compare study shows points', async () => {
    const s = serve!;
    const study = await call<StudyRow>(s, 'createStudy', {
      kind: 'compare', name: 'labels-compare', task: TASK, keep: [0], teacher: { run: teacher.id, hidden: [24] }, sizes: [12],
      methods: ['groupLasso', 'random'], targetAccuracy: 0.99 /* out of reach: no samples-to-target point */, eval: { every: 20, samples: 200 },
      prune: { scoreSamples: 200, recovery: { steps: 60, batch: 32 } },
      groupLasso: { lambda: 0.02, maskEvery: 5, train: { steps: 60, batch: 32 } },
    });
    for (const t0 = Date.now(); ;) {
      const st = await call<StudyRow>(s, 'getStudy', study.id);
      if (!['queued', 'running'].includes(st.status)) { expect(st.status).toBe('done'); break; }
      if (Date.now() - t0 > 240_000) throw new Error('compare study did not finish');
      await new Promise((res) => setTimeout(res, 1000));
    }
    const runs = (await call<RunRow[]>(s, 'listRuns')).filter((r) => r.studyId === study.id);
    const lasso = runs.find((r) => r.kind === 'groupLasso')!;

    await go(`#/compare?ids=${[lasso.id, teacher.id].join(',')}`);
    const units = page.locator('figure.chart[aria-label="Active hidden units"]');
    const loss = page.locator('figure.chart[aria-label="Loss (bits)"]');
    await units.waitFor(WAIT);
    await loss.waitFor(WAIT);
    await expect.poll(() => units.getAttribute('data-points'), WAIT).not.toBe('0');
    expect(await units.getAttribute('data-x-label')).toBe('Training samples seen');
    // the group-lasso run alone: its active units end where its loss curve ends (both in samples)
    await go('#/runs'); // leave the view, so the comparison opens afresh with one run
    await go(`#/compare?ids=${lasso.id}`);
    await expect.poll(async () => [await units.getAttribute('data-x-max'), await loss.getAttribute('data-x-max')], WAIT)
      .toEqual([String(lasso.summary!.samples), String(lasso.summary!.samples)]);
    expect(await page.locator('figure.chart[aria-label="Group-lasso strength λ"]').getAttribute('data-x-label')).toBe('Training samples seen');
    // one-off evaluations are a table, not empty charts
    expect(await page.locator('figure.chart[aria-label^="BeforePrune"], figure.chart[aria-label^="Teacher"]').count()).toBe(0);
    await page.getByRole('table', { name: 'Spec comparison' }).waitFor(WAIT);
    await shot(page, 'labels-compare');

    await go(`#/studies/${study.id}`);
    const frontier = page.locator('figure.chart').first();
    await frontier.waitFor(WAIT);
    await expect.poll(() => frontier.getAttribute('data-points'), WAIT).not.toBe('0'); // was "No points yet."
    expect(await page.getByText('No points yet.').count()).toBe(0);
    expect(await frontier.getAttribute('aria-label')).toBe('Final accuracy vs hidden units kept');
    expect(await page.locator('p.notice').textContent()).toMatch(/No method reached the target accuracy 0\.99 within its training budget/);
    expect(await frontier.getAttribute('data-x-label')).toBe('Hidden units kept');
    await shot(page, 'labels-compare-study');
    expect(pageErrors).toEqual([]);
  }, 400_000);

  it('a curriculum study: queued and running seeds say so (not "missing"); the Metric dropdown starts on the narrow skill', async () => {
    const s = serve!;
    const study = await call<StudyRow>(s, 'createStudy', {
      kind: 'curriculum', name: 'labels-seeds',
      base: { task: TASK, model: { arch: 'mlp', hidden: [32] }, optimizer: { name: 'adam', lr: 0.003 }, steps: 3000, eval: { every: 50, samples: 200 } },
      target: [0, 1], regimes: [{ name: 'narrow', mixture: [{ skill: [0, 1], perStep: 64 }] }], seeds: [0, 1, 2],
    });
    try {
      await go(`#/studies/${study.id}`);
      const table = page.getByRole('table', { name: 'Per-seed results' });
      await table.waitFor(WAIT);
      const statuses = await table.locator('tbody tr td:nth-child(3)').allTextContents();
      expect(statuses).toHaveLength(3);
      for (const st of statuses) expect(['queued', 'running', 'done']).toContain(st);
      expect(statuses.some((st) => st === 'queued' || st === 'running')).toBe(true);
      const metric = page.getByLabel('Metric', { exact: true });
      await page.locator('figure.chart:not([data-points="0"])').first().waitFor(WAIT); // metrics have arrived
      expect(await metric.evaluate((el) => (el as HTMLSelectElement).value)).toBe('acc/[0,1]');
      expect(await metric.evaluate((el) => (el as HTMLSelectElement).selectedOptions[0]?.textContent ?? '')).toBe('Accuracy · [0,1]');
      const chart = page.locator('figure.chart').first();
      expect(await chart.getAttribute('aria-label')).toBe('Narrow skill [0,1]: Accuracy per run');
      expect(await chart.getAttribute('data-x-label')).toBe('Training samples seen');
      await shot(page, 'labels-curriculum-live');
    } finally {
      await call(s, 'cancelStudy', study.id).catch(() => {});
    }
  }, 300_000);
});
