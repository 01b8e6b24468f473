// Try a language model: the loss of every prompt token given what precedes it (the first token is
// conditioned on a newline, the convention `generate` uses for an empty prompt), and a sampled or
// greedy continuation of the prompt.
import { InputError } from '../../shared/errors';
import type { TryResult } from '../../shared/tryModel';
import { Rng } from '../engine/rng';
import { tf, type Tensor2D } from '../engine/tf';
import type { Transformer } from '../models/decoder/model';
import { generate } from '../models/decoder/sample';
import type { Tokenizer } from '../tasks/text/tokenizer';

export const MAX_PROMPT_BYTES = 4096;
export const MAX_CONTINUATION_BYTES = 1024;
const NEWLINE = 10;

/** Loss in nats of every token of `seq` after the first, given the tokens before it (at most the
 *  model's context of them: longer sequences are scored in windows that overlap by half a context). */
export function tokenLossesNats(model: Transformer, seq: Int32Array): Float64Array {
  const ctx = model.config.context;
  const out = new Float64Array(Math.max(0, seq.length - 1));
  const stride = Math.max(1, Math.floor(ctx / 2));
  let scored = 0; // targets 1..scored have a loss
  for (let start = 0; scored < seq.length - 1; start += stride) {
    const end = Math.min(seq.length, start + ctx + 1); // window tokens [start, end)
    const T = end - start - 1;
    const logp = tf.tidy(() => {
      const x = tf.tensor2d(seq.subarray(start, start + T), [1, T], 'int32') as Tensor2D;
      const lp = tf.logSoftmax(model.forward(x)); // [T, V]
      const picked = tf.sum(tf.mul(lp, tf.oneHot(tf.tensor1d(seq.subarray(start + 1, end), 'int32'), lp.shape[1])), 1); // [T]
      return picked.dataSync();
    });
    for (let t = 0; t < T; t++) {
      const target = start + 1 + t;
      if (target > scored) out[target - 1] = -logp[t];
    }
    scored = end - 1;
  }
  return out;
}

export interface TextRequest { prompt: string; maxBytes: number; temperature: number; seed?: number }

export async function tryText(model: Transformer, tokenizer: Tokenizer, req: TextRequest): Promise<Extract<TryResult, { kind: 'text' }>> {
  if (typeof req.prompt !== 'string') throw new InputError('prompt: expected text');
  const bytes = new Uint8Array(Buffer.from(req.prompt, 'utf8'));
  if (bytes.length > MAX_PROMPT_BYTES) throw new InputError(`prompt: ${bytes.length} bytes; at most ${MAX_PROMPT_BYTES} are scored`);
  if (!Number.isInteger(req.maxBytes) || req.maxBytes < 0 || req.maxBytes > MAX_CONTINUATION_BYTES) throw new InputError(`maxBytes: expected a whole number 0..${MAX_CONTINUATION_BYTES}, got ${req.maxBytes}`);
  if (!Number.isFinite(req.temperature) || req.temperature < 0 || req.temperature > 5) throw new InputError(`temperature: expected 0 (greedy) to 5, got ${req.temperature}`);
  const ids = tokenizer.encode(bytes);
  const seq = Int32Array.from([NEWLINE, ...ids]);
  const nats = tokenLossesNats(model, seq);
  const tokens = Array.from(ids, (id, i) => ({ text: Buffer.from(tokenizer.decode([id])).toString('utf8'), lossBits: nats[i] * Math.LOG2E }));
  const totalBits = tokens.reduce((s, t) => s + t.lossBits, 0);
  let continuation = '';
  if (req.maxBytes > 0) {
    // a token is one byte or more: generate in short chunks until the bytes suffice, so a BPE
    // model does not run a forward pass per requested byte
    const rng = new Rng(req.seed ?? 0);
    const out: number[] = [];
    // An imported checkpoint's embedding may be padded past its tokenizer (ids with no text): such
    // ids write nothing, and at most maxBytes tokens are drawn in all, so a run of them cannot loop.
    const text = () => { const known = out.filter((id) => id < tokenizer.vocabSize); return known.length ? tokenizer.decode(known) : new Uint8Array(0); };
    for (let have = 0; have < req.maxBytes && out.length < req.maxBytes; have = text().length) {
      out.push(...await generate(model, [...seq, ...out], { maxTokens: Math.min(16, req.maxBytes - have), temperature: req.temperature, rng }));
    }
    continuation = Buffer.from(text().subarray(0, req.maxBytes)).toString('utf8');
  }
  return { kind: 'text', tokens, totalBits, bitsPerByte: bytes.length ? totalBits / bytes.length : 0, continuation, temperature: req.temperature };
}
