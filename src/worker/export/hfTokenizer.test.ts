import fs from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { BpeTokenizer, ByteTokenizer, type Tokenizer as WhittleTokenizer } from '../tasks/text/tokenizer';
import { bytesToUnicode, hfTokenizerFiles } from './hfTokenizer';

const enc = (t: WhittleTokenizer, s: string) => Array.from(t.encode(new Uint8Array(Buffer.from(s, 'utf8'))));
function hf(t: WhittleTokenizer): Tokenizer {
  const files = hfTokenizerFiles(t.toJSON() as Parameters<typeof hfTokenizerFiles>[0], 64);
  return new Tokenizer(JSON.parse(files['tokenizer.json']), JSON.parse(files['tokenizer_config.json']));
}

/** Strings that exercise every chunking rule: spaces before words and punctuation, runs of spaces
 *  before words, tabs and newlines, control characters, non-ASCII letters, emoji. */
const HARD = [
  'Hello, world!', '  two spaces before', 'a  b   c    d', 'tabs\there\t\tand\n\nnewlines\r\n', ' leading', 'trailing ',
  'trailing spaces   ', 'x = f(y) + 2*z; // comment', '__init__ snake_case CamelCase', 'naïve café — “quotes” ü', '日本語のテキスト と 空白',
  'emoji 🙂🙂 ok', '\u0001\u0002 control \u007f', '  \n  \t ', '', '$100.00 (or 99%)!?', "don't it's we'll", 'a\u000bb\u000cc',
];

describe('tokenizer.json for Whittle tokenizers', () => {
  it('bytes_to_unicode is a bijection onto printable characters (GPT-2 order)', () => {
    const m = bytesToUnicode();
    expect(new Set(m).size).toBe(256);
    expect(m[32]).toBe('Ġ');
    expect(m[65]).toBe('A');
    expect(m[10]).toBe('Ċ');
  });

  it('the byte tokenizer encodes and decodes identically through @huggingface/tokenizers', () => {
    const t = new ByteTokenizer();
    const h = hf(t);
    for (const s of HARD) {
      expect(h.encode(s).ids).toEqual(enc(t, s));
      if (s) expect(h.decode(enc(t, s))).toBe(s); // decode([]) throws in @huggingface/tokenizers 0.2
    }
  });

  it('a BPE tokenizer learned on real text encodes every test string to the same ids', () => {
    const corpus = fs.readFileSync('README.md', 'utf8') + HARD.join(' ');
    const t = BpeTokenizer.train(new Uint8Array(Buffer.from(corpus, 'utf8')), 900);
    expect(t.vocabSize).toBeGreaterThan(700);
    const h = hf(t);
    const lines = corpus.split('\n').slice(0, 400);
    let tokens = 0;
    for (const s of [...HARD, ...lines, corpus.slice(0, 5000)]) {
      const want = enc(t, s);
      expect(h.encode(s).ids, s).toEqual(want);
      tokens += want.length;
      if (s) expect(h.decode(want)).toBe(s);
    }
    expect(tokens).toBeGreaterThan(2000);
    // Merges happened: fewer tokens than bytes.
    expect(enc(t, corpus.slice(0, 5000)).length).toBeLessThan(Buffer.byteLength(corpus.slice(0, 5000)) * 0.6);
  });

  it('refuses a merge list that spells one byte string twice', () => {
    // (a,b)→256, (256,c)→257 'abc', (b,c)→258, (a,258)→259 'abc' again
    const a = 97, b = 98, c = 99;
    expect(() => hfTokenizerFiles({ kind: 'bpe', merges: [[a, b], [256, c], [b, c], [a, 258]] }, 8)).toThrow(/tokens 257 and 259 spell the same bytes/);
    expect(() => hfTokenizerFiles({ kind: 'bpe', merges: [[a, 300]] }, 8)).toThrow(/not defined yet/);
  });
});
