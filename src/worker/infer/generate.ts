// `whittle model generate`: greedy continuation of a prompt by a run's decoder model, imported or
// trained here. An imported model's tokenizer adds what its tokenizer.json says to add (a BOS, say),
// as Hugging Face's own tokenizer call does; generation stops at the end-of-sequence token the
// import recorded (config.json's eos_token_id), if any. A model trained here starts an empty prompt
// after a newline, as `lm` sampling does.
import { InputError } from '../../shared/errors';
import type { GenerateResult } from '../../shared/specs/importModel';
import type { Transformer } from '../models/decoder/model';
import { HfTokenizer } from '../models/decoder/hf/tokenizer';
import { greedy } from '../models/decoder/generate';
import type { Tokenizer } from '../tasks/text/tokenizer';

const NEWLINE = 10;

export interface GenerateModel { model: Transformer; tokenizer: Tokenizer; eosId: number | null; bosId: number | null }

export function promptIds(m: GenerateModel, prompt: string): number[] {
  if (m.tokenizer instanceof HfTokenizer) {
    const ids = m.tokenizer.encodeText(prompt, { addSpecialTokens: true });
    if (ids.length) return ids;
    const start = m.bosId ?? m.eosId;
    if (start === null) throw new InputError('prompt: empty, and the model names no BOS or EOS token to start from; give some text');
    return [start];
  }
  const ids = Array.from(m.tokenizer.encode(new Uint8Array(Buffer.from(prompt, 'utf8'))));
  return ids.length ? ids : [NEWLINE];
}

/** Greedy decoding with the KV cache of `tokens` new tokens (fewer at EOS or where the model's
 *  context is full). */
export function generateText(runId: string, m: GenerateModel, prompt: string, tokens: number, cancelled?: () => boolean): GenerateResult {
  const ids = promptIds(m, prompt);
  const context = m.model.config.context;
  if (ids.length > context) throw new InputError(`prompt: ${ids.length} tokens are more than the model's context of ${context}; shorten it`);
  const t0 = performance.now();
  const out = greedy(m.model, ids, tokens, { eosId: m.eosId, cancelled });
  const ms = performance.now() - t0;
  const stoppedAtEos = m.eosId !== null && out[out.length - 1] === m.eosId;
  const written = stoppedAtEos ? out.slice(0, -1) : out;
  const continuation = decode(m.tokenizer, written);
  return { runId, prompt, text: prompt + continuation, continuation, promptTokens: ids.length, ids: written, stoppedAtEos, msPerToken: ms / Math.max(1, out.length) };
}

/** Text of the written ids; ids past the tokenizer (an embedding padded beyond it) have none. */
function decode(t: Tokenizer, ids: number[]): string {
  const known = ids.filter((id) => id < t.vocabSize);
  if (!known.length) return ''; // @huggingface/tokenizers refuses to decode an empty list
  if (t instanceof HfTokenizer) return t.decodeText(known, { skipSpecialTokens: true });
  return Buffer.from(t.decode(known)).toString('utf8');
}
