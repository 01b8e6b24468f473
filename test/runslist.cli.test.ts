// `whittle tag`, `whittle note` and `whittle runs --search/--tag/--kind`, as a user types them.
import { describe, expect, it } from 'vitest';
import type { RunRow } from '../src/shared/api';
import { main } from '../src/main/cli';
import { Store } from '../src/main/services/store';
import { whittle } from './helpers/cli';
import { tmpHome } from './helpers/tmp';

const spec = { kind: 'selftest', seed: 0, steps: 10, stepMs: 0, checkpointEvery: 5, failAt: 0 } as const;

/** A data folder holding two finished runs (r1 tagged `draft`). */
function seededHome(): string {
  const home = tmpHome();
  const s = new Store(home);
  s.insertRun({ id: 'r1', name: 'mnist baseline', spec });
  s.insertRun({ id: 'r2', name: 'parity wide', spec });
  for (const id of ['r1', 'r2']) s.updateRun(id, { status: 'done' });
  s.annotateRun('r1', { addTags: ['draft'] });
  s.close();
  return home;
}

async function inProcess(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s), tty: false });
  return { code, out, err };
}

describe('whittle tag / note / runs --search', { timeout: 120_000 }, () => {
  it('tags with +TAG/-TAG, notes, and finds the run by tag and by words in its notes (subprocess)', async () => {
    const home = seededHome();
    const tagged = await whittle(['tag', 'r1', '+baseline', '-draft', 'lr:3e-4', '--home', home]);
    expect(tagged.stderr).toBe('');
    expect(tagged.code).toBe(0);
    expect(tagged.stdout).toBe('r1: baseline lr:3e-4\n');
    const noted = await whittle(['note', 'r1', 'the reference run; compare against it', '--home', home]);
    expect(noted.code).toBe(0);
    const found = await whittle(['runs', '--tag', 'baseline', '--search', 'reference', '--home', home, '--json']);
    expect(found.code).toBe(0);
    const runs = JSON.parse(found.stdout) as RunRow[];
    expect(runs.map((r) => [r.id, r.tags, r.notes])).toEqual([['r1', ['baseline', 'lr:3e-4'], 'the reference run; compare against it']]);
  });

  it('lists, clears, filters by kind, and shows tags in the table and in show', async () => {
    const home = seededHome();
    expect(await inProcess(['tag', 'r1', '--home', home])).toMatchObject({ code: 0, out: 'r1: draft\n' });
    expect(await inProcess(['tag', 'r2', '+x', '+y', '-x', '--home', home])).toMatchObject({ code: 0, out: 'r2: y\n' });
    expect((await inProcess(['note', 'r2', 'hello', '--home', home])).code).toBe(0);
    expect(await inProcess(['note', 'r2', '--home', home])).toMatchObject({ code: 0, out: 'hello\n' });
    const table = await inProcess(['runs', '--home', home]);
    expect(table.out).toMatch(/^ID\s+NAME\s+KIND\s+STATUS\s+PROGRESS\s+CREATED\s+TAGS$/m);
    expect(table.out).toMatch(/^r1 .* draft$/m);
    expect((await inProcess(['show', 'r2', '--home', home])).out).toMatch(/^tags: y\nnotes: hello\n/m);
    expect((await inProcess(['note', 'r2', '--clear', '--home', home])).code).toBe(0);
    expect(await inProcess(['note', 'r2', '--home', home])).toMatchObject({ code: 0, out: 'r2: (no notes)\n' });
    expect(await inProcess(['runs', '--kind', 'distill', '--home', home])).toMatchObject({ code: 0, out: 'no runs match\n' });
    expect((await inProcess(['runs', '--kind', 'selftest', '--search', 'wide', '--home', home, '--json'])).out).toMatch(/"id": "r2"/);
  });

  it('rejects bad input with exit 2, naming the field, and changes nothing', async () => {
    const home = seededHome();
    const bad = await inProcess(['tag', 'r1', '+has space', '--home', home]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/addTags\[0\]: 'has space' is not a valid tag/);
    const long = await inProcess(['note', 'r1', 'n'.repeat(10_001), '--home', home]);
    expect(long.code).toBe(2);
    expect(long.err).toMatch(/notes: notes have at most 10000 characters/);
    expect((await inProcess(['note', 'r1', 'two', 'words', '--home', home])).err).toMatch(/put them in quotes/);
    expect((await inProcess(['tag', '--home', home])).code).toBe(2);
    expect((await inProcess(['tag', 'nope', '+x', '--home', home])).err).toMatch(/run 'nope' not found/);
    expect((await inProcess(['runs', '--tag', 'bad tag', '--home', home])).err).toMatch(/tags\[0\]: 'bad tag' is not a valid tag/);
    expect(await inProcess(['tag', 'r1', '--home', home])).toMatchObject({ out: 'r1: draft\n' });
    // --help still works where -WORD means "remove a tag"; options with two dashes are still options.
    expect((await inProcess(['tag', '--help'])).out).toMatch(/Usage: whittle tag RUN \[\+TAG\|-TAG \.\.\.\]/);
    expect((await inProcess(['tag', '-h'])).code).toBe(0);
    expect((await inProcess(['tag', 'r1', '--frob', '--home', home])).err).toMatch(/unknown option '--frob'/);
  });
});
