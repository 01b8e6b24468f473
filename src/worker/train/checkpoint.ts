// A training checkpoint as files: model weights, optimizer slots (both safetensors) and the loop
// state (step, RNG streams, learned tracker) as JSON. Restoring all three continues a run on
// exactly the trajectory it would have followed uninterrupted.
import fs from 'node:fs';
import path from 'node:path';
import type { RngState } from '../engine/rng';
import { decodeMlp, encodeMlp } from '../models/mlp/file';
import type { MlpWeights } from '../models/mlp/model';
import { decodeSafetensors, encodeSafetensors, type TensorEntry } from '../models/safetensors';
import type { LearnedState } from './learned';
import type { OptimizerState } from './optimizers';

export interface LoopState {
  /** Optimisation steps completed. */
  step: number;
  /** Training samples seen. */
  samples: number;
  rngs: Record<string, RngState>;
  learned: LearnedState;
  /** Last evaluation, per skill key (for a summary after an immediate cancel). */
  lastEval: Record<string, { lossBits: number; acc: number }>;
  /** The evaluation at `step` was cut short by a cancel (its samples not drawn): a resume runs it first. */
  evalPending?: boolean;
  /** With evalPending: the last training batch's loss (bits), recorded with that evaluation. */
  pendingTrainBits?: number | null;
}

export interface Checkpoint { model: MlpWeights; optimizer: OptimizerState; loop: LoopState }

const FILES = { model: 'model.safetensors', optimizer: 'optimizer.safetensors', loop: 'state.json' };

export function encodeOptimizerState(s: OptimizerState): Uint8Array {
  const tensors: Record<string, TensorEntry> = {};
  for (const [name, data] of Object.entries(s.slots)) tensors[name] = { dtype: 'F32', shape: [data.length], data };
  return encodeSafetensors({ tensors, metadata: { 'whittle.optimizer': s.name, 'whittle.step': String(s.step) } });
}

/** Optimizer slots back from a file; language-model checkpoints written before every family
 *  shared this file kept the name and step under `name` / `step`. */
export function decodeOptimizerState(buf: Uint8Array, source: string): OptimizerState {
  const st = decodeSafetensors(buf, source);
  const name = st.metadata['whittle.optimizer'] ?? st.metadata.name;
  if (name !== 'adam' && name !== 'sgd') throw new Error(`${source}: unknown optimizer '${name}'`);
  const slots: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(st.tensors)) slots[k] = t.data as Float32Array;
  return { name, step: Number(st.metadata['whittle.step'] ?? st.metadata.step ?? 0), slots };
}

export function checkpointFiles(c: Checkpoint): Record<string, string | Uint8Array> {
  return {
    [FILES.model]: encodeMlp(c.model),
    [FILES.optimizer]: encodeOptimizerState(c.optimizer),
    [FILES.loop]: JSON.stringify(c.loop),
  };
}

export function readCheckpoint(dir: string): Checkpoint {
  const read = (name: string) => {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) throw new Error(`checkpoint ${dir} lacks ${name}`);
    return fs.readFileSync(file);
  };
  return {
    model: decodeMlp(new Uint8Array(read(FILES.model)), path.join(dir, FILES.model)),
    optimizer: decodeOptimizerState(new Uint8Array(read(FILES.optimizer)), path.join(dir, FILES.optimizer)),
    loop: JSON.parse(read(FILES.loop).toString('utf8')) as LoopState,
  };
}
