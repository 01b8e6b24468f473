// `whittle model generate`: greedy continuation of a prompt by a run's decoder model, imported or
// trained here. An imported model's tokenizer adds what its tokenizer.json says to add (a BOS, say),
// as Hugging Face's own tokenizer call does; generation stops at the end-of-sequence token the
// import recorded (config.json's eos_token_id), if any. A model trained here starts an empty prompt
// after a newline, as `lm` sampling does.
import { InputError } from '../../shared/errors';
import type { GenerateResult } from '../../shared/specs/importModel';
import type { Transformer } from '../models/decoder/model';
import { HfTokenizer } from '../models/decoder/hf/tokenizer';
import { generate } from '../models/decoder/train';
import { Rng } from '../engine/rng';
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

/** Greedy decoding of `tokens` new tokens (fewer at EOS or at the end of the model's context). */
export function generateText(runId: string, m: GenerateModel, prompt: string, tokens: number): GenerateResult {
  const ids = promptIds(m, prompt);
  const room = m.model.config.context - ids.length;
  if (room < 1) throw new InputError(`prompt: ${ids.length} tokens fill the model's context of ${m.model.config.context}; shorten it`);
  const maxNew = Math.min(tokens, room);
  const t0 = performance.now();
  const out: number[] = [];
  let stoppedAtEos = false;
  const rng = new Rng(0);
  while (out.length < maxNew) {
    const [next] = generate(m.model, [...ids, ...out], { maxTokens: 1, temperature: 0, rng });
    if (next === m.eosId) { stoppedAtEos = true; break; }
    out.push(next);
  }
  const ms = performance.now() - t0;
  const continuation = decode(m.tokenizer, out);
  return {
    runId, prompt, text: prompt + continuation, continuation, promptTokens: ids.length, ids: out, stoppedAtEos,
    msPerToken: ms / Math.max(1, out.length + (stoppedAtEos ? 1 : 0)),
  };
}

function decode(t: Tokenizer, ids: number[]): string {
  if (t instanceof HfTokenizer) return t.decodeText(ids, { skipSpecialTokens: true });
  return Buffer.from(t.decode(ids)).toString('utf8');
}
