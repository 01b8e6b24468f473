// The size and speed report: what compaction bought. For the original model (the one the export was
// carved from) and the exported compact one: hidden units, parameters, bytes each format takes on
// disk, and the median latency of a forward pass at each batch size on the worker's tfjs backend.
import { Rng } from '../engine/rng';
import { tf, type Tensor2D } from '../engine/tf';
import { countParams, MaskableMlp, type MlpWeights } from '../models/mlp/model';

export interface ModelStats {
  /** Run the weights came from (null when it is the source model before compaction). */
  runId: string | null;
  hidden: number[];
  /** Hidden units in the file (masked units included: they still take space and time). */
  units: number;
  /** Hidden units that compute something (not masked). */
  activeUnits: number;
  params: number;
  /** Bytes on disk per format (all files of that format). */
  bytes: Record<string, number>;
  /** Median ms per forward pass, by batch size. */
  latencyMs: Record<string, number>;
}

export interface RuntimeCheck {
  format: string;
  runtime: string;
  version: string | null;
  inputs: number;
  /** Largest |logit difference| against the source model; null when the runtime was unavailable. */
  maxAbsDiff: number | null;
  skipped?: string;
}

export interface SizeSpeedReport {
  backend: string;
  /** The exported weights against the source model (masks applied) on random inputs. */
  check: { inputs: number; maxAbsDiff: number };
  /** Exported files run by another runtime against the source model, where one is available. */
  runtimeChecks: RuntimeCheck[];
  /** Timed passes asked for; repeatsUsed: what each batch size got within the time budget. */
  repeats: number;
  repeatsUsed: Record<string, number>;
  original: ModelStats;
  compact: ModelStats;
  /** compact / original, per measure (bytes per format, params, latency per batch). */
  ratios: Record<string, number>;
}

/** Wall time one batch size's timed passes may take (all models together). */
export const LATENCY_BUDGET_MS = 5000;

/** Median wall time of `repeats` forward passes per batch size, for each model. The models are
 *  timed in turns (A, B, A, B, …) on the same inputs after three warm-up passes each, so a busy
 *  machine slows them alike and the comparison stays fair. */
export function measureLatencies(models: MlpWeights[], batches: number[], repeats: number, seed: number,
  budgetMs = LATENCY_BUDGET_MS, used: Record<string, number> = {}): Record<string, number>[] {
  const live = models.map((w) => new MaskableMlp(w));
  const rng = new Rng(seed);
  const out: Record<string, number>[] = models.map(() => ({}));
  try {
    for (const batch of batches) {
      const width = models[0].config.inputs;
      const xt = tf.tensor2d(randomBatch(batch, width, rng), [batch, width]);
      const once = (m: MaskableMlp) => tf.tidy(() => { m.forward(xt as Tensor2D).dataSync(); });
      try {
        const t0 = performance.now();
        for (const m of live) { once(m); once(m); once(m); }
        // Big models on a slow backend: fewer repeats (at least 3) so one batch size stays in budget.
        const perRound = (performance.now() - t0) / 3;
        const n = Math.min(repeats, Math.max(3, Math.floor(budgetMs / Math.max(perRound, 1e-3))));
        used[String(batch)] = n;
        const times: number[][] = live.map(() => []);
        for (let r = 0; r < n; r++) {
          live.forEach((m, i) => {
            const t0 = performance.now();
            once(m);
            times[i].push(performance.now() - t0);
          });
        }
        times.forEach((t, i) => { t.sort((a, b) => a - b); out[i][String(batch)] = t[Math.floor(t.length / 2)]; });
      } finally {
        xt.dispose();
      }
    }
  } finally {
    live.forEach((m) => m.dispose());
  }
  return out;
}

/** One model's latencies (see measureLatencies). */
export function measureLatency(w: MlpWeights, batches: number[], repeats: number, seed: number): Record<string, number> {
  return measureLatencies([w], batches, repeats, seed)[0];
}

function randomBatch(rows: number, width: number, rng: Rng): Float32Array {
  const x = new Float32Array(rows * width);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform(0, 1);
  return x;
}

/** Largest |difference| between two models' logits on `rows` random inputs: compaction must not
 *  change what the model computes, and the export states how closely it was checked. */
export function outputsMaxDiff(a: MlpWeights, b: MlpWeights, rows: number, seed: number): number {
  const x = randomInputs(rows, a.config.inputs, seed);
  return maxAbsDiff(forwardLogits(a, x, rows), forwardLogits(b, x, rows));
}

/** Seeded inputs in [0, 1): bits for CMSP-like widths, pixel-like values for images. */
export function randomInputs(rows: number, width: number, seed: number): Float32Array {
  return randomBatch(rows, width, new Rng(seed));
}

/** The in-app model's logits (masks applied), flat [rows, outputs]. */
export function forwardLogits(w: MlpWeights, x: Float32Array, rows: number): Float32Array {
  const m = new MaskableMlp(w);
  try {
    return tf.tidy(() => m.forward(tf.tensor2d(x, [rows, w.config.inputs]) as Tensor2D).dataSync().slice() as Float32Array);
  } finally { m.dispose(); }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

export function modelStats(runId: string | null, w: MlpWeights, bytes: Record<string, number>, latencyMs: Record<string, number>): ModelStats {
  return {
    runId,
    hidden: [...w.config.hidden],
    units: w.config.hidden.reduce((a, b) => a + b, 0),
    activeUnits: w.masks.reduce((s, m) => s + m.reduce((t, v) => t + (v !== 0 ? 1 : 0), 0), 0),
    params: countParams(w.config),
    bytes,
    latencyMs,
  };
}

export function sizeSpeedReport(backend: string, repeats: number, repeatsUsed: Record<string, number>, check: SizeSpeedReport['check'], runtimeChecks: RuntimeCheck[], original: ModelStats, compact: ModelStats): SizeSpeedReport {
  const ratios: Record<string, number> = { params: compact.params / original.params, units: compact.units / original.units };
  for (const f of Object.keys(compact.bytes)) if (original.bytes[f]) ratios[`bytes.${f}`] = compact.bytes[f] / original.bytes[f];
  for (const b of Object.keys(compact.latencyMs)) if (original.latencyMs[b]) ratios[`latency.${b}`] = compact.latencyMs[b] / original.latencyMs[b];
  return { backend, check, runtimeChecks, repeats, repeatsUsed, original, compact, ratios };
}
