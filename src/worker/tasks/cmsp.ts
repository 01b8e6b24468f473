// Compositional multitask sparse parity (METHODS.md §1). A skill is a code: a set of atomic
// indices c ⊆ {0..m-1}. A sample is x = [1{i∈c}]_{i<m} ⊕ b with b uniform in {0,1}^n, and the label
// is the parity of b over the union of the code's subsets S_i. Samples are generated straight into
// typed arrays (rng.fillBits), never per-sample tensors.
import type { SkillRef } from '../../shared/specs';
import { skillKey } from '../../shared/specs';
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
    for (let r = offset; r < offset + count; r++) {
      const row = r * D;
      out.x.fill(0, row, row + this.m); // control bits
      for (const i of s.code) out.x[row + i] = 1;
      rng.fillBits(out.x, row + this.m, this.n); // data bits b
      let parity = 0;
      for (const j of s.bits) parity ^= out.x[row + this.m + j];
      out.y[r] = parity;
    }
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
