// A Whittle Tokenizer backed by a Hugging Face tokenizer.json (and tokenizer_config.json), run by
// @huggingface/tokenizers, the maintained JavaScript implementation of that format. Imported
// models keep the tokenizer they were trained with; the pair of JSON objects travels in the model
// file's metadata ({kind: 'hf', json, config}) like the byte and BPE tokenizers' own JSON.
import { Tokenizer as HfTokenizerImpl } from '@huggingface/tokenizers';
import type { Tokenizer, TokenizerJSON } from '../../../tasks/text/tokenizer';

const utf8 = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

export class HfTokenizer implements Tokenizer {
  readonly kind = 'hf' as const;
  /** One more than the largest token id the tokenizer can produce (added tokens included). */
  readonly vocabSize: number;
  private readonly impl: HfTokenizerImpl;

  constructor(readonly json: object, readonly config: object = {}) {
    try {
      this.impl = new HfTokenizerImpl(json, config);
    } catch (e) {
      throw new Error(`tokenizer.json could not be loaded: ${(e as Error).message}`);
    }
    let max = -1;
    const vocab = this.impl.get_vocab() as unknown as Map<string, number> | Record<string, number>;
    for (const id of vocab instanceof Map ? vocab.values() : Object.values(vocab)) if (id > max) max = id;
    for (const t of (json as { added_tokens?: { id: number }[] }).added_tokens ?? []) if (t.id > max) max = t.id;
    this.vocabSize = max + 1;
  }

  /** Token ids of `text`; special tokens (a BOS the tokenizer adds, say) only when asked for. */
  encodeText(text: string, opts: { addSpecialTokens?: boolean } = {}): number[] {
    return this.impl.encode(text, { add_special_tokens: opts.addSpecialTokens ?? false }).ids;
  }

  decodeText(ids: ArrayLike<number>, opts: { skipSpecialTokens?: boolean } = {}): string {
    return this.impl.decode(Array.from(ids), { skip_special_tokens: opts.skipSpecialTokens ?? false });
  }

  /** UTF-8 bytes → ids, without special tokens (corpora are encoded as plain text). */
  encode(bytes: Uint8Array): Int32Array { return Int32Array.from(this.encodeText(utf8.decode(bytes))); }

  decode(ids: ArrayLike<number>): Uint8Array {
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= this.vocabSize) throw new Error(`tokenizer: token ${ids[i]} is outside 0..${this.vocabSize - 1}`);
    }
    return utf8Encoder.encode(this.decodeText(ids));
  }

  /** Id of a token string (e.g. the EOS token named in tokenizer_config.json), or null. */
  tokenId(token: string): number | null { return this.impl.token_to_id(token) ?? null; }

  toJSON(): TokenizerJSON { return { kind: 'hf', json: this.json, config: this.config }; }
}
