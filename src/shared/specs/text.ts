// Text corpora and tokenizers: the contract between corpus import (main/services/corpora.ts),
// the text suite (worker/tasks/text) and the UI. Pure zod.
import { z } from 'zod';
import { arrayLimitIssues, estimateCost } from './cost';

const int = (min = 0) => z.number().int().min(min);

/** Folder under WHITTLE_HOME holding one sub-folder per imported corpus (= text domain). */
export const CORPORA_DIR = 'corpora';
/** Files of one corpus folder: raw bytes of the train and held-out splits, and its manifest. */
export const CORPUS_FILES = { train: 'train.bin', val: 'val.bin', manifest: 'manifest.json' } as const;

export const CorpusName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a corpus name is 1–64 letters, digits, _ . - (starting with a letter or digit)');

/** Import text files as a named corpus (a text domain) under WHITTLE_HOME/corpora/<corpus>/. */
export const ImportCorpusSpec = z.object({
  kind: z.literal('importCorpus'),
  name: z.string().optional(),
  corpus: CorpusName,
  /** Folders (searched recursively) or single files. */
  sources: z.array(z.string().min(1)).min(1),
  /** Globs on the path relative to its source folder (`**\/*.py`); default: every file. */
  include: z.array(z.string().min(1)).default([]),
  exclude: z.array(z.string().min(1)).default([]),
  /** Files larger than this are skipped (and counted). */
  maxFileBytes: int(1).default(1 << 20),
  /** Import stops adding files once this many bytes are in (files are taken in sorted path order). */
  maxTotalBytes: int(1).default(64 << 20),
  /** Fraction of documents (by a hash of their path) held out for evaluation. */
  valFraction: z.number().gt(0).lt(1).default(0.05),
  /** Replace an existing corpus of the same name. */
  replace: z.boolean().default(false),
}).strict();
export type ImportCorpusSpec = z.infer<typeof ImportCorpusSpec>;

export interface CorpusSkipped { binary: number; tooLarge: number; unreadable: number; overBudget: number; empty: number }

export interface CorpusManifest {
  name: string;
  kind: 'text';
  sources: string[];
  include: string[];
  exclude: string[];
  files: { train: number; val: number };
  bytes: { train: number; val: number };
  skipped: CorpusSkipped;
  /** A few of the files skipped as unreadable, with the reason. */
  unreadable: string[];
  /** 'documents' = whole files held out by path hash; 'tail' = last bytes of the text (too few files). */
  split: 'documents' | 'tail';
  valFraction: number;
  sha256: string;
  createdAt: string;
}

export const TokenizerSpec = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('byte') }).strict(),
  z.object({
    kind: z.literal('bpe'),
    /** Vocabulary size including the 256 byte tokens. */
    vocab: int(257).max(65536).default(1024),
    /** Bytes of training text (taken evenly from the train split of every domain) to learn merges on. */
    trainBytes: int(1024).default(1 << 20),
  }).strict(),
]);
export type TokenizerSpec = z.infer<typeof TokenizerSpec>;

// ---- language-model runs ----------------------------------------------------------------------
// One run kind for every text-model method, so training, pruning and distillation share one loop,
// one evaluation (held-out nats/token per domain) and one tokens-to-target count:
//   train    a fresh transformer (`model`) on the mixture (a general model, or the scratch baseline)
//   prune    inputs.source's model: optional group-lasso fine-tuning on the mixture, attribution
//            (or random/magnitude) scores on the target, keep `prune.keep` MLP neurons (and
//            optionally `prune.keepResid` residual dims), then recovery with masks held at zero
//   distill  a fresh `model` trained on α·CE + (1−α)·T²·KL(teacher ‖ student), teacher = inputs.teacher
//   finetune inputs.source's model trained further on the mixture as it is (the relearn test, or
//            a general model made from an imported checkpoint)
//   evaluate inputs.source's model evaluated on every domain, nothing trained or written (the
//            general model's losses when a study starts from an imported checkpoint)
// train / distill without `model` take `student`: inputs.shape's (else inputs.teacher's) model
// with fewer MLP neurons and fresh weights, so a baseline keeps an imported model's conventions.
// These schemas import only zod and the helpers defined here (specs/common.ts imports this file).

const Positive = () => z.number().positive();

export const LmModelSpec = z.object({
  arch: z.literal('transformer'),
  layers: int(1),
  dModel: int(1),
  heads: int(1),
  mlpWidth: int(1),
  context: int(2),
  /** Ignored: the vocabulary is the tokenizer's. */
  vocab: int(2).optional(),
}).strict().refine((m) => m.dModel % m.heads === 0, { message: 'dModel must be divisible by heads', path: ['heads'] });

