// (In test/, not next to the store: the renderer layer may not import the recipe files it checks against.)
// The recipe → review path as the store sees it: prefilled fields and name, edits reaching the spec
// that is estimated and created, errors at the field, and nothing created before Start.
import { describe, expect, it } from 'vitest';
import type { RunRow, StudyRow, WhittleApi } from '../src/shared/api';
import { combineEstimate, costOf, familyOf, type RunEstimate } from '../src/shared/specs/runEstimate';
import { estimateCost } from '../src/shared/specs/cost';
import { RunSpec } from '../src/shared/specs';
import { ApiError, CONFIRM_CODE } from '../src/shared/transport';
import { parseSpec, SpecError } from '../src/shared/validate';
import cmspReference from '../resources/recipes/cmsp-reference.json';
import importPython from '../resources/recipes/text-import-python.json';
import curriculum from '../resources/recipes/curriculum-cpu.json';
import { runRow } from '../src/renderer/lib/stores/fixtures';
import { RecipesState } from '../src/renderer/views/home/recipes.svelte';
import { Router } from '../src/renderer/lib/stores/router.svelte';
import { editableFields, probeSpecFor, RecipeReviewState, recipeName } from '../src/renderer/views/wizard/recipeReview.svelte';

/** An API that records calls; estimateSpec computes from the spec (no measurement) like the service. */
function fakeApi(o: { confirmAbove?: number } = {}) {
  const calls: { method: string; spec: Record<string, unknown>; confirmed?: boolean; executor?: unknown }[] = [];
  /** As the service refuses a bad spec: bad_request with the issues' paths. */
  const parsed = (spec: unknown) => {
    try { return parseSpec(RunSpec, spec, 'spec'); } catch (e) {
      if (e instanceof SpecError) throw new ApiError(`invalid spec: ${e.message}`, 'bad_request', e.issues);
      throw e;
    }
  };
  const api = {
    async estimateSpec(spec: unknown): Promise<RunEstimate> {
      calls.push({ method: 'estimateSpec', spec: spec as Record<string, unknown> });
      const p = parsed(spec);
      const est = estimateCost(p);
      return combineEstimate([est ? costOf(est) : null], familyOf(p), null);
    },
    async createRun(spec: unknown, opts?: { confirmed?: boolean }): Promise<RunRow> {
      calls.push({ method: 'createRun', spec: spec as Record<string, unknown>, confirmed: opts?.confirmed });
      parsed(spec);
      const steps = (spec as { steps: number }).steps;
      if (o.confirmAbove !== undefined && steps > o.confirmAbove && !opts?.confirmed) throw new ApiError('about 3 h. Start it anyway with confirmation (CLI: --yes).', CONFIRM_CODE);
      return runRow({ id: 'r1', name: String((spec as { name: string }).name) });
    },
    async createStudy(spec: unknown, opts?: { confirmed?: boolean; executor?: unknown }): Promise<StudyRow> {
      calls.push({ method: 'createStudy', spec: spec as Record<string, unknown>, ...(opts?.executor ? { executor: opts.executor } : {}) });
      return { id: 's1', name: 'x', kind: 'curriculum', spec: spec as StudyRow['spec'], status: 'queued', createdAt: 0, runIds: [], summary: null };
    },
    async getRun(): Promise<RunRow> { throw new Error('not used'); },
  } satisfies Pick<WhittleApi, 'createRun' | 'createStudy' | 'estimateSpec' | 'getRun'>;
  return { api, calls };
}

