// A training phase on one skill, built on the shared training step (train/step.ts): recovery
// after pruning, group-lasso fine-tuning, distillation, the relearn test. It adds what those
// phases share: evaluation every N steps through a SkillTracker, a global step/sample offset so
// metrics of successive phases line up, early stop, and cancel at step boundaries.
import type { Rng } from '../engine/rng';
import type { Skill, SkillSuite } from '../tasks/types';
import type { Optimizer } from '../train/optimizers';
import { readLoss, trainStep, type StepOptions, type Trainable } from '../train/step';

export interface PhaseArgs {
  model: Trainable;
  optimizer: Optimizer;
  suite: SkillSuite;
  skill: Skill;
  steps: number;
  batch: number;
  rng: Rng;
  /** Passed to every trainStep (extraLoss, ceWeight, gradClip, afterStep). */
  step?: Omit<StepOptions, 'keepLoss' | 'dropoutSeed'>;
  /** Global step and sample count at the start of this phase. */
  stepOffset: number;
  sampleOffset: number;
  evalEvery: number;
  /** Called every evalEvery steps and after the last one; return true to stop early. */
  onEval?: (globalStep: number, samples: number, trainLossNats: number | null) => Promise<boolean | void>;
  /** Called after every step, before any evaluation (e.g. to mask units, update λ), with the
   *  sample count so far: metrics logged here share the evaluations' `samples` axis. */
  afterEachStep?: (phaseStep: number, samples: number) => void | Promise<void>;
  cancelled: () => boolean;
  progress?: (phaseStep: number, total: number) => void;
}

export interface PhaseResult { steps: number; samples: number; stoppedEarly: boolean; cancelled: boolean }

/** Let the worker's message handler run (a cancel request arrives as a message). */
const yieldNow = () => new Promise<void>((r) => setImmediate(r));

export async function runPhase(a: PhaseArgs): Promise<PhaseResult> {
  let s = 0;
  let samples = a.sampleOffset;
  for (; s < a.steps; s++) {
    await yieldNow();
    if (a.cancelled()) return { steps: s, samples, stoppedEarly: false, cancelled: true };
    const batch = a.suite.sample(a.skill, a.batch, a.rng);
    const evalNow = (s + 1) % a.evalEvery === 0 || s + 1 === a.steps;
    const loss = trainStep(a.model, a.optimizer, batch, { ...a.step, keepLoss: evalNow });
    samples += batch.count;
    await a.afterEachStep?.(s, samples);
    a.progress?.(s + 1, a.steps);
    if (evalNow) {
      const l = loss ? (await readLoss(loss)).total : null;
      if (await a.onEval?.(a.stepOffset + s + 1, samples, l)) return { steps: s + 1, samples, stoppedEarly: true, cancelled: false };
    }
  }
  return { steps: s, samples, stoppedEarly: false, cancelled: false };
}
