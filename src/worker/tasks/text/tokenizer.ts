// Tokenizers over raw bytes: byte-level (vocabulary 256, nothing to learn) and byte-level BPE
// learned from the imported text. Both map bytes ↔ token ids losslessly, so any file round-trips.
//
// BPE: text is first cut into chunks (a run of letters/digits with at most one leading space, a run
// of other non-space bytes, or a run of whitespace), merges never cross a chunk boundary, and the
// merge list is learned greedily on chunk frequencies (most frequent adjacent pair first, ties by
// lowest pair id, so training is deterministic).
import type { TokenizerSpec } from '../../../shared/specs/text';
import { HfTokenizer } from '../../models/decoder/hf/tokenizer';

export interface Tokenizer {
  /** hf: an imported model's own tokenizer.json (models/decoder/hf/tokenizer.ts). */
  readonly kind: 'byte' | 'bpe' | 'hf';
  readonly vocabSize: number;
  encode(bytes: Uint8Array): Int32Array;
  decode(ids: ArrayLike<number>): Uint8Array;
  /** Plain JSON that `tokenizerFromJSON` restores (stored next to the model). */
  toJSON(): TokenizerJSON;
}

export type TokenizerJSON = { kind: 'byte' } | { kind: 'bpe'; merges: [number, number][] }
  | { kind: 'hf'; json: object; config: object };

export class ByteTokenizer implements Tokenizer {
  readonly kind = 'byte' as const;
  readonly vocabSize = 256;
  encode(bytes: Uint8Array): Int32Array { return Int32Array.from(bytes); }
  decode(ids: ArrayLike<number>): Uint8Array {
    const out = new Uint8Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const t = ids[i];
      if (t < 0 || t > 255) throw new Error(`byte tokenizer: token ${t} is outside 0..255`);
      out[i] = t;
    }
    return out;
  }
  toJSON(): TokenizerJSON { return { kind: 'byte' }; }
}

// ---- chunking ---------------------------------------------------------------------------------

const enum Cls { Word = 0, Space = 1, Other = 2 }
function cls(b: number): Cls {
  if ((b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b === 95 || b >= 128) return Cls.Word;
  if (b === 32 || b === 9 || b === 10 || b === 13) return Cls.Space;
  return Cls.Other;
}

/** Chunk boundaries [start, end) of `bytes`; a single space before a word/other run joins it. */
export function chunkBounds(bytes: Uint8Array): number[] {
  const cuts: number[] = [0];
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    let j = i;
    let c = cls(bytes[j]);
    if (bytes[j] === 32 && j + 1 < n && cls(bytes[j + 1]) !== Cls.Space) { j++; c = cls(bytes[j]); }
    j++;
    while (j < n && cls(bytes[j]) === c) {
      // leave a lone space in front of the next word for that word
      if (c === Cls.Space && bytes[j] === 32 && j + 1 < n && cls(bytes[j + 1]) !== Cls.Space) break;
      j++;
    }
    cuts.push(j);
    i = j;
  }
  return cuts;
}

// ---- BPE --------------------------------------------------------------------------------------

const pairKey = (a: number, b: number) => a * 65536 + b;

export class BpeTokenizer implements Tokenizer {
  readonly kind = 'bpe' as const;
  readonly vocabSize: number;
  private readonly rank = new Map<number, number>(); // pairKey → merge index (new id = 256 + index)
  private readonly pieces: Uint8Array[]; // token id → bytes
  private readonly cache = new Map<string, Int32Array>();