describe('recipe review', () => {
  it('clicking a recipe on the home page only navigates to its review', async () => {
    const router = new Router({ hash: '' });
    let created = 0;
    const state = new RecipesState({ router, api: { recipes: async () => [cmspReference], createRun: async () => { created++; } } as never });
    await state.load();
    state.open(state.recipes[0]);
    expect(router.route).toEqual({ name: 'new', recipe: 'cmsp-reference' });
    expect(created).toBe(0);
  });

  it('prefills a sensible name and the recipe\'s fields, and estimates the spec as edited', async () => {
    const { api, calls } = fakeApi();
    const r = new RecipeReviewState(api, async () => true);
    r.open(cmspReference);
    expect(r.name).toBe('cmsp reference');
    expect(r.field('steps')?.value).toBe('20000');
    expect(r.field('model.hidden')).toMatchObject({ type: 'numbers', value: '128, 128' });
    expect(r.field('task.m')?.value).toBe('4');
    await r.refreshEstimate();
    const first = r.estimate!;
    expect(first.runs).toBe(1);
    expect(first.measured).toBeNull();
    r.field('steps')!.value = '2000';
    r.name = 'short reference';
    await r.refreshEstimate();
    expect(calls.at(-1)?.spec).toMatchObject({ steps: 2000, name: 'short reference' });
    expect(r.estimate!.flops).toBeCloseTo(first.flops / 10, -3);
    expect(calls.some((c) => c.method === 'createRun' || c.method === 'createStudy')).toBe(false);
  });

  it('lets a text import recipe take another folder (what the CLI did with --set sources=[…])', () => {
    const { api } = fakeApi();
    const r = new RecipeReviewState(api, async () => true);
    r.open(importPython);
    expect(r.name).toBe('import python');
    r.field('sources')!.value = '/home/me/code, /srv/more';
    expect(r.build().spec.sources).toEqual(['/home/me/code', '/srv/more']);
    expect(r.field('include')?.value).toBe('**/*.py');
  });

  it('shows typing errors and the API\'s refusals at the field they belong to', async () => {
    const { api } = fakeApi();
    const r = new RecipeReviewState(api, async () => true);
    r.open(cmspReference);
    r.field('steps')!.value = 'many';
    r.name = ' ';
    await r.refreshEstimate();
    expect(r.errorsFor('steps')).toEqual(['enter a number']);
    expect(r.errorsFor('name')).toEqual(['give the run a name']);
    r.field('steps')!.value = '0';
    r.name = 'ok';
    await r.refreshEstimate();
    expect(r.errorsFor('steps')[0]).toMatch(/>=1|at least|too small/i);
    expect(r.estimate).toBeNull();
    expect(await r.start()).toBeNull();
  });

  it('starts through the large-spec confirmation, and not at all when declined', async () => {
    const { api, calls } = fakeApi({ confirmAbove: 10000 });
    const asked: string[] = [];
    let answer = false;
    const r = new RecipeReviewState(api, async (m) => { asked.push(m); return answer; });
    r.open(cmspReference);
    expect(await r.start()).toBeNull();
    expect(asked).toEqual(['about 3 h.']);
    expect(calls.filter((c) => c.method === 'createRun').map((c) => c.confirmed)).toEqual([undefined]);
    answer = true;
    const made = await r.start();
    expect(made && 'run' in made && made.run.name).toBe('cmsp reference');
    expect(calls.filter((c) => c.method === 'createRun').map((c) => c.confirmed)).toEqual([undefined, undefined, true]);
    // a small edit needs no confirmation
    r.field('steps')!.value = '500';
    await r.start();
    expect(calls.at(-1)).toMatchObject({ method: 'createRun', confirmed: undefined, spec: { steps: 500 } });
  });

  it('creates a study for a study recipe', async () => {
    const { api, calls } = fakeApi();
    const r = new RecipeReviewState(api, async () => true);
    r.open(curriculum);
    expect(r.field('base.steps')?.value).toBe('20000');
    r.field('base.steps')!.value = '300';
    const made = await r.start();
    expect(made && 'study' in made).toBe(true);
    expect(calls.at(-1)).toMatchObject({ method: 'createStudy', spec: { base: { steps: 300 } } });
  });

  it('derives a step-time probe of the same shape for CMSP MLPs only', () => {
    expect(probeSpecFor(cmspReference.spec)).toMatchObject({ kind: 'bench', inputDim: 68, hidden: [128, 128], outputs: 2, batch: 10000 });
    expect(probeSpecFor(curriculum.spec)).toMatchObject({ kind: 'bench', inputDim: 38, hidden: [64, 64] });
    expect(probeSpecFor(importPython.spec)).toBeNull();
    expect(editableFields({ kind: 'x', a: { b: { c: { d: 1 } } } })).toEqual([]);
    expect(recipeName({ name: 'lm-general-cpu', title: '', kind: 'run', spec: {} })).toBe('lm general cpu');
  });

  it('"Run on: Slurm (partition …)" creates the study on that partition; this machine passes no executor', async () => {
    const { api, calls } = fakeApi();
    const r = new RecipeReviewState(api, async () => true);
    r.open(curriculum);
    await r.start();
    r.runOn = 'slurm:debug';
    await r.start();
    const studies = calls.filter((c) => c.method === 'createStudy');
    expect(studies.map((c) => c.executor)).toEqual([undefined, { kind: 'slurm', slurm: { partition: 'debug' } }]);
  });
});
