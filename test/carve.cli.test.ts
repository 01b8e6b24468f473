// `whittle study --recipe lm-carve-tiny` as the README gives it: a tiny Hugging Face checkpoint
// imported with `whittle model import`, two text domains with `whittle text import`, then the carve
// study from the imported model through the scheduler and worker threads: the general model
// evaluated, pruning + recovery, a scratch model of the pruned shape, the relearn runs, and the
// summary the GUI reads (frontier, per-domain losses, relearn).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { whittle } from './helpers/cli';
import { writeTinyFolder } from './helpers/hfTiny';
import { writeTwoDomains } from './helpers/textDomains';
import { tmpHome } from './helpers/tmp';

describe('whittle study --recipe lm-carve-tiny', () => {
  const home = tmpHome();

  it('carves a narrow model out of an imported checkpoint', async () => {
    const model = writeTinyFolder(path.join(home, 'hf', 'tiny-llama'), 'llama');
    const imp = await whittle(['model', 'import', model, '--name', 'tiny', '--home', home, '--json']);
    expect(imp.code, imp.stderr).toBe(0);
    const imported = JSON.parse(imp.stdout).runId as string;
    for (const src of Object.values(writeTwoDomains(home))) {
      const t = await whittle(['text', 'import', src, '--home', home, '--val-fraction', '0.2', '--json']);
      expect(t.code, t.stderr).toBe(0);
    }
    const st = await whittle(['study', '--recipe', 'lm-carve-tiny', '--set', `source.run=${imported}`, '--home', home, '--json']);
    expect(st.code, st.stderr).toBe(0);
    const out = JSON.parse(st.stdout);
    expect(out.status).toBe('done');
    expect(out.runs.map((r: { key: string }) => r.key).sort()).toEqual(['attribution/mlp0.5', 'general', 'relearn/attribution/mlp0.5', 'relearn/general', 'scratch/mlp0.5']);
    const s = out.summary;
    expect(s.frontier.attribution[0]).toMatchObject({ size: '50% MLP', sizeLabel: 'mlp0.5', status: 'done' });
    expect(s.frontier.attribution[0].params).toBeLessThan(s.frontier.scratch[0].params + 1); // same shape, counted alike
    expect(s.domains.map((d: { domain: string; role: string }) => [d.domain, d.role])).toEqual([['python', 'keep'], ['prose', 'remove']]);
    for (const d of s.domains) expect(d.general).toBeGreaterThan(0);
    expect(s.domains[0].byRun['attribution/mlp0.5']).toBeGreaterThan(0);
    expect(s.relearn).toHaveLength(1);
    expect(s.relearn[0]).toMatchObject({ method: 'attribution', size: 'mlp0.5', domain: 'prose' });
    expect(s.relearn[0].after).toBeGreaterThan(0);
    expect(s.relearn[0].generalAfter).toBeGreaterThan(0);

    // without the source run the recipe says what to give
    const bad = await whittle(['study', '--recipe', 'lm-carve-tiny', '--home', home]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no run 'IMPORTED_RUN'/);
  }, 300_000);
});
