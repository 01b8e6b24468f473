// Evaluation bookkeeping shared by the compression jobs: evaluates the kept skill and the skills
// meant to be removed, streams `acc/<skill>` and `loss/<skill>` (bits) metrics against a global
// step and sample count, and records samplesToTarget — training samples (pruning phase included)
// until the kept skill's accuracy first reaches the target while the model is at its final size.
import type { MetricPoint } from '../../shared/events';
import type { Rng } from '../engine/rng';
import type { Skill, SkillSuite } from '../tasks/types';
import { evaluateSkills, type SkillEval } from '../train/evaluate';
import type { Trainable } from '../train/step';

export interface TrackerOptions {
  suite: SkillSuite;
  keep: Skill;
  remove: Skill[];
  evalSamples: number;
  targetAccuracy: number;
  rng: Rng;
  metrics: (points: MetricPoint[]) => void;
  /** Checked at each evaluation batch (JobCancelled). */
  cancelled?: () => boolean;
}

export type Evals = Record<string, { acc: number; lossBits: number }>;

export class SkillTracker {
  samplesToTarget: number | null = null;
  stepsToTarget: number | null = null;
  last: Evals = {};
  constructor(readonly o: TrackerOptions) {}

  get skills(): Skill[] { return [this.o.keep, ...this.o.remove]; }

  /** Evaluate every skill at global `step` after `samples` training samples. `atSize`: the model
   *  has its final number of units (only then may the target count as reached). `prefix` names a
   *  metric family for evaluations that are not on the main line (e.g. `relearn/`). */
  async evaluate(model: Trainable, step: number, samples: number, opts: { atSize?: boolean; prefix?: string; skills?: Skill[] } = {}): Promise<Evals> {
    const skills = opts.skills ?? this.skills;
    const res: SkillEval[] = await evaluateSkills(model, this.o.suite, skills, this.o.evalSamples, this.o.rng, this.o.cancelled);
    const prefix = opts.prefix ?? '';
    const out: Evals = {};
    const points: MetricPoint[] = [];
    for (const r of res) {
      out[r.key] = { acc: r.acc, lossBits: r.lossBits };
      points.push({ step, key: `${prefix}acc/${r.key}`, value: r.acc, samples });
      points.push({ step, key: `${prefix}loss/${r.key}`, value: r.lossBits, samples });
    }
    this.o.metrics(points);
    if (!opts.prefix) {
      this.last = { ...this.last, ...out };
      const k = out[this.o.keep.key];
      if (k && (opts.atSize ?? true) && this.samplesToTarget === null && k.acc >= this.o.targetAccuracy) {
        this.samplesToTarget = samples;
        this.stepsToTarget = step;
      }
    }
    return out;
  }

  reached(): boolean { return this.samplesToTarget !== null; }
}

/** Accuracy per skill key from an evaluation (for summaries). */
export function accuracies(e: Evals): Record<string, number> {
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v.acc]));
}
