// Running an exported decoder the way a user's program would, before anything is written: the ONNX
// file in onnxruntime-node, once on whole sequences (empty past) and once in two steps (a prefix,
// then the rest fed with the prefix's present.* as past_key_values), each against the engine's
// logits for the same tokens.
import { Rng } from '../engine/rng';
import { tf, type Tensor2D } from '../engine/tf';
import { Transformer, type TransformerWeights } from '../models/decoder/model';
import { ATTENTION_MASK, INPUT_IDS, LOGITS, pastName, presentName } from './decoderOnnx';
import type { RuntimeCheck } from './report';

type Ort = typeof import('onnxruntime-node');
type OrtTensor = import('onnxruntime-node').Tensor;

/** Seeded token ids [rows·T] in [0, vocab). */
export function randomTokens(rows: number, T: number, vocab: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: rows * T }, () => Math.min(vocab - 1, Math.floor(rng.next() * vocab)));
}

/** The engine's logits [rows, T, vocab] (flat) for tokens [rows, T]. */
export function engineLogits(w: TransformerWeights, tokens: Int32Array, rows: number, T: number): Float32Array {
  const m = new Transformer(w);
  try {
    return tf.tidy(() => m.forward(tf.tensor2d(tokens, [rows, T], 'int32') as Tensor2D).dataSync().slice() as Float32Array);
  } finally { m.dispose(); }
}

/** Rows [from, to) of every sequence of flat [rows, T, V] logits. */
export function stepSlice(x: Float32Array, rows: number, T: number, V: number, from: number, to: number): Float32Array {
  const out = new Float32Array(rows * (to - from) * V);
  for (let b = 0; b < rows; b++) out.set(x.subarray((b * T + from) * V, (b * T + to) * V), b * (to - from) * V);
  return out;
}

export interface DecoderRuntimeCheck extends RuntimeCheck {
  /** Largest |logit| of the reference: the scale the tolerance is relative to. */
  scale: number;
  /** The two-step run (prefix, then the rest with past_key_values) alone. */
  withPastMaxAbsDiff: number | null;
  sequences: number;
  tokens: number;
}

/** A decoder session's runner: `run(ids, rows, past)` → logits and the present cache. */
export class OrtDecoder {
  private constructor(private ort: Ort, private session: import('onnxruntime-node').InferenceSession, readonly layers: number, readonly kvHeads: number, readonly headDim: number) {}

  static async open(ort: Ort, bytes: Uint8Array, c: { layers: number; kvHeads: number; headDim: number }): Promise<OrtDecoder> {
    return new OrtDecoder(ort, await ort.InferenceSession.create(bytes), c.layers, c.kvHeads, c.headDim);
  }

  /** One forward pass on ids [rows, S] after `past` (an earlier call's present.*; null: an empty cache). */
  async run(ids: ArrayLike<number>, rows: number, past: Record<string, OrtTensor> | null): Promise<{ logits: Float32Array; present: Record<string, OrtTensor> }> {
    const S = ids.length / rows;
    const pastLen = past ? past[presentName(0, 'key')].dims[2] : 0;
    const feeds: Record<string, OrtTensor> = {
      [INPUT_IDS]: new this.ort.Tensor('int64', BigInt64Array.from(Array.from(ids), (v) => BigInt(v)), [rows, S]),
      [ATTENTION_MASK]: new this.ort.Tensor('int64', new BigInt64Array(rows * (pastLen + S)).fill(1n), [rows, pastLen + S]),
    };
    for (let l = 0; l < this.layers; l++) {
      for (const kv of ['key', 'value'] as const) {
        feeds[pastName(l, kv)] = past ? past[presentName(l, kv)] : new this.ort.Tensor('float32', new Float32Array(0), [rows, this.kvHeads, 0, this.headDim]);
      }
    }
    const out = await this.session.run(feeds);
    const present: Record<string, OrtTensor> = {};
    for (const [k, v] of Object.entries(out)) if (k.startsWith('present.')) present[k] = v;
    return { logits: out[LOGITS].data as Float32Array, present };
  }

  async release(): Promise<void> { await this.session.release(); }
}

export async function loadOrt(): Promise<{ ort: Ort; version: string | null } | { error: string }> {
  try {
    const ort = await import('onnxruntime-node');
    const versions = (ort.env as { versions?: Record<string, string> }).versions;
    return { ort, version: versions?.node ?? versions?.common ?? null };
  } catch (e) {
    return { error: `onnxruntime-node could not be loaded (${(e as Error).message.split('\n')[0]})` };
  }
}

function maxAbs(a: ArrayLike<number>): number { let m = 0; for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k])); return m; }
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let k = 0; k < a.length; k++) { const x = Math.abs(a[k] - b[k]); d = Number.isNaN(x) ? Infinity : Math.max(d, x); }
  return d;
}

/**
 * The ONNX file against the engine (source weights, masks applied): `rows` random sequences of T
 * tokens, all at once and as prefix + rest with the cache. maxAbsDiff covers both.
 */
export async function checkDecoderOnnx(bytes: Uint8Array, source: TransformerWeights, seed: number, rows = 2, T = Math.min(12, source.config.context),
  /** The engine's logits for these tokens when the caller has them already (a large model's forward is slow). */
  given?: { tokens: Int32Array; logits: Float32Array }): Promise<DecoderRuntimeCheck> {
  const c = source.config;
  const base = { format: 'onnx', runtime: 'onnxruntime-node', inputs: rows * T, sequences: rows, tokens: T };
  const loaded = await loadOrt();
  if ('error' in loaded) return { ...base, version: null, maxAbsDiff: null, withPastMaxAbsDiff: null, scale: 0, skipped: loaded.error };
  const tokens = given?.tokens ?? randomTokens(rows, T, c.vocab, seed);
  const ref = given?.logits ?? engineLogits(source, tokens, rows, T); // [rows, T, V]
  const dec = await OrtDecoder.open(loaded.ort, bytes, { layers: c.mlp.length, kvHeads: c.kvHeads, headDim: c.headDim });
  try {
    const whole = await dec.run(tokens, rows, null);
    const P = Math.max(1, Math.floor(T / 2));
    const prefixIds = stepSlice(Float32Array.from(tokens), rows, T, 1, 0, P);
    const first = await dec.run(prefixIds, rows, null);
    const rest = await dec.run(stepSlice(Float32Array.from(tokens), rows, T, 1, P, T), rows, first.present);
    const withPast = Math.max(
      maxAbsDiff(first.logits, stepSlice(ref, rows, T, c.vocab, 0, P)),
      maxAbsDiff(rest.logits, stepSlice(ref, rows, T, c.vocab, P, T)));
    return { ...base, version: loaded.version, maxAbsDiff: Math.max(maxAbsDiff(whole.logits, ref), withPast), withPastMaxAbsDiff: withPast, scale: maxAbs(ref) };
  } finally {
    await dec.release();
  }
}
