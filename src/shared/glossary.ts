// Human words for the contract's internal names: every spec field (by its own name, with the
// context of the sections around it) and every key a job writes into its run summary. The GUI,
// the CLI and the reports label things from here; glossary.test.ts fails when a schema or a job
// gains a name that has no entry.

export interface Term {
  /** Short label, sentence case, as a form or table shows it. */
  label: string;
  /** Unit of the value, when it has one ("bits", "samples"). */
  unit?: string;
}

/** Spec fields by their own name (the last part of their path). */
export const FIELD_TERMS: Record<string, Term> = {
  activation: { label: 'Activation' },
  alpha: { label: 'Distillation weight α (cross-entropy share)' },
  arch: { label: 'Architecture' },
  backend: { label: 'Compute backend' },
  base: { label: 'Shared settings' },
  batch: { label: 'Batch size', unit: 'samples' },
  batches: { label: 'Timed batches' },
  beta1: { label: 'Adam β₁' },
  beta2: { label: 'Adam β₂' },
  checkpointEvery: { label: 'Checkpoint every', unit: 'steps' },
  checkpointKeep: { label: 'Checkpoints kept' },
  classNames: { label: 'Class names' },
  compact: { label: 'Compact the model after pruning' },
  components: { label: 'Data mix' },
  context: { label: 'Context length', unit: 'tokens' },
  corpus: { label: 'Text corpus' },
  correlate: { label: 'Correlate attribution with ablation' },
  cutAt: { label: 'Cut to size at step' },
  dModel: { label: 'Model width (residual dimensions)' },
  dataset: { label: 'Dataset' },
  decoupled: { label: 'Decoupled weight decay' },
  distill: { label: 'Distillation' },
  domains: { label: 'Text domains' },
  dropout: { label: 'Dropout' },
  eps: { label: 'Adam ε' },
  eval: { label: 'Evaluation' },
  every: { label: 'Evaluate every', unit: 'steps' },
  exclude: { label: 'Files to leave out' },
  fail: { label: 'Fail on purpose' },
  folder: { label: 'Checkpoint folder' },
  failAt: { label: 'Fail at step' },
  force: { label: 'Overwrite existing files' },
  forceCutAt: { label: 'Force the cut at step' },
  formats: { label: 'Export formats' },
  fromStep: { label: 'From step' },
  general: { label: 'General model' },
  gradClip: { label: 'Gradient clipping (max norm)' },
  grayscale: { label: 'Convert to grayscale' },
  group: { label: 'Unit group' },
  groupLasso: { label: 'Group lasso' },
  heads: { label: 'Attention heads' },
  hidden: { label: 'Hidden layer widths', unit: 'units' },
  include: { label: 'Files to import' },
  inputDim: { label: 'Input size' },
  inputs: { label: 'Input runs' },
  k: { label: 'Bits per skill k' },
  keep: { label: 'Skill to keep' },
  keepResid: { label: 'Residual dimensions kept' },
  kind: { label: 'Kind' },
  lambda: { label: 'Group-lasso strength λ' },
  latency: { label: 'Latency measurement' },
  layers: { label: 'Layers' },
  lr: { label: 'Learning rate' },
  m: { label: 'Atomic skills m' },
  maskEvery: { label: 'Mask every', unit: 'steps' },
  maxFileBytes: { label: 'Largest file', unit: 'bytes' },
  maxTotalBytes: { label: 'Most bytes in total', unit: 'bytes' },
  method: { label: 'Method' },
  methods: { label: 'Methods' },
  minFraction: { label: 'Final learning-rate fraction' },
  minPerLayer: { label: 'Fewest units per layer', unit: 'units' },
  mixture: { label: 'Data mix' },
  mlpWidth: { label: 'MLP width', unit: 'neurons' },
  model: { label: 'Model' },
  momentum: { label: 'Momentum' },
  n: { label: 'Data bits n' },
  name: { label: 'Name' },
  normalisation: { label: 'Pixel normalisation' },
  offAtTarget: { label: 'Switch λ off at the target size' },
  onnxOpset: { label: 'ONNX opset' },
  optimizer: { label: 'Optimizer' },
  out: { label: 'Export folder' },
  outputs: { label: 'Outputs' },
  perStep: { label: 'Samples per step', unit: 'samples' },
  prompt: { label: 'Prompt' },
  prune: { label: 'Pruning' },
  recovery: { label: 'Recovery training' },
  reduce: { label: 'Score reduction' },
  regimes: { label: 'Regimes' },
  relearn: { label: 'Relearn test' },
  remove: { label: 'Skills to remove' },
  repeats: { label: 'Repeats' },
  replace: { label: 'Replace an existing dataset' },
  run: { label: 'Run' },
  sample: { label: 'Sample text' },
  samples: { label: 'Samples', unit: 'samples' },
  schedule: { label: 'Schedule' },
  scope: { label: 'Selection scope' },
  score: { label: 'Importance score' },
  scoreSamples: { label: 'Samples for scoring', unit: 'samples' },
  scoreWindows: { label: 'Windows for scoring' },
  scratch: { label: 'From scratch' },
  seed: { label: 'Seed' },
  seeds: { label: 'Seeds' },
  selection: { label: 'Selection' },
  site: { label: 'Scored site' },
  sizes: { label: 'Sizes (hidden units kept)', unit: 'units' },
  skill: { label: 'Skill' },
  skills: { label: 'Skills to evaluate' },
  source: { label: 'Model to compress' },
  sources: { label: 'Source folders' },
  sparsities: { label: 'Sparsities' },
  sparsity: { label: 'Sparsity (fraction removed)' },
  split: { label: 'Train/test split' },
  stepMs: { label: 'Step time', unit: 'ms' },
  steps: { label: 'Steps', unit: 'steps' },
  stopAtTarget: { label: 'Stop at the target' },
  stopWhenLearned: { label: 'Stop when learned' },
  subsets: { label: 'Skill subsets' },
  suite: { label: 'Skill suite' },
  target: { label: 'Narrow skill' },
  targetAccuracy: { label: 'Target accuracy' },
  targetLoss: { label: 'Target loss', unit: 'nats/token' },
  targetLossFactor: { label: 'Target loss (× the general model’s)' },
  targetUnits: { label: 'Target size', unit: 'units' },
  task: { label: 'Task' },
  teacher: { label: 'General model' },
  temperature: { label: 'Temperature' },
  testFraction: { label: 'Test fraction' },
  threshold: { label: 'Masking threshold' },
  tokenizer: { label: 'Tokenizer' },
  tokens: { label: 'Tokens', unit: 'tokens' },
  topK: { label: 'Top-k sampling' },
  train: { label: 'Training' },
  trainBytes: { label: 'Tokenizer training bytes', unit: 'bytes' },
  valFraction: { label: 'Held-out fraction' },
  vocab: { label: 'Vocabulary size', unit: 'tokens' },
  warmup: { label: 'Warm-up', unit: 'steps' },
  weightDecay: { label: 'Weight decay' },
  windows: { label: 'Evaluation windows' },
  within: { label: 'Within' },
};

