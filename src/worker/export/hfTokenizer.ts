// Whittle's own tokenizers (byte-level and byte-level BPE, tasks/text/tokenizer.ts) written as a
// Hugging Face tokenizer.json that @huggingface/tokenizers (and so transformers.js, and Python's
// `tokenizers`) encodes to the same ids.
//
// - Chunking: Whittle cuts text into chunks before merging (a run of word bytes — ASCII letters,
//   digits, '_' and every byte ≥ 0x80 — or of other non-space bytes, each with at most one leading
//   space, or a run of whitespace that leaves a lone space before the next chunk). A Split
//   pre-tokenizer with CHUNK_REGEX, behavior Isolated, cuts valid UTF-8 text at the same places
//   (bytes ≥ 0x80 only occur inside non-ASCII characters, which the regex counts as word chars).
// - Bytes: a ByteLevel pre-tokenizer (no regex of its own, no prefix space) maps each byte to
//   GPT-2's printable stand-in, so token strings are byte strings as in GPT-2's vocab.json.
// - Merges: Whittle applies the lowest-ranked merge present until none applies; Hugging Face's BPE
//   does the same with ranks = the merges' order, so the same merge list in the same order gives
//   the same ids. Token 256 + i is merge i; tokens 0..255 are the bytes.
import type { TokenizerJSON } from '../tasks/text/tokenizer';

/** GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 onwards. */
export function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) { bs.push(b); cs.push(256 + n); n++; }
  const out = new Array<string>(256);
  bs.forEach((b, k) => { out[b] = String.fromCharCode(cs[k]); });
  return out;
}

const WORD = '0-9A-Za-z_\\x{80}-\\x{10FFFF}';
const SPACE = ' \\t\\n\\r';
const OTHER = '\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F!-/:-@\\[-\\^`{-\\x7F';
/**
 * Whittle's chunks as one regex (Oniguruma syntax, which @huggingface/tokenizers rewrites for JS):
 * a word run or an other run, each with an optional leading space; else a whitespace run in which a
 * space is taken only when the next character is whitespace too (or the text ends), so a lone space
 * before a word stays with the word.
 */
export const CHUNK_REGEX = ` ?[${WORD}]+| ?[${OTHER}]+|[${SPACE}](?:[\\t\\n\\r]| (?![^${SPACE}]))*`;

export interface HfTokenizerFiles {
  'tokenizer.json': string;
  'tokenizer_config.json': string;
}

/** tokenizer.json + tokenizer_config.json for a Whittle tokenizer. Throws when two BPE tokens
 *  spell the same bytes (tokenizer.json's vocabulary cannot hold both). */
export function hfTokenizerFiles(tok: Extract<TokenizerJSON, { kind: 'byte' | 'bpe' }>, modelMaxLength: number): HfTokenizerFiles {
  const b2u = bytesToUnicode();
  const pieces: string[] = [...b2u];
  const merges: [string, string][] = [];
  if (tok.kind === 'bpe') {
    tok.merges.forEach(([a, b], k) => {
      if (a >= 256 + k || b >= 256 + k) throw new Error(`BPE merge ${k} refers to token ${Math.max(a, b)}, which is not defined yet`);
      merges.push([pieces[a], pieces[b]]);
      pieces.push(pieces[a] + pieces[b]);
    });
  }
  const vocab: Record<string, number> = {};
  pieces.forEach((p, id) => {
    if (p in vocab) throw new Error(`tokens ${vocab[p]} and ${id} spell the same bytes; a tokenizer.json vocabulary cannot hold both`);
    vocab[p] = id;
  });
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: CHUNK_REGEX }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
      ],
    },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges,
    },
  };
  const config = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    model_max_length: modelMaxLength,
    clean_up_tokenization_spaces: false,
    add_bos_token: false,
    add_eos_token: false,
    added_tokens_decoder: {},
    whittle_tokenizer: tok.kind,
  };
  return { 'tokenizer.json': JSON.stringify(json), 'tokenizer_config.json': JSON.stringify(config, null, 2) + '\n' };
}
