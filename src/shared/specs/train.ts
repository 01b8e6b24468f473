// A training run from scratch (or continued from another run's weights) on a skill mixture.
import { z } from 'zod';
import { EvalSpec, int, Mixture, ModelSpec, OptimizerSpec, Seed, SkillRef, TaskSpec } from './common';
import { arrayLimitIssues, estimateCost } from './cost';

/** The fields, without the cross-field checks (studies reuse them with `.omit`, which zod refuses
 *  on a refined object). */
export const TrainSpecFields = z.object({
  kind: z.literal('train'),
  name: z.string().optional(),
  seed: Seed,
  task: TaskSpec,
  model: ModelSpec,
  optimizer: OptimizerSpec.default({ name: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false }),
  /** Clip the global gradient norm to this value (0 = off). */
  gradClip: z.number().min(0).default(0),
  mixture: Mixture,
  /** The narrow skill this run is for; its stepsToLearn is the headline number. */
  target: SkillRef.optional(),
  steps: int(1),
  eval: EvalSpec.default({ every: 50, samples: 2000 }),
  /** End the run at the first evaluation where the target counts as learned (saves time in
   *  curriculum studies, whose question is only whether and when the target is learned). */
  stopWhenLearned: z.boolean().default(false),
  /** Save a checkpoint every this many steps (and always at the end / on cancel). */
  checkpointEvery: int(1).default(1000),
  /** Keep this many newest checkpoints; older ones are deleted (the resume point is always kept). */
  checkpointKeep: int(1).default(2),
}).strict();

type Fields = z.infer<typeof TrainSpecFields>;
type Path = (string | number)[];

/** Every skill reference in the spec, with its path. */
function skillRefs(s: Fields): { ref: SkillRef; path: Path }[] {
  const out: { ref: SkillRef; path: Path }[] = [];
  if (Array.isArray(s.mixture)) s.mixture.forEach((c, i) => out.push({ ref: c.skill, path: ['mixture', i, 'skill'] }));
  else s.mixture.schedule.forEach((p, j) => p.components.forEach((c, i) => out.push({ ref: c.skill, path: ['mixture', 'schedule', j, 'components', i, 'skill'] })));
  if (s.target !== undefined) out.push({ ref: s.target, path: ['target'] });
  s.eval.skills?.forEach((ref, i) => out.push({ ref, path: ['eval', 'skills', i] }));
  return out;
}

/** Checks across fields, so a spec the worker cannot run is refused at the door naming the field
 *  (instead of failing in the worker with a message about arrays). */
export function checkTrainSpec(s: Fields, ctx: z.RefinementCtx): void {
  const issue = (path: Path, message: string) => ctx.addIssue({ code: 'custom', path, message });
  const t = s.task;
  if (t.suite === 'text') {
    if (s.model.arch !== 'transformer') {
      issue(['model'], `a text task trains a transformer: model needs arch 'transformer' (layers, dModel, heads, mlpWidth, context), not '${s.model.arch}'`);
      return;
    }
    if (s.model.context < t.context) issue(['model', 'context'], `the model's context (${s.model.context}) is shorter than the task's (${t.context})`);
    if (!Array.isArray(s.mixture)) { issue(['mixture'], 'a text task takes a plain mixture (a list of domains), not a schedule of phases'); return; }
    for (const { ref, path } of skillRefs(s)) {
      if (typeof ref !== 'string') issue(path, `a text skill is a domain name (${t.domains.join(', ')}), not [${ref.join(',')}]`);
      else if (!t.domains.includes(ref)) issue(path, `'${ref}' is not one of the task's domains (${t.domains.join(', ')})`);
    }
  } else if (s.model.arch !== 'mlp') {
    issue(['model', 'arch'], `a ${t.suite} task trains an MLP (arch 'mlp'); transformers are for text tasks`);
    return;
  }
  if (t.suite === 'cmsp') {
    for (const { ref, path } of skillRefs(s)) {
      if (typeof ref === 'string') { issue(path, `a CMSP skill is a list of atomic indices such as [0] or [0,1], not '${ref}'`); continue; }
      for (const i of ref) if (i >= t.m) issue(path, `skill ${i} is outside 0..m-1 (m = ${t.m})`);
    }
  }
  const est = estimateCost(s);
  if (est) for (const { path, message } of arrayLimitIssues(est)) issue(path, message);
}

export const TrainSpec = TrainSpecFields.superRefine(checkTrainSpec);
export type TrainSpec = z.infer<typeof TrainSpec>;
