// What a training spec will cost before it runs: parameters, memory and an order-of-magnitude
// time, from the spec alone (pure arithmetic, plain constants). The schemas use it to refuse specs
// whose arrays the engine cannot even allocate (naming the field that sets the size); the API uses
// it to ask for confirmation before a spec that needs a lot of memory or time is started.
// Only `import type` from the specs: they import this file.
import type { BenchSpec } from './bench';
import type { LmSpec } from './text';
import type { TrainSpec } from './train';

/** Every threshold in one place. */
export const COST_LIMITS = {
  /** The engine's largest single array, in values: typed arrays and tensors are indexed with
   *  32-bit integers (a bigger one fails in the worker with "Invalid typed array length"). */
  maxArrayValues: 2 ** 31 - 1,
  /** Ask for confirmation above this peak memory… */
  confirmBytes: 2 * 2 ** 30,
  /** …or above this estimated training time. */
  confirmSeconds: 6 * 3600,
  /** Assumed sustained speed in FLOP/s: the order of magnitude of the native kernels on a small
   *  CPU. Only for the time estimate, which is meant to tell minutes from weeks, no finer. */
  flopsPerSecond: 2e10,
  /** Copies of each parameter held while training: weights, gradient, Adam's two moments. */
  paramCopies: 4,
  /** Copies of each activation kept for the backward pass (pre-activation, output, gradient). */
  activationCopies: 3,
  bytesPerValue: 4,
  /** A registered image dataset's shape is known only to the API; the schema assumes 28×28×1, 10 classes. */
  defaultImageInputs: 784,
  defaultImageClasses: 10,
} as const;

/** One array the run will allocate, and the spec field that sets its size. */
/** `factor`: the other field in the product; when that one is already too large on its own, the
 *  issue is reported there only (a huge hidden width is not the batch's fault). */
export interface CostArray { values: number; path: (string | number)[]; what: string; factor?: (string | number)[] }

export interface CostEstimate {
  params: number;
  /** Parameters × their training copies × 4 bytes. */
  paramBytes: number;
  /** Activations of the largest batch (training or evaluation) kept for backward. */
  activationBytes: number;
  peakBytes: number;
  flopsPerStep: number;
  steps: number;
  approxSeconds: number;
  arrays: CostArray[];
}

/** Shape facts the spec does not carry (an image dataset's input width and classes). */
export interface CostContext { inputDim?: number; classes?: number }

type Path = (string | number)[];

/** The training batch: the largest phase's total, and the path of its largest component. */
function batchOf(mixture: TrainSpec['mixture'] | LmSpec['mixture']): { size: number; path: Path } {
  const phases: { comps: { perStep: number }[]; at: Path }[] = Array.isArray(mixture)
    ? [{ comps: mixture, at: ['mixture'] }]
    : mixture.schedule.map((p, i) => ({ comps: p.components, at: ['mixture', 'schedule', i, 'components'] }));
  let best = { size: 0, path: ['mixture'] as Path };
  for (const ph of phases) {
    const size = ph.comps.reduce((s, c) => s + c.perStep, 0);
    if (size <= best.size) continue;
    let big = 0;
    ph.comps.forEach((c, i) => { if (c.perStep > ph.comps[big].perStep) big = i; });
    best = { size, path: [...ph.at, big, 'perStep'] };
  }
  return best;
}

function finish(params: number, activationValues: number, flopsPerStep: number, evalFlops: number, steps: number, every: number, arrays: CostArray[]): CostEstimate {
  const L = COST_LIMITS;
  const paramBytes = params * L.paramCopies * L.bytesPerValue;
  const activationBytes = activationValues * L.bytesPerValue;
  const flops = steps * flopsPerStep + Math.floor(steps / every) * evalFlops;
  return { params, paramBytes, activationBytes, peakBytes: paramBytes + activationBytes, flopsPerStep, steps, approxSeconds: flops / L.flopsPerSecond, arrays };
}

interface MlpShape {
  inputs: number; hidden: number[]; classes: number; hiddenPath: Path;
  batch: { size: number; path: Path }; evalN: number; evalSkills: number; steps: number; every: number;
}

