// The service's header check (main/services/hfFolder.ts, no engine) and the worker's reader
// (models/decoder/hf/read.ts) must agree: a folder the check passes must import (or the run would
// fail after being registered), and a folder the reader refuses should be refused before that.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkHfFolder } from '../src/main/services/hfFolder';
import { countDecoderParams } from '../src/worker/models/decoder/config';
import { readHfFolder } from '../src/worker/models/decoder/hf/read';
import { HF_FIXTURE_NAMES, hfFixture } from './helpers/hfFixtures';
import { TINY, type TinyArch, writeTinyFolder } from './helpers/hfTiny';
import { need } from './helpers/prereqs';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-hf-agree-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;

const verdicts = async (dir: string) => {
  const check = (() => { try { checkHfFolder(dir); return 'ok'; } catch (e) { return `refused: ${(e as Error).message}`; } })();
  const read = await readHfFolder(dir).then(() => 'ok', (e: Error) => `refused: ${e.message}`);
  return { check, read };
};

describe('header check and reader agree', () => {
  const variants: [string, TinyArch, Parameters<typeof writeTinyFolder>[2]][] = [
    ['gpt2', 'gpt2', {}],
    ['llama bf16', 'llama', { dtype: 'BF16' }],
    ['llama f16', 'llama', { dtype: 'F16' }],
    ['qwen2 biases', 'llama', { config: (c) => { c.architectures = ['Qwen2ForCausalLM']; c.model_type = 'qwen2'; }, tensors: (t) => {
      for (let l = 0; l < TINY.layers; l++) for (const [p, w] of [['q', TINY.d], ['k', TINY.kvHeads * TINY.d / TINY.heads], ['v', TINY.kvHeads * TINY.d / TINY.heads]] as const) t[`model.layers.${l}.self_attn.${p}_proj.bias`] = { shape: [w] };
    } }],
    ['llama tied', 'llama', { config: (c) => { c.tie_word_embeddings = true; }, tensors: (t) => { delete t['lm_head.weight']; } }],
    ['missing key', 'gpt2', { config: (c) => { delete c.vocab_size; } }],
    ['unknown architecture', 'llama', { config: (c) => { c.architectures = ['PhiForCausalLM']; } }],
    ['unknown activation', 'llama', { config: (c) => { c.hidden_act = 'gelu_10'; } }],
    ['wrong shape', 'llama', { tensors: (t) => { t['model.layers.0.mlp.down_proj.weight'] = { shape: [TINY.mlp, TINY.d] }; } }],
    ['missing tensor', 'gpt2', { tensors: (t) => { delete t['ln_f.bias']; } }],
    ['untied gpt2', 'gpt2', { config: (c) => { c.tie_word_embeddings = false; } }],
    ['kv heads', 'llama', { config: (c) => { c.num_key_value_heads = 3; } }],
    ['rope type', 'llama', { config: (c) => { c.rope_scaling = { rope_type: 'yarn', factor: 2 }; } }],
  ];
  const GOOD = new Set(['gpt2', 'llama bf16', 'llama f16', 'qwen2 biases', 'llama tied']);
  for (const [name, arch, edit] of variants) {
    it(name, async () => {
      const dir = writeTinyFolder(path.join(root, `v${n++}`), arch, edit);
      const v = await verdicts(dir);
      expect(v.check === 'ok', JSON.stringify(v)).toBe(v.read === 'ok');
      expect(v.check === 'ok', JSON.stringify(v)).toBe(GOOD.has(name));
    });
  }

  it('truncated and corrupt weights', async () => {
    const dir = writeTinyFolder(path.join(root, `v${n++}`), 'llama');
    const file = path.join(dir, 'model.safetensors');
    fs.truncateSync(file, fs.statSync(file).size - 1);
    let v = await verdicts(dir);
    expect([v.check.startsWith('refused'), v.read.startsWith('refused')], JSON.stringify(v)).toEqual([true, true]);
    const b = Buffer.alloc(64, 0x7b);
    fs.writeFileSync(file, b);
    v = await verdicts(dir);
    expect([v.check.startsWith('refused'), v.read.startsWith('refused')], JSON.stringify(v)).toEqual([true, true]);
  });
});

describe.runIf(need('torch', import.meta.url))('on the PyTorch-written fixtures', () => {
  it('the check counts the parameters the reader keeps', async () => {
    for (const name of HF_FIXTURE_NAMES) {
      const { dir } = hfFixture(name);
      const read = await readHfFolder(dir);
      const facts = checkHfFolder(dir);
      expect(facts.params, name).toBe(countDecoderParams(read.weights.config));
      expect(facts.context, name).toBe(read.weights.config.context);
      expect(facts.bytes, name).toBeGreaterThanOrEqual(read.bytesRead);
    }
  }, 120_000);
});
