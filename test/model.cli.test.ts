// `whittle model import|generate` as subprocesses: a PyTorch-written checkpoint imported as a run
// (summary, show, generate matching PyTorch's greedy tokens), and every kind of bad folder refused
// with its reason on stderr, exit 2, and no run row or run folder left behind.
import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { whittle as run } from './helpers/cli';
import { copyHfFixture, hfFixture } from './helpers/hfFixtures';
import { need } from './helpers/prereqs';
import { tmpHome } from './helpers/tmp';

const whittle = (args: string[]) => run(args, { WHITTLE_BACKEND: 'cpu' });
/** The last JSON object on stdout (train-style --json output ends with one). */
const lastJson = (stdout: string) => JSON.parse(stdout.slice(stdout.lastIndexOf('\n{') + 1));

describe.runIf(need('torch', import.meta.url))('whittle model', () => {
  const home = tmpHome();

  it('imports a checkpoint as a run, shows its shape, and continues a prompt as PyTorch does', async () => {
    const { dir, ref } = hfFixture('gpt2');
    const imp = await whittle(['model', 'import', dir, '--name', 'tiny-gpt2', '--home', home, '--json']);
    expect(imp.code, imp.stderr).toBe(0);
    const out = lastJson(imp.stdout);
    expect(out).toMatchObject({ name: 'tiny-gpt2', status: 'done', summary: { architecture: 'GPT2LMHeadModel', layers: 2, dtype: 'F32' } });
    expect(out.summary.bytesRead).toBeGreaterThan(0);
    const runId = out.runId as string;

    const show = await whittle(['show', runId, '--home', home]);
    expect(show.code, show.stderr).toBe(0);
    for (const label of ['Architecture', 'Layers', 'Model width', 'Attention heads', 'Key/value heads', 'MLP width', 'Vocabulary size', 'Parameters', 'Bytes read']) {
      expect(show.stdout).toContain(label);
    }
    expect(show.stdout).toMatch(/model\.safetensors/);

    // the prompt whose tokens are PyTorch's reference input
    const cfgFile = path.join(dir, 'tokenizer_config.json');
    const tok = new Tokenizer(JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')), fs.existsSync(cfgFile) ? JSON.parse(fs.readFileSync(cfgFile, 'utf8')) : {});
    const prompt = tok.decode(ref.ids);
    expect(tok.encode(prompt).ids).toEqual(ref.ids);
    const gen = await whittle(['model', 'generate', runId, '--prompt', prompt, '--tokens', String(ref.greedy.length), '--home', home, '--json']);
    expect(gen.code, gen.stderr).toBe(0);
    const g = JSON.parse(gen.stdout);
    const eos = ref.greedy.indexOf(ref.eos_id);
    expect(g.ids).toEqual(eos < 0 ? ref.greedy : ref.greedy.slice(0, eos));
    expect(g.promptTokens).toBe(ref.ids.length);
    expect(g.text.startsWith(prompt)).toBe(true);

    const plain = await whittle(['model', 'generate', runId, '--prompt', 'The', '--tokens', '3', '--home', home]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout.startsWith('The')).toBe(true);
    expect(plain.stderr).toMatch(/ms per token/);
  }, 300_000);

  it('refuses bad folders with the reason, exit 2, and nothing registered', async () => {
    const base = path.join(home, 'bad');
    const cases: [string, (dir: string) => void, RegExp][] = [
      ['missing-key', (d) => editJson(path.join(d, 'config.json'), (c) => { delete c.n_layer; }), /config\.json: missing key 'n_layer'/],
      ['architecture', (d) => editJson(path.join(d, 'config.json'), (c) => { c.architectures = ['T5ForConditionalGeneration']; }), /architecture 'T5ForConditionalGeneration' is not supported; supported architectures: GPT2LMHeadModel/],
      ['activation', (d) => editJson(path.join(d, 'config.json'), (c) => { c.activation_function = 'mish'; }), /activation_function = "mish" is not supported/],
      ['shape', (d) => editJson(path.join(d, 'config.json'), (c) => { c.n_inner = 40; }), /tensor h\.0\.mlp\.c_fc\.weight has shape \[16, \d+\], config\.json implies \[16, 40\]/],
      ['missing-tensor', (d) => editJson(path.join(d, 'config.json'), (c) => { c.n_layer = 3; }), /tensor h\.2\.ln_1\.weight is missing/],
      ['truncated', (d) => { const f = path.join(d, 'model.safetensors'); fs.truncateSync(f, fs.statSync(f).size - 100); }, /model\.safetensors: truncated: tensor \S+ data ends at byte \d+, but the file has \d+ bytes/],
      ['corrupt', (d) => { const f = path.join(d, 'model.safetensors'); const b = fs.readFileSync(f); b.write('#', 8); fs.writeFileSync(f, b); }, /model\.safetensors: corrupt: the header at bytes 8\.\.\d+ is not valid JSON/],
      ['no-tokenizer', (d) => fs.rmSync(path.join(d, 'tokenizer.json')), /no tokenizer\.json/],
      ['no-weights', (d) => fs.rmSync(path.join(d, 'model.safetensors')), /no model\.safetensors/],
    ];
    const results = await Promise.all(cases.map(async ([name, breakIt]) => {
      const dir = copyHfFixture('gpt2', path.join(base, name));
      breakIt(dir);
      return whittle(['model', 'import', dir, '--name', name, '--home', home]);
    }));
    results.forEach((r, i) => {
      const [name, , reason] = cases[i];
      expect(r.code, `${name}: ${r.stderr}`).toBe(2);
      expect(r.stderr, name).toMatch(reason);
      expect(r.stderr, name).not.toMatch(/\n\s+at /); // a reason, not a stack trace
    });
    const runs = await whittle(['runs', '--home', home, '--json']);
    const names = (JSON.parse(runs.stdout) as { name: string }[]).map((r) => r.name);
    expect(names.filter((n) => cases.some(([c]) => c === n))).toEqual([]);
    const folders = fs.existsSync(path.join(home, 'runs')) ? fs.readdirSync(path.join(home, 'runs')) : [];
    expect(folders.length).toBe(names.length);
  }, 300_000);

  it('explains usage', async () => {
    const help = await whittle(['model', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/whittle model import DIR --name NAME \| generate RUN --prompt TEXT \[--tokens N\]/);
    const none = await whittle(['model', 'import', '--home', home]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/expects the checkpoint folder/);
    const noRun = await whittle(['model', 'generate', 'r-nope', '--prompt', 'x', '--home', home]);
    expect(noRun.code).toBe(2);
    expect(noRun.stderr).toMatch(/run 'r-nope' not found/);
  }, 120_000);
});

function editJson(file: string, edit: (j: Record<string, unknown>) => void): void {
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(j);
  fs.writeFileSync(file, JSON.stringify(j));
}