/** An MLP: dims [inputs, ...hidden, classes]. */
function mlpCost(x: MlpShape): CostEstimate {
  const L = COST_LIMITS;
  const { inputs, hidden, classes, batch, evalN } = x;
  const dims = [inputs, ...hidden, classes];
  let weights = 0, params = 0;
  const arrays: CostArray[] = [];
  for (let l = 0; l + 1 < dims.length; l++) {
    weights += dims[l] * dims[l + 1];
    params += dims[l] * dims[l + 1] + dims[l + 1];
    arrays.push({ values: dims[l] * dims[l + 1], path: [...x.hiddenPath, Math.min(l, hidden.length - 1)], what: `a ${dims[l]}×${dims[l + 1]} weight matrix` });
  }
  const widest = Math.max(...hidden);
  const widestPath: Path = [...x.hiddenPath, hidden.indexOf(widest)];
  arrays.push({ values: batch.size * inputs, path: batch.path, what: `a batch of ${batch.size} samples × ${inputs} inputs` });
  arrays.push({ values: batch.size * widest, path: batch.path, what: `a batch of ${batch.size} samples × a hidden width of ${widest}`, factor: widestPath });
  if (evalN) {
    arrays.push({ values: evalN * inputs, path: ['eval', 'samples'], what: `an evaluation set of ${evalN} samples × ${inputs} inputs` });
    arrays.push({ values: evalN * widest, path: ['eval', 'samples'], what: `an evaluation set of ${evalN} samples × a hidden width of ${widest}`, factor: widestPath });
  }
  const perSample = inputs + (hidden.reduce((a, b) => a + b, 0) + classes) * L.activationCopies;
  const activations = Math.max(batch.size, evalN) * perSample;
  // Forward 2 FLOP per weight per sample, backward twice that.
  return finish(params, activations, 6 * weights * batch.size, 2 * weights * evalN * x.evalSkills, x.steps, x.every, arrays);
}

/** A train spec's MLP on CMSP or images. */
function trainMlpCost(s: TrainSpec, hidden: number[], ctx: CostContext): CostEstimate {
  const L = COST_LIMITS;
  const t = s.task;
  return mlpCost({
    inputs: t.suite === 'cmsp' ? t.m + t.n : ctx.inputDim ?? L.defaultImageInputs,
    classes: t.suite === 'cmsp' ? 2 : ctx.classes ?? L.defaultImageClasses,
    hidden, hiddenPath: ['model', 'hidden'], batch: batchOf(s.mixture), evalN: s.eval.samples,
    evalSkills: s.eval.skills?.length ?? new Set(mixtureSkills(s.mixture).map((k) => JSON.stringify(k))).size + 1,
    steps: s.steps, every: s.eval.every,
  });
}

function mixtureSkills(m: TrainSpec['mixture']): unknown[] {
  return Array.isArray(m) ? m.map((c) => c.skill) : m.schedule.flatMap((p) => p.components.map((c) => c.skill));
}

export interface TransformerShape { layers: number; dModel: number; heads: number; mlpWidth: number; context: number }

/** Parameters of the decoder (tied embeddings: wte [V,d], wpe [ctx,d], per layer LN, qkv, out, MLP; final LN). */
export function transformerParams(m: TransformerShape, vocab: number): number {
  const d = m.dModel, F = m.mlpWidth;
  const layer = 2 * d + (d * 3 * d + 3 * d) + (d * d + d) + 2 * d + (d * F + F) + (F * d + d);
  return vocab * d + m.context * d + m.layers * layer + 2 * d;
}

interface LmShape { model: TransformerShape; vocab: number; context: number; batch: { size: number; path: Path }; evalTokens: number; steps: number; every: number }

function transformerCost(x: LmShape): CostEstimate {
  const { model: m, vocab: V, context: T } = x;
  const B = x.batch.size, tokens = B * T, d = m.dModel, F = m.mlpWidth;
  const params = transformerParams(m, V);
  const arrays: CostArray[] = [
    { values: V * d, path: ['model', 'dModel'], what: `a ${V}×${d} embedding` },
    { values: d * 3 * d, path: ['model', 'dModel'], what: `a ${d}×${3 * d} attention projection` },
    { values: d * F, path: ['model', 'mlpWidth'], what: `a ${d}×${F} MLP matrix` },
    { values: tokens * V, path: x.batch.path, what: `logits for ${B} windows × ${T} tokens × ${V} vocabulary` },
    { values: tokens * F, path: x.batch.path, what: `MLP activations for ${B} windows × ${T} tokens × width ${F}`, factor: ['model', 'mlpWidth'] },
    { values: B * m.heads * T * T, path: x.batch.path, what: `attention scores for ${B} windows × ${m.heads} heads × ${T}² positions` },
  ];
  // Per layer and token: ~10 residual-width values (LN, qkv, attention out, residuals) and 2 MLP
  // widths; per layer and window the attention matrix (scores and softmax); the logits twice.
  const activations = m.layers * (tokens * (10 * d + 2 * F) + 2 * B * m.heads * T * T) + 2 * tokens * V;
  // Forward FLOP per token: 2 per weight (the position table is a lookup, the tied embedding also
  // unembeds) plus attention's QKᵀ and AV; training is forward + backward ≈ 3 forwards.
  const perToken = 2 * (params - m.context * d) + m.layers * 4 * T * d;
  return finish(params, activations, 3 * perToken * tokens, perToken * x.evalTokens, x.steps, x.every, arrays);
}

