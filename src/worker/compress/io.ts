// Reading and writing the models compression jobs exchange: a run's final model is the artifact
// `model.safetensors` in its run folder.
import fs from 'node:fs';
import path from 'node:path';
import type { JobInput } from '../../shared/events';
import type { SkillRef, TaskSpec } from '../../shared/specs';
import { Rng } from '../engine/rng';
import { decodeModelFile, type DecodedModel, type FamilyName } from '../models/family';
import { encodeMlp } from '../models/mlp/file';
import type { MlpWeights } from '../models/mlp/model';
import { createSuite } from '../tasks';
import type { Skill, SkillSuite } from '../tasks/types';

export const MODEL_FILE = 'model.safetensors';

/** The model of an input run, of the family the job works on (any family's file reads through
 *  the registry; another family is an error naming both). */
export function loadRunModel<F extends FamilyName>(input: JobInput, role: string, family: F): Extract<DecodedModel, { family: F }> {
  const file = path.join(input.dir, MODEL_FILE);
  if (!fs.existsSync(file)) throw new Error(`inputs.${role}: run ${input.runId} has no ${MODEL_FILE} (did it finish?)`);
  const m = decodeModelFile(new Uint8Array(fs.readFileSync(file)), `inputs.${role} (${file})`);
  const name = (f: FamilyName) => (f === 'mlp' ? 'MLP' : f);
  if (m.family !== family) throw new Error(`inputs.${role}: run ${input.runId} holds ${m.family === 'mlp' ? 'an' : 'a'} ${name(m.family)} model; this job works on ${name(family)} models`);
  return m as Extract<DecodedModel, { family: F }>;
}

export function loadInputModel(input: JobInput, role: string): MlpWeights {
  return loadRunModel(input, role, 'mlp').weights;
}

/** The task a compression job works on: its own, else the input run's. */
export function resolveTask(own: TaskSpec | undefined, input: JobInput, role: string): TaskSpec {
  if (own) return own;
  const t = (input.spec as { task?: TaskSpec }).task;
  if (!t) throw new Error(`no task given and inputs.${role} (run ${input.runId}, ${input.spec.kind}) has none`);
  return t;
}

export function modelBytes(w: MlpWeights, meta: Record<string, string> = {}): Uint8Array {
  return encodeMlp(w, meta);
}

/** What every compression job starts from: the run it reads, the task's suite, the kept and removed
 *  skills, and its seed stream. */
export interface CompressSetup { input: JobInput; suite: SkillSuite; keep: Skill; remove: Skill[]; root: Rng }

export async function openCompressJob(
  ctx: { inputs: Record<string, JobInput>; home: string; resumeFrom: string | null; log(m: string): void },
  spec: { task?: TaskSpec; keep: SkillRef; remove: SkillRef[]; seed: number },
  role: 'source' | 'teacher', kind: string,
): Promise<CompressSetup> {
  const input = ctx.inputs[role];
  if (!input) throw new Error(`inputs.${role}: no ${role} run was given`);
  if (ctx.resumeFrom) ctx.log(`${kind} runs restart from the beginning (deterministic given the seed)`);
  const suite = await createSuite(resolveTask(spec.task, input, role), ctx.home);
  return { input, suite, keep: suite.skill(spec.keep), remove: spec.remove.map((r) => suite.skill(r)), root: new Rng(spec.seed) };
}
