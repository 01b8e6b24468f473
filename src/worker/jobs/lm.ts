// lm: every text-model method in one loop (METHODS §4). train = a fresh transformer on the
// mixture; prune = group-lasso fine-tuning (optional), attribution scores on the target domain,
// keep the best attention heads (optional) and MLP neurons (and residual dims), then recover with masked weights held at zero;
// distill = a fresh student on α·CE + (1−α)·T²·KL(teacher‖student); finetune = the source model
// trained further on the mixture (relearn); evaluate = the source model's held-out losses only.
// A model made from an imported checkpoint keeps its Hugging Face facts ('whittle.hf'), so the
// pruned, recovered or fine-tuned model exports as a Hugging Face folder again.
//
// Metrics (x axis `samples` = training tokens, including the pruning phase's): loss/<domain> in
// bits/token and bpb/<domain> in bits/byte on the held-out split, train/loss in bits/token, lr,
// neurons. Logged losses are bits like every other job's (shared/metrics.ts, METHODS.md); the
// spec's targetLoss and the summary's `losses` stay in nats/token, as the study specs state them.
// The summary's tokensToTarget is the headline number of the compare study.
import fs from 'node:fs';
import path from 'node:path';
import type { JobInput } from '../../shared/events';
import type { LmSpec } from '../../shared/specs/text';
import { HF_SOURCE_META } from '../../shared/specs/importModel';
import { decoderScores } from '../compress/decoderScores';
import { headScores } from '../compress/headScores';
import { windowScoreTokens } from '../compress/windowScores';
import { groupLassoPenalty, LambdaController, maskBelow } from '../compress/groupLasso';
import { loadRunModel, MODEL_FILE } from '../compress/io';
import { distillStepOptions } from '../compress/kd';
import { pruneUnits } from '../compress/prune';
import { selectResid } from '../compress/select';
import { JobCancelled } from '../engine/cancelled';
import { Rng } from '../engine/rng';
import { decoderConfig } from '../models/decoder/config';
import { checkDecoderConfig } from '../models/decoder/configCheck';
import { keptNeurons, studentConfig } from '../models/decoder/lmShape';
import { safetensorsMetadata } from '../models/safetensors';
import { anyMasked, countTransformerParams, Transformer, type TransformerConfig } from '../models/decoder/model';
import { compactTransformer } from '../models/decoder/compact';
import { decodeTransformer, encodeTransformer, TOKENIZER_META } from '../models/decoder/file';
import { generate } from '../models/decoder/sample';
import { transformerUnits } from '../models/decoder/units';
import { headUnits } from '../models/decoder/heads';
import { TextSuite, type SequenceBatch, type TextSkill } from '../tasks/text/suite';
import { tokenizerFromJSON, type Tokenizer } from '../tasks/text/tokenizer';
import { Adam, type OptimizerState } from '../train/optimizers';
import type { Windows } from '../train/batch';
import { decodeOptimizerState, encodeOptimizerState } from '../train/checkpoint';
import { evaluateWindows } from '../train/evaluate';
import { setLearningRate, warmupCosine } from '../train/schedule';
import { trainStep } from '../train/step';
import type { Job, JobContext } from './types';

interface State {
  step: number; tokens: number; pruneTokens: number; rng: [number, number, number, number]; reachedAt: { step: number; tokens: number } | null;
  /** The evaluation at `step` was cut short by a cancel: a resume runs it first, so the resumed run
   *  records the same points (and the same target step) as an uninterrupted one. */
  evalPending?: boolean;
}

interface Loaded { model: Transformer; tokenizer: Tokenizer; metadata: Record<string, string> }

function loadInput(input: JobInput | undefined, role: string): Loaded {
  if (!input) throw new Error(`inputs.${role}: no ${role} run was given`);
  const { weights, metadata } = loadRunModel(input, role, 'decoder');
  const tok = metadata[TOKENIZER_META];
  if (!tok) throw new Error(`inputs.${role}: ${path.join(input.dir, MODEL_FILE)} carries no tokenizer`);
  return { model: new Transformer(weights, { releaseHostWeights: true }), tokenizer: tokenizerFromJSON(JSON.parse(tok)), metadata };
}

