// The cost estimate against independent counts (the worker's own models), and the schema checks
// that refuse a spec at the door naming the field instead of failing in the worker.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { arrayLimitIssues, confirmReasons, COST_LIMITS, estimateCost, RunSpec, type TrainSpec } from '../src/shared/specs';
import { parseSpec, SpecError } from '../src/shared/validate';
import { countParams } from '../src/worker/models/mlp/model';
import { countTransformerParams, initTransformer } from '../src/worker/models/decoder/model';
import { Rng } from '../src/worker/engine/rng';
import { REPO } from './helpers/tmp';

const cmspCpu = JSON.parse(fs.readFileSync(path.join(REPO, 'resources/recipes/cmsp-cpu.json'), 'utf8')).spec as Record<string, unknown>;
const parse = (patch: Record<string, unknown>) => parseSpec(RunSpec, { ...cmspCpu, ...patch }, 'spec');
const issuesOf = (patch: Record<string, unknown>) => {
  try { parse(patch); } catch (e) { if (e instanceof SpecError) return e.issues; throw e; }
  return [];
};
const textTrain = {
  kind: 'train', task: { suite: 'text', domains: ['prose', 'code'], context: 32, tokenizer: { kind: 'bpe', vocab: 300 } },
  model: { arch: 'transformer', layers: 2, dModel: 24, heads: 3, mlpWidth: 40, context: 48 },
  mixture: [{ skill: 'prose', perStep: 4 }, { skill: 'code', perStep: 2 }], target: 'code', steps: 100,
};

describe('estimateCost', () => {
  it('counts an MLP’s parameters as the worker’s model does', () => {
    const spec = parse({ model: { arch: 'mlp', hidden: [17, 5, 9] } }) as TrainSpec;
    const est = estimateCost(spec)!;
    expect(est.params).toBe(countParams({ inputs: 6 + 32, hidden: [17, 5, 9], outputs: 2, activation: 'relu' }));
    expect(est.paramBytes).toBe(est.params * COST_LIMITS.paramCopies * 4);
    expect(est.peakBytes).toBe(est.paramBytes + est.activationBytes);
    expect(est.steps).toBe(5000);
    // Batch 1,000 (4 × 250): forward + backward = 6 FLOP per weight per sample.
    const weights = 38 * 17 + 17 * 5 + 5 * 9 + 9 * 2;
    expect(est.flopsPerStep).toBe(6 * weights * 1000);
  });

  it('counts a transformer’s parameters as the worker’s model does (tied embeddings, bpe vocabulary)', () => {
    const spec = parseSpec(RunSpec, textTrain, 'spec');
    const est = estimateCost(spec)!;
    const config = { vocab: 300, context: 48, dModel: 24, heads: 3, headDim: 8, mlp: [40, 40] };
    expect(est.params).toBe(countTransformerParams(config));
    // …and the count matches the arrays the model really allocates.
    const w = initTransformer(config, new Rng(1));
    expect(est.params).toBe(Object.values(w.params).reduce((s, a) => s + a.length, 0));
  });

  it('grows with the width and the steps, and asks for confirmation only past the thresholds', () => {
    const small = estimateCost(parse({}))!;
    const wide = estimateCost(parse({ model: { arch: 'mlp', hidden: [20000, 20000] } }))!;
    const long = estimateCost(parse({ steps: 1e15 }))!;
    expect(confirmReasons(small)).toEqual([]);
    expect(wide.params).toBeGreaterThan(4e8);
    expect(confirmReasons(wide).join()).toMatch(/memory/);
    expect(confirmReasons(long)).toEqual(['more than 6.0 h of training']);
    expect(confirmReasons(wide)).toContain('more than 2.0 GiB of memory');
    expect(confirmReasons(small, { confirmBytes: small.peakBytes - 1, confirmSeconds: Infinity }).join()).toMatch(/memory/);
    expect(arrayLimitIssues(wide)).toEqual([]);
  });
});

describe('train spec: cross-field checks name the field', () => {
  it('a skill outside 0..m-1', () => {
    const issues = issuesOf({ task: { suite: 'cmsp', m: 20, n: 80, k: 4 }, mixture: [{ skill: [77], perStep: 10 }], target: [0] });
    expect(issues).toEqual([{ path: 'spec.mixture[0].skill', message: 'skill 77 is outside 0..m-1 (m = 20)', text: 'Skill: skill 77 is outside 0..m-1 (m = 20)' }]);
    expect(issuesOf({ target: [6] })[0]).toMatchObject({ path: 'spec.target', message: expect.stringContaining('m = 6') });
    expect(issuesOf({ eval: { every: 10, samples: 10, skills: ['even'] } })[0].path).toBe('spec.eval.skills[0]');
  });

  it('widths and batches the engine cannot allocate', () => {
    const wide = issuesOf({ model: { arch: 'mlp', hidden: [2000000000] } });
    expect(wide).toHaveLength(1);
    expect(wide[0].path).toBe('spec.model.hidden[0]');
    expect(wide[0].message).toMatch(/38×2000000000 weight matrix is 76,000,000,000 values/);
    const batch = issuesOf({ mixture: [{ skill: [0], perStep: 1e9 }] });
    expect(batch.map((i) => i.path)).toEqual(['spec.mixture[0].perStep']);
    expect(issuesOf({ eval: { every: 10, samples: 1e9 } }).map((i) => i.path)).toEqual(['spec.eval.samples']);
  });

  it('a text task with an MLP names model; a CMSP task with a transformer names model.arch', () => {
    const mlp = issuesOf({ ...textTrain, model: { arch: 'mlp', hidden: [8] } });
    expect(mlp).toEqual([{ path: 'spec.model', message: expect.stringMatching(/text task trains a transformer/), text: expect.stringMatching(/^Model: a text task trains a transformer/) }]);
    expect(issuesOf({ model: textTrain.model })[0].path).toBe('spec.model.arch');
    expect(issuesOf({ ...textTrain, mixture: [{ skill: 'poetry', perStep: 1 }] })[0].path).toBe('spec.mixture[0].skill');
  });

  it('a valid spec still parses (and studies can still reuse the fields)', () => {
    expect(() => parse({})).not.toThrow();
    expect(() => parseSpec(RunSpec, textTrain)).not.toThrow();
  });
});