function vocabOf(tok: { kind: 'byte' } | { kind: 'bpe'; vocab: number }): number { return tok.kind === 'bpe' ? tok.vocab : 256; }

/** The estimate for a train, lm or bench spec (parsed, defaults filled); null for kinds it does not cover
 *  (imports, exports, a pruned model whose shape is its source run's). */
export function estimateCost(spec: { kind: string }, ctx: CostContext = {}): CostEstimate | null {
  if (spec.kind === 'train') {
    const s = spec as TrainSpec;
    if (s.model.arch === 'mlp') return s.task.suite === 'text' ? null : trainMlpCost(s, s.model.hidden, ctx);
    if (s.task.suite !== 'text' || !Array.isArray(s.mixture)) return null;
    const windows = Math.max(1, Math.min(s.eval.samples, 256));
    return transformerCost({ model: s.model, vocab: vocabOf(s.task.tokenizer), context: s.task.context, batch: batchOf(s.mixture), evalTokens: windows * s.task.context * s.task.domains.length, steps: s.steps, every: s.eval.every });
  }
  if (spec.kind === 'bench') {
    const b = spec as BenchSpec;
    return mlpCost({ inputs: b.inputDim, hidden: b.hidden, classes: b.outputs, hiddenPath: ['hidden'], batch: { size: b.batch, path: ['batch'] }, evalN: 0, evalSkills: 0, steps: b.steps + b.warmup, every: Infinity });
  }
  if (spec.kind === 'lm') {
    const s = spec as LmSpec;
    if (!s.model || s.method === 'prune') return null;
    return transformerCost({ model: s.model, vocab: vocabOf(s.task.tokenizer), context: s.task.context, batch: batchOf(s.mixture), evalTokens: s.eval.windows * s.task.context * s.task.domains.length, steps: s.steps, every: s.eval.every });
  }
  return null;
}

/** Arrays above the engine's limit, one issue per field (the largest array it sets). */
export function arrayLimitIssues(est: CostEstimate): { path: Path; message: string }[] {
  const max = COST_LIMITS.maxArrayValues;
  const byField = new Map<string, CostArray>();
  for (const a of est.arrays) {
    if (a.values <= max) continue;
    const k = a.path.join('.');
    if ((byField.get(k)?.values ?? 0) < a.values) byField.set(k, a);
  }
  const own = new Set([...byField.values()].filter((a) => !a.factor).map((a) => a.path.join('.')));
  return [...byField.values()].filter((a) => !a.factor || !own.has(a.factor.join('.'))).map((a) => ({ path: a.path, message: `${a.what} is ${fmtCount(a.values)} values, more than the engine's largest array (${fmtCount(max)})` }));
}

export function fmtCount(n: number): string { return Math.round(n).toLocaleString('en-US'); }

export function fmtBytes(b: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) { b /= 1024; i++; }
  return `${b.toFixed(b < 10 && i ? 1 : 0)} ${units[i]}`;
}

export function fmtSeconds(s: number): string {
  if (s < 90) return `${Math.max(1, Math.round(s))} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 2 * 86400) return `${(s / 3600).toFixed(1)} h`;
  if (s < 730 * 86400) return `${Math.round(s / 86400)} days`;
  return `${fmtCount(Number((s / (365 * 86400)).toPrecision(2)))} years`;
}

/** One line a person can read: "1,234 parameters, about 1.2 GiB of memory, about 3 h". */
export function describeCost(est: CostEstimate): string {
  return `${fmtCount(est.params)} parameters, about ${fmtBytes(est.peakBytes)} of memory at peak, roughly ${fmtSeconds(est.approxSeconds)} for ${fmtCount(est.steps)} steps`;
}

/** Why a spec needs a person's confirmation before it starts (empty: it does not). */
export function confirmReasons(est: CostEstimate, limits: { confirmBytes: number; confirmSeconds: number } = COST_LIMITS): string[] {
  const out: string[] = [];
  if (est.peakBytes > limits.confirmBytes) out.push(`more than ${fmtBytes(limits.confirmBytes)} of memory`);
  if (est.approxSeconds > limits.confirmSeconds) out.push(`more than ${fmtSeconds(limits.confirmSeconds)} of training`);
  return out;
}
