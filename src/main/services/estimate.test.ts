// The estimate a recipe review shows: cost.ts's FLOP divided by a speed measured here.
import { describe, expect, it } from 'vitest';
import type { RunRow } from '../../shared/api';
import { RunSpec } from '../../shared/specs';
import { COST_LIMITS, estimateCost } from '../../shared/specs/cost';
import { measuredSpeedOf } from '../../shared/specs/runEstimate';
import { ApiError } from '../../shared/transport';
import { parseSpec } from '../../shared/validate';
import { estimateSpec } from './estimate';
import { findRecipe } from './recipes';

function doneRun(spec: unknown, seconds: number, o: Partial<RunRow> = {}): RunRow {
  const parsed = parseSpec(RunSpec, spec);
  return {
    id: `r${Math.random().toString(36).slice(2, 8)}`, name: 'measured', kind: parsed.kind, status: 'done', studyId: null, studyKey: null,
    spec: parsed, dependsOn: [], createdAt: 0, startedAt: 1_000, endedAt: 1_000 + seconds * 1000, progress: null, summary: null,
    error: null, errorKind: null, backend: 'wasm×2', ...o,
  };
}

const small = { kind: 'train', task: { suite: 'cmsp', m: 4, n: 16, k: 3 }, model: { arch: 'mlp', hidden: [32] }, mixture: [{ skill: [0], perStep: 100 }], steps: 200, eval: { every: 50 } };

describe('estimateSpec', () => {
  it('divides the recipe\'s FLOP by the speed the latest finished MLP run measured here', () => {
    const recipe = findRecipe('cmsp-reference').spec;
    const measured = doneRun(small, 4);
    const smallFlops = estimateCost(measured.spec)!.approxSeconds * COST_LIMITS.flopsPerSecond;
    const e = estimateSpec(recipe, [measured]);
    expect(e.runs).toBe(1);
    expect(e.family).toBe('mlp');
    expect(e.measured?.runId).toBe(measured.id);
    expect(e.measured?.flopsPerSecond).toBeCloseTo(smallFlops / 4, 0);
    expect(e.measured?.stepSeconds).toBeCloseTo(4 / 200, 6);
    const recipeFlops = estimateCost(parseSpec(RunSpec, recipe))!.approxSeconds * COST_LIMITS.flopsPerSecond;
    expect(e.seconds).toBeCloseTo(recipeFlops / (smallFlops / 4), 3);
    // twice as slow a machine, twice the time
    expect(estimateSpec(recipe, [doneRun(small, 8)]).seconds).toBeCloseTo(2 * e.seconds!, 3);
  });

  it('takes the newest comparable run, never another family or an unfinished one', () => {
    const lm = findRecipe('lm-general-cpu').spec;
    const older = doneRun(small, 4, { endedAt: 5_000 });
    const newer = doneRun(small, 2, { endedAt: 3_500, startedAt: 1_500 });
    const failed = doneRun(small, 1, { status: 'failed', endedAt: 9_000 });
    expect(estimateSpec(small, [older, newer, failed]).measured?.runId).toBe(older.id);
    const e = estimateSpec(lm, [older]);
    expect(e.family).toBe('transformer');
    expect(e.measured).toBeNull();
    expect(e.seconds).toBeNull();
    expect(e.assumedSeconds).toBeGreaterThan(0);
  });

  it('scales a run that stopped early to the steps it ran', () => {
    const run = doneRun(small, 4, { progress: { step: 100, total: 200, eta: null } });
    expect(measuredSpeedOf(run)?.stepSeconds).toBeCloseTo(4 / 100, 6);
  });

  it('uses a bench run\'s median step as the probe of a step', () => {
    const bench = doneRun({ kind: 'bench', inputDim: 20, hidden: [32], outputs: 2, batch: 100, steps: 5, warmup: 1 }, 30, { summary: { medianMs: 2 } });
    const m = measuredSpeedOf(bench)!;
    expect(m.stepSeconds).toBe(0.002);
    expect(m.flopsPerSecond).toBeCloseTo(estimateCost(bench.spec)!.flopsPerStep / 0.002, 0);
  });

  it('covers a study by its plan', () => {
    const e = estimateSpec(findRecipe('curriculum-cpu').spec, [doneRun(small, 4)]);
    expect(e.runs).toBeGreaterThan(1);
    expect(e.covered).toBe(e.runs);
    expect(e.seconds).toBeGreaterThan(0);
    const cmp = estimateSpec(findRecipe('compare-cmsp-cpu').spec, []);
    expect(cmp.covered).toBeGreaterThan(0);
    expect(cmp.covered).toBeLessThanOrEqual(cmp.runs);
  });

  it('sizes a pruning run by its source model with the kept neurons', () => {
    const lm = findRecipe('lm-general-cpu').spec as { model: { layers: number; mlpWidth: number } };
    const general = doneRun(lm, 100);
    const prune = { kind: 'lm', method: 'prune', inputs: { source: general.id }, task: { suite: 'text', domains: ['python', 'prose'], context: 64 }, prune: { keep: 256 }, mixture: [{ skill: 'python', perStep: 8 }], target: 'python', steps: 50 };
    const e = estimateSpec(prune, [general]);
    expect(e.covered).toBe(1);
    expect(e.measured?.runId).toBe(general.id);
    const asTrain = parseSpec(RunSpec, { ...prune, method: 'train', inputs: {}, model: { ...lm.model, mlpWidth: 256 / lm.model.layers } });
    expect(e.flops).toBeCloseTo(estimateCost(asTrain)!.approxSeconds * COST_LIMITS.flopsPerSecond, -3);
    expect(estimateSpec(prune, []).covered).toBe(0);
  });

  it('sizes a pruning run of an imported checkpoint by the shape its import summary names', () => {
    const imported = doneRun({ kind: 'importModel', folder: '/models/tiny' }, 1, {
      summary: { architecture: 'LlamaForCausalLM', layers: 4, dModel: 64, heads: 4, kvHeads: 2, mlpWidth: 256, vocab: 320, context: 128 },
    });
    const prune = { kind: 'lm', method: 'prune', inputs: { source: imported.id }, task: { suite: 'text', domains: ['python'], context: 64 }, prune: { keep: 128 }, mixture: [{ skill: 'python', perStep: 8 }], steps: 50 };
    const e = estimateSpec(prune, [imported]);
    expect(e.covered).toBe(1);
    const asTrain = parseSpec(RunSpec, { ...prune, method: 'train', inputs: {}, model: { arch: 'transformer', layers: 4, dModel: 64, heads: 4, mlpWidth: 32, context: 128 } });
    expect(e.flops).toBeCloseTo(estimateCost(asTrain)!.approxSeconds * COST_LIMITS.flopsPerSecond, -3);
  });

  it('refuses a bad spec naming the field', () => {
    const e = (() => { try { estimateSpec({ ...small, steps: 0 }, []); return null; } catch (x) { return x as ApiError; } })();
    expect(e?.code).toBe('bad_request');
    expect(e?.issues?.map((i) => i.path)).toContain('spec.steps');
  });
});
