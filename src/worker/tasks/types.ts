// A skill suite: where a job's samples come from. CMSP (online, synthetic), image datasets and
// text domains implement it; training, evaluation and compression see only this interface.
import type { SkillRef } from '../../shared/specs';
import type { Rng } from '../engine/rng';

/** `count` samples: x row-major [count, inputDim], y class indices [count]. */
export interface Batch { x: Float32Array; y: Int32Array; count: number }

export interface Skill {
  /** Canonical key (skillKey of the ref): the suffix of its metrics, e.g. `loss/[0,1,2,3]`. */
  key: string;
  /** One line a person can read: what this skill consists of. */
  description: string;
}

export interface SkillSuite {
  readonly inputDim: number;
  readonly numClasses: number;
  /** Resolve a skill reference; throws an Error naming the reference when it is not valid here. */
  skill(ref: SkillRef): Skill;
  /** Training samples of one skill. Synthetic suites draw fresh ones; finite data sets draw from the
   *  train split (with replacement or by epoch, suite's choice), deterministic given rng. */
  sample(skill: Skill, count: number, rng: Rng): Batch;
  /** Fill `out` at row `offset` (for mixing several skills into one batch without copies). */
  sampleInto(skill: Skill, count: number, rng: Rng, out: Batch, offset: number): void;
  /** Evaluation samples: fresh for synthetic suites (count honoured), the held-out split for finite
   *  data (count may cap it). */
  evalSet(skill: Skill, count: number, rng: Rng): Batch;
}
