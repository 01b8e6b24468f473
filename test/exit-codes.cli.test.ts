// Exit codes as `whittle --help` documents them, for every command family: 0 success, 1 a run
// failed or was cancelled (or the command could not finish), 2 bad usage or bad input — an import
// rejected for its content is bad input, with the message naming the file.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/main/cli';
import { writeIdxFolder } from '../src/worker/tasks/images/fixtures';
import { whittle } from './helpers/cli';
import { tmpHome } from './helpers/tmp';

/** Runs the CLI in-process (same entry point as the binary) and returns its exit code and output. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s), tty: false });
  return { code, out, err };
}

function selftestRecipe(home: string, spec: Record<string, unknown>): string {
  const file = path.join(home, `recipe-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify({ kind: 'run', spec: { kind: 'selftest', stepMs: 1, ...spec } }));
  return file;
}

describe('exit codes', { timeout: 300_000 }, () => {
  it('documents them in the top-level help', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Exit codes: 0 success, 1 a run failed or was cancelled.*2 bad usage or bad input/s);
  });

  it('train / study / demo: 0 done, 1 failed, 2 bad usage or spec', async () => {
    const home = tmpHome();
    expect((await cli(['train', '--recipe', selftestRecipe(home, { steps: 5 }), '--home', home])).code).toBe(0);
    const failed = await cli(['train', '--recipe', selftestRecipe(home, { steps: 5, fail: 'throw', failAt: 2 }), '--home', home]);
    expect(failed.code).toBe(1);
    expect((await cli(['train', '--recipe', 'no-such-recipe', '--home', home])).code).toBe(2);
    expect((await cli(['train', '--recipe', selftestRecipe(home, { steps: 'many' }), '--home', home])).code).toBe(2);
    expect((await cli(['study', '--recipe', 'no-such-recipe', '--home', home])).code).toBe(2);
    expect((await cli(['demo', '--set', 'no.such.field=1', '--home', home])).code).toBe(2);
    expect((await cli(['report', 's-nope', '--home', home])).code).toBe(2);
  });

  it('runs / show / metrics / cancel / resume / rm: 0 on a known run, 2 on an unknown one or a bad option', async () => {
    const home = tmpHome();
    const made = await cli(['train', '--recipe', selftestRecipe(home, { steps: 3 }), '--home', home, '--json']);
    expect(made.code).toBe(0);
    const id = (JSON.parse(made.out) as { runId: string }).runId;
    expect(id).toMatch(/^r/);
    for (const c of ['runs', 'show', 'metrics']) expect((await cli(c === 'runs' ? [c, '--home', home] : [c, id, '--home', home])).code, c).toBe(0);
    expect((await cli(['runs', '--status', 'sideways', '--home', home])).code).toBe(2);
    for (const c of ['show', 'metrics', 'cancel', 'resume', 'rm']) {
      const r = await cli([c, 'r-nope', '--home', home]);
      expect(r.code, c).toBe(2);
      expect(r.err, c).toContain("run 'r-nope' not found");
    }
    expect((await cli(['rm', id, '--home', home])).code).toBe(0);
  });

  it('data import: a corrupt file is bad input (2), named with its byte offset; nothing is registered', async () => {
    const home = tmpHome();
    const src = path.join(home, 'src', 'digits');
    writeIdxFolder(src, { train: 40, test: 20, k: 4 });
    // Cut the training images short: the header promises 40 images of 4×3.
    const images = path.join(src, 'train-images-idx3-ubyte');
    fs.truncateSync(images, 16 + 4 * 3 * 10 + 5);
    const r = await whittle(['data', 'import', src, '--home', home]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('train-images-idx3-ubyte');
    expect(r.stderr).toMatch(/byte offset \d+/);
    expect(JSON.parse((await whittle(['data', 'ls', '--home', home, '--json'])).stdout)).toEqual([]);
    expect((await cli(['data', 'show', 'nope', '--home', home])).code).toBe(2);
    expect((await cli(['data', 'frob', '--home', home])).code).toBe(2);
  });

  it('text import: a folder with no text in it is bad input (2)', async () => {
    const home = tmpHome();
    const empty = path.join(home, 'nothing-here');
    fs.mkdirSync(empty);
    fs.writeFileSync(path.join(empty, 'blob.bin'), Buffer.from([0, 1, 2, 3, 0, 255]));
    const r = await cli(['text', 'import', empty, '--home', home]);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/no text files found in .*nothing-here/);
    expect((await cli(['text', 'show', 'nope', '--home', home])).code).toBe(2);
  });

  it('export: an unknown run or an out-of-range option is bad usage (2), named, without a stack trace', async () => {
    const home = tmpHome();
    const out = path.join(home, 'out');
    expect((await cli(['export', 'r-nope', '--out', out, '--home', home])).code).toBe(2);
    expect((await cli(['export', '--home', home])).code).toBe(2);
    // A finished run with a model, so the options themselves are what is checked.
    const train = await cli(['train', '--recipe', 'cmsp-cpu', '--set', 'steps=20', '--set', 'model.hidden=[8]', '--home', home, '--json']);
    expect(train.code, train.err).toBe(0);
    const id = (JSON.parse(train.out) as { runId: string }).runId;
    const r = await cli(['export', id, '--out', out, '--opset', '99', '--home', home]);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/onnxOpset/);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('serve / bench / recipes: bad options are usage errors (2); a port in use is a failure (1) that says so', async () => {
    const home = tmpHome();
    for (const p of ['70000', '80.5']) {
      const r = await cli(['serve', '--port', p, '--home', home]);
      expect(r.code, p).toBe(2);
      expect(r.err, p).toMatch(/--port/);
    }
    expect((await cli(['serve', '--port', '-1', '--home', home])).code).toBe(2);
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
    try {
      const port = (busy.address() as net.AddressInfo).port;
      const r = await cli(['serve', '--port', String(port), '--home', home]);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`port ${port} on 127.0.0.1 is in use`);
    } finally {
      busy.close();
    }
    expect((await cli(['bench', '--batch', 'lots', '--home', home])).code).toBe(2);
    expect((await cli(['recipes', '--home', home])).code).toBe(0);
    expect((await cli(['recipes', 'extra', '--home', home])).code).toBe(2);
  });
});