export const LmPruneSpec = z.object({
  score: z.enum(['attribution', 'ablation', 'random', 'magnitude']).default('attribution'),
  /** Held-out-free scoring data: windows drawn from the target domain's train split. */
  scoreWindows: int(1).default(64),
  /** MLP neurons kept in total (over all layers); or keepFraction of the source's neurons. */
  keep: int(1).optional(),
  keepFraction: z.number().gt(0).max(1).optional(),
  scope: z.enum(['global', 'perLayer']).default('global'),
  /** Neurons kept in every layer at least (no layer is emptied by accident). */
  minPerLayer: int(0).default(1),
  /** Attention-head units kept, as a fraction of the source's (default: every head). Units: a KV
   *  head with its query heads ('kv'; under multi-head attention one head), or one query head
   *  ('query'; the KV heads stay). Scored with `score`, selected with `headScope` and `minPerLayer`. */
  keepHeadsFraction: z.number().gt(0).max(1).optional(),
  headGroup: z.enum(['kv', 'query']).default('kv'),
  /** Head selection: the same fraction in every layer (default: Hugging Face configs give every layer
   *  one head count, so a layer that keeps more than the others sets the compacted size), or ranked
   *  across layers ('global': fewer heads where they matter less, padded with zero heads). */
  headScope: z.enum(['global', 'perLayer']).default('perLayer'),
  /** Residual-stream dimensions kept (default: all). */
  keepResid: int(1).optional(),
  /** Recover on the compacted model (faster, same function); false = full size, masks held at zero. */
  compact: z.boolean().default(true),
  /** Group-lasso fine-tuning on the mixture before scoring (METHODS §4); steps 0 = none. */
  groupLasso: z.object({
    lambda: Positive().default(1e-3),
    steps: int(0).default(0),
    /** Mask a neuron for good once its group norm is below this (0 = never). */
    threshold: z.number().min(0).default(0),
    /** Switch λ off once the active neurons reach prune.keep. */
    offAtTarget: z.boolean().default(true),
  }).strict().optional(),
}).strict().refine((p) => (p.keep === undefined) !== (p.keepFraction === undefined), { message: 'give exactly one of keep (neurons) and keepFraction (of the source model\'s neurons)', path: ['keep'] });
export type LmPruneSpec = z.infer<typeof LmPruneSpec>;

const LmComponent = z.object({ skill: z.string().min(1), perStep: int(1).describe('windows of this domain per step') }).strict();

