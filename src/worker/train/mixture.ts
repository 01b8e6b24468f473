// The data mixture (the curriculum): which skills each step's batch holds and how many samples of
// each, possibly changing by step (a schedule of phases). Batches are filled straight into reused
// typed arrays, one contiguous block per component.
import type { Mixture, MixComponent } from '../../shared/specs';
import { skillKey } from '../../shared/specs';
import type { Rng } from '../engine/rng';
import type { Batch, Skill, SkillSuite } from '../tasks/types';

export interface MixturePhaseResolved { fromStep: number; components: { skill: Skill; perStep: number }[]; batchSize: number }

/** Normalise either mixture form into phases sorted by start step (the first starts at 0). */
export function mixturePhases(m: Mixture): { fromStep: number; components: MixComponent[] }[] {
  if (Array.isArray(m)) return [{ fromStep: 0, components: m }];
  return [...m.schedule].sort((a, b) => a.fromStep - b.fromStep);
}

/** Every distinct skill the mixture ever draws, in first-appearance order. */
export function mixtureSkills(m: Mixture): MixComponent['skill'][] {
  const seen = new Map<string, MixComponent['skill']>();
  for (const p of mixturePhases(m)) for (const c of p.components) if (!seen.has(skillKey(c.skill))) seen.set(skillKey(c.skill), c.skill);
  return [...seen.values()];
}

export class MixtureSampler {
  readonly phases: MixturePhaseResolved[];
  private buffers = new Map<number, Batch>();

  constructor(readonly suite: SkillSuite, mixture: Mixture) {
    this.phases = mixturePhases(mixture).map((p) => {
      const components = p.components.map((c) => ({ skill: suite.skill(c.skill), perStep: c.perStep }));
      return { fromStep: p.fromStep, components, batchSize: components.reduce((s, c) => s + c.perStep, 0) };
    });
    if (this.phases[0]?.fromStep !== 0) throw new Error('the mixture must have a phase starting at step 0');
  }

  /** The phase in force at (0-based) training step `step`. */
  phaseAt(step: number): MixturePhaseResolved {
    let p = this.phases[0];
    for (const q of this.phases) if (q.fromStep <= step) p = q;
    return p;
  }

  /** Samples step `step` draws. */
  batchSizeAt(step: number): number { return this.phaseAt(step).batchSize; }

  /** Training samples seen after completing steps 0..steps-1. */
  samplesSeen(steps: number): number {
    let total = 0;
    for (let i = 0; i < this.phases.length; i++) {
      const start = this.phases[i].fromStep;
      const end = Math.min(steps, i + 1 < this.phases.length ? this.phases[i + 1].fromStep : Infinity);
      if (end > start) total += (end - start) * this.phases[i].batchSize;
    }
    return total;
  }

  /** The batch of step `step`: rows of component 0, then component 1, … The returned arrays are
   *  reused by the next call for the same phase (copy them to keep them). */
  sample(step: number, rng: Rng): Batch {
    const phase = this.phaseAt(step);
    let buf = this.buffers.get(phase.fromStep);
    if (!buf) {
      buf = { x: new Float32Array(phase.batchSize * this.suite.inputDim), y: new Int32Array(phase.batchSize), count: phase.batchSize };
      this.buffers.set(phase.fromStep, buf);
    }
    let offset = 0;
    for (const c of phase.components) {
      this.suite.sampleInto(c.skill, c.perStep, rng, buf, offset);
      offset += c.perStep;
    }
    return buf;
  }
}