/** Full paths whose meaning the leaf name alone does not carry. */
export const FIELD_PATH_TERMS: Record<string, Term> = {
  'teacher.run': { label: 'General model' },
  'teacher.hidden': { label: 'General model’s hidden layer widths', unit: 'units' },
  'source.run': { label: 'Model to compress' },
  'source.hidden': { label: 'Hidden layer widths of the model to compress', unit: 'units' },
  'general.run': { label: 'General model' },
  'eval.samples': { label: 'Evaluation samples', unit: 'samples' },
  'split.seed': { label: 'Split seed' },
  'schedule.kind': { label: 'Schedule' },
  'score.name': { label: 'Importance score' },
  'selection.keep': { label: 'Units to keep', unit: 'units' },
  'prune.keep': { label: 'MLP neurons to keep', unit: 'neurons' },
  // issue 19: carving a narrow model out of an imported checkpoint
  'prune.keepFraction': { label: 'Fraction of MLP neurons to keep' },
  'prune.headGroup': { label: 'Attention-head unit (KV group or query head)' },
  'sizes.mlp': { label: 'Fraction of MLP neurons kept' },
  'relearn.domain': { label: 'Domain to relearn' },
  student: { label: 'Student shape' },
  'student.mlpFraction': { label: 'Fraction of MLP neurons' },
  'student.mlpTotal': { label: 'MLP neurons in total', unit: 'neurons' },
  // issue 19: attention-head pruning
  'prune.keepHeadsFraction': { label: 'Fraction of attention-head units to keep' },
  'sizes.heads': { label: 'Fraction of attention-head units kept' },
  'prune.headScope': { label: 'Attention-head selection (per layer or global)' },
  'student.headsFraction': { label: 'Fraction of attention-head units' },
  'student.headGroup': { label: 'Attention-head unit (KV group or query head)' },
};

/** Sections whose name adds context to the fields inside them ("Learning rate (general model)"). */
const SECTION_CONTEXT: Record<string, string> = {
  teacher: 'general model', source: 'model to compress', general: 'general model', distill: 'distillation',
  groupLasso: 'group lasso', prune: 'pruning', recovery: 'recovery', relearn: 'relearn test', scratch: 'from scratch',
  eval: 'evaluation', sample: 'sample text', latency: 'latency', regimes: 'regime',
};

