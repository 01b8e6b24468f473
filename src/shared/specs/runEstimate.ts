// How long a spec will take on this machine: the cost arithmetic of cost.ts (FLOP per run) divided
// by a speed MEASURED here — the effective FLOP/s of the latest finished run of the same model family
// (its whole wall time: steps, evaluations, start-up), or a step-time probe (a bench run). Without a
// measurement the estimate says so and gives cost.ts's order-of-magnitude figure only.
import type { RunRow } from '../api';
import { COST_LIMITS, estimateCost, type CostContext, type CostEstimate } from './cost';

/** Models whose speed per FLOP is comparable: MLPs (CMSP, images, bench) and transformers (text). */
export type ModelFamily = 'mlp' | 'transformer';

export interface MeasuredSpeed {
  runId: string;
  runName: string;
  kind: string;
  family: ModelFamily;
  backend: string | null;
  /** Effective FLOP per second of that run on this machine. */
  flopsPerSecond: number;
  /** Its measured seconds per training step (wall time / steps; a bench run's median step). */
  stepSeconds: number;
  endedAt: number;
}

export interface RunEstimate {
  /** Runs the spec creates (1 for a run, the plan's size for a study). */
  runs: number;
  /** Runs whose cost cost.ts can compute (imports, exports and pruning of an existing model cannot). */
  covered: number;
  family: ModelFamily | null;
  params: number | null;
  peakBytes: number | null;
  steps: number;
  flops: number;
  /** flops at cost.ts's assumed speed: an order of magnitude, not a measurement. */
  assumedSeconds: number;
  measured: MeasuredSpeed | null;
  /** flops / measured speed; null without a measurement or without any covered run. */
  seconds: number | null;
}

export function familyOf(spec: unknown): ModelFamily | null {
  const s = spec as { kind?: string; model?: { arch?: string }; method?: string };
  if (s.kind === 'bench') return 'mlp';
  if (s.kind === 'lm') return 'transformer';
  if (s.kind === 'train') return s.model?.arch === 'transformer' ? 'transformer' : 'mlp';
  return null;
}

export interface RunCost { flops: number; steps: number; params: number; peakBytes: number }

/** cost.ts's estimate as total FLOP (it stores them as seconds at its assumed speed). */
export function costOf(est: CostEstimate): RunCost {
  return { flops: est.approxSeconds * COST_LIMITS.flopsPerSecond, steps: est.steps, params: est.params, peakBytes: est.peakBytes };
}

/** Total FLOP of a parsed spec per cost.ts, or null where it cannot say. */
export function flopsOf(spec: { kind: string }, ctx: CostContext = {}): RunCost | null {
  const est = estimateCost(spec, ctx);
  return est ? costOf(est) : null;
}

/** The speed one finished run measured, or null (not finished, no timing, unknown cost). */
export function measuredSpeedOf(run: RunRow): MeasuredSpeed | null {
  const family = familyOf(run.spec);
  if (!family || run.status !== 'done' || !run.startedAt || !run.endedAt || run.endedAt <= run.startedAt) return null;
  const base = { runId: run.id, runName: run.name, kind: run.kind, family, backend: run.backend, endedAt: run.endedAt };
  if (run.kind === 'bench') {
    const est = estimateCost(run.spec);
    const ms = Number((run.summary as { medianMs?: unknown } | null)?.medianMs);
    if (!est || !(ms > 0)) return null;
    return { ...base, flopsPerSecond: est.flopsPerStep / (ms / 1000), stepSeconds: ms / 1000 };
  }
  const cost = flopsOf(run.spec);
  if (!cost || cost.steps <= 0) return null;
  // A run that stopped at its target ran fewer steps than its spec allowed: scale to the steps it ran.
  const ran = run.progress && run.progress.step > 0 ? Math.min(run.progress.step, cost.steps) : cost.steps;
  const secs = (run.endedAt - run.startedAt) / 1000;
  return { ...base, flopsPerSecond: (cost.flops * ran) / cost.steps / secs, stepSeconds: secs / ran };
}

/** The newest measurement of the family among these runs. */
export function latestSpeed(runs: readonly RunRow[], family: ModelFamily): MeasuredSpeed | null {
  let best: MeasuredSpeed | null = null;
  for (const r of runs) {
    if (familyOf(r.spec) !== family) continue;
    const m = measuredSpeedOf(r);
    if (m && (!best || m.endedAt > best.endedAt)) best = m;
  }
  return best;
}

/** Combine per-run costs with a measured speed. */
export function combineEstimate(costs: (RunCost | null)[], family: ModelFamily | null, measured: MeasuredSpeed | null): RunEstimate {
  const known = costs.filter((c): c is NonNullable<typeof c> => c !== null);
  const flops = known.reduce((a, c) => a + c.flops, 0);
  return {
    runs: costs.length, covered: known.length, family,
    params: known.length ? Math.max(...known.map((c) => c.params)) : null,
    peakBytes: known.length ? Math.max(...known.map((c) => c.peakBytes)) : null,
    steps: known.reduce((a, c) => a + c.steps, 0),
    flops, assumedSeconds: flops / COST_LIMITS.flopsPerSecond, measured,
    seconds: measured && known.length ? flops / measured.flopsPerSecond : null,
  };
}
