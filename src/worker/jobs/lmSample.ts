// lmSample: continue a prompt with a finished lm run's model (its compacted model.safetensors).
import fs from 'node:fs';
import path from 'node:path';
import type { LmSampleSpec } from '../../shared/specs/text';
import { MODEL_FILE } from '../compress/io';
import { Rng } from '../engine/rng';
import { Transformer } from '../models/decoder/model';
import { decodeTransformer, TOKENIZER_META } from '../models/decoder/file';
import { generate } from '../models/decoder/sample';
import { tokenizerFromJSON } from '../tasks/text/tokenizer';
import type { Job } from './types';

export const lmSampleJob: Job<LmSampleSpec> = async (ctx) => {
  const { spec } = ctx;
  const input = ctx.inputs.model;
  if (!input) throw new Error('inputs.model: no model run was given');
  const file = path.join(input.dir, MODEL_FILE);
  if (!fs.existsSync(file)) throw new Error(`inputs.model: run ${input.runId} has no ${MODEL_FILE} (did it finish?)`);
  const { weights, metadata } = decodeTransformer(new Uint8Array(fs.readFileSync(file)), `inputs.model (${file})`);
  if (!metadata[TOKENIZER_META]) throw new Error(`inputs.model: ${file} carries no tokenizer`);
  const tokenizer = tokenizerFromJSON(JSON.parse(metadata[TOKENIZER_META]));
  const model = new Transformer(weights);
  try {
    const prompt = tokenizer.encode(new Uint8Array(Buffer.from(spec.prompt, 'utf8')));
    const rng = new Rng(spec.seed);
    const out: number[] = [];
    const chunk = 16;
    while (out.length < spec.tokens && !ctx.cancelled()) {
      const n = Math.min(chunk, spec.tokens - out.length);
      out.push(...await generate(model, [...prompt, ...out], { maxTokens: n, temperature: spec.temperature, topK: spec.topK, rng, cancelled: ctx.cancelled }));
      ctx.progress(out.length, spec.tokens, 'sampling');
    }
    const text = spec.prompt + Buffer.from(tokenizer.decode(out)).toString('utf8');
    ctx.saveArtifact('sample', 'sample.txt', text);
    return { text, tokens: out.length, model: input.runId };
  } finally {
    model.dispose();
  }
};
