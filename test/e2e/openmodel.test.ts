// "Open a model…" end to end in browser mode: headless Chromium against a real `whittle serve`. A
// folder that cannot be imported is explained in the form and registers nothing; a PyTorch-written
// GPT-2 checkpoint is imported and the app lands on its run page, whose summary names its shape.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRow } from '../../src/shared/api';
import { copyHfFixture } from '../helpers/hfFixtures';
import { need } from '../helpers/prereqs';
import { type App, call, openApp, type Serve, shot } from './harness';

const WAIT = { timeout: 120_000 };

describe.runIf(need('chromium', import.meta.url) && need('torch', import.meta.url))('open a model (headless Chromium)', () => {
  let serve: Serve;
  let app: App | null = null;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    app = await openApp({ pageErrors });
    ({ serve, page } = app);
  }, 240_000);
  afterAll(async () => { await app?.close(); }, 60_000);

  it('explains a folder it cannot open, then imports a checkpoint and shows its run', async () => {
    // inside the served home folder: browser mode reads only there
    const good = copyHfFixture('gpt2', path.join(serve.home, 'models', 'tiny-gpt2'));
    const broken = copyHfFixture('gpt2', path.join(serve.home, 'models', 'no-tokenizer'));
    fs.rmSync(path.join(broken, 'tokenizer.json'));

    await page.goto(serve.url);
    await page.getByRole('button', { name: 'Open a model…' }).click();
    const folder = page.getByLabel('Checkpoint folder');
    await folder.fill(broken);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await expect.poll(async () => page.getByRole('alert').filter({ hasText: 'no tokenizer.json' }).count(), WAIT).toBe(1);
    await shot(page, 'open-model-refused');
    expect(await call<RunRow[]>(serve, 'listRuns')).toEqual([]);

    await folder.fill('/etc');
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await expect.poll(async () => page.getByRole('alert').filter({ hasText: 'outside the folders this app may use' }).count(), WAIT).toBe(1);

    await folder.fill(good);
    await page.getByLabel('Name').fill('tiny gpt2');
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.waitForURL(/#\/runs\/r/, WAIT);
    const runs = await call<RunRow[]>(serve, 'listRuns');
    expect(runs.map((r) => [r.kind, r.name, r.status])).toEqual([['importModel', 'tiny gpt2', 'done']]);
    expect(page.url()).toContain(`#/runs/${runs[0].id}`);
    const summary = page.getByRole('definition').first();
    await summary.waitFor(WAIT);
    const facts = page.locator('dl.facts');
    await expect.poll(async () => facts.textContent(), WAIT).toMatch(/Architecture\s*GPT2LMHeadModel/);
    const text = (await facts.textContent()) ?? '';
    for (const label of ['Layers', 'Model width', 'Attention heads', 'Key/value heads', 'MLP width', 'Vocabulary size', 'Parameters', 'Bytes read']) expect(text).toContain(label);
    await shot(page, 'open-model-run');

    // its run view tries it like a model trained here: the prompt scored token by token, a continuation
    await page.getByRole('tab', { name: 'Try the model' }).click();
    await page.getByLabel('Prompt').fill('The quick brown fox');
    await page.getByLabel('Bytes to generate').fill('12');
    await page.getByLabel('Temperature').fill('0');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByTestId('text-result').waitFor(WAIT);
    expect(await page.getByTestId('token-losses').locator('span').count()).toBeGreaterThan(1);
    expect(await page.getByTestId('continuation').textContent()).toMatch(/^The quick brown fox/);
    await shot(page, 'open-model-try');
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
