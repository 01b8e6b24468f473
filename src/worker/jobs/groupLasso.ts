// groupLasso: fine-tune the source model on the kept skill with λ·Σ‖group‖₂ added to the loss,
// so the skill concentrates in few units (METHODS §2), or — with a threshold and the
// offAtTarget schedule — prune while training: units whose group norm falls below the threshold
// are masked for good, λ switches off once the target count is reached, and training continues
// to the target accuracy (METHODS §3). Saves the compacted model.
import type { GroupLassoSpec } from '../../shared/specs';
import { tf } from '../engine/tf';
import { MaskableMlp } from '../models/mlp/model';
import { compactMlp } from '../compress/compact';
import { groupLassoPenalty, LambdaController, maskBelow, readGroupNorms } from '../compress/groupLasso';
import { loadInputModel, MODEL_FILE, modelBytes, openCompressJob } from '../compress/io';
import { runPhase } from '../compress/phase';
import { pruneUnits } from '../compress/prune';
import { compressSummary } from '../compress/summary';
import { accuracies, SkillTracker } from '../compress/tracker';
import { mlpUnits } from '../models/mlp/units';
import { createOptimizer } from '../train/optimizers';
import type { Job } from './types';

export const groupLassoJob: Job<GroupLassoSpec> = async (ctx) => {
  const { spec } = ctx;
  if (spec.schedule.kind === 'offAtTarget' && !(spec.threshold > 0)) {
    throw new Error('schedule.offAtTarget needs threshold > 0: units are only removed once their norm falls below it');
  }
  const { input: source, suite, keep, remove, root } = await openCompressJob(ctx, spec, 'source', 'group-lasso');
  const dataRng = root.fork(1), evalRng = root.fork(2);

  const before = loadInputModel(source, 'source');
  const model = new MaskableMlp(before);
  const units = mlpUnits(model);
  const tracker = new SkillTracker({
    suite, keep, remove, evalSamples: spec.eval.samples, targetAccuracy: spec.targetAccuracy,
    rng: evalRng, metrics: (p) => ctx.metrics(p), cancelled: ctx.cancelled,
  });
  const lam = new LambdaController(spec.lambda, spec.schedule);
  const total = () => model.activeUnits().reduce((a, b) => a + b, 0);
  const atSize = () => spec.schedule.kind !== 'offAtTarget' || lam.reached;
  const opt = createOptimizer(spec.train.optimizer, model.params());
  try {
    const start = await tracker.evaluate(model, 0, 0, { atSize: atSize() });
    lam.update(total());
    let masked = false;
    let forcedCut = false;
    // keep the `target` units with the largest group norms
    const cutToTarget = async (target: number) => {
      pruneUnits(units, await readGroupNorms(units, spec.group), { scope: 'global', keep: target, minPerLayer: spec.minPerLayer });
    };
    const res = await runPhase({
      model, optimizer: opt, suite, skill: keep, steps: spec.train.steps, batch: spec.train.batch, rng: dataRng,
      step: {
        gradClip: spec.train.gradClip,
        // read λ at each step: the schedule may have switched it off since the last one
        extraLoss: () => (lam.current() > 0 ? groupLassoPenalty(units, lam.current(), spec.group) : tf.scalar(0)),
        afterStep: () => { if (masked) model.applyMasks(); },
      },
      stepOffset: 0, sampleOffset: 0, evalEvery: spec.eval.every, cancelled: ctx.cancelled,
      progress: (s, n) => ctx.progress(s, n, lam.current() > 0 ? 'group lasso' : 'training at size'),
      afterEachStep: async (s, samples) => {
        if (spec.schedule.kind === 'offAtTarget' && !lam.reached && spec.forceCutAt !== undefined && s + 1 === spec.forceCutAt) {
          ctx.log(`step ${s + 1}: λ has not brought the model down to ${spec.schedule.targetUnits} units (${total()} active): cutting the weakest groups, then training at size`, 'warn');
          await cutToTarget(spec.schedule.targetUnits);
          masked = true;
          forcedCut = true;
          lam.reached = true; // λ off from here on: the rest of the budget trains the model at its size
        }
        if ((s + 1) % spec.maskEvery !== 0) return;
        if (lam.current() > 0 && await maskBelow(units, spec.threshold, spec.group, spec.minPerLayer) > 0) masked = true;
        const active = total();
        lam.update(active);
        ctx.metrics([{ step: s + 1, key: 'activeUnits', value: active, samples }, { step: s + 1, key: 'lambda', value: lam.current(), samples }]);
      },
      onEval: async (step, n, loss) => {
        if (loss !== null) ctx.metrics([{ step, key: 'trainLoss', value: loss * Math.LOG2E, samples: n }]);
        await tracker.evaluate(model, step, n, { atSize: atSize() });
        return spec.stopAtTarget && tracker.reached();
      },
    });

    // Never reached the target count: remove the weakest groups to reach it, so the model has the
    // size that was asked for (reported as reachedTargetUnits: false).
    let reachedTargetUnits: boolean | null = null;
    if (spec.schedule.kind === 'offAtTarget') {
      reachedTargetUnits = lam.reached && !forcedCut;
      if (!lam.reached) {
        ctx.log(`λ never brought the model down to ${spec.schedule.targetUnits} units (${total()} active): cutting the weakest groups`, 'warn');
        await cutToTarget(spec.schedule.targetUnits);
        await tracker.evaluate(model, res.steps + 1, res.samples, { atSize: true });
      }
    }
    ctx.metrics([{ step: res.steps + (reachedTargetUnits === false && !forcedCut ? 1 : 0), key: 'activeUnits', value: total(), samples: res.samples }]);

    const after = compactMlp(await model.toWeights());
    ctx.saveArtifact('model', MODEL_FILE, modelBytes(after, { 'whittle.kind': 'groupLasso', 'whittle.keep': keep.key }), {
      hidden: after.config.hidden, keep: keep.key, remove: remove.map((r) => r.key),
    });
    return {
      ...compressSummary({
        keepKey: keep.key, removeKeys: remove.map((r) => r.key), final: tracker.last,
        targetAccuracy: spec.targetAccuracy, samplesToTarget: tracker.samplesToTarget, stepsToTarget: tracker.stepsToTarget,
        samples: res.samples, before, after,
      }),
      method: 'groupLasso',
      lambda: spec.lambda,
      reachedTargetUnits,
      forcedCut,
      before: accuracies(start),
      steps: res.steps,
    };
  } finally {
    opt.dispose();
    model.dispose();
  }
};
