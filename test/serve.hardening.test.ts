// Browser mode hardening (issue #15 item 12): Origin checks, the one-time URL token, framing and
// other security headers, malformed URLs and oversized bodies, over real HTTP.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WhittleService } from '../src/main/services/api';
import { startServer, type Server } from '../src/main/serve';
import { request } from './helpers/http';
import { tmpHome } from './helpers/tmp';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

async function setup(maxBodyBytes?: number): Promise<Server> {
  const home = tmpHome('whittle-serve-hard-');
  cleanup.push(() => fs.rmSync(home, { recursive: true, force: true }));
  const rendererDir = path.join(home, 'renderer');
  fs.mkdirSync(rendererDir);
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Whittle</title>');
  const svc = new WhittleService({ home: path.join(home, 'data'), workers: 1, mode: 'browser' });
  cleanup.push(() => svc.close());
  const server = await startServer({ service: svc, port: 0, rendererDir, maxBodyBytes });
  cleanup.push(() => server.close());
  return server;
}

const post = (s: Server, m: string, headers: Record<string, string> = {}, body: unknown = []) =>
  request(s.port, `/api/${m}`, { method: 'POST', headers: { 'x-whittle-token': s.token, 'content-type': 'application/json', ...headers }, body });

describe('whittle serve hardening', () => {
  it('refuses requests from another origin or site, even with the token or the session cookie', async () => {
    const s = await setup();
    const own = `http://127.0.0.1:${s.port}`;
    expect((await post(s, 'listRuns', { origin: own })).status).toBe(200);
    expect((await post(s, 'listRuns', { origin: `http://localhost:${s.port}`, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await post(s, 'listRuns')).status).toBe(200); // a script: no Origin, the token header
    for (const origin of ['http://evil.example', `http://127.0.0.1:${s.port + 1}`, 'null', `https://127.0.0.1:${s.port}`]) {
      const r = await post(s, 'listRuns', { origin });
      expect(r.status, origin).toBe(403);
      expect(JSON.parse(r.body).message).toMatch(/another origin/);
    }
    expect((await post(s, 'listRuns', { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    // Another port on 127.0.0.1 is the same *site*: SameSite cookies would go along, Origin stops it.
    const page = await request(s.port, `/?token=${s.token}`);
    const cookie = String(page.headers['set-cookie']).split(';')[0];
    expect((await request(s.port, '/api/listRuns', { method: 'POST', body: [], headers: { cookie, origin: `http://127.0.0.1:${s.port + 1}`, 'sec-fetch-site': 'same-site' } })).status).toBe(403);
    expect((await request(s.port, '/api/events', { headers: { cookie, origin: 'http://evil.example' } })).status).toBe(403);
  });

  it('the URL token works once: the first page load opens a session (cookie), later uses of the URL are refused', async () => {
    const s = await setup();
    const first = await request(s.port, `/?token=${s.token}`);
    expect(first.status).toBe(200);
    const cookie = String(first.headers['set-cookie']).split(';')[0];
    expect(String(first.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    expect(cookie).not.toContain(s.token); // the cookie is a session secret of its own
    const again = await request(s.port, `/?token=${s.token}`);
    expect(again.status).toBe(401);
    expect(JSON.parse(again.body).message).toMatch(/used already/);
    // The session that the first load opened keeps working, with or without the query.
    expect((await request(s.port, `/?token=${s.token}`, { headers: { cookie } })).status).toBe(200);
    expect((await request(s.port, '/index.html', { headers: { cookie } })).status).toBe(200);
    expect((await request(s.port, '/api/listRuns', { method: 'POST', body: [], headers: { cookie } })).status).toBe(200);
    // The query token never authorises API calls, the event stream or downloads on its own.
    expect((await request(s.port, `/api/listRuns?token=${s.token}`, { method: 'POST', body: [] })).status).toBe(401);
    expect((await request(s.port, `/api/events?token=${s.token}`)).status).toBe(401);
    expect((await request(s.port, `/api/artifact/1?token=${s.token}`)).status).toBe(401);
  });

  it('an API call or a missing file carrying the URL token does not use up the page login', async () => {
    const s = await setup();
    expect((await request(s.port, `/api/listRuns?token=${s.token}`, { method: 'POST', body: [] })).status).toBe(401);
    expect((await request(s.port, `/nope.js?token=${s.token}`)).status).toBe(401);
    expect((await request(s.port, `/?token=${s.token}`)).status).toBe(200);
  });

  it('every response forbids framing and sniffing; the page carries the CSP', async () => {
    const s = await setup();
    for (const r of [await request(s.port, `/?token=${s.token}`), await post(s, 'listRuns'), await request(s.port, '/')]) {
      expect(r.headers['x-frame-options']).toBe('DENY');
      expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(r.headers['content-security-policy']).toContain("script-src 'self'");
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
    }
  });

  it('a malformed % escape in the URL is a 400, not a 500', async () => {
    const s = await setup();
    const h = { 'x-whittle-token': s.token };
    for (const p of ['/%', '/%E0%A4%A', '/assets/%zz.js']) {
      const r = await request(s.port, p, { headers: h });
      expect(r.status, p).toBe(400);
      expect(JSON.parse(r.body).message).toMatch(/malformed URL/);
    }
    expect((await request(s.port, '/%69ndex.html', { headers: h })).status).toBe(200); // a well-formed escape still works
  });

  it('a body over the limit is answered 413 (declared or streamed), and the server keeps serving', async () => {
    const s = await setup();
    const big = Buffer.alloc(20 * 1024 * 1024, 0x20);
    const r = await request(s.port, '/api/listRuns', { method: 'POST', headers: { 'x-whittle-token': s.token }, body: big });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).message).toMatch(/larger than/);
    const small = await setup(1000);
    const chunked = await request(small.port, '/api/listRuns', { method: 'POST', headers: { 'x-whittle-token': small.token, 'transfer-encoding': 'chunked' }, body: Buffer.alloc(5000, 0x20) });
    expect(chunked.status).toBe(413);
    expect((await post(s, 'listRuns')).status).toBe(200);
    expect((await post(small, 'listRuns')).status).toBe(200);
  });
});
