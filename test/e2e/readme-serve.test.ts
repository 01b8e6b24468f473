// Browser mode started exactly as the README says (`npx whittle serve` in the checkout, after the
// build that `npm test` runs), and as `node bin/whittle.mjs serve` from another folder: no
// WHITTLE_RENDERER, nothing a user would not set. The page must render the app, not a blank page.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { need } from '../helpers/prereqs';
import { launch, REPO, shot, startServe, type Serve } from './harness';

const ready = need('chromium', import.meta.url) && need('builtApp', import.meta.url);

/** Opens the printed URL and collects everything that would leave a user with a blank or broken page. */
async function openApp(page: Page, s: Serve): Promise<string[]> {
  const problems: string[] = [];
  const onConsole = (m: { type(): string; text(): string }) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); };
  const onPageError = (e: Error) => problems.push(`page error: ${e.message}`);
  const onResponse = (r: { status(): number; url(): string }) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`); };
  page.on('console', onConsole);
  page.on('pageerror', onPageError);
  page.on('response', onResponse);
  try {
    const res = await page.goto(s.url);
    expect(res!.status()).toBe(200);
    expect(res!.headers()['content-type']).toContain('text/html');
    // The Home view, drawn by the built app once the API answered.
    await page.getByRole('heading', { name: 'Whittle', level: 1 }).waitFor({ timeout: 60_000 });
    await page.getByText('Backend:').waitFor({ timeout: 60_000 });
    await page.waitForLoadState('networkidle');
  } finally {
    page.off('console', onConsole);
    page.off('pageerror', onPageError);
    page.off('response', onResponse);
  }
  return problems;
}

describe.runIf(ready)('browser mode as the README starts it', () => {
  let browser: Awaited<ReturnType<typeof launch>> | null = null;
  beforeAll(async () => { browser = await launch(); }, 120_000);
  afterAll(async () => { await browser?.close(); }, 60_000);

  it('`npx whittle serve` in the checkout serves the built app, which renders without errors', async () => {
    const s = await startServe({ command: ['npx', 'whittle', 'serve', '--port', '0'], cwd: REPO });
    try {
      expect(await openApp(browser!.page, s)).toEqual([]);
      expect(await browser!.page.locator('.error-box').count()).toBe(0);
      await shot(browser!.page, 'readme-serve');
      // Scripts come from the build, as JavaScript: not the source page's ./main.ts.
      const scripts = await browser!.page.$$eval('script[src]', (els) => els.map((e) => (e as HTMLScriptElement).src));
      expect(scripts.length).toBeGreaterThan(0);
      for (const src of scripts) expect(src).toMatch(/\/assets\/[^/]+\.js$/);
    } finally {
      await s.stop();
    }
  }, 180_000);

  it('`node bin/whittle.mjs serve` started from another folder serves the same app', async () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-cwd-'));
    const s = await startServe({ command: [process.execPath, path.join(REPO, 'bin/whittle.mjs'), 'serve', '--port', '0'], cwd: elsewhere });
    try {
      expect(await openApp(browser!.page, s)).toEqual([]);
    } finally {
      await s.stop();
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  }, 180_000);
});
