// Validation at the door (issue 15, items 7–9 and 13): a spec the worker cannot run, a huge one not
// confirmed, a prototype-polluting --set or a recipe with a misplaced key is a usage error (exit 2)
// naming the field, and leaves no run behind; `rm` deletes nothing unless every id is known.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/main/cli';
import { WhittleService } from '../src/main/services/api';
import { CONFIRM_CODE } from '../src/shared/transport';
import { writeIdxFolder } from '../src/worker/tasks/images/fixtures';
import { tmpHome } from './helpers/tmp';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s), tty: false });
  return { code, out, err };
}

async function runsIn(home: string): Promise<unknown[]> {
  const r = await cli(['runs', '--json', '--home', home]);
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as unknown[];
}

function recipeFile(home: string, recipe: Record<string, unknown>): string {
  const file = path.join(home, `recipe-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(recipe));
  return file;
}

const polluted = () => ['gradClip', 'x', 'polluted'].filter((k) => k in ({} as Record<string, unknown>));

afterEach(() => {
  // A failing pollution test must not poison the tests after it.
  for (const k of polluted()) delete (Object.prototype as Record<string, unknown>)[k];
});

describe('validation at the door (CLI)', { timeout: 300_000 }, () => {
  it('a spec the worker cannot run exits 2 naming the field, and no run is left behind', async () => {
    const home = tmpHome();
    const cases: [string[], RegExp][] = [
      [['--set', 'mixture.0.skill=[77]'], /spec\.mixture\[0\]\.skill: skill 77 is outside 0\.\.m-1 \(m = 6\)/],
      [['--set', 'model.hidden=[2000000000]'], /spec\.model\.hidden\[0\]: a 38×2000000000 weight matrix/],
      [['--set', 'mixture.0.perStep=1e9'], /spec\.mixture\[0\]\.perStep: a batch of 1000000750 samples/],
      [['--set', 'eval.samples=1e9'], /spec\.eval\.samples: an evaluation set/],
    ];
    for (const [sets, want] of cases) {
      const r = await cli(['train', '--recipe', 'cmsp-cpu', ...sets, '--home', home]);
      expect(r.code, sets.join(' ')).toBe(2);
      expect(r.err, sets.join(' ')).toMatch(want);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
    const bench = await cli(['bench', '--hidden', '2000000000', '--home', home]);
    expect(bench.code, bench.err).toBe(2);
    expect(bench.err).toMatch(/spec\.hidden\[0\]: a 68×2000000000 weight matrix/);
    expect(await runsIn(home)).toEqual([]);
  });

  it('a text task with an MLP model is refused naming model', async () => {
    const home = tmpHome();
    const file = recipeFile(home, { kind: 'run', spec: {
      kind: 'train', task: { suite: 'text', domains: ['prose'] }, model: { arch: 'mlp', hidden: [16] },
      mixture: [{ skill: 'prose', perStep: 4 }], steps: 10,
    } });
    const r = await cli(['train', '--recipe', file, '--home', home]);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/spec\.model: a text task trains a transformer/);
    expect(await runsIn(home)).toEqual([]);
  });

  it('an image skill the registered dataset does not have is refused at the door, not failed in the worker', async () => {
    const home = tmpHome();
    const src = path.join(home, 'src', 'four');
    writeIdxFolder(src, { train: 40, test: 20, k: 4 });
    expect((await cli(['data', 'import', src, '--home', home])).code).toBe(0);
    const before = await runsIn(home);
    const file = recipeFile(home, { kind: 'run', spec: {
      kind: 'train', task: { suite: 'images', dataset: 'four' }, model: { arch: 'mlp', hidden: [8] },
      mixture: [{ skill: 'all', perStep: 8 }], target: [7], steps: 5,
    } });
    const r = await cli(['train', '--recipe', file, '--home', home]);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/spec\.target: skill \[7\]: class 7 is outside 0\.\.3 of dataset four/);
    expect(await runsIn(home)).toEqual(before);
  });

  it('a spec estimated to need much time or memory asks for --yes, showing the estimate', async () => {
    const home = tmpHome();
    const long = await cli(['train', '--recipe', 'cmsp-cpu', '--set', 'steps=1e15', '--home', home]);
    expect(long.code, long.err).toBe(2);
    expect(long.err).toMatch(/needs confirmation.*6,786 parameters.*roughly [\d,]+ years for 1,000,000,000,000,000 steps \(more than 6\.0 h of training\).*--yes/s);
    // 400 million parameters: above the confirmation threshold, or above this machine's memory.
    const wide = await cli(['train', '--recipe', 'cmsp-cpu', '--set', 'model.hidden=[20000,20000]', '--home', home]);
    expect(wide.code, wide.err).toBe(2);
    expect(wide.err).toMatch(/400,840,002 parameters, about 6\.\d GiB of memory/);
    // A study is checked run by run before any is stored.
    const study = await cli(['study', '--recipe', 'curriculum-cpu', '--set', 'base.steps=1e15', '--home', home]);
    expect(study.code, study.err).toBe(2);
    expect(study.err).toMatch(/needs confirmation before it starts — run \S+: .*and \d+ more runs/);
    expect(await runsIn(home)).toEqual([]);
  });

  it('--set refuses prototype paths without polluting Object.prototype', async () => {
    const home = tmpHome();
    for (const set of ['__proto__.gradClip=5', 'constructor.prototype.x=1', 'model.__proto__.polluted=1', 'optimizer..lr=1']) {
      const r = await cli(['train', '--recipe', 'cmsp-cpu', '--set', set, '--home', home]);
      expect(r.code, set).toBe(2);
      expect(r.err, set).toContain(`--set ${set.slice(0, set.indexOf('='))}`);
      expect(polluted(), set).toEqual([]);
    }
    expect(await runsIn(home)).toEqual([]);
  });

  it('a recipe with an unknown top-level key is refused naming the key', async () => {
    const home = tmpHome();
    const file = recipeFile(home, { kind: 'run', steps: 10, spec: { kind: 'selftest', steps: 3, stepMs: 1 } });
    const r = await cli(['train', '--recipe', file, '--home', home]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown key 'steps'.*spec fields go inside 'spec'/);
    expect(await runsIn(home)).toEqual([]);
  });

  it('rm A nope deletes nothing and names nope', async () => {
    const home = tmpHome();
    const made = await cli(['train', '--recipe', recipeFile(home, { kind: 'run', spec: { kind: 'selftest', steps: 2, stepMs: 1 } }), '--home', home, '--json']);
    expect(made.code, made.err).toBe(0);
    const id = (JSON.parse(made.out) as { runId: string }).runId;
    const r = await cli(['rm', id, 'r-nope', '--home', home]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("run 'r-nope' not found; nothing was deleted");
    expect((await cli(['show', id, '--home', home])).code).toBe(0);
    expect((await cli(['rm', id, '--home', home])).code).toBe(0);
    expect(await runsIn(home)).toEqual([]);
  });
});

describe('validation at the door (API)', { timeout: 120_000 }, () => {
  it('createRun refuses an unconfirmed large spec with needs_confirmation, and starts it once confirmed', async () => {
    const svc = new WhittleService({ home: tmpHome(), workers: 1 });
    try {
      const spec = { ...JSON.parse(fs.readFileSync(path.resolve(__dirname, '../resources/recipes/cmsp-cpu.json'), 'utf8')).spec, steps: 1e12 };
      await expect(svc.createRun(spec)).rejects.toMatchObject({ code: CONFIRM_CODE, message: expect.stringMatching(/of training/) });
      expect(await svc.listRuns()).toEqual([]);
      const run = await svc.createRun(spec, { confirmed: true });
      expect(run.status).toMatch(/queued|running/);
      await svc.cancelRun(run.id);
      expect((await svc.waitForRun(run.id)).status).toBe('cancelled');
    } finally {
      await svc.close();
    }
  });
});
