import { beforeAll, describe, expect, it } from 'vitest';
import { tinyTokenizerJson } from '../../../test/helpers/hfTiny';
import { initBackend } from '../engine/backend';
import { decoderConfig, paramDecls, paramShape } from '../models/decoder/config';
import { HfTokenizer } from '../models/decoder/hf/tokenizer';
import { fullMasks, Transformer } from '../models/decoder/model';
import { ByteTokenizer } from '../tasks/text/tokenizer';
import { generateText, promptIds } from './generate';

beforeAll(async () => { await initBackend('cpu'); });

/** A model that always writes `id`: every weight zero but the final norm's bias (e_0) and the untied
 *  head's row `id`, so every position's logits peak at `id`. */
function alwaysWrites(id: number, vocab: number): Transformer {
  const config = decoderConfig({ vocab, context: 16, dModel: 4, heads: 1, headDim: 4, mlp: [4], tiedEmbeddings: false });
  const params: Record<string, Float32Array> = {};
  for (const d of paramDecls(config)) params[d.name] = new Float32Array(paramShape(config, d).reduce((a, b) => a * b, 1));
  params['lnf.b'][0] = 1;
  params.head[id * config.dModel] = 10;
  return new Transformer({ config, params, masks: fullMasks(config) });
}

describe('generateText', () => {
  it('stops at the imported EOS and leaves it out of the text', () => {
    const tokenizer = new HfTokenizer(tinyTokenizerJson(), {});
    const model = alwaysWrites(256, 260);
    try {
      const r = generateText('r', { model, tokenizer, eosId: 256, bosId: null }, 'Hi', 5);
      expect(r).toMatchObject({ ids: [], stoppedAtEos: true, continuation: '', text: 'Hi', promptTokens: 2 });
    } finally { model.dispose(); }
  });

  it('writes no text for ids past the tokenizer (an embedding padded beyond it)', () => {
    const tokenizer = new HfTokenizer(tinyTokenizerJson(), {});
    const model = alwaysWrites(259, 260);
    try {
      const r = generateText('r', { model, tokenizer, eosId: 256, bosId: null }, 'Hi', 3);
      expect(r).toMatchObject({ ids: [259, 259, 259], stoppedAtEos: false, continuation: '', text: 'Hi' });
    } finally { model.dispose(); }
  });

  it('decodes a model trained here through its byte tokenizer; an empty prompt starts after a newline', () => {
    const model = alwaysWrites(65, 256);
    try {
      const m = { model, tokenizer: new ByteTokenizer(), eosId: null, bosId: null };
      expect(promptIds(m, '')).toEqual([10]);
      expect(generateText('r', m, 'x', 4)).toMatchObject({ continuation: 'AAAA', text: 'xAAAA', ids: [65, 65, 65, 65] });
      // the context (16) bounds what is written
      expect(generateText('r', m, 'x'.repeat(14), 10).ids.length).toBe(3);
      expect(() => generateText('r', m, 'x'.repeat(17), 1)).toThrow(/more than the model's context of 16/);
    } finally { model.dispose(); }
  });
});
