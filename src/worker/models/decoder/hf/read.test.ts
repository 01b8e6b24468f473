import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyHfFixture, hfFixture, HF_FIXTURE_NAMES } from '../../../../../test/helpers/hfFixtures';
import { need } from '../../../../../test/helpers/prereqs';
import { JobCancelled } from '../../../engine/cancelled';
import { paramDecls, paramShape } from '../config';
import { readHfFolder } from './read';

const hasTorch = need('torch', import.meta.url);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-hfread-'));
afterAll(() => { fs.rmSync(tmp, { recursive: true, force: true }); });
let n = 0;
const copy = (name: Parameters<typeof copyHfFixture>[0]) => copyHfFixture(name, path.join(tmp, `${name}-${n++}`));

/** Rewrite one tensor's header entry of a single-file fixture (keeps the header length). */
function editHeader(file: string, edit: (h: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>) => void): void {
  const buf = fs.readFileSync(file);
  const len = Number(buf.readBigUInt64LE(0));
  const h = JSON.parse(buf.subarray(8, 8 + len).toString('utf8'));
  edit(h);
  const text = JSON.stringify(h);
  if (Buffer.byteLength(text) > len) throw new Error('edited header is longer');
  buf.write(text.padEnd(len, ' '), 8, 'utf8');
  fs.writeFileSync(file, buf);
}

