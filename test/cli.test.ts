// The CLI driven as a real subprocess, as a user or a script would.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/main/cli';
import { whittle } from './helpers/cli';
import { need } from './helpers/prereqs';
import { tmpHome } from './helpers/tmp';

describe('whittle CLI', { timeout: 300_000 }, () => {
  it('prints help for the program and for every command', async () => {
    const top = await whittle(['--help']);
    expect(top.code).toBe(0);
    const commands = [...top.stdout.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]);
    expect(commands).toEqual(expect.arrayContaining(['train', 'study', 'runs', 'show', 'metrics', 'cancel', 'resume', 'rm', 'bench', 'serve', 'demo']));
    // One real subprocess per help path; every command's help through the same entry in-process.
    const sub = await whittle(['train', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/Usage: whittle train/);
    for (const c of commands) {
      let out = '';
      const code = await main([c, '--help'], { out: (s) => (out += s), err: (s) => (out += s), tty: false });
      expect(code, c).toBe(0);
      expect(out, c).toMatch(new RegExp(`Usage: whittle ${c}`));
    }
  });

  it('rejects bad usage with exit 2 and names the flag', async () => {
    const home = tmpHome();
    const r = await whittle(['runs', '--frobnicate', '--home', home]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--frobnicate'");
    const b = await whittle(['bench', '--batch', 'lots', '--home', home]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("'--batch' expects a number");
    const u = await whittle(['frob']);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain("unknown command 'frob'");
    const m = await whittle(['show', '--home', home]);
    expect(m.code).toBe(2);
    const missing = await whittle(['show', 'r-nope', '--home', home]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("run 'r-nope' not found");
  });

  it('rejects an invalid recipe spec naming the field, storing nothing', async () => {
    const home = tmpHome();
    const file = path.join(home, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ kind: 'run', spec: { kind: 'selftest', steps: 'many' } }));
    const r = await whittle(['train', '--recipe', file, '--home', home, '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('spec.steps');
    const runs = await whittle(['runs', '--json', '--home', home]);
    expect(JSON.parse(runs.stdout)).toEqual([]);
  });

  it('runs a job to the end and reports it as JSON; runs/show/metrics/rm see it', async () => {
    const home = tmpHome();
    const file = path.join(home, 'st.json');
    fs.writeFileSync(file, JSON.stringify({ kind: 'run', spec: { kind: 'selftest', steps: 12, stepMs: 2 } }));
    const r = await whittle(['train', '--recipe', file, '--set', 'steps=15', '--home', home, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ status: 'done', summary: { steps: 15 } });
    const list = JSON.parse((await whittle(['runs', '--json', '--home', home])).stdout);
    expect(list.map((x: { id: string }) => x.id)).toEqual([out.runId]);
    const show = JSON.parse((await whittle(['show', out.runId, '--json', '--home', home])).stdout);
    expect(show.spec.steps).toBe(15);
    const metrics = JSON.parse((await whittle(['metrics', out.runId, '--key', 'count', '--json', '--home', home])).stdout);
    expect(metrics.series.count).toHaveLength(15);
    expect((await whittle(['rm', out.runId, '--home', home])).code).toBe(0);
    expect(JSON.parse((await whittle(['runs', '--json', '--home', home])).stdout)).toEqual([]);
  });

  it('bench --json times a real training step in a worker', async () => {
    const r = await whittle(['bench', '--hidden', '16,16', '--batch', '64', '--steps', '3', '--json', '--home', tmpHome()]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe('done');
    expect(['tensorflow', 'wasm', 'cpu']).toContain(out.backend);
    expect(out.dims).toEqual([68, 16, 16, 2]);
    expect(out.medianMs).toBeGreaterThan(0);
    expect(out.samplesPerSec).toBeGreaterThan(0);
    expect(out.steps).toBe(3);
  });

  it.runIf(need('webgpuAdapter', import.meta.url))('bench --backend webgpu runs on WebGPU, software adapters included when named', async () => {
    const r = await whittle(['bench', '--backend', 'webgpu', '--hidden', '16,16', '--batch', '64', '--steps', '2', '--json', '--home', tmpHome()]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect([out.status, out.backend]).toEqual(['done', 'webgpu']);
  });

  it('bench --backend names the allowed backends when given another', async () => {
    const r = await whittle(['bench', '--backend', 'vulkan', '--home', tmpHome()]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/spec\.backend: .*"webgpu"/);
  });

  it('exits 1 when the run fails', async () => {
    const home = tmpHome();
    const file = path.join(home, 'st.json');
    fs.writeFileSync(file, JSON.stringify({ kind: 'run', spec: { kind: 'selftest', steps: 5, stepMs: 1, fail: 'throw', failAt: 1 } }));
    const r = await whittle(['train', '--recipe', file, '--home', home, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'failed', error: 'selftest failure at step 1' });
  });
});
