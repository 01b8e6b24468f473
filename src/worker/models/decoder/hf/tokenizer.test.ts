// The imported-model tokenizer against the fixture script's own byte-level BPE encoder, and the
// fixture's tokenizer files against transformers.js (which the transformersjs export must satisfy).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hfFixture, hfFixtureSuite } from '../../../../../test/helpers/hfFixtures';
import { need } from '../../../../../test/helpers/prereqs';
import { tokenizerFromJSON } from '../../../tasks/text/tokenizer';
import { readHfFolder } from './read';
import { HfTokenizer } from './tokenizer';

const hasTorch = need('torch', import.meta.url);

describe.skipIf(!hasTorch)('HfTokenizer', () => {
  for (const name of ['gpt2', 'llama-tied', 'qwen2'] as const) {
    it(`gives the script's token ids for the prompt (${name}) and round-trips through its JSON`, async () => {
      const { dir, ref } = hfFixture(name);
      const r = await readHfFolder(dir);
      const tok = new HfTokenizer(r.tokenizer.json, r.tokenizer.config);
      expect(tok.encodeText(ref.prompt)).toEqual(ref.prompt_ids);
      expect(Array.from(tok.encode(new TextEncoder().encode(ref.prompt)))).toEqual(ref.prompt_ids);
      expect(new TextDecoder().decode(tok.decode(ref.prompt_ids))).toBe(ref.prompt);
      expect(tok.vocabSize).toBe(ref.eos_id + 1);
      expect(tok.tokenId('<|endoftext|>')).toBe(ref.eos_id);
      const back = tokenizerFromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
      expect(back.kind).toBe('hf');
      expect(Array.from(back.encode(new TextEncoder().encode(ref.prompt)))).toEqual(ref.prompt_ids);
    });
  }

  it('the fixture tokenizer loads in transformers.js from a local folder and gives the same ids', async () => {
    const { AutoTokenizer, env } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = hfFixtureSuite() + path.sep;
    const { ref } = hfFixture('mistral');
    const tok = await AutoTokenizer.from_pretrained('mistral');
    expect(tok.encode(ref.prompt, { add_special_tokens: false })).toEqual(ref.prompt_ids);
    expect(tok.decode(ref.prompt_ids)).toBe(ref.prompt);
  });
});