  constructor(readonly merges: [number, number][]) {
    this.vocabSize = 256 + merges.length;
    this.pieces = Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));
    merges.forEach(([a, b], i) => {
      if (a >= 256 + i || b >= 256 + i) throw new Error(`BPE merge ${i} refers to token ${Math.max(a, b)} not yet defined`);
      this.rank.set(pairKey(a, b), i);
      const p = new Uint8Array(this.pieces[a].length + this.pieces[b].length);
      p.set(this.pieces[a]); p.set(this.pieces[b], this.pieces[a].length);
      this.pieces.push(p);
    });
  }

  /** Learn merges up to `vocab` tokens on `text` (deterministic). */
  static train(text: Uint8Array, vocab: number): BpeTokenizer {
    if (vocab < 256) throw new Error(`BPE vocabulary must be at least 256 (got ${vocab})`);
    // unique chunks with counts
    const counts = new Map<string, number>();
    const cuts = chunkBounds(text);
    for (let c = 0; c + 1 < cuts.length; c++) {
      const key = Buffer.from(text.buffer, text.byteOffset + cuts[c], cuts[c + 1] - cuts[c]).toString('latin1');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const words: number[][] = [];
    const freq: number[] = [];
    for (const [k, n] of counts) {
      if (k.length < 2) continue;
      words.push(Array.from(k, (ch) => ch.charCodeAt(0)));
      freq.push(n);
    }
    // pair statistics and where each pair occurs
    const pairCount = new Map<number, number>();
    const where = new Map<number, Set<number>>();
    const addWord = (w: number, sign: number) => {
      const s = words[w];
      for (let i = 0; i + 1 < s.length; i++) {
        const k = pairKey(s[i], s[i + 1]);
        pairCount.set(k, (pairCount.get(k) ?? 0) + sign * freq[w]);
        if (sign > 0) { let set = where.get(k); if (!set) where.set(k, (set = new Set())); set.add(w); }
      }
    };
    words.forEach((_, w) => addWord(w, 1));
    const merges: [number, number][] = [];
    while (256 + merges.length < vocab) {
      let best = -1; let bestN = 0;
      for (const [k, n] of pairCount) if (n > bestN || (n === bestN && n > 0 && k < best)) { best = k; bestN = n; }
      if (bestN < 2) break; // nothing left worth merging
      const a = Math.floor(best / 65536); const b = best % 65536;
      const id = 256 + merges.length;
      merges.push([a, b]);
      for (const w of where.get(best) ?? []) {
        addWord(w, -1);
        const s = words[w]; const t: number[] = [];
        for (let i = 0; i < s.length; i++) {
          if (i + 1 < s.length && s[i] === a && s[i + 1] === b) { t.push(id); i++; } else t.push(s[i]);
        }
        words[w] = t;
        addWord(w, 1);
      }
      where.delete(best);
      pairCount.delete(best);
    }
    return new BpeTokenizer(merges);
  }

  private encodeChunk(bytes: Uint8Array): Int32Array {
    const key = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
    const hit = this.cache.get(key);
    if (hit) return hit;
    let s = Array.from(bytes);
    for (;;) {
      let bestI = -1; let bestR = Infinity;
      for (let i = 0; i + 1 < s.length; i++) {
        const r = this.rank.get(pairKey(s[i], s[i + 1]));
        if (r !== undefined && r < bestR) { bestR = r; bestI = i; }
      }
      if (bestI < 0) break;
      const [a, b] = this.merges[bestR];
      const id = 256 + bestR;
      const t: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) { t.push(id); i++; } else t.push(s[i]);
      }
      s = t;
    }
    const out = Int32Array.from(s);
    if (this.cache.size < 200_000) this.cache.set(key, out);
    return out;
  }

  encode(bytes: Uint8Array): Int32Array {
    const cuts = chunkBounds(bytes);
    const parts: Int32Array[] = [];
    let total = 0;
    for (let c = 0; c + 1 < cuts.length; c++) {
      const p = this.encodeChunk(bytes.subarray(cuts[c], cuts[c + 1]));
      parts.push(p); total += p.length;
    }
    const out = new Int32Array(total);
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  }

  decode(ids: ArrayLike<number>): Uint8Array {
    let n = 0;
    for (let i = 0; i < ids.length; i++) {
      const t = ids[i];
      if (t < 0 || t >= this.vocabSize) throw new Error(`BPE tokenizer: token ${t} is outside 0..${this.vocabSize - 1}`);
      n += this.pieces[t].length;
    }
    const out = new Uint8Array(n);
    let o = 0;
    for (let i = 0; i < ids.length; i++) { const p = this.pieces[ids[i]]; out.set(p, o); o += p.length; }
    return out;
  }

  toJSON(): TokenizerJSON { return { kind: 'bpe', merges: this.merges.map(([a, b]) => [a, b]) }; }
}

export function tokenizerFromJSON(j: TokenizerJSON): Tokenizer {
  if (j.kind === 'hf') return new HfTokenizer(j.json, j.config);
  return j.kind === 'byte' ? new ByteTokenizer() : new BpeTokenizer(j.merges);
}

/** Build the tokenizer a spec asks for; BPE learns on `sample` (bytes of the train splits). */
export function buildTokenizer(spec: TokenizerSpec, sample: () => Uint8Array): Tokenizer {
  return spec.kind === 'byte' ? new ByteTokenizer() : BpeTokenizer.train(sample(), spec.vocab);
}
