import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HF_FIXTURE_NAMES, hfFixture } from '../../../test/helpers/hfFixtures';
import { need } from '../../../test/helpers/prereqs';
import { safetensorsBytes, TINY, tinyTensors, writeTinyFolder } from '../../../test/helpers/hfTiny';
import { checkHfFolder } from './hfFolder';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-hfcheck-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (arch: 'gpt2' | 'llama', edit: Parameters<typeof writeTinyFolder>[2] = {}) => writeTinyFolder(path.join(root, `m${n++}`), arch, edit);
const refusal = (dir: string) => { try { checkHfFolder(dir); } catch (e) { return (e as Error).message; } return 'accepted'; };

describe('checkHfFolder', () => {
  it('reads the shape of a GPT-2 and a Llama folder from their headers', () => {
    const g = checkHfFolder(fresh('gpt2'));
    expect(g).toMatchObject({ architecture: 'GPT2LMHeadModel', layers: TINY.layers, dModel: TINY.d, heads: TINY.heads, kvHeads: TINY.heads, mlpWidth: TINY.mlp, vocab: TINY.vocab, tiedEmbeddings: true, activation: 'gelu_tanh', dtypes: ['F32'] });
    const { vocab: V, d, context: P, mlp: f, layers: L } = TINY;
    expect(g.params).toBe(V * d + P * d + L * (4 * d + 3 * d * d + 3 * d + d * d + d + d * f + f + f * d + d) + 2 * d);
    const l = checkHfFolder(fresh('llama', { dtype: 'BF16' }));
    expect(l).toMatchObject({ architecture: 'LlamaForCausalLM', kvHeads: TINY.kvHeads, headDim: TINY.d / TINY.heads, tiedEmbeddings: false, activation: 'silu', dtypes: ['BF16'] });
    expect(l.bytes).toBe(fs.statSync(path.join(root, `m${n - 1}`, 'model.safetensors')).size);
  });

  it('takes sharded weights through model.safetensors.index.json', () => {
    const dir = fresh('llama');
    const all = tinyTensors('llama');
    const names = Object.keys(all);
    const half = Math.ceil(names.length / 2);
    const shards = [names.slice(0, half), names.slice(half)];
    const weightMap: Record<string, string> = {};
    shards.forEach((s, i) => {
      const file = `model-0000${i + 1}-of-00002.safetensors`;
      fs.writeFileSync(path.join(dir, file), safetensorsBytes(Object.fromEntries(s.map((k) => [k, all[k]]))));
      for (const k of s) weightMap[k] = file;
    });
    fs.rmSync(path.join(dir, 'model.safetensors'));
    fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    expect(checkHfFolder(dir).files).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    fs.rmSync(path.join(dir, 'model-00002-of-00002.safetensors'));
    expect(refusal(dir)).toMatch(/index\.json: names model-00002-of-00002\.safetensors, which is not in/);
  });

  it('names the config key, architecture or activation it cannot take', () => {
    expect(refusal(fresh('gpt2', { config: (c) => { delete c.n_embd; } }))).toBe("config.json: missing key 'n_embd'");
    expect(refusal(fresh('llama', { config: (c) => { c.num_hidden_layers = 1.5; } }))).toMatch(/'num_hidden_layers' must be a positive whole number, got 1.5/);
    expect(refusal(fresh('gpt2', { config: (c) => { c.architectures = ['BertForMaskedLM']; } }))).toMatch(/architecture 'BertForMaskedLM' is not supported; supported architectures: GPT2LMHeadModel, LlamaForCausalLM/);
    expect(refusal(fresh('llama', { config: (c) => { c.hidden_act = 'quick_gelu'; } }))).toMatch(/hidden_act = "quick_gelu" is not supported/);
    expect(refusal(fresh('gpt2', { config: (c) => { c.tie_word_embeddings = false; } }))).toMatch(/tie_word_embeddings false is not supported for GPT2LMHeadModel/);
    expect(refusal(fresh('llama', { config: (c) => { c.head_dim = 3; } }))).toMatch(/head width 3 .* is odd/);
    const dir = fresh('gpt2');
    fs.writeFileSync(path.join(dir, 'config.json'), '{"architectures": [');
    expect(refusal(dir)).toMatch(/^config\.json: not valid JSON/);
  });

  it('names a missing tensor and a tensor of the wrong shape', () => {
    expect(refusal(fresh('llama', { tensors: (t) => { delete t['model.layers.1.mlp.up_proj.weight']; } })))
      .toMatch(/model\.safetensors: tensor model\.layers\.1\.mlp\.up_proj\.weight is missing/);
    expect(refusal(fresh('gpt2', { tensors: (t) => { t['h.0.attn.c_attn.weight'] = { shape: [TINY.d, 2 * TINY.d] }; } })))
      .toBe(`model.safetensors: tensor h.0.attn.c_attn.weight has shape [${TINY.d}, ${2 * TINY.d}], config.json implies [${TINY.d}, ${3 * TINY.d}]`);
  });

  it('names the byte offset of a truncated or corrupt safetensors file', () => {
    const dir = fresh('gpt2');
    const file = path.join(dir, 'model.safetensors');
    const size = fs.statSync(file).size;
    fs.truncateSync(file, size - 10);
    expect(refusal(dir)).toMatch(new RegExp(`^model\\.safetensors: truncated: tensor ln_f\\.bias's data ends at byte ${size}, but the file has ${size - 10} bytes$`));
    fs.truncateSync(file, 5);
    expect(refusal(dir)).toMatch(/truncated: 5 bytes, shorter than the 8-byte header length at byte 0/);
    const bytes = safetensorsBytes(tinyTensors('gpt2'));
    bytes.write('!', 8);
    fs.writeFileSync(file, bytes);
    expect(refusal(dir)).toMatch(/^model\.safetensors: corrupt: the header at bytes 8\.\.\d+ is not valid JSON/);
  });

  it('refuses a folder without weights or without a tokenizer', () => {
    const a = fresh('gpt2');
    fs.renameSync(path.join(a, 'model.safetensors'), path.join(a, 'pytorch_model.bin'));
    expect(refusal(a)).toMatch(/no model\.safetensors .*pytorch_model\.bin \(a PyTorch pickle\) is not read/);
    const b = fresh('llama');
    fs.rmSync(path.join(b, 'tokenizer.json'));
    expect(refusal(b)).toMatch(/no tokenizer\.json/);
    const c = fresh('llama');
    fs.writeFileSync(path.join(c, 'tokenizer.json'), JSON.stringify({ model: { type: 'BPE' } }));
    expect(refusal(c)).toMatch(/^tokenizer\.json: cannot be loaded/);
  });
});

describe.runIf(need('torch', import.meta.url))('checkHfFolder on the PyTorch-written fixtures', () => {
  it('accepts every fixture of the suite (GPT-2, prefixed F16, Llama tied/untied/BF16/sharded, Mistral, Qwen2, SmolLM)', () => {
    for (const name of HF_FIXTURE_NAMES) {
      const { dir, ref } = hfFixture(name);
      const facts = checkHfFolder(dir);
      const arch = { gpt2: 'GPT2LMHeadModel', mistral: 'MistralForCausalLM', qwen2: 'Qwen2ForCausalLM' }[ref.arch] ?? 'LlamaForCausalLM';
      expect(facts.architecture, name).toBe(arch);
      expect(facts.dtypes, name).toEqual([ref.dtype]);
      expect(facts.params, name).toBeGreaterThan(0);
    }
  }, 120_000);
});
