// Browser mode after `whittle serve` restarts on the same port: the open tab's token is no longer
// valid (a new one is printed), and the tab says so and where to get the new address, instead of
// "Connection lost — reconnecting…" for ever. Also: the sidebar shows the backend runs use.
import net from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { RunRow } from '../../src/shared/api';
import { need } from '../helpers/prereqs';
import { call, ensureRenderer, launch, REPO, shot, startServe, type Serve } from './harness';

const WAIT = { timeout: 120_000 };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

describe.runIf(need('chromium', import.meta.url))('browser session (headless Chromium)', () => {
  const servers: Serve[] = [];
  let browser: Awaited<ReturnType<typeof launch>> | null = null;
  let page: Page;
  let renderer = '';

  beforeAll(async () => {
    renderer = await ensureRenderer();
    browser = await launch();
    page = browser.page;
  }, 240_000);
  afterAll(async () => {
    try { await browser?.close(); } finally { for (const s of servers) await s.stop(); }
  }, 60_000);

  const serveOn = async (port: number) => {
    const s = await startServe({ rendererDir: renderer, command: [process.execPath, path.join(REPO, 'bin/whittle.mjs'), 'serve', '--port', String(port)] });
    servers.push(s);
    return s;
  };

  it('the sidebar shows the backend the runs use', async () => {
    const s = await serveOn(await freePort());
    await page.goto(s.url);
    await page.getByTestId('backend-status').waitFor(WAIT);
    expect(await page.getByTestId('backend-status').textContent()).toContain('chosen when the first run starts');
    const run = await call<RunRow>(s, 'createRun', { kind: 'selftest', steps: 400, stepMs: 10 });
    await expect.poll(async () => (await call<RunRow>(s, 'getRun', run.id)).backend, WAIT).toBeTruthy();
    const used = (await call<RunRow>(s, 'getRun', run.id)).backend!; // e.g. wasm×2
    const [name, threads] = used.split('×');
    await expect.poll(async () => page.getByTestId('backend-status').textContent(), WAIT).toContain(name);
    expect(await page.getByTestId('backend-status').textContent()).toContain(`${threads} thread`);
    expect(await page.getByTestId('backend-status').textContent()).not.toContain('not started');
    await shot(page, 'sidebar-backend');
    await call(s, 'cancelRun', run.id);
    await s.stop();
  });

  it('after a restart the open tab says its session is no longer valid and how to get a new address', async () => {
    const port = await freePort();
    const first = await serveOn(port);
    await page.goto(first.url);
    await page.getByRole('heading', { name: 'Whittle', level: 1 }).waitFor(WAIT);
    await page.waitForTimeout(500); // the event stream is open
    await first.stop();
    await page.getByText('Connection lost — reconnecting…').waitFor(WAIT);
    const second = await serveOn(port);
    expect(second.token).not.toBe(first.token);
    const expired = page.getByTestId('session-expired');
    await expired.waitFor({ timeout: 30_000 });
    expect(await expired.textContent()).toMatch(/session is no longer valid.*whittle serve.*printed.*\?token=/s);
    expect(await page.getByText('Connection lost — reconnecting…').count()).toBe(0);
    await shot(page, 'session-expired');
    // the new address works
    await page.goto(second.url);
    await page.getByRole('heading', { name: 'Whittle', level: 1 }).waitFor(WAIT);
    expect(await page.getByTestId('session-expired').count()).toBe(0);
  });
});
