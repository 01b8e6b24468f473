// Learning-rate schedules: linear warmup then cosine decay to a floor (the usual LM recipe).
// `setLearningRate` changes the rate an existing optimizer applies from its next step on.
import type { Optimizer } from './optimizers';

export interface WarmupCosine {
  /** Steps of linear warmup from ~0 to the base rate. */
  warmup: number;
  /** Step at which the cosine reaches its floor (usually the run's total steps). */
  total: number;
  /** Floor as a fraction of the base rate. */
  minFraction: number;
}

/** Multiplier of the base rate at 0-based step `step`. */
export function warmupCosine(step: number, s: WarmupCosine): number {
  if (s.warmup > 0 && step < s.warmup) return (step + 1) / s.warmup;
  const span = Math.max(1, s.total - s.warmup);
  const p = Math.min(1, Math.max(0, (step - s.warmup) / span));
  return s.minFraction + (1 - s.minFraction) * 0.5 * (1 + Math.cos(Math.PI * p));
}

/** Set the rate of an Adam/AdamW or SGD optimizer (both read cfg.lr at every update). */
export function setLearningRate(opt: Optimizer, lr: number): void {
  const cfg = (opt as unknown as { cfg?: { lr: number } }).cfg;
  if (!cfg) throw new Error(`optimizer ${opt.name} has no learning rate to set`);
  cfg.lr = lr;
}
