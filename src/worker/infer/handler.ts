// The inference thread's requests: describe a run's model, try it on one input, or compute its
// confusion matrix. Each request loads (or reuses) the run's model and releases every tensor it
// makes; the model itself stays cached for the next request (models.ts).
import { InputError } from '../../shared/errors';
import type { SkillRef, TaskSpec } from '../../shared/specs';
import type { GenerateResult } from '../../shared/specs/importModel';
import type { ConfusionMatrix, InferRequest, InferRun, ModelInfo, TryInput, TryResult } from '../../shared/tryModel';
import type { MaskableMlp } from '../models/mlp/model';
import { mixtureSkills } from '../train/mixture';
import { loadImageSuite } from '../tasks/images/suite';
import { cmspSuiteOf, tryCmsp } from './cmsp';
import { confusionMatrix, runClasses, tryImage } from './images';
import { loadRunModel, type LoadedModel } from './models';
import { tryText } from './text';
import { generateText } from './generate';

type CmspTask = Extract<TaskSpec, { suite: 'cmsp' }>;
type ImagesTask = Extract<TaskSpec, { suite: 'images' }>;

export async function handleInfer(home: string, req: InferRequest): Promise<ModelInfo | TryResult | ConfusionMatrix | GenerateResult> {
  const loaded = loadRunModel(req.run.runId, req.run.dir);
  switch (req.op) {
    case 'info': return info(home, req.run, loaded);
    case 'try': return tryInput(home, req.run, loaded, req.input);
    case 'confusion': {
      const { model, task } = mlpOn(req.run, loaded, 'images');
      const suite = loadImageSuite(home, task.dataset);
      return confusionMatrix(req.run.runId, model, suite, runClasses(suite, runSkills(req.run)));
    }
    case 'generate': {
      if (loaded.arch !== 'transformer') throw new InputError(`run ${req.run.runId} is not a language model (its model is an MLP)`);
      return generateText(req.run.runId, loaded, req.prompt, req.tokens);
    }
    default: throw new InputError(`op: unknown request ${(req as { op: unknown }).op}`);
  }
}

/** The skills a run was evaluated on: a training run's eval skills (else its mixture's and its
 *  target), a compression run's kept skill. */
export function runSkills(run: InferRun): SkillRef[] {
  const spec = run.spec as { kind: string; eval?: { skills?: SkillRef[] }; mixture?: unknown; target?: SkillRef; keep?: SkillRef };
  if (spec.kind === 'train') {
    if (spec.eval?.skills) return spec.eval.skills;
    const refs = mixtureSkills(spec.mixture as Parameters<typeof mixtureSkills>[0]);
    if (spec.target) refs.push(spec.target);
    return refs;
  }
  return spec.keep !== undefined ? [spec.keep] : [];
}

function info(home: string, run: InferRun, loaded: LoadedModel): ModelInfo {
  const base = { runId: run.runId, arch: loaded.arch, params: loaded.model.paramCount() };
  if (loaded.arch === 'transformer') {
    const c = loaded.model.config;
    return { ...base, target: { kind: 'text', context: c.context, vocab: c.vocab, tokenizer: loaded.tokenizer.kind } };
  }
  const task = run.task;
  if (task?.suite === 'cmsp') {
    const suite = cmspSuiteOf(task);
    return { ...base, target: { kind: 'cmsp', m: suite.m, n: suite.n, subsets: suite.subsets, skills: runSkills(run).filter(Array.isArray).map((s) => [...s].sort((a, b) => a - b)) } };
  }
  if (task?.suite === 'images') {
    const suite = loadImageSuite(home, task.dataset);
    return { ...base, target: { kind: 'images', dataset: task.dataset, shape: suite.meta.shape, classNames: suite.meta.classes, classes: runClasses(suite, runSkills(run)) } };
  }
  throw new InputError(`run ${run.runId}: its model has no task this panel can feed (task ${task ? task.suite : 'unknown'})`);
}

function mlpOn<S extends 'cmsp' | 'images'>(run: InferRun, loaded: LoadedModel, suite: S): { model: MaskableMlp; task: S extends 'cmsp' ? CmspTask : ImagesTask } {
  if (loaded.arch !== 'mlp' || run.task?.suite !== suite) {
    throw new InputError(`run ${run.runId} is not ${suite === 'cmsp' ? 'a CMSP' : 'an image'} model (it is ${loaded.arch === 'transformer' ? 'a language model' : `an MLP on ${run.task?.suite ?? 'an unknown task'}`})`);
  }
  return { model: loaded.model, task: run.task as never };
}

async function tryInput(home: string, run: InferRun, loaded: LoadedModel, input: TryInput): Promise<TryResult> {
  switch (input?.kind) {
    case 'cmsp': {
      const { model, task } = mlpOn(run, loaded, 'cmsp');
      return tryCmsp(model, task, input.bits, input.skill);
    }
    case 'image':
    case 'testImage': {
      const { model, task } = mlpOn(run, loaded, 'images');
      const suite = loadImageSuite(home, task.dataset);
      return tryImage(model, suite, input.kind === 'image' ? { image: input.image } : { index: input.index });
    }
    case 'text': {
      if (loaded.arch !== 'transformer') throw new InputError(`run ${run.runId} is not a language model; it takes ${run.task?.suite ?? 'other'} inputs`);
      return tryText(loaded.model, loaded.tokenizer, input);
    }
    default: throw new InputError(`input.kind: expected cmsp, image, testImage or text, got ${JSON.stringify((input as { kind?: unknown } | null)?.kind)}`);
  }
}
