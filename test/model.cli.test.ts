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

const HOME = tmpHome();
const home = () => HOME;

describe.runIf(need('torch', import.meta.url))('whittle model', () => {
  const home = HOME;

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

    expect(await generatesAsPyTorch('gpt2', runId)).toBe(true);
    const plain = await whittle(['model', 'generate', runId, '--prompt', 'The', '--tokens', '3', '--home', home]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout.startsWith('The')).toBe(true);
    expect(plain.stderr).toMatch(/ms per token/);

    // a run like any other: rm takes it with its model
    expect(fs.existsSync(path.join(home, 'runs', runId, 'model.safetensors'))).toBe(true);
    const rm = await whittle(['rm', runId, '--now', '--home', home]);
    expect(rm.code, rm.stderr).toBe(0);
    expect(fs.existsSync(path.join(home, 'runs', runId))).toBe(false);
  }, 300_000);

  it('imports Llama-family checkpoints (Qwen2 biases, untied Llama 3 rotary, sharded, SmolLM) that generate as PyTorch does', async () => {
    const names = ['qwen2', 'llama-untied-rope3', 'llama-sharded', 'smollm'] as const;
    const ends = await Promise.all(names.map((n) => whittle(['model', 'import', hfFixture(n).dir, '--name', n, '--home', home, '--json'])));
    const ids = ends.map((e, i) => {
      expect(e.code, `${names[i]}: ${e.stderr}`).toBe(0);
      return lastJson(e.stdout).runId as string;
    });
    for (let i = 0; i < names.length; i++) expect(await generatesAsPyTorch(names[i], ids[i]), names[i]).toBe(true);
  }, 300_000);

  it('generates greedily with a model trained here, the tokens full-forward sampling picks', async () => {
    const src = path.join(home, 'src', 'prose');
    fs.mkdirSync(src, { recursive: true });
    for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(src, `f${i}.txt`), 'the cat sat on the mat. '.repeat(20 + i));
    const imp = await whittle(['text', 'import', src, '--home', home, '--json']);
    expect(imp.code, imp.stderr).toBe(0);
    const recipe = path.join(home, 'lm.json');
    fs.writeFileSync(recipe, JSON.stringify({ name: 'tiny-lm', kind: 'run', spec: {
      kind: 'lm', task: { suite: 'text', domains: ['prose'], context: 16 },
      model: { arch: 'transformer', layers: 1, dModel: 16, heads: 2, mlpWidth: 16, context: 16 },
      mixture: [{ skill: 'prose', perStep: 4 }], steps: 30, eval: { every: 30, windows: 2 }, schedule: { warmup: 1 }, optimizer: { lr: 0.01 },
    } }));
    const train = await whittle(['train', '--recipe', recipe, '--home', home, '--json']);
    expect(train.code, train.stderr).toBe(0);
    const runId = lastJson(train.stdout).runId as string;
    const [gen, sample] = await Promise.all([
      whittle(['model', 'generate', runId, '--prompt', 'the c', '--tokens', '8', '--home', home, '--json']),
      whittle(['text', 'sample', runId, '--prompt', 'the c', '--tokens', '8', '--temperature', '0', '--home', home, '--json']),
    ]);
    expect(gen.code, gen.stderr).toBe(0);
    const g = JSON.parse(gen.stdout);
    expect(g.ids.length).toBe(8);
    expect(g.promptTokens).toBe(5);
    expect(g.text).toBe(lastJson(sample.stdout).text);
  }, 300_000);

  it('an imported model is the source of a pruning run and the teacher of a distillation run', async () => {
    const src = path.join(home, 'src', 'words');
    fs.mkdirSync(src, { recursive: true });
    for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(src, `f${i}.txt`), 'a dog ran to the red barn. '.repeat(20 + i));
    const [corpus, q, g] = await Promise.all([
      whittle(['text', 'import', src, '--home', home, '--json']),
      whittle(['model', 'import', hfFixture('qwen2').dir, '--name', 'q-source', '--home', home, '--json']),
      whittle(['model', 'import', hfFixture('gpt2').dir, '--name', 'g-teacher', '--home', home, '--json']),
    ]);
    for (const r of [corpus, q, g]) expect(r.code, r.stderr).toBe(0);
    const common = { task: { suite: 'text', domains: ['words'], context: 16 }, mixture: [{ skill: 'words', perStep: 4 }], steps: 4, eval: { every: 2, windows: 2 }, schedule: { warmup: 1 } };
    const recipes = {
      prune: { kind: 'lm', method: 'prune', inputs: { source: lastJson(q.stdout).runId }, prune: { keep: 48 }, ...common },
      distill: { kind: 'lm', method: 'distill', inputs: { teacher: lastJson(g.stdout).runId }, model: { arch: 'transformer', layers: 1, dModel: 16, heads: 2, mlpWidth: 16, context: 16 }, ...common },
    };
    const runs = await Promise.all(Object.entries(recipes).map(([name, spec]) => {
      const file = path.join(home, `${name}.json`);
      fs.writeFileSync(file, JSON.stringify({ name, kind: 'run', spec }));
      return whittle(['train', '--recipe', file, '--home', home, '--json']);
    }));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const [pruned, distilled] = runs.map((r) => lastJson(r.stdout));
    expect(pruned).toMatchObject({ status: 'done', summary: { method: 'prune', neurons: 48, vocab: 320 } });
    expect(pruned.summary.losses.words).toBeGreaterThan(0);
    expect(distilled).toMatchObject({ status: 'done', summary: { method: 'distill', vocab: 320 } });
  }, 300_000);

  it('refuses bad folders with the reason, exit 2, and nothing registered', async () => {
    const base = path.join(home, 'bad');
    const runFolders = () => (fs.existsSync(path.join(home, 'runs')) ? fs.readdirSync(path.join(home, 'runs')).sort() : []);
    const before = { folders: runFolders(), runs: (JSON.parse((await whittle(['runs', '--home', home, '--json'])).stdout) as unknown[]).length };
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
    expect(names.length).toBe(before.runs);
    expect(runFolders()).toEqual(before.folders);
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

/** Generate from the prompt whose tokens are PyTorch's reference input: the same greedy tokens? */
async function generatesAsPyTorch(name: Parameters<typeof hfFixture>[0], runId: string): Promise<boolean> {
  const { dir, ref } = hfFixture(name);
  const cfgFile = path.join(dir, 'tokenizer_config.json');
  const tok = new Tokenizer(JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')), fs.existsSync(cfgFile) ? JSON.parse(fs.readFileSync(cfgFile, 'utf8')) : {});
  const prompt = tok.decode(ref.ids);
  expect(tok.encode(prompt).ids, name).toEqual(ref.ids);
  const gen = await whittle(['model', 'generate', runId, '--prompt', prompt, '--tokens', String(ref.greedy.length), '--home', home(), '--json']);
  expect(gen.code, `${name}: ${gen.stderr}`).toBe(0);
  const g = JSON.parse(gen.stdout);
  const eos = ref.greedy.indexOf(ref.eos_id);
  expect(g.ids, name).toEqual(eos < 0 ? ref.greedy : ref.greedy.slice(0, eos));
  expect(g.promptTokens, name).toBe(ref.ids.length);
  expect(g.text.startsWith(prompt), name).toBe(true);
  return true;
}

function editJson(file: string, edit: (j: Record<string, unknown>) => void): void {
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(j);
  fs.writeFileSync(file, JSON.stringify(j));
}
