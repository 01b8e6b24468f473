// Reading and writing the models compression jobs exchange: a run's final model is the artifact
// `model.safetensors` in its run folder.
import fs from 'node:fs';
import path from 'node:path';
import type { JobInput } from '../../shared/events';
import type { TaskSpec } from '../../shared/specs';
import { encodeMlp, decodeMlp } from '../models/mlpFile';
import type { MlpWeights } from '../models/mlp';

export const MODEL_FILE = 'model.safetensors';

export function loadInputModel(input: JobInput, role: string): MlpWeights {
  const file = path.join(input.dir, MODEL_FILE);
  if (!fs.existsSync(file)) throw new Error(`inputs.${role}: run ${input.runId} has no ${MODEL_FILE} (did it finish?)`);
  return decodeMlp(new Uint8Array(fs.readFileSync(file)), `inputs.${role} (${file})`);
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