/** The metadata of an input run's model file (config, tokenizer) without reading its weights. */
function modelHeader(input: JobInput | undefined, role: string): { config: TransformerConfig; tokenizer: Tokenizer; metadata: Record<string, string> } {
  if (!input) throw new Error(`inputs.${role}: no ${role} run was given`);
  const file = path.join(input.dir, MODEL_FILE);
  if (!fs.existsSync(file)) throw new Error(`inputs.${role}: run ${input.runId} has no ${MODEL_FILE} (did it finish?)`);
  const fd = fs.openSync(file, 'r');
  let head: Buffer;
  try {
    const len = Buffer.alloc(8);
    fs.readSync(fd, len, 0, 8, 0);
    head = Buffer.alloc(8 + Number(len.readBigUInt64LE(0)));
    fs.readSync(fd, head, 0, head.length, 0);
  } finally { fs.closeSync(fd); }
  const metadata = safetensorsMetadata(new Uint8Array(head), `inputs.${role} (${file})`);
  if (!metadata['whittle.config'] || !metadata[TOKENIZER_META]) throw new Error(`inputs.${role}: ${file} is not a decoder model with a tokenizer`);
  return { config: checkDecoderConfig(JSON.parse(metadata['whittle.config']), `inputs.${role}: whittle.config`), tokenizer: tokenizerFromJSON(JSON.parse(metadata[TOKENIZER_META])), metadata };
}

function configOf(spec: LmSpec, vocab: number): TransformerConfig {
  const m = spec.model!;
  return decoderConfig({ vocab, context: m.context, dModel: m.dModel, heads: m.heads, headDim: m.dModel / m.heads, mlp: Array(m.layers).fill(m.mlpWidth) });
}

/** The target loss in nats/token: given, or a factor × a reference run's final loss on the target. */
export function resolveTargetLoss(spec: LmSpec, inputs: Record<string, JobInput>): number | null {
  if (spec.targetLoss !== undefined) return spec.targetLoss;
  if (spec.targetLossFactor === undefined || !spec.target) return null;
  const role = ['reference', 'source', 'teacher'].find((r) => inputs[r]);
  const ref = role ? inputs[role] : undefined;
  const loss = (ref?.summary?.losses as Record<string, number> | undefined)?.[spec.target];
  if (typeof loss !== 'number') throw new Error(`targetLossFactor: inputs.${role ?? 'reference'} (run ${ref?.runId ?? '?'}) reports no final loss on '${spec.target}'`);
  return spec.targetLossFactor * loss;
}

