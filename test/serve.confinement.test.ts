// Browser mode's folder limit (issue #15 item 1): with a valid token, no API call may export to or
// import from a folder outside the root `whittle serve` was started with, whatever the call names.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunSpec } from '../src/shared/specs';
import { WhittleService } from '../src/main/services/api';
import { startServer, type Server } from '../src/main/serve';
import { Rng } from '../src/worker/engine/rng';
import { initWeights } from '../src/worker/models/mlp/model';
import { encodeMlp } from '../src/worker/models/mlp/file';
import { startServe } from './e2e/harness';
import { whittle } from './helpers/cli';
import { request } from './helpers/http';
import { need } from './helpers/prereqs';
import { BIN, tmpHome } from './helpers/tmp';

const TRAIN_SPEC = {
  kind: 'train', seed: 3, task: { suite: 'cmsp', m: 4, n: 40, k: 3 }, model: { arch: 'mlp', hidden: [8] },
  mixture: [{ skill: [0], perStep: 100 }], target: [0], steps: 10,
} as unknown as RunSpec;

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

/** A served service limited to `<tmp>/root`, holding one finished run with a model; `outside` is a sibling folder. */
async function setup(): Promise<{ server: Server; svc: WhittleService; root: string; outside: string; runId: string; post: (m: string, body: unknown) => ReturnType<typeof request> }> {
  const tmp = tmpHome('whittle-confine-');
  cleanup.push(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const root = path.join(tmp, 'root'), outside = path.join(tmp, 'outside'), rendererDir = path.join(tmp, 'renderer');
  for (const d of [root, outside, rendererDir]) fs.mkdirSync(d);
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Whittle</title>');
  const svc = new WhittleService({ home: path.join(tmp, 'data'), workers: 1, mode: 'browser', folderRoots: [root] });
  cleanup.push(() => svc.close());
  const runId = 'r-trained';
  svc.store.insertRun({ id: runId, name: 'trained', spec: TRAIN_SPEC });
  svc.store.updateRun(runId, { status: 'done', endedAt: Date.now() });
  fs.mkdirSync(svc.store.runDir(runId), { recursive: true });
  fs.writeFileSync(path.join(svc.store.runDir(runId), 'model.safetensors'), encodeMlp(initWeights({ inputs: 44, hidden: [8], outputs: 2, activation: 'relu' }, new Rng(1))));
  const server = await startServer({ service: svc, port: 0, rendererDir });
  cleanup.push(() => server.close());
  const h = { 'x-whittle-token': server.token, 'content-type': 'application/json' };
  const post = (m: string, body: unknown) => request(server.port, `/api/${m}`, { method: 'POST', headers: h, body });
  return { server, svc, root, outside, runId, post };
}

const refused = (r: { status: number; body: string }, field: RegExp) => {
  expect(r.status).toBe(400);
  expect(JSON.parse(r.body).message).toMatch(field);
};

describe('browser mode folder limit', () => {
  it('exportRun cannot widen the limit with `within`, and createRun(kind export) is checked the same way', async () => {
    const { svc, outside, runId, post } = await setup();
    // The probe's two bypasses: both wrote into `outside` before.
    refused(await post('exportRun', [runId, { out: path.join(outside, 'a'), within: '/', formats: 'safetensors' }]), /within/);
    refused(await post('exportRun', [runId, { out: path.join(outside, 'a'), formats: 'safetensors' }]), /outside the folders this app may use/);
    refused(await post('createRun', [{ kind: 'export', inputs: { source: runId }, out: path.join(outside, 'b'), formats: ['safetensors'] }]), /spec\.out: .*outside/);
    refused(await post('createRun', [{ kind: 'export', inputs: { source: runId }, out: path.join(outside, 'c'), within: '/', formats: ['safetensors'] }]), /spec\.out: .*outside/);
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(svc.store.listRuns().filter((r) => r.kind === 'export')).toEqual([]);
  });

  it('a symlink or `..` inside the root that leads outside is refused; a folder inside is accepted and the worker re-checks it', async () => {
    const { svc, root, outside, runId, post } = await setup();
    fs.symlinkSync(outside, path.join(root, 'link'));
    refused(await post('exportRun', [runId, { out: path.join(root, 'link', 'x'), formats: 'safetensors' }]), /outside the folders/);
    refused(await post('exportRun', [runId, { out: path.join(root, 'link'), formats: 'safetensors' }]), /outside the folders/);
    refused(await post('exportRun', [runId, { out: `${root}/../outside/y`, formats: 'safetensors' }]), /outside the folders/);
    const ok = await post('exportRun', [runId, { out: path.join(root, 'exported'), formats: 'safetensors' }]);
    expect(ok.status).toBe(200);
    const run = JSON.parse(ok.body) as { id: string; spec: { within?: string } };
    // The allowed folder travels in the spec so the export job checks it again right before writing.
    expect(run.spec.within).toBe(root);
    expect((await svc.waitForRun(run.id)).status).toBe('done');
    expect(fs.readdirSync(path.join(root, 'exported'))).toContain('model.safetensors');
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  it('imports read only from inside the root: importDataset and createRun(importDataset / importCorpus)', async () => {
    const { root, outside, post } = await setup();
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'not for the page');
    refused(await post('importDataset', [{ source: outside }]), /source: .*outside/);
    refused(await post('createRun', [{ kind: 'importDataset', dataset: 'x', source: outside }]), /spec\.source: .*outside/);
    refused(await post('createRun', [{ kind: 'importCorpus', corpus: 'c', sources: [root, outside] }]), /spec\.sources\[1\]: .*outside/);
  });

  it('resuming a run made elsewhere (CLI, no limit) that exports outside the root is refused', async () => {
    const { svc, outside, runId, post } = await setup();
    svc.store.insertRun({ id: 'r-exp', name: 'exp', spec: { kind: 'export', inputs: { source: runId }, out: path.join(outside, 'z'), formats: ['safetensors'] } as unknown as RunSpec });
    svc.store.updateRun('r-exp', { status: 'cancelled' });
    refused(await post('resumeRun', ['r-exp']), /spec\.out: .*outside/);
  });
});

describe('whittle serve --root', () => {
  it('a --root that is not an existing folder is a usage error (exit 2)', async () => {
    const tmp = tmpHome('whittle-root-');
    cleanup.push(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const r = await whittle(['serve', '--port', '0', '--root', path.join(tmp, 'nope'), '--home', tmp]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--root expects an existing folder/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it.runIf(need('builtApp', import.meta.url))('limits what the page may import to --root', async () => {
    const tmp = fs.realpathSync(tmpHome('whittle-root-'));
    const root = path.join(tmp, 'root');
    fs.mkdirSync(root);
    const s = await startServe({ command: [process.execPath, BIN, 'serve', '--port', '0', '--root', root] });
    cleanup.push(async () => { await s.stop(); fs.rmSync(tmp, { recursive: true, force: true }); });
    expect(s.output()).toContain(`limited to ${root}`);
    const post = (body: unknown) => request(Number(new URL(s.base).port), '/api/importDataset', { method: 'POST', headers: { 'x-whittle-token': s.token }, body });
    const outside = await post([{ source: s.home }]); // serve's own HOME, outside --root
    expect(outside.status).toBe(400);
    expect(JSON.parse(outside.body).message).toMatch(/^source: .* is outside the folders this app may use \(.*root\)/);
    const inside = await post([{ source: path.join(root, 'missing') }]);
    expect(JSON.parse(inside.body).message).toMatch(/no such file or folder/); // got past the limit
  });
});
