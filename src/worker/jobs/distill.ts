// distill: train a fresh student of the chosen size on the kept skill against the teacher's
// soft targets, α·CE + (1−α)·T²·KL(teacher ‖ student) (METHODS §3, §4). The student is
// initialised like any new model of the engine (PyTorch default). Saves the student.
import type { DistillSpec } from '../../shared/specs';
import { MaskableMlp } from '../models/mlp/model';
import { compactMlp } from '../compress/compact';
import { loadInputModel, MODEL_FILE, modelBytes, openCompressJob } from '../compress/io';
import { distillStepOptions } from '../compress/kd';
import { runPhase } from '../compress/phase';
import { compressSummary } from '../compress/summary';
import { SkillTracker } from '../compress/tracker';
import { createOptimizer } from '../train/optimizers';
import type { Job } from './types';

export const distillJob: Job<DistillSpec> = async (ctx) => {
  const { spec } = ctx;
  const { input, suite, keep, remove, root } = await openCompressJob(ctx, spec, 'teacher', 'distillation');
  const dataRng = root.fork(1), evalRng = root.fork(2), initRng = root.fork(3);

  const teacherWeights = loadInputModel(input, 'teacher');
  if (teacherWeights.config.inputs !== suite.inputDim || teacherWeights.config.outputs !== suite.numClasses) {
    throw new Error(`inputs.teacher: its model maps ${teacherWeights.config.inputs} → ${teacherWeights.config.outputs}, the task needs ${suite.inputDim} → ${suite.numClasses}`);
  }
  const teacher = new MaskableMlp(teacherWeights);
  const student = MaskableMlp.create({
    inputs: suite.inputDim, hidden: spec.model.hidden, outputs: suite.numClasses,
    activation: spec.model.activation, dropout: spec.model.dropout,
  }, initRng);
  const init = await student.toWeights();
  const tracker = new SkillTracker({
    suite, keep, remove, evalSamples: spec.eval.samples, targetAccuracy: spec.targetAccuracy,
    rng: evalRng, metrics: (p) => ctx.metrics(p), cancelled: ctx.cancelled,
  });
  const opt = createOptimizer(spec.train.optimizer, student.params());
  const T = spec.temperature;
  try {
    const teacherEval = await tracker.evaluate(teacher, 0, 0, { prefix: 'teacher/' });
    await tracker.evaluate(student, 0, 0);
    const res = await runPhase({
      model: student, optimizer: opt, suite, skill: keep, steps: spec.train.steps, batch: spec.train.batch, rng: dataRng,
      step: {
        ceWeight: spec.alpha,
        gradClip: spec.train.gradClip,
        // the teacher's variables are not among the optimizer's, so no gradient reaches them;
        // α = 1 is training from scratch (the compare study's baseline): no teacher term at all
        ...(spec.alpha < 1 ? distillStepOptions(teacher, { alpha: spec.alpha, temperature: T }) : {}),
      },
      stepOffset: 0, sampleOffset: 0, evalEvery: spec.eval.every, cancelled: ctx.cancelled,
      progress: (s, n) => ctx.progress(s, n, 'distillation'),
      onEval: async (step, n, loss) => {
        if (loss !== null) ctx.metrics([{ step, key: 'trainLoss', value: loss * Math.LOG2E, samples: n }]);
        await tracker.evaluate(student, step, n);
        return spec.stopAtTarget && tracker.reached();
      },
    });
    const after = compactMlp(await student.toWeights());
    ctx.saveArtifact('model', MODEL_FILE, modelBytes(after, { 'whittle.kind': 'distill', 'whittle.keep': keep.key }), {
      hidden: after.config.hidden, keep: keep.key, remove: remove.map((r) => r.key),
    });
    return {
      ...compressSummary({
        keepKey: keep.key, removeKeys: remove.map((r) => r.key), final: tracker.last,
        targetAccuracy: spec.targetAccuracy, samplesToTarget: tracker.samplesToTarget, stepsToTarget: tracker.stepsToTarget,
        samples: res.samples, before: init, after,
      }),
      method: spec.alpha === 1 ? 'scratch' : 'distill',
      alpha: spec.alpha,
      temperature: T,
      teacherAccuracy: Object.fromEntries(Object.entries(teacherEval).map(([k, v]) => [k, v.acc])),
      teacherParams: teacher.paramCount(),
      steps: res.steps,
    };
  } finally {
    opt.dispose();
    teacher.dispose();
    student.dispose();
  }
};
