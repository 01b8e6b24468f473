// The decoder benchmark's harness (bench/decoder/, `npm run bench -- --suites decoder`) on a tiny
// Llama-shaped checkpoint: the same code path as the SmolLM-135M-shaped run, in seconds. Checks that
// both sides report import, forward, generation and memory figures, and that Whittle's logits and
// greedy tokens match PyTorch's on the same folder.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { need, REPO } from './helpers/prereqs';

describe.runIf(need('torch', import.meta.url))('bench: decoder suite (tiny model)', () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-bench-decoder-test-'));
  afterAll(() => fs.rmSync(cache, { recursive: true, force: true }));

  it('imports, runs and generates on both sides, with matching logits', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--suites', 'decoder', '--decoder-size', 'tiny',
      '--backends', 'wasm,cpu', '--threads', '1', '--decoder-rounds', '1', '--cache', cache],
    { cwd: REPO, encoding: 'utf8', timeout: 230_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.machine.loadavgBefore).toHaveLength(3);
    const d = out.decoder;
    expect(d.error, d.error).toBeUndefined();
    expect(d.model.params).toBe(2 * (64 * 64 * 2 + 64 * 32 * 2 + 3 * 64 * 128 + 2 * 64) + 512 * 64 + 64);
    const s = d.summary.threads1;
    for (const side of [s.whittle, s.torch]) {
      expect(side.forwardTokensPerSec).toBeGreaterThan(0);
      expect(side.generateTokensPerSec).toBeGreaterThan(0);
      expect(side.peakRssMB).toBeGreaterThan(0);
    }
    expect(s.whittle.importS).toBeGreaterThan(0);
    expect(s.ratios.forward).toBeGreaterThan(0);
    expect(s.logitsMaxRelDiff).toBeLessThan(1e-4);
    expect(s.greedyTokensAgree).toBe(d.workload.newTokens);
    expect(s.memory.targetMB).toBeCloseTo(2 * d.model.params * 4 / 2 ** 20, 0);
    // every stage of Whittle's memory is recorded
    expect(d.pairs[0].whittle.memory.stages.map((x: { stage: string }) => x.stage)).toContain('after generation');
    expect(d.summary.otherBackends.cpu.logitsMaxRelDiff).toBeLessThan(1e-4);
    // BF16 import on both sides
    expect(d.bf16Import.whittle.dtype).toBe('BF16');
    expect(d.bf16Import.torch.dtypes).toEqual(['BF16']);
  }, 240_000); // seconds on an idle machine; children start slower on a loaded one
});
