// The `train` job: one MLP trained from scratch on a skill mixture (the curriculum), evaluated per
// skill every `eval.every` steps, checkpointed every `checkpointEvery` steps and on cancel, resumable
// on the same seed stream, ending with the model as artifact `model` (model.safetensors).
//
// Metrics at every evaluation (x = step, samples = training samples seen so far):
//   loss/<skillKey>  bits on fresh samples    acc/<skillKey>  accuracy
//   train/loss       bits, the last training batch's cross-entropy (whole mixture)
// Summary: stepsToLearn / samplesToLearn per skill (null if never learned), finalLossBits, finalAcc,
// params, steps, samples, target.
import { type LmSpec, skillKey, type SkillRef, type TrainSpec } from '../../shared/specs';
import { lmSpecFromTrain } from '../../shared/specs/textTrain';
import { Rng } from '../engine/rng';
import { MaskableMlp } from '../models/mlp/model';
import { encodeMlp } from '../models/mlp/file';
import { createSuite } from '../tasks';
import { checkpointFiles, readCheckpoint, type LoopState } from '../train/checkpoint';
import { BITS_PER_NAT, evaluateSkills } from '../train/evaluate';
import { LearnedTracker } from '../train/learned';
import { MixtureSampler, mixtureSkills } from '../train/mixture';
import { JobCancelled } from '../engine/cancelled';
import { createOptimizer } from '../train/optimizers';
import { readLoss, trainStep } from '../train/step';
import { lmJob } from './lm';
import type { Job, JobContext } from './types';

/** Yield to the event loop so a cancel message can arrive between steps. */
const yieldNow = () => new Promise<void>((r) => setImmediate(r));

/** Skills evaluated: eval.skills if given, else every mixture skill plus the target. */
export function evalSkillRefs(spec: TrainSpec): SkillRef[] {
  if (spec.eval.skills) return spec.eval.skills;
  const refs = mixtureSkills(spec.mixture);
  if (spec.target && !refs.some((r) => skillKey(r) === skillKey(spec.target!))) refs.push(spec.target);
  return refs;
}

