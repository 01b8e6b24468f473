// `whittle text …` and an lm run as subprocesses: a real corpus import through the scheduler and a
// worker thread, the registry after it, bad input that names the corpus, and a tiny language model
// trained from a recipe file on the imported domain.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { whittle as run } from './helpers/cli';
import { tmpHome } from './helpers/tmp';


const whittle = (args: string[]) => run(args, { WHITTLE_BACKEND: 'cpu' });

describe('whittle text', () => {
  const home = tmpHome();

  it('imports and shows a corpus; bad input is explained', async () => {
    const src = path.join(home, 'src', 'code');
    fs.mkdirSync(path.join(src, 'pkg'), { recursive: true });
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(src, 'pkg', `m${i}.py`), `def f${i}(x):\n    return x + ${i}\n`.repeat(10));
    fs.writeFileSync(path.join(src, 'blob.bin'), Buffer.from([0, 1, 2, 3]));
    const imp = await whittle(['text', 'import', src, '--home', home, '--include', '**/*.py', '--val-fraction', '0.2', '--json']);
    expect(imp.code, imp.stderr).toBe(0);
    const out = JSON.parse(imp.stdout);
    expect(out.status).toBe('done');
    expect(out.corpus).toMatchObject({ name: 'code', kind: 'text', split: 'documents' });
    expect(out.corpus.files.train + out.corpus.files.val).toBe(20);

    const empty = path.join(home, 'src', 'empty');
    fs.mkdirSync(empty);
    const [again, bad] = await Promise.all([whittle(['text', 'import', src, '--home', home]), whittle(['text', 'import', empty, '--home', home])]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/corpus 'code' already exists/);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/corpus 'empty': no text files found.*nothing was registered/s);

    const show = await whittle(['text', 'show', 'code', '--home', home]);
    expect(show.stdout).toMatch(/split: by document/);
  }, 300_000);

  it('trains a tiny lm on the imported domain, samples from it, and removes the corpus', async () => {

    const recipe = path.join(home, 'lm.json');
    fs.writeFileSync(recipe, JSON.stringify({ name: 'tiny-lm', kind: 'run', spec: {
      kind: 'lm', task: { suite: 'text', domains: ['code'], context: 8 },
      model: { arch: 'transformer', layers: 1, dModel: 8, heads: 2, mlpWidth: 8, context: 8 },
      mixture: [{ skill: 'code', perStep: 2 }], steps: 4, eval: { every: 2, windows: 2 }, schedule: { warmup: 1 },
    } }));
    const train = await whittle(['train', '--recipe', recipe, '--home', home, '--json']);
    expect(train.code, train.stderr).toBe(0);
    const t = JSON.parse(train.stdout);
    expect(t.status).toBe('done');
    expect(t.summary).toMatchObject({ method: 'train', steps: 4, tokens: 4 * 2 * 8, neurons: 8 });

    const sample = await whittle(['text', 'sample', t.runId, '--prompt', 'def f', '--tokens', '12', '--home', home, '--json']);
    expect(sample.code, sample.stderr).toBe(0);
    const text = JSON.parse(sample.stdout).text as string;
    expect(text.startsWith('def f')).toBe(true);
    expect(Buffer.byteLength(text)).toBeGreaterThanOrEqual(5);

    const rm = await whittle(['text', 'rm', 'code', '--home', home]);
    expect(rm.code).toBe(0);
    expect(fs.existsSync(path.join(home, 'corpora', 'code'))).toBe(false);
  }, 300_000);
});