export const lmJob: Job<LmSpec> = async (ctx: JobContext<LmSpec>) => {
  const { spec } = ctx;
  const T = spec.task.context;
  const root = new Rng(spec.seed);
  const initRng = root.fork(1), scoreRng = root.fork(3), sampleRng = root.fork(4);
  let dataRng = root.fork(2);

  // ---- model, tokenizer, teacher -------------------------------------------------------------
  let model: Transformer;
  let tokenizer: Tokenizer | undefined;
  let teacher: Transformer | null = null;
  const fromSource = spec.method === 'prune' || spec.method === 'finetune' || spec.method === 'evaluate';
  const fromInput = fromSource ? loadInput(ctx.inputs.source, 'source') : spec.method === 'distill' ? loadInput(ctx.inputs.teacher, 'teacher') : null;
  // a student without its own model spec takes inputs.shape's architecture (and tokenizer)
  const shape = !spec.model && spec.student ? (fromInput && !ctx.inputs.shape ? { config: fromInput.model.config, tokenizer: fromInput.tokenizer, metadata: fromInput.metadata } : modelHeader(ctx.inputs.shape ?? ctx.inputs.teacher, ctx.inputs.shape ? 'shape' : 'teacher')) : null;
  if (fromInput) tokenizer = fromInput.tokenizer;
  else if (shape) tokenizer = shape.tokenizer;
  // what an imported checkpoint's derived models keep (architecture name, end-of-sequence ids)
  const hfMeta = (fromInput?.metadata ?? shape?.metadata)?.[HF_SOURCE_META];
  const suite = new TextSuite({ home: ctx.home, domains: spec.task.domains, context: T, tokenizer: spec.task.tokenizer, fixedTokenizer: tokenizer });
  tokenizer = suite.tokenizer;
  if (suite.cachedSplits) ctx.log(`token ids of ${suite.cachedSplits} corpus split(s) read from the token cache`);
  const tokJson = JSON.stringify(tokenizer.toJSON());
  if (spec.method === 'distill') { teacher = fromInput!.model; }
  // recovery with the general model as teacher (prune + distill settings + inputs.teacher)
  if (spec.method === 'prune' && spec.distill && ctx.inputs.teacher) teacher = loadInput(ctx.inputs.teacher, 'teacher').model;

  let state: State = { step: 0, tokens: 0, pruneTokens: 0, rng: dataRng.getState(), reachedAt: null };
  let optState: OptimizerState | null = null;
  if (ctx.resumeFrom) {
    const { weights } = decodeTransformer(new Uint8Array(fs.readFileSync(path.join(ctx.resumeFrom, MODEL_FILE))), 'checkpoint');
    model = new Transformer(weights);
    state = JSON.parse(fs.readFileSync(path.join(ctx.resumeFrom, 'state.json'), 'utf8')) as State;
    optState = decodeOptimizerState(new Uint8Array(fs.readFileSync(path.join(ctx.resumeFrom, 'optim.safetensors'))), path.join(ctx.resumeFrom, 'optim.safetensors'));
    dataRng = new Rng(state.rng);
    if (fromSource) fromInput!.model.dispose();
    ctx.log(`resumed at step ${state.step}`);
  } else if (fromSource) {
    model = fromInput!.model;
  } else if (shape) {
    model = Transformer.create(studentConfig(shape.config, spec.student!), initRng);
  } else {
    // a student shares its teacher's output rows (an imported teacher's may be padded past the tokenizer)
    model = Transformer.create(configOf(spec, teacher ? teacher.config.vocab : tokenizer.vocabSize), initRng);
  }
  // An imported checkpoint's embedding is often padded past its tokenizer's ids (Qwen2, the fixtures):
  // every id the tokenizer makes must have a row, not every row an id.
  if (tokenizer.vocabSize > model.config.vocab) throw new Error(`the tokenizer makes ids up to ${tokenizer.vocabSize - 1}, beyond the model's vocabulary of ${model.config.vocab}`);
  if (model.config.context < T) throw new Error(`the model's context (${model.config.context}) is shorter than the task's (${T})`);

  const domains = spec.task.domains.map((d) => suite.skill(d));
  const evalSets = new Map(domains.map((d) => [d.key, suite.evalSet(d, spec.eval.windows)]));
  const mixture = spec.mixture.map((c) => ({ skill: suite.skill(c.skill), perStep: c.perStep }));
  const batchSize = mixture.reduce((s, c) => s + c.perStep, 0);
  const batch: SequenceBatch = { tokens: new Int32Array(batchSize * (T + 1)), count: batchSize, T };
  const nextBatch = (): SequenceBatch => {
    let off = 0;
    for (const c of mixture) { suite.sampleInto(c.skill, c.perStep, dataRng, batch, off); off += c.perStep; }
    return batch;
  };
  const target: TextSkill | null = spec.target ? suite.skill(spec.target) : null;
  const targetLoss = resolveTargetLoss(spec, ctx.inputs);
  const makeOpt = () => new Adam(model.params(), { name: 'adam', lr: spec.optimizer.lr, beta1: spec.optimizer.beta1, beta2: spec.optimizer.beta2, eps: spec.optimizer.eps, weightDecay: spec.optimizer.weightDecay, decoupled: true });
  let opt = makeOpt();
  const units = transformerUnits(model);
  const afterStep = () => model.applyMasks();
  const masked = () => anyMasked(model.masks);

  let last: { step: number; out: Record<string, number> } | null = null;
  const evaluate = async (step: number, prefix = ''): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    const points = [];
    for (const d of domains) {
      const loss = await evaluateWindows(model, evalSets.get(d.key)!, 16, ctx.cancelled);
      out[d.key] = loss;
      points.push({ step, key: `${prefix}loss/${d.key}`, value: loss * Math.LOG2E, samples: state.pruneTokens + state.tokens });
      points.push({ step, key: `${prefix}bpb/${d.key}`, value: (loss / suite.bytesPerToken(d)) * Math.LOG2E, samples: state.pruneTokens + state.tokens });
    }
    if (prefix) { ctx.metrics(points); return out; }
    last = { step, out };
    points.push({ step, key: 'neurons', value: model.activeNeurons().reduce((a, b) => a + b, 0), samples: state.pruneTokens + state.tokens });
    ctx.metrics(points);
    if (target && targetLoss !== null && !state.reachedAt && out[target.key] <= targetLoss) {
      state.reachedAt = { step, tokens: state.pruneTokens + state.tokens };
      ctx.log(`target loss ${targetLoss.toFixed(4)} on '${target.key}' reached at step ${step} after ${state.reachedAt.tokens} tokens`);
    }
    return out;
  };

  try {
    if (spec.method === 'evaluate') {
      // the general model's losses on every domain: nothing trained, no model written
      const out = await evaluate(0);
      return {
        method: spec.method, steps: 0, tokens: 0, pruneTokens: 0, target: target?.key ?? null, losses: out,
        natsPerByte: Object.fromEntries(domains.map((d) => [d.key, out[d.key] / suite.bytesPerToken(d)])),
        bitsPerByte: Object.fromEntries(domains.map((d) => [d.key, (out[d.key] / suite.bytesPerToken(d)) * Math.LOG2E])),
        params: model.paramCount(), neurons: model.config.mlp.reduce((a, b) => a + b, 0), mlp: [...model.config.mlp], dModel: model.config.dModel, vocab: model.config.vocab,
      };
    }
    // ---- pruning phase (fresh runs only) -------------------------------------------------------
    let before: Record<string, number> | null = null;
    if (spec.method === 'prune' && !ctx.resumeFrom) {
      const p = spec.prune!;
      const keep = keptNeurons(model.config.mlp, p);
      before = await evaluate(0, 'beforePrune/');
      const gl = p.groupLasso;
      if (gl && gl.steps > 0) {
        const lam = new LambdaController(gl.lambda, gl.offAtTarget ? { kind: 'offAtTarget', targetUnits: keep } : { kind: 'constant' });
        for (let s = 0; s < gl.steps && !ctx.cancelled(); s++) {
          const lambda = lam.update(model.activeNeurons().reduce((a, b) => a + b, 0));
          setLearningRate(opt, spec.optimizer.lr * warmupCosine(s, { warmup: spec.schedule.warmup, total: gl.steps, minFraction: spec.schedule.minFraction }));
          trainStep(model, opt, nextBatch(), { gradClip: spec.gradClip, extraLoss: lambda > 0 ? () => groupLassoPenalty(units, lambda, 'inBiasOut') : undefined, afterStep: masked() ? afterStep : undefined });
          state.pruneTokens += batchSize * T;
          if (gl.threshold > 0 && (s + 1) % 50 === 0) await maskBelow(units, gl.threshold, 'inBiasOut', 1);
          ctx.progress(s + 1, gl.steps, 'group lasso');
        }
        ctx.metrics([{ step: 0, key: 'groupLasso/tokens', value: state.pruneTokens, samples: state.pruneTokens }]);
        // cancelled mid-way: nothing worth a checkpoint yet (a resume restarts the pruning phase)
        if (ctx.cancelled()) return { method: spec.method, steps: 0, cancelled: true };
      }
      // score on the target domain (else the first mixture domain)
      const scoreSkill = target ?? mixture[0].skill;
      const w: Windows = suite.sample(scoreSkill, p.scoreWindows, scoreRng);
      if (p.keepHeadsFraction !== undefined && p.keepHeadsFraction < 1) {
        // attention heads first (same score, same windows), so the MLP is scored in the model it serves
        const heads = headUnits(model, p.headGroup);
        const total = heads.widths.reduce((a, b) => a + b, 0);
        const scores = await headScores(model, p.score, p.headGroup, w, scoreRng, { cancelled: ctx.cancelled });
        state.pruneTokens += windowScoreTokens(p.score, w);
        pruneUnits(heads, scores, { scope: p.headScope, keep: Math.max(1, Math.round(p.keepHeadsFraction * total)), minPerLayer: p.minPerLayer });
        ctx.log(`attention ${p.headGroup === 'kv' && model.config.kvHeads < model.config.heads ? 'KV groups' : 'heads'} kept per layer: ${heads.activeUnits().join('+')} of ${heads.widths[0]} each`);
      }
      const scored = await decoderScores(model, p.score, w, scoreRng, { cancelled: ctx.cancelled });
      state.pruneTokens += scored.tokens;
      const residScores = p.keepResid === undefined ? null : (scored.resid ?? Float32Array.from(model.masks.resid, () => scoreRng.next()));
      pruneUnits(units, scored.mlp, { scope: p.scope, keep, minPerLayer: p.minPerLayer });
      if (p.keepResid !== undefined && residScores) {
        model.setResidMask(selectResid(residScores, model.masks.resid, p.keepResid));
        model.applyMasks();
      }
      if (p.compact) {
        // Recovery on the physically smaller model: the same function as the masked one with its
        // masked weights held at zero, at the cost of the kept size. A fresh optimizer either way.
        const small = compactTransformer(await model.toWeights());
        opt.dispose(); model.dispose();
        model = new Transformer(small);
        opt = makeOpt();
      }
      const after = await evaluate(0);
      ctx.log(`pruned to ${model.activeNeurons().join('+')} neurons, ${model.activeHeads().join('+')} query heads, ${model.activeResid()} residual dims (${model.activeParamCount()} parameters); ` +
        `target loss ${before[scoreSkill.key].toFixed(3)} → ${after[scoreSkill.key].toFixed(3)} nats/token`);
    }
    if (optState) opt.setState(optState);

    // ---- training / recovery / distillation loop ---------------------------------------------
    if (!ctx.resumeFrom && spec.method !== 'prune') await evaluate(0);
    if (state.evalPending) {
      ctx.log(`the evaluation at step ${state.step} was cut short by the cancel: running it again`);
      try { await evaluate(state.step); delete state.evalPending; } catch (e) { if (!(e instanceof JobCancelled)) throw e; }
    }
    const sched = { warmup: spec.schedule.warmup, total: spec.steps, minFraction: spec.schedule.minFraction };
    const holdMasks = masked();
    let trainLoss = NaN;
    while (state.step < spec.steps) {
      if (ctx.cancelled()) break;
      if (spec.stopAtTarget && state.reachedAt) break;
      setLearningRate(opt, spec.optimizer.lr * warmupCosine(state.step, sched));
      // the last step is logged too (below), so its loss must be kept: a run shorter than
      // eval.every would otherwise log train/loss = NaN, which the store cannot hold (#15 item 15)
      const keep = (state.step + 1) % spec.eval.every === 0 || state.step + 1 === spec.steps;
      const loss = trainStep(model, opt, nextBatch(), {
        gradClip: spec.gradClip,
        ...(teacher ? distillStepOptions(teacher, { alpha: spec.distill?.alpha ?? 0.5, temperature: spec.distill?.temperature ?? 2 }) : {}),
        afterStep: holdMasks ? afterStep : undefined,
        keepLoss: keep,
      });
      state.step++;
      state.tokens += batchSize * T;
      if (loss) { trainLoss = (await loss.ce.data())[0]; loss.ce.dispose(); loss.total.dispose(); }
      ctx.progress(state.step, spec.steps, spec.method);
      if (keep || state.step === spec.steps) {
        ctx.metrics([{ step: state.step, key: 'train/loss', value: trainLoss * Math.LOG2E, samples: state.pruneTokens + state.tokens },
          { step: state.step, key: 'lr', value: opt.cfg.lr, samples: state.pruneTokens + state.tokens }]);
        // a cancel mid-evaluation leaves it owed (state.evalPending); the step itself is done and checkpointed below
        try { await evaluate(state.step); } catch (e) { if (e instanceof JobCancelled) { state.evalPending = true; break; } throw e; }
      }
      if (state.step % spec.checkpointEvery === 0 && state.step < spec.steps) await checkpoint();
    }
    await checkpoint();
    if (ctx.cancelled()) return { method: spec.method, steps: state.step, tokens: state.tokens, pruneTokens: state.pruneTokens, cancelled: true };

    // ---- outputs -------------------------------------------------------------------------------
    const prev = last as { step: number; out: Record<string, number> } | null; // assigned inside evaluate()
    const final = prev && prev.step === state.step ? prev.out : await evaluate(state.step);
    const compact = compactTransformer(await model.toWeights());
    ctx.saveArtifact('model', MODEL_FILE, encodeTransformer(compact, { [TOKENIZER_META]: tokJson, 'whittle.method': spec.method, ...(hfMeta ? { [HF_SOURCE_META]: hfMeta } : {}) }),
      { params: countTransformerParams(compact.config), neurons: compact.config.mlp, heads: compact.config.heads, kvHeads: compact.config.kvHeads, dModel: compact.config.dModel });
    let sample: string | null = null;
    if (spec.sample) {
      const prompt = tokenizer.encode(new Uint8Array(Buffer.from(spec.sample.prompt, 'utf8')));
      const ids = await generate(model, prompt, { maxTokens: spec.sample.tokens, temperature: spec.sample.temperature, topK: 40, rng: sampleRng, cancelled: ctx.cancelled });
      sample = spec.sample.prompt + Buffer.from(tokenizer.decode(ids)).toString('utf8');
      ctx.saveArtifact('sample', 'sample.txt', sample);
      ctx.log(`sample:\n${sample}`);
    }
    return {
      method: spec.method,
      steps: state.step,
      tokens: state.tokens,
      pruneTokens: state.pruneTokens,
      target: target?.key ?? null,
      targetLoss,
      tokensToTarget: state.reachedAt?.tokens ?? null,
      stepsToTarget: state.reachedAt?.step ?? null,
      losses: final,
      natsPerByte: Object.fromEntries(domains.map((d) => [d.key, final[d.key] / suite.bytesPerToken(d)])),
      bitsPerByte: Object.fromEntries(domains.map((d) => [d.key, (final[d.key] / suite.bytesPerToken(d)) * Math.LOG2E])),
      params: countTransformerParams(compact.config),
      neurons: compact.config.mlp.reduce((a, b) => a + b, 0),
      mlp: compact.config.mlp,
      // attention: the compacted model's head counts (every layer alike) and the query heads each layer kept
      heads: compact.config.heads,
      kvHeads: compact.config.kvHeads,
      headsKept: model.activeHeads(), // compaction keeps exactly these (its padding heads are masked)
      dModel: compact.config.dModel,
      vocab: compact.config.vocab,
      sample,
    };
  } finally {
    opt.dispose();
    model.dispose();
    teacher?.dispose();
  }

  async function checkpoint(): Promise<void> {
    state.rng = dataRng.getState();
    const [weights, optimizer] = await Promise.all([model.toWeights(), opt.readState()]);
    ctx.saveCheckpoint(state.step, {
      [MODEL_FILE]: encodeTransformer(weights, { [TOKENIZER_META]: tokJson }),
      'optim.safetensors': encodeOptimizerState(optimizer),
      'state.json': JSON.stringify(state),
    });
  }
};
