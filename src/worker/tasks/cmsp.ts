// Compositional multitask sparse parity (METHODS.md §1). A skill is a code: a set of atomic
// indices c ⊆ {0..m-1}. A sample is x = [1{i∈c}]_{i<m} ⊕ b with b uniform in {0,1}^n, and the label
// is the parity of b over the union of the code's subsets S_i. Samples are generated straight into
// typed arrays, never per-sample tensors.
import type { SkillRef } from '../../shared/specs';
import { skillKey } from '../../shared/specs';
import { loadNative } from '../engine/kernels/native';
import type { Rng } from '../engine/rng';
import type { Batch, Skill, SkillSuite } from './types';

export interface CmspConfig {
  m: number;
  n: number;
  k: number;
  /** S_i per atomic skill; default S_i = {k·i … k·i+k−1}. */
  subsets?: number[][];
}

export interface CmspSkill extends Skill {
  /** Sorted distinct atomic indices. */
  code: number[];
  /** Data-bit positions whose parity is the label: the union of the code's subsets, sorted. */
  bits: number[];
}

/** The default subsets S_i = {k·i … k·i+k−1}. */
export function defaultSubsets(m: number, k: number): number[][] {
  return Array.from({ length: m }, (_, i) => Array.from({ length: k }, (_, j) => k * i + j));
}

/** A skill's control indices and, per 32-bit word of the data bits, the bits its label is the
 *  parity of (cached per skill). */
const packedCache = new WeakMap<CmspSkill, { code: Uint32Array; masks: Uint32Array }>();
export function packedSkill(s: CmspSkill, n: number): { code: Uint32Array; masks: Uint32Array } {
  let p = packedCache.get(s);
  if (!p) {
    const masks = new Uint32Array(Math.ceil(n / 32));
    for (const j of s.bits) masks[j >>> 5] |= 1 << (j & 31);
    p = { code: Uint32Array.from(s.code), masks };
    packedCache.set(s, p);
  }
  return p;
}

/** Rows [offset, offset + count) from their words (the same result as native cmspFill). */
export function fillRows(words: Uint32Array, out: Batch, offset: number, count: number, m: number, n: number, code: Uint32Array, masks: Uint32Array): void {
  const D = m + n, W = masks.length, x = out.x;
  for (let r = 0; r < count; r++) {
    const row = (offset + r) * D;
    x.fill(0, row, row + m); // control bits
    for (let c = 0; c < code.length; c++) x[row + code[c]] = 1;
    let acc = 0;
    for (let w = 0; w < W; w++) {
      const word = words[r * W + w];
      const bits = Math.min(32, n - 32 * w);
      const at = row + m + 32 * w;
      for (let j = 0; j < bits; j++) x[at + j] = (word >>> j) & 1;
      acc ^= word & masks[w];
    }
    acc ^= acc >>> 16; acc ^= acc >>> 8; acc ^= acc >>> 4; acc ^= acc >>> 2; acc ^= acc >>> 1;
    out.y[offset + r] = acc & 1;
  }
}

export class CmspSuite implements SkillSuite {
  readonly m: number;
  readonly n: number;
  readonly subsets: number[][];
  readonly inputDim: number;
  readonly numClasses = 2;

  constructor(cfg: CmspConfig) {
    this.m = cfg.m;
    this.n = cfg.n;
    this.subsets = cfg.subsets ?? defaultSubsets(cfg.m, cfg.k);
    if (this.subsets.length !== cfg.m) throw new Error(`cmsp: expected ${cfg.m} subsets, got ${this.subsets.length}`);
    for (const s of this.subsets) for (const b of s) {
      if (!Number.isInteger(b) || b < 0 || b >= cfg.n) throw new Error(`cmsp: subset bit ${b} is outside 0..${cfg.n - 1}`);
    }
    this.inputDim = cfg.m + cfg.n;
  }

  skill(ref: SkillRef): CmspSkill {
    if (typeof ref === 'string' || !Array.isArray(ref)) {
      throw new Error(`cmsp: skill ${JSON.stringify(ref)} is not a code; use a list of atomic indices such as [0] or [0,1,2,3]`);
    }
    for (const i of ref) {
      if (!Number.isInteger(i) || i < 0 || i >= this.m) throw new Error(`cmsp: skill ${skillKey(ref)} names atomic ${i}, outside 0..${this.m - 1}`);
    }
    const code = [...new Set(ref)].sort((a, b) => a - b);
    const bits = [...new Set(code.flatMap((i) => this.subsets[i]))].sort((a, b) => a - b);
    const kind = code.length === 1 ? 'atomic' : 'composite';
    return {
      key: skillKey(ref),
      description: `${kind} code ${skillKey(code)}: parity of ${bits.length} of ${this.n} data bits`,
      code,
      bits,
    };
  }

  sampleInto(skill: Skill, count: number, rng: Rng, out: Batch, offset: number): void {
    const s = skill as CmspSkill;
    if (!s.bits) throw new Error(`cmsp: ${skill.key} is not a CMSP skill`);
    const D = this.inputDim;
    if ((offset + count) * D > out.x.length || offset + count > out.y.length) {
      throw new Error(`cmsp: batch of ${out.y.length} rows cannot hold rows ${offset}..${offset + count - 1}`);
    }
    // The data bits of every row, 32 per random word, drawn in the order rng.fillBits would draw
    // them row by row; then expanded into floats and labelled (natively when the addon is built:
    // JS needed ≈2 ms per 10,000 rows, a sixth of a training step).
    const W = Math.ceil(this.n / 32);
    const words = this.wordBuffer(count * W);
    for (let i = 0; i < count * W; i++) words[i] = rng.u32();
    const { code, masks } = packedSkill(s, this.n);
    const native = loadNative();
    // (an addon built from older sources lacks cmspFill: `npm install` rebuilds it)
    if (native?.cmspFill) native.cmspFill(words, out.x, out.y, offset, count, this.m, this.n, code, masks);
    else fillRows(words, out, offset, count, this.m, this.n, code, masks);
  }

  private words = new Uint32Array(0);
  private wordBuffer(size: number): Uint32Array {
    if (this.words.length < size) this.words = new Uint32Array(size);
    return this.words;
  }

  sample(skill: Skill, count: number, rng: Rng): Batch {
    const b: Batch = { x: new Float32Array(count * this.inputDim), y: new Int32Array(count), count };
    this.sampleInto(skill, count, rng, b, 0);
    return b;
  }

  /** Synthetic: fresh samples every time, `count` honoured. */
  evalSet(skill: Skill, count: number, rng: Rng): Batch {
    return this.sample(skill, count, rng);
  }
}
