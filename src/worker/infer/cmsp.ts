// Try a CMSP model: the person gives the n data bits and a skill (code); the input row is the
// code's control bits followed by the data bits, exactly as the suite builds a training sample, and
// the true label is the parity of the data bits the skill reads (METHODS.md §1).
import { InputError } from '../../shared/errors';
import type { TaskSpec } from '../../shared/specs';
import type { TryResult } from '../../shared/tryModel';
import { tf, type Tensor2D } from '../engine/tf';
import type { MaskableMlp } from '../models/mlp/model';
import { CmspSuite } from '../tasks/cmsp';

type CmspTask = Extract<TaskSpec, { suite: 'cmsp' }>;

export function cmspSuiteOf(task: CmspTask): CmspSuite {
  return new CmspSuite({ m: task.m, n: task.n, k: task.k, subsets: task.subsets });
}

/** The input row [control bits (m) | data bits (n)] and its true parity, checked field by field. */
export function cmspExample(suite: CmspSuite, bits: number[], code: number[]): { x: Float32Array; parity: 0 | 1; parityBits: number[] } {
  if (!Array.isArray(bits) || bits.length !== suite.n) throw new InputError(`bits: expected ${suite.n} data bits, got ${Array.isArray(bits) ? bits.length : typeof bits}`);
  bits.forEach((b, i) => { if (b !== 0 && b !== 1) throw new InputError(`bits[${i}]: ${JSON.stringify(b)} is not 0 or 1`); });
  let skill;
  try { skill = suite.skill(code); } catch (e) { throw new InputError(`skill: ${(e as Error).message}`); }
  const x = new Float32Array(suite.m + suite.n);
  for (const i of skill.code) x[i] = 1;
  bits.forEach((b, i) => { x[suite.m + i] = b; });
  let parity = 0;
  for (const j of skill.bits) parity ^= bits[j];
  return { x, parity: parity as 0 | 1, parityBits: skill.bits };
}

export function tryCmsp(model: MaskableMlp, task: CmspTask, bits: number[], code: number[]): Extract<TryResult, { kind: 'cmsp' }> {
  const suite = cmspSuiteOf(task);
  if (model.config.inputs !== suite.inputDim) throw new InputError(`the model takes ${model.config.inputs} inputs, but task m=${suite.m}, n=${suite.n} makes ${suite.inputDim}`);
  const { x, parity, parityBits } = cmspExample(suite, bits, code);
  const p = tf.tidy(() => tf.softmax(model.forward(tf.tensor2d(x, [1, x.length]) as Tensor2D, { training: false })).dataSync());
  const probabilities: [number, number] = [p[0], p[1]];
  return { kind: 'cmsp', x: Array.from(x), probabilities, predicted: p[1] > p[0] ? 1 : 0, parity, parityBits };
}
