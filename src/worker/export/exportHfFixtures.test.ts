// Tiny GPT-2 and Llama-family checkpoints written by PyTorch (scripts/hf_fixtures.py), imported as
// Whittle does (readHfFolder, tokenizer as {kind: 'hf'}), exported to every decoder format, and
// loaded back: the hf folder through readHfFolder again, the ONNX graph through onnxruntime-node,
// the transformers.js folder through @huggingface/transformers, each against PyTorch's logits and
// greedy tokens.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hfFixture, type HfFixtureName } from '../../../test/helpers/hfFixtures';
import { need } from '../../../test/helpers/prereqs';
import type { RunSpec } from '../../shared/specs';
import { ExportSpec } from '../../shared/specs';
import { HF_SOURCE_META } from '../../shared/specs/importModel';
import { initBackend } from '../engine/backend';
import { tf, type Tensor2D } from '../engine/tf';
import { encodeTransformer, TOKENIZER_META } from '../models/decoder/file';
import { greedy } from '../models/decoder/generate';
import { readHfFolder } from '../models/decoder/hf/read';
import { HfTokenizer } from '../models/decoder/hf/tokenizer';
import { Transformer } from '../models/decoder/model';
import { OrtDecoder } from './decoderVerify';
import { exportDecoder } from './exportDecoder';

const hasTorch = need('torch', import.meta.url);
let home: string;
beforeAll(async () => { await initBackend('cpu'); home = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-hfexp-')); });
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

/** max |a − b| / max |b|. */
function relErr(a: ArrayLike<number>, b: number[]): number {
  let diff = 0; let scale = 0;
  for (let i = 0; i < b.length; i++) { diff = Math.max(diff, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(b[i])); }
  return diff / scale;
}

const FIXTURES: [HfFixtureName, string][] = [
  ['gpt2', 'GPT2LMHeadModel'], ['llama-tied', 'LlamaForCausalLM'], ['llama-untied-rope3', 'LlamaForCausalLM'],
  ['mistral', 'MistralForCausalLM'], ['qwen2', 'Qwen2ForCausalLM'], ['smollm', 'LlamaForCausalLM'],
];

describe.skipIf(!hasTorch)('export of imported Hugging Face checkpoints', () => {
  for (const [name, arch] of FIXTURES) {
    it(`${name}: hf, onnx and transformers.js exports give PyTorch's logits and greedy tokens`, async () => {
      const { dir, ref } = hfFixture(name);
      const imported = await readHfFolder(dir);
      const runDir = path.join(home, 'runs', name);
      fs.mkdirSync(runDir, { recursive: true });
      const tokenizer = { kind: 'hf', json: imported.tokenizer.json, config: imported.tokenizer.config };
      // the model file as the importModel job writes it
      const hfSource = { architecture: imported.architecture, modelType: imported.modelType, eosId: imported.eosId, bosId: imported.bosId };
      fs.writeFileSync(path.join(runDir, 'model.safetensors'), encodeTransformer(imported.weights, { [TOKENIZER_META]: JSON.stringify(tokenizer), [HF_SOURCE_META]: JSON.stringify(hfSource) }));
      const source = { runId: `r-${name}`, dir: runDir, summary: null, spec: { kind: 'importModel', name } as unknown as RunSpec };
      const out = path.join(home, 'out', name);
      const spec = ExportSpec.parse({ kind: 'export', inputs: { source: source.runId }, out, latency: { repeats: 3 } });
      const res = await exportDecoder({ spec, source, backend: 'cpu', whittleVersion: 'test' });
      expect(res.card.model.huggingFace).toBe(arch);
      const T = ref.ids.length;
      const before = tf.memory().numTensors;

      // hf: the import reads the export back and computes PyTorch's logits; the tokenizer encodes alike
      const back = await readHfFolder(out);
      expect(back.eosId).toBe(imported.eosId);
      expect(back.architecture).toBe(arch);
      const model = new Transformer(back.weights);
      const logits = tf.tidy(() => model.forward(tf.tensor2d(ref.ids, [1, T], 'int32') as Tensor2D).dataSync());
      expect(relErr(logits, ref.logits.flat())).toBeLessThanOrEqual(1e-4);
      const tok = new HfTokenizer(back.tokenizer.json, back.tokenizer.config);
      expect(tok.encodeText(ref.prompt)).toEqual(ref.prompt_ids);
      const whittleGreedy = greedy(model, ref.ids, ref.greedy.length, { eosId: ref.eos_id });
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(whittleGreedy.length).toBeGreaterThan(0);
      expect(whittleGreedy).toEqual(ref.greedy.slice(0, whittleGreedy.length));

      // onnx: onnxruntime-node, whole prompt
      const c = back.weights.config;
      const dec = await OrtDecoder.open(ort, new Uint8Array(fs.readFileSync(path.join(out, 'onnx', 'model.onnx'))), { layers: c.mlp.length, kvHeads: c.kvHeads, headDim: c.headDim });
      const viaOrt = await dec.run(ref.ids, 1, null);
      await dec.release();
      expect(relErr(viaOrt.logits, ref.logits.flat())).toBeLessThanOrEqual(1e-4);

      // transformers.js: same greedy tokens as PyTorch and Whittle
      const { env, AutoModelForCausalLM } = await import('@huggingface/transformers');
      env.allowRemoteModels = false;
      env.localModelPath = path.dirname(out);
      const tjs = await AutoModelForCausalLM.from_pretrained(path.basename(out));
      const { Tensor } = await import('@huggingface/transformers');
      const input_ids = new Tensor('int64', BigInt64Array.from(ref.ids, (v) => BigInt(v)), [1, T]);
      const attention_mask = new Tensor('int64', new BigInt64Array(T).fill(1n), [1, T]);
      const gen = await tjs.generate({ input_ids, attention_mask, max_new_tokens: ref.greedy.length, do_sample: false }) as { tolist(): bigint[][] };
      const tokens = gen.tolist()[0].slice(T).map(Number);
      await tjs.dispose();
      expect(tokens).toEqual(whittleGreedy);
    }, 120_000);
  }
});
