// A `train` run on a text task is a language-model run: the train job hands it to the lm job
// through this mapping (same model, optimizer, steps; evaluation samples = held-out windows).
import { LmSpec } from './text';
import type { TrainSpec } from './train';

export function lmSpecFromTrain(t: TrainSpec): LmSpec {
  if (t.task.suite !== 'text') throw new Error(`task suite '${t.task.suite}' is not text`);
  if (t.model.arch !== 'transformer') throw new Error(`a text task trains a transformer; spec.model.arch is '${t.model.arch}'`);
  if (!Array.isArray(t.mixture)) throw new Error('text runs take a plain mixture (a list of domains), not a schedule of phases');
  const opt = t.optimizer;
  return LmSpec.parse({
    kind: 'lm', name: t.name, seed: t.seed, method: 'train',
    task: t.task, model: t.model,
    mixture: t.mixture.map((c) => {
      if (typeof c.skill !== 'string') throw new Error(`text mixture skills are domain names; got [${c.skill.join(',')}]`);
      return { skill: c.skill, perStep: c.perStep };
    }),
    target: typeof t.target === 'string' ? t.target : undefined,
    steps: t.steps,
    optimizer: opt.name === 'adam'
      ? { lr: opt.lr, beta1: opt.beta1, beta2: opt.beta2, eps: opt.eps, weightDecay: opt.weightDecay }
      : { lr: opt.lr, weightDecay: opt.weightDecay },
    gradClip: t.gradClip,
    eval: { every: t.eval.every, windows: Math.max(1, Math.min(t.eval.samples, 256)) },
    checkpointEvery: t.checkpointEvery,
    checkpointKeep: t.checkpointKeep,
  });
}
