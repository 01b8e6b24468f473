// Input runs' models read through the family registry: the family a job needs, or an error that
// names the run, the family it holds and the one the job works on.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobInput } from '../../shared/events';
import { Rng } from '../engine/rng';
import { decoderConfig } from '../models/decoder/config';
import { encodeTransformer } from '../models/decoder/file';
import { initTransformer } from '../models/decoder/model';
import { encodeMlp } from '../models/mlp/file';
import { initWeights } from '../models/mlp/model';
import { loadInputModel, loadRunModel, MODEL_FILE } from './io';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-io-'));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

function run(id: string, bytes: Uint8Array | null): JobInput {
  const dir = path.join(home, id);
  fs.mkdirSync(dir, { recursive: true });
  if (bytes) fs.writeFileSync(path.join(dir, MODEL_FILE), bytes);
  return { runId: id, dir, summary: null, spec: { kind: 'train' } as JobInput['spec'] };
}

describe('loadRunModel', () => {
  const mlp = initWeights({ inputs: 3, hidden: [4], outputs: 2, activation: 'relu' }, new Rng(1));
  const dec = initTransformer(decoderConfig({ vocab: 5, context: 4, dModel: 4, heads: 1, headDim: 4, mlp: [3] }), new Rng(2));

  it('reads each family and refuses the other one, naming both', () => {
    const a = run('a', encodeMlp(mlp)), b = run('b', encodeTransformer(dec, { 'whittle.tokenizer': '{}' }));
    expect(loadInputModel(a, 'source').config.hidden).toEqual([4]);
    const d = loadRunModel(b, 'source', 'decoder');
    expect(d.weights.config.mlp).toEqual([3]);
    expect(d.metadata['whittle.tokenizer']).toBe('{}');
    expect(() => loadInputModel(b, 'source')).toThrow(/inputs.source: run b holds a decoder model; this job works on MLP models/);
    expect(() => loadRunModel(a, 'teacher', 'decoder')).toThrow(/inputs.teacher: run a holds an MLP model; this job works on decoder models/);
    expect(() => loadInputModel(run('c', null), 'source')).toThrow(/run c has no model.safetensors \(did it finish\?\)/);
  });
});
