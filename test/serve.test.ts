// Browser mode over real HTTP: token guard, loopback binding, the API and its event stream.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PushEvent } from '../src/shared/api';
import { WhittleService } from '../src/main/services/api';
import { startServer, type Server } from '../src/main/serve';
import { request } from './helpers/http';
import { tmpHome } from './helpers/tmp';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

async function setup(): Promise<{ server: Server; svc: WhittleService }> {
  const home = tmpHome();
  const rendererDir = path.join(home, 'renderer');
  fs.mkdirSync(rendererDir);
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Whittle</title>');
  const svc = new WhittleService({ home, workers: 1, mode: 'browser' });
  cleanup.push(() => svc.close());
  const server = await startServer({ service: svc, port: 0, rendererDir });
  cleanup.push(() => server.close());
  return { server, svc };
}


describe('whittle serve', () => {
  it('binds loopback only and answers 401 to any request without the token', async () => {
    const { server } = await setup();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
    for (const p of ['/', '/index.html', '/api/events']) expect((await request(server.port, p)).status).toBe(401);
    expect((await request(server.port, '/api/listRuns', { method: 'POST', body: [] })).status).toBe(401);
    expect((await request(server.port, '/api/listRuns', { method: 'POST', body: [], headers: { 'x-whittle-token': 'wrong' } })).status).toBe(401);
    // The page URL sets a cookie that authorises the page's own later requests.
    const page = await request(server.port, `/?token=${server.token}`);
    expect(page.status).toBe(200);
    const cookie = String(page.headers['set-cookie']).split(';')[0];
    expect((await request(server.port, '/api/listRuns', { method: 'POST', body: [], headers: { cookie } })).status).toBe(200);
    // A page served under another hostname (DNS rebinding) is refused even with the token.
    expect((await request(server.port, '/api/listRuns', { method: 'POST', body: [], headers: { 'x-whittle-token': server.token, host: 'evil.example' } })).status).toBe(403);
  });

  it('downloads recorded artifacts by id, with the token only', async () => {
    const { server, svc } = await setup();
    const run = await svc.createRun({ kind: 'selftest', steps: 1, stepMs: 0 });
    await svc.waitForRun(run.id);
    const file = path.join(svc.store.runDir(run.id), 'weights.bin');
    fs.writeFileSync(file, Buffer.from([1, 2, 3, 4, 5]));
    svc.store.addArtifact({ runId: run.id, kind: 'export.safetensors', path: file, bytes: 5, sha256: 'x' });
    const id = svc.store.artifacts(run.id).find((a) => a.path === file)!.id;
    expect((await request(server.port, `/api/artifact/${id}`)).status).toBe(401);
    const ok = await request(server.port, `/api/artifact/${id}`, { headers: { 'x-whittle-token': server.token } });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-disposition']).toBe('attachment; filename="weights.bin"');
    expect(Buffer.from(ok.body, 'latin1')).toEqual(Buffer.from([1, 2, 3, 4, 5]));
    expect((await request(server.port, '/api/artifact/99999', { headers: { 'x-whittle-token': server.token } })).status).toBe(404);
  });

  it('serves the API: a bad spec names the field, a good run streams events over SSE', async () => {
    const { server } = await setup();
    const h = { 'x-whittle-token': server.token, 'content-type': 'application/json' };
    const bad = await request(server.port, '/api/createRun', { method: 'POST', headers: h, body: [{ kind: 'selftest', steps: 0 }] });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).issues[0].path).toBe('spec.steps');
    const badArgs = await request(server.port, '/api/getRun', { method: 'POST', headers: h, body: [42] });
    expect(badArgs.status).toBe(400);
    expect(JSON.parse(badArgs.body).message).toMatch(/args\[0\]/);
    expect((await request(server.port, '/api/nope', { method: 'POST', headers: h, body: [] })).status).toBe(404);

    const events: PushEvent[] = [];
    const sse = http.get({ host: '127.0.0.1', port: server.port, path: '/api/events', headers: { 'x-whittle-token': server.token } }, (res) => {
      res.on('data', (d: Buffer) => {
        for (const line of d.toString().split('\n')) if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)));
      });
    });
    cleanup.push(async () => { sse.destroy(); });
    await new Promise((r) => setTimeout(r, 200));
    const created = await request(server.port, '/api/createRun', { method: 'POST', headers: h, body: [{ kind: 'selftest', steps: 8, stepMs: 5 }] });
    expect(created.status).toBe(200);
    const run = JSON.parse(created.body);
    const deadline = Date.now() + 60_000;
    while (!events.some((e) => e.type === 'run' && e.run.id === run.id && e.run.status === 'done') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(events.some((e) => e.type === 'progress' && e.runId === run.id)).toBe(true);
    expect(events.some((e) => e.type === 'metric' && e.runId === run.id)).toBe(true);
    const got = JSON.parse((await request(server.port, '/api/getRun', { method: 'POST', headers: h, body: [run.id] })).body);
    expect(got.status).toBe('done');
  });
});