export const trainJob: Job<TrainSpec> = async (ctx) => {
  const { spec } = ctx;
  // A text domain trains a transformer language model: the lm job does that, from the same spec.
  if (spec.task.suite === 'text') {
    const lm = lmSpecFromTrain(spec);
    return lmJob({ ...ctx, spec: lm } as JobContext<LmSpec>);
  }
  if (spec.model.arch !== 'mlp') throw new Error(`train: model.arch '${spec.model.arch}' is not trained by this job (MLPs only)`);
  const suite = await createSuite(spec.task, ctx.home);
  const sampler = new MixtureSampler(suite, spec.mixture);
  const skills = evalSkillRefs(spec).map((r) => suite.skill(r));
  const keys = skills.map((s) => s.key);
  const tracker = new LearnedTracker(keys);
  const modelConfig = {
    inputs: suite.inputDim, hidden: spec.model.hidden, outputs: suite.numClasses,
    activation: spec.model.activation, dropout: spec.model.dropout,
  };

  // Independent streams: init, training data, evaluation data, dropout. Each is saved in checkpoints.
  const root = new Rng(spec.seed);
  const initRng = root.fork(1);
  let dataRng = root.fork(2);
  let evalRng = root.fork(3);
  let dropRng = root.fork(4);

  const ck = ctx.resumeFrom ? readCheckpoint(ctx.resumeFrom) : null;
  if (ck && (JSON.stringify(ck.model.config.hidden) !== JSON.stringify(modelConfig.hidden) || ck.model.config.inputs !== modelConfig.inputs)) {
    throw new Error(`checkpoint ${ctx.resumeFrom} holds a ${ck.model.config.inputs}→${ck.model.config.hidden.join('→')} model, the spec asks for ${modelConfig.inputs}→${modelConfig.hidden.join('→')}`);
  }
  const model = ck ? new MaskableMlp(ck.model) : MaskableMlp.create(modelConfig, initRng);
  const optimizer = createOptimizer(spec.optimizer, model.params());
  let loop: LoopState = { step: 0, samples: 0, rngs: {}, learned: tracker.getState(), lastEval: {} };
  if (ck) {
    optimizer.setState(ck.optimizer);
    loop = ck.loop;
    dataRng = new Rng(loop.rngs.data);
    evalRng = new Rng(loop.rngs.eval);
    dropRng = new Rng(loop.rngs.dropout);
    tracker.setState(loop.learned);
    ctx.log(`resumed at step ${loop.step} from ${ctx.resumeFrom}`);
  }
  const resumed = ck !== null;
  ctx.log(`model ${[modelConfig.inputs, ...modelConfig.hidden, modelConfig.outputs].join('→')} (${model.paramCount()} parameters), ` +
    `${sampler.batchSizeAt(loop.step)} samples per step, skills ${keys.join(' ')}`);

  const total = spec.steps;
  let step = loop.step;
  let lastCheckpoint = resumed ? step : -1;
  let lastTrainBits: number | null = null;
  const targetKey = spec.target ? suite.skill(spec.target).key : null;
  let stoppedEarly = false;
  // An evaluation cut short by a cancel has drawn part of its samples: the evaluation stream goes
  // back to where it began and the checkpoint says the evaluation at `step` is still owed, so a
  // resume runs it first and continues on the uninterrupted run's trajectory.
  let evalPending = false;

  const evaluate = async () => {
    const samples = sampler.samplesSeen(step);
    const evalRngAtStart = evalRng.getState();
    let results;
    try {
      results = await evaluateSkills(model, suite, skills, spec.eval.samples, evalRng, ctx.cancelled);
    } catch (e) {
      if (e instanceof JobCancelled) { evalRng = new Rng(evalRngAtStart); evalPending = true; }
      throw e;
    }
    evalPending = false;
    const points = [];
    for (const r of results) {
      points.push({ step, key: `loss/${r.key}`, value: r.lossBits, samples }, { step, key: `acc/${r.key}`, value: r.acc, samples });
      const was = tracker.learned(r.key);
      tracker.observe(r.key, step, r.lossBits, samples);
      if (!was && tracker.learned(r.key)) ctx.log(`learned ${r.key} at step ${step} (${samples} samples)`);
      loop.lastEval[r.key] = { lossBits: r.lossBits, acc: r.acc };
    }
    if (lastTrainBits !== null) points.push({ step, key: 'train/loss', value: lastTrainBits, samples });
    ctx.metrics(points);
  };

  const checkpoint = async () => {
    if (lastCheckpoint === step) return;
    // async readbacks (webgpu cannot read synchronously); the loop awaits them, so nothing moves meanwhile
    const [weights, optState] = await Promise.all([model.toWeights(), optimizer.readState()]);
    loop = {
      step, samples: sampler.samplesSeen(step), lastEval: loop.lastEval, learned: tracker.getState(),
      rngs: { data: dataRng.getState(), eval: evalRng.getState(), dropout: dropRng.getState() },
      ...(evalPending ? { evalPending: true, pendingTrainBits: lastTrainBits } : {}),
    };
    ctx.saveCheckpoint(step, checkpointFiles({ model: weights, optimizer: optState, loop }));
    lastCheckpoint = step;
  };

  const targetLearned = () => spec.stopWhenLearned && targetKey !== null && tracker.learned(targetKey);
  const stopLearned = async () => {
    ctx.log(`stopping at step ${step}: the target ${targetKey} is learned`);
    await checkpoint();
    stoppedEarly = true;
    ctx.progress(step, step); // a finished run: the bar reads complete
  };

  try {
    if (!resumed) await evaluate(); // step 0: the untrained model
    else if (loop.evalPending) {
      lastTrainBits = loop.pendingTrainBits ?? null;
      ctx.log(`the evaluation at step ${step} was cut short by the cancel: running it again`);
      try {
        await evaluate();
        lastCheckpoint = -1; // the checkpoint on disk still says the evaluation is owed
        if (targetLearned()) await stopLearned();
      } catch (e) { if (!(e instanceof JobCancelled)) throw e; }
    }
    while (step < total && !stoppedEarly) {
      if (ctx.cancelled()) break;
      const evalDue = (step + 1) % spec.eval.every === 0 || step + 1 === total;
      const batch = sampler.sample(step, dataRng);
      const loss = trainStep(model, optimizer, batch, {
        gradClip: spec.gradClip,
        keepLoss: evalDue,
        dropoutSeed: spec.model.dropout > 0 ? dropRng.u32() : undefined,
      });
      step++;
      if (loss) lastTrainBits = (await readLoss(loss)).ce * BITS_PER_NAT;
      // a cancel mid-evaluation leaves it owed (evalPending, saved by the checkpoint below); the step itself is done
      if (evalDue) { try { await evaluate(); } catch (e) { if (e instanceof JobCancelled) break; throw e; } }
      if (evalDue && targetLearned()) { await stopLearned(); break; }
      if (step % spec.checkpointEvery === 0 || step === total) await checkpoint();
      ctx.progress(step, total);
      await yieldNow();
    }
    await checkpoint(); // on cancel: where it stopped (no-op when the last step just saved one)
    const finished = step >= total || stoppedEarly;
    if (finished) {
      const weights = await model.toWeights();
      ctx.saveArtifact('model', 'model.safetensors', encodeMlp(weights, { 'whittle.seed': String(spec.seed), 'whittle.steps': String(step) }),
        { params: model.paramCount(), dims: [modelConfig.inputs, ...modelConfig.hidden, modelConfig.outputs] });
    }
    const pick = (f: (e: { lossBits: number; acc: number }) => number) =>
      Object.fromEntries(keys.map((k) => [k, loop.lastEval[k] ? f(loop.lastEval[k]) : null]));
    return {
      steps: step,
      samples: sampler.samplesSeen(step),
      params: model.paramCount(),
      target: spec.target ? skillKey(spec.target) : null,
      stepsToLearn: tracker.stepsToLearn(),
      samplesToLearn: tracker.samplesToLearn(),
      finalLossBits: pick((e) => e.lossBits),
      finalAcc: pick((e) => e.acc),
      completed: finished,
      stoppedEarly,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
};