/** A spec path without array indices: `regimes[1].mixture[0].skill` → `regimes.mixture.skill`. */
export function normalisePath(path: string): string {
  return path.replace(/\[\d+\]/g, '').replace(/^\.+|\.+$/g, '');
}

/** The human label of a spec field path; the whole spec for the empty path. */
export function fieldLabel(path: string): string {
  const p = normalisePath(path);
  if (!p) return 'The spec';
  const exact = FIELD_PATH_TERMS[p];
  if (exact) return capitalise(exact.label);
  const parts = p.split('.');
  for (let i = 1; i < parts.length; i++) {
    const tail = FIELD_PATH_TERMS[parts.slice(i).join('.')];
    if (tail) return withContext(tail.label, parts.slice(0, i));
  }
  const leaf = parts[parts.length - 1];
  const term = FIELD_TERMS[leaf];
  return withContext(term ? term.label : humanise(leaf), parts.slice(0, -1));
}

function withContext(label: string, parents: string[]): string {
  const ctx = [...new Set(parents.map((s) => SECTION_CONTEXT[s]).filter((s): s is string => !!s))];
  return capitalise(ctx.length ? `${label} (${ctx.join(', ')})` : label);
}

/** Field paths (as schemaPaths lists them) whose own name has no entry. */
export function unlabelledFields(paths: Iterable<string>): string[] {
  const out: string[] = [];
  for (const p of paths) {
    const n = normalisePath(p);
    const leaf = n.split('.').pop()!;
    if (!FIELD_TERMS[leaf] && !FIELD_PATH_TERMS[n]) out.push(p);
  }
  return out;
}

/** How a summary key's value is shaped, for walking it. */
type SummaryShape =
  /** a scalar, a list of scalars, or an object the label covers as a whole */
  | 'value'
  /** a record keyed by skill, domain or format: its keys are data, its values are `value`s */
  | 'perKey'
  /** an object (or list of objects) whose own keys are summary keys too */
  | 'nested';

export interface SummaryTerm extends Term { shape?: SummaryShape }