export const LmSpec = z.object({
  kind: z.literal('lm'),
  name: z.string().optional(),
  seed: int(0).default(0),
  method: z.enum(['train', 'prune', 'distill', 'finetune', 'evaluate']).default('train'),
  /** Runs read from: `source` (prune, finetune, evaluate), `teacher` (distill; prune: recovery
   *  with the teacher when `distill` is given), `shape` (student), `reference` (targetLossFactor). */
  inputs: z.record(z.string(), z.string().min(1)).default({}),
  task: z.object({
    suite: z.literal('text'),
    domains: z.array(z.string().min(1)).min(1),
    context: int(2).default(64),
    tokenizer: TokenizerSpec.default({ kind: 'byte' }),
  }).strict(),
  /** train / distill: the model to create. */
  model: LmModelSpec.optional(),
  /** train / distill without `model`: inputs.shape's (else inputs.teacher's) architecture with
   *  this fraction of each layer's MLP neurons, or this many in total, and fresh weights. */
  student: z.object({
    mlpFraction: z.number().gt(0).max(1).optional(), mlpTotal: int(1).optional(),
    /** Attention heads as a fraction of the shape's (KV heads for 'kv', query heads per KV head for 'query'). */
    headsFraction: z.number().gt(0).max(1).optional(), headGroup: z.enum(['kv', 'query']).optional(),
  }).strict()
    .refine((x) => (x.mlpFraction === undefined) !== (x.mlpTotal === undefined), { message: 'give exactly one of mlpFraction and mlpTotal' }).optional(),
  prune: LmPruneSpec.optional(),
  distill: z.object({ alpha: z.number().min(0).max(1).default(0.5), temperature: Positive().default(2) }).strict().optional(),
  /** What each step draws (recovery data for prune). */
  mixture: z.array(LmComponent).min(1),
  /** The narrow domain: its held-out loss decides tokensToTarget. */
  target: z.string().optional(),
  /** Target held-out loss on `target`, nats per token. */
  targetLoss: Positive().optional(),
  /** Or: the target is this factor × the final `target` loss of inputs.reference (else source /
   *  teacher), read from that run's summary, e.g. 1.1 = within 10% of the general model. */
  targetLossFactor: Positive().optional(),
  stopAtTarget: z.boolean().default(false),
  steps: int(1),
  optimizer: z.object({
    lr: Positive().default(1e-3),
    beta1: z.number().min(0).max(1).default(0.9),
    beta2: z.number().min(0).max(1).default(0.95),
    eps: Positive().default(1e-8),
    weightDecay: z.number().min(0).default(0.1),
  }).strict().default({ lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 }),
  schedule: z.object({
    warmup: int(0).default(100),
    minFraction: z.number().min(0).max(1).default(0.1),
  }).strict().default({ warmup: 100, minFraction: 0.1 }),
  gradClip: z.number().min(0).default(1),
  eval: z.object({
    every: int(1).default(100),
    /** Held-out windows per domain (capped by the split). */
    windows: int(1).default(32),
  }).strict().default({ every: 100, windows: 32 }),
  checkpointEvery: int(1).default(1000),
  /** Keep this many newest checkpoints; older ones are deleted (the resume point is always kept). */
  checkpointKeep: int(1).default(2),
  /** Text sampled from the final model (a log line and an artifact). */
  sample: z.object({ prompt: z.string().default(''), tokens: int(1).default(200), temperature: z.number().min(0).default(0.8) }).strict().optional(),
}).strict().superRefine((s, ctx) => {
  const need = (cond: boolean, path: string[], message: string) => { if (!cond) ctx.addIssue({ code: 'custom', path, message }); };
  if (s.method === 'train' || s.method === 'distill') {
    need(!!s.model || !!s.student, ['model'], `method ${s.method} needs a model (or student with inputs.shape)`);
    if (!s.model && s.student) need(!!(s.inputs.shape ?? s.inputs.teacher), ['inputs', 'shape'], 'student needs inputs.shape (or inputs.teacher): the run whose architecture it takes');
  }
  if (s.method === 'finetune' || s.method === 'evaluate') need(!!s.inputs.source, ['inputs', 'source'], `method ${s.method} needs inputs.source: the run whose model it ${s.method === 'evaluate' ? 'evaluates' : 'trains'}`);
  if (s.method === 'prune') {
    need(!!s.prune, ['prune'], 'method prune needs prune settings');
    need(!!s.inputs.source, ['inputs', 'source'], 'method prune needs inputs.source: the run whose model is pruned');
  }
  if (s.method === 'distill') need(!!s.inputs.teacher, ['inputs', 'teacher'], 'method distill needs inputs.teacher: the run whose model teaches');
  if (s.model) need(s.model.context >= s.task.context, ['model', 'context'], `the model's context (${s.model.context}) is shorter than the task's (${s.task.context})`);
  s.mixture.forEach((c, i) => need(s.task.domains.includes(c.skill), ['mixture', String(i), 'skill'], `'${c.skill}' is not one of the task's domains (${s.task.domains.join(', ')})`));
  if (s.target) need(s.task.domains.includes(s.target), ['target'], `'${s.target}' is not one of the task's domains (${s.task.domains.join(', ')})`);
  if (s.targetLoss !== undefined || s.targetLossFactor !== undefined) need(!!s.target, ['target'], 'a target loss needs a target domain');
  if (s.targetLossFactor !== undefined) {
    need(s.targetLoss === undefined, ['targetLossFactor'], 'give targetLoss or targetLossFactor, not both');
    need(!!(s.inputs.reference ?? s.inputs.source ?? s.inputs.teacher), ['inputs', 'reference'], 'targetLossFactor needs inputs.reference (or source/teacher): the run whose loss it scales');
  }
  // Arrays the engine cannot allocate are refused here, naming the field that sets their size.
  const est = estimateCost(s as LmSpec);
  if (est) for (const { path, message } of arrayLimitIssues(est)) ctx.addIssue({ code: 'custom', path, message });
});
export type LmSpec = z.infer<typeof LmSpec>;

/** Sample text from a finished lm run's model (inputs.model), continuing a prompt. */
export const LmSampleSpec = z.object({
  kind: z.literal('lmSample'),
  name: z.string().optional(),
  seed: int(0).default(0),
  inputs: z.record(z.string(), z.string().min(1)).refine((r) => typeof r.model === 'string', { message: 'needs inputs.model: the lm run whose model writes' }),
  prompt: z.string().default(''),
  tokens: int(1).max(100000).default(200),
  /** 0 = greedy. */
  temperature: z.number().min(0).default(0.8),
  topK: int(1).optional(),
}).strict();
export type LmSampleSpec = z.infer<typeof LmSampleSpec>;
