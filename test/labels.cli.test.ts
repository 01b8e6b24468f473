// `whittle metrics` and `whittle show` print labels and units from the contract (#16 item 3).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { whittle } from './helpers/cli';
import { tmpHome } from './helpers/tmp';

describe('CLI labels and units', { timeout: 300_000 }, () => {
  it('metrics has METRIC and UNIT columns; show labels summary keys in words', async () => {
    const home = tmpHome();
    const file = path.join(home, 'train.json');
    fs.writeFileSync(file, JSON.stringify({ kind: 'run', spec: {
      kind: 'train', task: { suite: 'cmsp', m: 4, n: 8, k: 2 }, model: { arch: 'mlp', hidden: [8] },
      mixture: [{ skill: [0], perStep: 16 }], target: [0], steps: 10, eval: { every: 5, samples: 50 },
    } }));
    const r = await whittle(['train', '--recipe', file, '--home', home, '--json']);
    expect(r.code).toBe(0);
    const { runId } = JSON.parse(r.stdout);
    const metrics = (await whittle(['metrics', runId, '--key', 'loss/[0]', '--home', home])).stdout;
    expect(metrics.split('\n')[0]).toMatch(/^KEY\s+METRIC\s+STEP\s+SAMPLES\s+VALUE\s+UNIT/);
    expect(metrics).toMatch(/loss\/\[0\]\s+Loss · \[0\]\s+5\s+80\s+[\d.]+\s+bits/);
    const show = (await whittle(['show', runId, '--home', home])).stdout;
    expect(show).toContain('Final loss (bits) [finalLossBits]:');
    expect(show).toContain('Steps to learn [stepsToLearn]:');
  });
});