describe.skipIf(!hasTorch)('readHfFolder', () => {
  for (const name of HF_FIXTURE_NAMES) {
    it(`reads ${name}: every parameter with its declared shape, progress up to the total`, async () => {
      const { dir, ref } = hfFixture(name);
      const seen: [number, number][] = [];
      const r = await readHfFolder(dir, { onProgress: (a, b) => seen.push([a, b]) });
      const c = r.weights.config;
      for (const d of paramDecls(c)) expect(r.weights.params[d.name].length).toBe(paramShape(c, d).reduce((a, b) => a * b, 1));
      for (const v of Object.values(r.weights.params)) expect(v.every(Number.isFinite)).toBe(true);
      expect(r.dtype).toBe(ref.dtype);
      expect(r.bytesRead).toBe(seen[seen.length - 1][0]);
      expect(seen[seen.length - 1][1]).toBe(r.bytesRead);
      expect(seen.every(([a], i) => i === 0 || a >= seen[i - 1][0])).toBe(true);
      expect(r.files.length).toBe(name === 'llama-sharded' ? 3 : 1);
      expect(r.eosId).toBe(ref.eos_id);
    });
  }

  it('maps architectures and conventions from config.json', async () => {
    const gpt2 = await readHfFolder(hfFixture('gpt2').dir);
    expect(gpt2.architecture).toBe('GPT2LMHeadModel');
    expect(gpt2.weights.config).toMatchObject({ norm: 'layernorm', positions: 'learned', activation: 'gelu_tanh', tiedEmbeddings: true, gatedMlp: false });
    const qwen = await readHfFolder(hfFixture('qwen2').dir);
    expect(qwen.architecture).toBe('Qwen2ForCausalLM');
    expect(qwen.weights.config).toMatchObject({ norm: 'rmsnorm', positions: 'rotary', kvHeads: 2, heads: 4, bias: { qkv: true, attnOut: false, mlp: false }, ropeTheta: 1e6 });
    const rope = await readHfFolder(hfFixture('llama-untied-rope3').dir);
    expect(rope.weights.config.ropeScaling).toEqual({ factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 8 });
    expect(rope.weights.config.tiedEmbeddings).toBe(false);
  });

  it('puts Llama q|k|v side by side in wqkv, transposed to [in, out]', async () => {
    const { dir } = hfFixture('mistral');
    const r = await readHfFolder(dir);
    const c = r.weights.config; // d 16, heads 4 × 4, kv 2
    // k_proj row 3 (output 3 of k), column 5 (input 5) → wqkv[5, A + 3]
    const buf = fs.readFileSync(path.join(dir, 'model.safetensors'));
    const len = Number(buf.readBigUInt64LE(0));
    const h = JSON.parse(buf.subarray(8, 8 + len).toString('utf8'));
    const e = h['model.layers.1.self_attn.k_proj.weight'];
    const at = 8 + len + e.data_offsets[0] + (3 * c.dModel + 5) * 4;
    const A = c.heads * c.headDim;
    const width = (c.heads + 2 * c.kvHeads) * c.headDim;
    expect(r.weights.params['h.1.attn.wqkv'][5 * width + A + 3]).toBe(buf.readFloatLE(at));
  });

  it('names a missing tensor', async () => {
    const dir = copy('llama-tied');
    editHeader(path.join(dir, 'model.safetensors'), (h) => { h['model.layers.1.mlp.up_projX.weight'] = h['model.layers.1.mlp.up_proj.weight']; delete h['model.layers.1.mlp.up_proj.weight']; });
    await expect(readHfFolder(dir)).rejects.toThrow(/missing tensor model\.layers\.1\.mlp\.up_proj\.weight/);
  });

  it('names a tensor with the wrong shape', async () => {
    const dir = copy('gpt2');
    editHeader(path.join(dir, 'model.safetensors'), (h) => { h['h.0.mlp.c_fc.weight'].shape = [...h['h.0.mlp.c_fc.weight'].shape].reverse(); });
    await expect(readHfFolder(dir)).rejects.toThrow(/tensor h\.0\.mlp\.c_fc\.weight has shape \[64,16\], expected \[16,64\]/);
  });

  it('names the file and byte offset of a truncated file', async () => {
    const dir = copy('llama-sharded');
    const file = path.join(dir, 'model-00002-of-00003.safetensors');
    const size = fs.statSync(file).size;
    fs.truncateSync(file, size - 10);
    await expect(readHfFolder(dir)).rejects.toThrow(new RegExp(`model-00002-of-00003\\.safetensors: tensor .* ends at byte offset ${size}, past the end of the file \\(${size - 10} bytes\\)`));
    fs.truncateSync(file, 5);
    await expect(readHfFolder(dir)).rejects.toThrow(/model-00002-of-00003\.safetensors: truncated at byte offset 5/);
  });

  it('names the file and offset of a corrupt header', async () => {
    const dir = copy('smollm');
    const file = path.join(dir, 'model.safetensors');
    const buf = fs.readFileSync(file);
    buf.write('#', 8, 'latin1'); // the header's opening brace
    fs.writeFileSync(file, buf);
    await expect(readHfFolder(dir)).rejects.toThrow(/model\.safetensors: header at byte offset 8 is not valid JSON/);
    buf.writeBigUInt64LE(1n << 40n, 0);
    fs.writeFileSync(file, buf);
    await expect(readHfFolder(dir)).rejects.toThrow(/model\.safetensors: header of 1099511627776 bytes at byte offset 8 runs past the end/);
  });

  it('refuses a folder without tokenizer.json, weights or config', async () => {
    const dir = copy('qwen2');
    fs.rmSync(path.join(dir, 'tokenizer.json'));
    await expect(readHfFolder(dir)).rejects.toThrow(/no tokenizer\.json/);
    const dir2 = copy('qwen2');
    fs.rmSync(path.join(dir2, 'model.safetensors'));
    await expect(readHfFolder(dir2)).rejects.toThrow(/no model\.safetensors or model\.safetensors\.index\.json/);
    const dir3 = copy('qwen2');
    fs.rmSync(path.join(dir3, 'config.json'));
    await expect(readHfFolder(dir3)).rejects.toThrow(/no config\.json/);
  });

  it('names an unsupported architecture, a missing key and an unsupported activation', async () => {
    const edit = (f: (j: Record<string, unknown>) => void) => {
      const dir = copy('llama-tied');
      const p = path.join(dir, 'config.json');
      const j = JSON.parse(fs.readFileSync(p, 'utf8'));
      f(j);
      fs.writeFileSync(p, JSON.stringify(j));
      return dir;
    };
    await expect(readHfFolder(edit((j) => { j.architectures = ['FalconForCausalLM']; j.model_type = 'falcon'; })))
      .rejects.toThrow(/unsupported architecture FalconForCausalLM \(model_type falcon\); supported: GPT2LMHeadModel, LlamaForCausalLM/);
    await expect(readHfFolder(edit((j) => { delete j.intermediate_size; }))).rejects.toThrow(/config\.json: missing intermediate_size/);
    await expect(readHfFolder(edit((j) => { j.hidden_act = 'quick_gelu'; }))).rejects.toThrow(/unsupported hidden_act "quick_gelu"/);
    await expect(readHfFolder(edit((j) => { j.tie_word_embeddings = false; }))).rejects.toThrow(/missing tensor lm_head\.weight/);
  });

  it('stops when cancelled', async () => {
    let calls = 0;
    await expect(readHfFolder(hfFixture('llama-tied').dir, { cancelled: () => ++calls > 3 })).rejects.toThrow(JobCancelled);
  });
});
