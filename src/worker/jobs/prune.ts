// prune: score the source model's hidden units on the kept skill, remove the least important,
// optionally run the relearn test on each removed skill, recover on the kept skill with masked
// weights held at exactly 0, then save the compacted model (METHODS §2, §3).
//
// Global steps: 0 = right after pruning; recovery steps follow. samplesToTarget counts the
// samples the score consumed (the pruning phase) plus recovery samples.
import type { PruneSpec } from '../../shared/specs';
import { skillKey } from '../../shared/specs';
import { MaskableMlp } from '../models/mlp/model';
import { compactMlp } from '../compress/compact';
import { logLogPearson, type Correlation } from '../compress/correlation';
import { loadInputModel, MODEL_FILE, modelBytes, openCompressJob } from '../compress/io';
import { runPhase } from '../compress/phase';
import { SCORES, type ScoreOptions } from '../compress/scores';
import { pruneUnits } from '../compress/prune';
import { compressSummary } from '../compress/summary';
import { accuracies, SkillTracker } from '../compress/tracker';
import { mlpUnits } from '../models/mlp/units';
import { batchTensors } from '../train/batch';
import { createOptimizer } from '../train/optimizers';
import type { Job } from './types';

export const pruneJob: Job<PruneSpec> = async (ctx) => {
  const { spec } = ctx;
  const { input: source, suite, keep, remove, root } = await openCompressJob(ctx, spec, 'source', 'prune');
  const dataRng = root.fork(1), evalRng = root.fork(2), scoreRng = root.fork(3), relearnRng = root.fork(4);

  const before = loadInputModel(source, 'source');
  const model = new MaskableMlp(before);
  const units = mlpUnits(model);
  const tracker = new SkillTracker({
    suite, keep, remove, evalSamples: spec.eval.samples, targetAccuracy: spec.targetAccuracy,
    rng: evalRng, metrics: (p) => ctx.metrics(p), cancelled: ctx.cancelled,
  });
  try {
    const beforePrune = await tracker.evaluate(model, 0, 0, { prefix: 'beforePrune/' });

    // --- score and select -------------------------------------------------------------------
    ctx.progress(0, spec.recovery.steps, 'scoring');
    const score = SCORES[spec.score.name];
    const opts: ScoreOptions = { rng: scoreRng, group: spec.score.group, site: spec.score.site, reduce: spec.score.reduce };
    let pruneSamples = 0;
    let scores: Float32Array[];
    let correlation: Correlation | null = null;
    if (score.needsData) {
      const batch = suite.sample(keep, spec.score.samples, dataRng);
      pruneSamples = batch.count;
      const data = batchTensors(batch);
      try {
        scores = await score.compute(units, data, opts);
        // attribution vs ablation on the same samples (the nonlocality study's correlation)
        if (spec.correlate && (spec.score.name === 'ablation' || spec.score.name === 'attribution')) {
          const other = await SCORES[spec.score.name === 'ablation' ? 'attribution' : 'ablation'].compute(units, data, opts);
          correlation = spec.score.name === 'ablation' ? logLogPearson(other, scores) : logLogPearson(scores, other);
        }
      } finally { data.x.dispose(); data.y.dispose(); }
    } else {
      scores = await score.compute(units, null, opts);
    }
    pruneUnits(units, scores, spec.selection);
    ctx.log(`pruned to ${model.activeUnits().join('+')} hidden units by ${spec.score.name} score`);
    const afterPrune = await tracker.evaluate(model, 0, pruneSamples, { atSize: true });

    // --- relearn test: can each removed skill be quickly retrained? -------------------------
    const relearn: Record<string, number> = {};
    if (spec.relearn && spec.relearn.steps > 0) {
      for (const r of remove) {
        if (ctx.cancelled()) break;
        const copy = new MaskableMlp(await model.toWeights());
        const opt = createOptimizer(spec.relearn.optimizer, copy.params());
        try {
          const res = await runPhase({
            model: copy, optimizer: opt, suite, skill: r, steps: spec.relearn.steps, batch: spec.relearn.batch, rng: relearnRng,
            step: { gradClip: spec.relearn.gradClip, afterStep: () => copy.applyMasks() },
            stepOffset: 0, sampleOffset: 0, evalEvery: spec.relearn.steps, cancelled: ctx.cancelled,
            progress: (s, n) => ctx.progress(s, n, `relearn ${r.key}`),
          });
          const ev = await tracker.evaluate(copy, res.steps, res.samples, { prefix: `relearn/${r.key}/`, skills: [r] });
          relearn[r.key] = ev[r.key].acc;
        } finally { opt.dispose(); copy.dispose(); }
      }
    }

    // --- recovery on the kept skill ----------------------------------------------------------
    let samples = pruneSamples;
    if (spec.recovery.steps > 0 && !(spec.stopAtTarget && tracker.reached())) {
      const opt = createOptimizer(spec.recovery.optimizer, model.params());
      try {
        const res = await runPhase({
          model, optimizer: opt, suite, skill: keep, steps: spec.recovery.steps, batch: spec.recovery.batch, rng: dataRng,
          // the forward mask already zeroes masked units' gradients; re-applying after every step
          // makes "masked weights are exactly 0" hold whatever the optimizer does (weight decay)
          step: { gradClip: spec.recovery.gradClip, afterStep: () => model.applyMasks() },
          stepOffset: 0, sampleOffset: pruneSamples, evalEvery: spec.eval.every, cancelled: ctx.cancelled,
          progress: (s, n) => ctx.progress(s, n, 'recovery'),
          onEval: async (step, n) => { await tracker.evaluate(model, step, n); return spec.stopAtTarget && tracker.reached(); },
        });
        samples = res.samples;
      } finally { opt.dispose(); }
    }

    // --- compact and save --------------------------------------------------------------------
    const masked = await model.toWeights();
    const after = compactMlp(masked);
    ctx.saveArtifact('model', MODEL_FILE, modelBytes(after, { 'whittle.kind': 'prune', 'whittle.keep': keep.key }), {
      hidden: after.config.hidden, keep: keep.key, remove: remove.map((r) => r.key),
    });
    return {
      ...compressSummary({
        keepKey: keep.key, removeKeys: remove.map((r) => r.key), final: tracker.last, relearn,
        targetAccuracy: spec.targetAccuracy, samplesToTarget: tracker.samplesToTarget, stepsToTarget: tracker.stepsToTarget,
        samples, before, after,
      }),
      method: 'prune',
      score: spec.score.name,
      pruneSamples,
      sparsity: 1 - after.config.hidden.reduce((a, b) => a + b, 0) / before.config.hidden.reduce((a, b) => a + b, 0),
      beforePrune: accuracies(beforePrune),
      afterPrune: accuracies(afterPrune),
      afterRecovery: accuracies(tracker.last),
      relearn,
      correlation,
      keep: skillKey(spec.keep),
    };
  } finally {
    model.dispose();
  }
};
