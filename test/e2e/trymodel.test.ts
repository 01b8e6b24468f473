// "Try the model" end to end: headless Chromium against a real `whittle serve`; the test trains a
// small run of each kind (CMSP, an imported image dataset, a byte-level transformer), then tries
// each from its run view as a person would. Screenshots land in test-artifacts/e2e/.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRow } from '../../src/shared/api';
import type { ConfusionMatrix, TryResult } from '../../src/shared/tryModel';
import { greyPng, writeIdxFolder } from '../../src/worker/tasks/images/fixtures';
import { need } from '../helpers/prereqs';
import { call, ensureRenderer, launch, shot, startServe, type Serve } from './harness';

const WAIT = { timeout: 120_000 };

async function finished(s: Serve, id: string): Promise<RunRow> {
  const deadline = Date.now() + 240_000;
  for (;;) {
    const r = await call<RunRow>(s, 'getRun', id);
    if (['done', 'failed', 'cancelled', 'interrupted'].includes(r.status)) {
      if (r.status !== 'done') throw new Error(`run ${r.name} ended ${r.status}: ${r.error}`);
      return r;
    }
    if (Date.now() > deadline) throw new Error(`run ${r.name} did not finish`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

describe.runIf(need('chromium', import.meta.url))('try the model in the run view (headless Chromium)', () => {
  let serve: Serve | null = null;
  let browser: Awaited<ReturnType<typeof launch>> | null = null;
  let page: Page;
  const pageErrors: string[] = [];
  let cmsp: RunRow, images: RunRow, lm: RunRow;

  beforeAll(async () => {
    const renderer = await ensureRenderer();
    serve = await startServe({ rendererDir: renderer });
    const s = serve;
    // the data a person would import, inside the served home folder (browser mode reads only there)
    writeIdxFolder(path.join(s.home, 'idx'), { train: 200, test: 48, k: 4, h: 8, w: 8 });
    const prose = path.join(s.home, 'prose');
    fs.mkdirSync(prose);
    const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'dog', 'ran'];
    for (let f = 0; f < 6; f++) fs.writeFileSync(path.join(prose, `f${f}.txt`), Array.from({ length: 40 }, (_, i) => `${words[(i * 3 + f) % 9]} ${words[(i + f) % 9]} ${words[(i * 5) % 9]}.`).join('\n'));
    const imp = await call<RunRow>(s, 'importDataset', { source: path.join(s.home, 'idx'), dataset: 'blocks' });
    const corpus = await call<RunRow>(s, 'createRun', { kind: 'importCorpus', corpus: 'prose', sources: [prose], valFraction: 0.2 });
    cmsp = await call<RunRow>(s, 'createRun', {
      kind: 'train', name: 'try-cmsp', task: { suite: 'cmsp', m: 2, n: 8, k: 3 }, model: { arch: 'mlp', hidden: [32] },
      mixture: [{ skill: [0], perStep: 64 }, { skill: [1], perStep: 64 }], steps: 40, eval: { every: 20, samples: 256 },
    });
    await finished(s, imp.id);
    images = await call<RunRow>(s, 'createRun', {
      kind: 'train', name: 'try-images', task: { suite: 'images', dataset: 'blocks' }, model: { arch: 'mlp', hidden: [16] },
      mixture: [{ skill: [0, 1, 2], perStep: 32 }], steps: 120, eval: { every: 15, samples: 1000 }, optimizer: { name: 'adam', lr: 0.01 },
    });
    await finished(s, corpus.id);
    lm = await call<RunRow>(s, 'createRun', {
      kind: 'lm', name: 'try-lm', task: { suite: 'text', domains: ['prose'], context: 16 },
      model: { arch: 'transformer', layers: 1, dModel: 16, heads: 2, mlpWidth: 32, context: 16 },
      mixture: [{ skill: 'prose', perStep: 4 }], steps: 150, eval: { every: 15, windows: 4 }, schedule: { warmup: 3 }, optimizer: { lr: 0.01 },
    });
    [cmsp, images, lm] = [await finished(s, cmsp.id), await finished(s, images.id), await finished(s, lm.id)];
    browser = await launch();
    page = browser.page;
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(s.url);
    await page.getByRole('heading', { name: 'Whittle', level: 1 }).waitFor(WAIT);
  }, 600_000);

  afterAll(async () => {
    try { await browser?.close(); } finally { await serve?.stop(); }
  }, 60_000);

  async function openTry(run: RunRow): Promise<void> {
    await page.evaluate((h) => { location.hash = h; }, `#/runs/${run.id}`);
    await page.getByRole('heading', { name: run.name, level: 1 }).waitFor(WAIT);
    await page.getByRole('tab', { name: 'Try the model' }).click();
  }

  it('CMSP: bits and a skill in, the model\'s prediction and the true parity out', async () => {
    await openTry(cmsp);
    await page.getByRole('button', { name: 'Randomise bits' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Randomise bits' }).click();
    await page.getByRole('button', { name: 'bit 3' }).click();
    await page.getByLabel('Skill').selectOption('[1]');
    await page.getByRole('button', { name: 'Predict' }).click();
    await page.getByTestId('cmsp-result').waitFor(WAIT);
    const bits = await page.$$eval('[aria-label="Data bits"] button', (bs) => bs.map((b) => (b.getAttribute('aria-pressed') === 'true' ? 1 : 0)));
    expect(bits).toHaveLength(8);
    // skill [1] reads data bits 3, 4, 5 (k = 3)
    expect(Number(await page.getByTestId('cmsp-parity').textContent())).toBe(bits[3] ^ bits[4] ^ bits[5]);
    const api = await call<Extract<TryResult, { kind: 'cmsp' }>>(serve!, 'tryModel', cmsp.id, { kind: 'cmsp', bits, skill: [1] });
    expect(Number(await page.getByTestId('cmsp-predicted').textContent())).toBe(api.predicted);
    expect(await page.getByTestId('cmsp-result').textContent()).toContain(`${(api.probabilities[api.predicted] * 100).toFixed(1)}%`);
    await shot(page, 'try-cmsp');
  }, 120_000);

  it('images: a test image and an uploaded PNG give class probabilities; the confusion matrix covers the test split', async () => {
    await openTry(images);
    await page.getByTestId('test-images').waitFor(WAIT);
    await page.getByRole('button', { name: /Try test image 1 / }).click();
    await page.getByTestId('image-result').waitFor(WAIT);
    expect(await page.getByTestId('image-result').textContent()).toMatch(/test image #1 · true class 1/);
    expect(await page.locator('[aria-label="Class probabilities"] [role=listitem]').count()).toBe(4);
    // a 16×16 PNG (twice the dataset's 8×8), converted by the service
    const file = path.join(serve!.home, 'upload.png');
    fs.writeFileSync(file, greyPng(2, 0, 16, 16));
    await page.locator('input[type=file]').setInputFiles(file);
    await page.waitForFunction(() => document.querySelector('[data-testid=image-result]')?.textContent?.includes('upload.png'), undefined, WAIT);
    await page.getByRole('button', { name: 'Compute' }).click();
    await page.getByTestId('confusion-matrix').waitFor(WAIT);
    const cells = await page.$$eval('[data-testid=confusion-matrix] tbody td', (tds) => tds.map((t) => Number(t.textContent)));
    expect(cells.reduce((a, b) => a + b, 0)).toBe(36); // 12 test images of each of the run's 3 classes
    const cm = await call<ConfusionMatrix>(serve!, 'confusionMatrix', images.id);
    expect(cm.accuracy).toBeCloseTo((images.summary!.finalAcc as Record<string, number>)['[0,1,2]'], 6);
    expect(await page.getByTestId('confusion-summary').textContent()).toContain(`accuracy ${(cm.accuracy * 100).toFixed(1)}%`);
    expect(await page.$$eval('[data-testid=confusion-matrix] thead th', (ths) => ths.map((t) => t.textContent))).toEqual(['true ↓ / predicted →', '0', '1', '2']);
    await shot(page, 'try-images');
    await page.getByTestId('confusion-matrix').scrollIntoViewIfNeeded();
    await shot(page, 'try-images-confusion');
  }, 180_000);

  it('text: per-token loss colouring of the prompt and a greedy continuation', async () => {
    await openTry(lm);
    const prompt = 'the cat sat';
    await page.getByLabel('Prompt').fill(prompt);
    await page.getByLabel('Bytes to generate').fill('24');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByTestId('text-result').waitFor(WAIT);
    const spans = page.getByTestId('token-losses').locator('span');
    expect(await spans.count()).toBe(prompt.length); // byte-level: one token per byte
    const titles = await spans.evaluateAll((ss) => ss.map((s) => Number.parseFloat(s.getAttribute('title') ?? '')));
    expect(titles.every((t) => Number.isFinite(t) && t >= 0)).toBe(true);
    const api = await call<Extract<TryResult, { kind: 'text' }>>(serve!, 'tryModel', lm.id, { kind: 'text', prompt, maxBytes: 24, temperature: 0 });
    expect(await page.getByTestId('continuation').textContent()).toBe(prompt + api.continuation);
    expect(Buffer.byteLength(api.continuation)).toBe(24); // greedy, byte-level: exactly the bytes asked for
    expect(titles.reduce((a, b) => a + b, 0)).toBeCloseTo(api.totalBits, 0);
    await shot(page, 'try-text');
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
