// A user who did not ask for webgpu sees nothing from Dawn. Where Mesa's lavapipe (a software
// Vulkan driver) is installed, as in CI (scripts/ci/lavapipe.sh), Dawn prints
//   Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 …
// on the stderr of any process that asks it for an adapter. A job that tries a GPU first (here a
// bench large enough: shared/backendPolicy.ts) looks for one automatically; that lookup now runs in
// a child process whose stderr is dropped (worker/engine/webgpuQuietProbe.ts), and a software
// adapter is never chosen automatically, so Dawn never loads in the CLI's own process.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { backendPolicy } from '../src/shared/backendPolicy';
import { BenchSpec } from '../src/shared/specs/bench';
import { whittle } from './helpers/cli';
import { need } from './helpers/prereqs';
import { REPO, tmpHome } from './helpers/tmp';

/** What Dawn says about its adapter, and what it prints on stderr while finding it, in a process of its own. */
function dawnDirectly(): { architecture: string; stderrLines: string[] } {
  const script = "const m = await import('webgpu'); const a = await m.create([]).requestAdapter(); process.stdout.write(a?.info?.architecture ?? '');";
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  return { architecture: r.stdout.trim(), stderrLines: r.stderr.split('\n').map((l) => l.trim()).filter(Boolean) };
}

const DAWN_WARNING = /^Warning: |artificially reduced|Vulkan|dawn/im;

describe.runIf(need('webgpuAdapter', import.meta.url))('the automatic WebGPU probe is quiet', { timeout: 300_000 }, () => {
  it('whittle bench on a job that tries a GPU first prints no Dawn warning on stderr when the adapter is a software one', async () => {
    const args = ['--hidden', '4096,4096', '--batch', '64', '--steps', '1'];
    // the job does look for a GPU first (else nothing would probe and the test would prove nothing)
    expect(backendPolicy(BenchSpec.parse({ kind: 'bench', hidden: [4096, 4096], batch: 64, steps: 1 }))).toBe('gpu-first');
    const dawn = dawnDirectly();
    const r = await whittle(['bench', ...args, '--json', '--home', tmpHome()], { WHITTLE_BACKEND: '', WHITTLE_WEBGPU_SOFTWARE: '' });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { status: string; backend: string };
    expect(out.status).toBe('done');
    if (dawn.architecture !== 'software') {
      // a hardware GPU: the job runs on it, and what Dawn prints then belongs to the backend in use
      expect(out.backend).toBe('webgpu');
      return;
    }
    expect(out.backend).not.toBe('webgpu'); // a software adapter is never chosen automatically
    // lavapipe: a direct lookup prints Dawn's warnings here (the oracle that they exist); the CLI shows none
    if (dawn.stderrLines.length === 0) console.log('note: Dawn printed nothing in a direct lookup on this machine; only the pattern is checked');
    for (const line of dawn.stderrLines) expect(r.stderr, 'a line Dawn prints in a direct lookup').not.toContain(line);
    expect(r.stderr).not.toMatch(DAWN_WARNING);
  });
});
