// #15 item 15: a valid spec shorter than its intervals must finish. `whittle train --recipe
// lm-general-cpu --set steps=20` (eval.every 100, checkpointEvery 500) used to train to 20/20 and
// then die on "SqliteError: NOT NULL constraint failed: metrics.value", leaving the run interrupted.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { whittle } from './helpers/cli';
import { tmpHome } from './helpers/tmp';

/** Small stand-ins for the recipe's 'python' and 'prose' domains (the recipe imports real ones). */
function writeDomain(dir: string, line: (file: number, i: number) => string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (let f = 0; f < 12; f++) fs.writeFileSync(path.join(dir, `f${f}.txt`), Array.from({ length: 60 }, (_, i) => line(f, i)).join('\n'));
}

describe('short runs through the CLI', () => {
  it('lm-general-cpu with steps=20 (below eval.every) ends done with finite metrics', async () => {
    const home = tmpHome();
    const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'dog', 'ran', 'far'];
    writeDomain(path.join(home, 'src', 'python'), (f, i) => `def f${i}(x):\n    return x * ${(f * 7 + i) % 10} + ${i}`);
    writeDomain(path.join(home, 'src', 'prose'), (f, i) => Array.from({ length: 10 }, (_, j) => words[(f * 31 + i * 7 + j * 3) % words.length]).join(' ') + '.');
    for (const d of ['python', 'prose']) {
      const imp = await whittle(['text', 'import', path.join(home, 'src', d), '--name', d, '--val-fraction', '0.2', '--home', home]);
      expect(imp.code, imp.stderr).toBe(0);
    }
    const train = await whittle(['train', '--recipe', 'lm-general-cpu', '--set', 'steps=20', '--home', home, '--json']);
    expect(train.stderr).not.toMatch(/SqliteError|NOT NULL/);
    expect(train.code, train.stderr).toBe(0);
    const out = JSON.parse(train.stdout);
    expect(out).toMatchObject({ status: 'done', summary: { method: 'train', steps: 20 } });

    const m = await whittle(['metrics', out.runId, '--home', home, '--json']);
    expect(m.code, m.stderr).toBe(0);
    const series = JSON.parse(m.stdout).series as Record<string, { step: number; value: number }[]>;
    expect(series['train/loss'].map((p) => p.step)).toEqual([20]);
    for (const [key, points] of Object.entries(series)) for (const p of points) expect(Number.isFinite(p.value), `${key}@${p.step}`).toBe(true);
    const runs = await whittle(['runs', '--home', home, '--json']);
    expect(JSON.parse(runs.stdout).filter((r: { status: string }) => r.status !== 'done')).toEqual([]);
  }, 600_000);
});