/** Keys the jobs write into run summaries (nested keys included). */
export const SUMMARY_TERMS: Record<string, SummaryTerm> = {
  // train
  steps: { label: 'Steps', unit: 'steps' },
  samples: { label: 'Training samples', unit: 'samples' },
  params: { label: 'Parameters' },
  target: { label: 'Narrow skill' },
  stepsToLearn: { label: 'Steps to learn', unit: 'steps', shape: 'perKey' },
  samplesToLearn: { label: 'Samples to learn', unit: 'samples', shape: 'perKey' },
  finalLossBits: { label: 'Final loss', unit: 'bits', shape: 'perKey' },
  finalAcc: { label: 'Final accuracy', shape: 'perKey' },
  completed: { label: 'Completed all steps' },
  stoppedEarly: { label: 'Stopped early (learned)' },
  // compression jobs
  kept: { label: 'Kept skill', shape: 'nested' },
  removed: { label: 'Removed skills', shape: 'nested' },
  skill: { label: 'Skill' },
  acc: { label: 'Accuracy' },
  lossBits: { label: 'Loss', unit: 'bits' },
  relearnAcc: { label: 'Accuracy after relearning' },
  targetAccuracy: { label: 'Target accuracy' },
  samplesToTarget: { label: 'Samples to the target', unit: 'samples' },
  stepsToTarget: { label: 'Steps to the target', unit: 'steps' },
  units: { label: 'Hidden units kept', unit: 'units' },
  hidden: { label: 'Hidden layer widths', unit: 'units' },
  paramsBefore: { label: 'Parameters before' },
  paramsAfter: { label: 'Parameters after' },
  method: { label: 'Method' },
  score: { label: 'Importance score' },
  pruneSamples: { label: 'Samples in the pruning phase', unit: 'samples' },
  sparsity: { label: 'Sparsity (fraction removed)' },
  beforePrune: { label: 'Accuracy before pruning', shape: 'perKey' },
  afterPrune: { label: 'Accuracy after pruning', shape: 'perKey' },
  afterRecovery: { label: 'Accuracy after recovery', shape: 'perKey' },
  relearn: { label: 'Accuracy after relearning', shape: 'perKey' },
  correlation: { label: 'Attribution vs ablation correlation' },
  keep: { label: 'Skill kept' },
  alpha: { label: 'Distillation weight α' },
  temperature: { label: 'Temperature' },
  teacherAccuracy: { label: 'General model’s accuracy', shape: 'perKey' },
  teacherParams: { label: 'General model’s parameters' },
  lambda: { label: 'Group-lasso strength λ' },
  reachedTargetUnits: { label: 'λ reached the target size' },
  forcedCut: { label: 'Cut to size by force' },
  before: { label: 'Accuracy before', shape: 'perKey' },
  // language models
  tokens: { label: 'Training tokens', unit: 'tokens' },
  pruneTokens: { label: 'Tokens in the pruning phase', unit: 'tokens' },
  targetLoss: { label: 'Target loss', unit: 'nats/token' },
  tokensToTarget: { label: 'Tokens to the target', unit: 'tokens' },
  losses: { label: 'Final held-out loss', unit: 'nats/token', shape: 'perKey' },
  natsPerByte: { label: 'Final held-out loss', unit: 'nats/byte', shape: 'perKey' },
  bitsPerByte: { label: 'Final held-out loss', unit: 'bits/byte', shape: 'perKey' },
  neurons: { label: 'MLP neurons', unit: 'neurons' },
  mlp: { label: 'MLP widths per layer', unit: 'neurons' },
  dModel: { label: 'Model width (residual dimensions)' },
  vocab: { label: 'Vocabulary size', unit: 'tokens' },
  sample: { label: 'Sample text' },
  text: { label: 'Generated text' },
  model: { label: 'Model run' },
  // bench
  variant: { label: 'Variant' },
  backend: { label: 'Compute backend' },
  threads: { label: 'Threads' },
  blas: { label: 'BLAS' },
  gemm: { label: 'GEMM kernel' },
  dims: { label: 'Layer sizes' },
  batch: { label: 'Batch size', unit: 'samples' },
  medianMs: { label: 'Median step time', unit: 'ms' },
  minMs: { label: 'Fastest step time', unit: 'ms' },
  cpuMs: { label: 'CPU time per step', unit: 'ms' },
  samplesPerSec: { label: 'Throughput', unit: 'samples/s' },
  gflops: { label: 'Throughput', unit: 'GFLOP/s' },
  // imports, export
  dataset: { label: 'Dataset' },
  meta: { label: 'Dataset details' },
  cancelled: { label: 'Cancelled' },
  corpus: { label: 'Text corpus' },
  dir: { label: 'Folder' },
  manifest: { label: 'Corpus details' },
  sourceRun: { label: 'Exported run' },
  formats: { label: 'Export formats' },
  files: { label: 'Files written' },
  size: { label: 'Model size' },
  report: { label: 'Export check' },
  cardMarkdown: { label: 'Model card' },
  written: { label: 'Files written' },
  // imported models (importModel)
  architecture: { label: 'Architecture' },
  modelType: { label: 'Model type' },
  layers: { label: 'Layers' },
  heads: { label: 'Attention heads' },
  kvHeads: { label: 'Key/value heads' },
  headsKept: { label: 'Query heads kept per layer' },
  headDim: { label: 'Head width' },
  mlpWidth: { label: 'MLP width', unit: 'neurons' },
  context: { label: 'Context length', unit: 'tokens' },
  dtype: { label: 'Stored as' },
  bytesRead: { label: 'Bytes read' },
  sourceFiles: { label: 'Weight files read' },
  folder: { label: 'Checkpoint folder' },
  seconds: { label: 'Import time', unit: 's' },
};

/** The human label of a summary key, with its unit: "Final loss (bits)". */
export function summaryLabel(key: string): string {
  const t = SUMMARY_TERMS[key];
  if (!t) return capitalise(humanise(key));
  return t.unit && !['steps', 'samples', 'tokens', 'units', 'neurons'].includes(t.unit) ? `${t.label} (${t.unit})` : t.label;
}

/** Keys of a job's summary (walked as SUMMARY_TERMS says) that have no entry: dotted paths. */
export function unlabelledSummaryKeys(summary: unknown, prefix = ''): string[] {
  const out: string[] = [];
  const visit = (obj: Record<string, unknown>, pre: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const term = SUMMARY_TERMS[k];
      if (!term) { out.push(pre + k); continue; }
      if (term.shape !== 'nested') continue;
      for (const item of Array.isArray(v) ? v : [v]) {
        if (item && typeof item === 'object' && !Array.isArray(item)) visit(item as Record<string, unknown>, `${pre}${k}.`);
      }
    }
  };
  if (summary && typeof summary === 'object' && !Array.isArray(summary)) visit(summary as Record<string, unknown>, prefix);
  return out;
}

/** camelCase → "camel case" (the fallback for names with no entry). */
export function humanise(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_/]+/g, ' ').toLowerCase().trim();
}

function capitalise(s: string): string {
  return s ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}

/** A flattened spec path as a table row label: "Hidden layer widths, item 2" for `model.hidden[1]`. */
export function flatFieldLabel(path: string): string {
  const m = /\[(\d+)\]$/.exec(path);
  return m ? `${fieldLabel(path)}, item ${Number(m[1]) + 1}` : fieldLabel(path);
}
