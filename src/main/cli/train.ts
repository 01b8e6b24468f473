// Starting work: train (one run), study (a set of runs), bench (time a training step), recipes.
import { applyOverrides, findRecipe, listRecipes } from '../services/recipes';
import { UsageError } from './args';
import { type Command, type CommandContext, EXIT } from './command';
import { exitCodeFor, followRuns, printJson, table } from './output';
import { EXECUTOR_OPTIONS, executorFrom } from './slurm';

/** A spec estimated to need a lot of memory or time is refused until the person agrees. */
export const YES_OPTION = { name: 'yes', short: 'y', type: 'boolean' as const, description: 'start even if the estimate of memory or time asks for confirmation' };
const confirmed = (ctx: CommandContext) => ({ confirmed: Boolean(ctx.args.options.yes), executor: executorFrom(ctx) });

const recipeOptions = [
  { name: 'recipe', type: 'string' as const, valueName: 'NAME|FILE', description: 'built-in recipe name or a JSON file' },
  { name: 'set', type: 'string' as const, multiple: true, valueName: 'KEY=VALUE', description: 'override a spec field, e.g. --set steps=2000 --set model.hidden=[64,64]' },
  YES_OPTION,
  ...EXECUTOR_OPTIONS,
];

function specFrom(ctx: CommandContext, want: 'run' | 'study'): Record<string, unknown> {
  const { recipe, set } = ctx.args.options as { recipe?: string; set?: string[] };
  if (!recipe) throw new UsageError(`--recipe is required (built-in: ${listRecipes().filter((r) => r.kind === want).map((r) => r.name).join(', ')})`);
  let r;
  try { r = findRecipe(recipe); } catch (e) { throw new UsageError((e as Error).message); }
  if (r.kind !== want) throw new UsageError(`recipe '${r.name}' is a ${r.kind} recipe; use 'whittle ${r.kind === 'study' ? 'study' : 'train'}'`);
  try { return applyOverrides(r.spec, set ?? []); } catch (e) { throw new UsageError((e as Error).message); }
}

export const trainCommand: Command = {
  name: 'train', summary: 'train one model from a recipe and follow it to the end', usage: 'whittle train --recipe NAME|FILE [--set key=value ...] [--executor slurm [--partition P] [--time HH:MM:SS] ...]',
  options: recipeOptions,
  async run(ctx) {
    const spec = specFrom(ctx, 'run');
    const svc = ctx.service();
    const run = await svc.createRun(spec, confirmed(ctx));
    if (!ctx.json) ctx.io.out(`run ${run.id} (${run.name}) started; data in ${svc.store.runDir(run.id)}\n`);
    const [end] = await followRuns(ctx, [run.id]);
    if (ctx.json) printJson(ctx.io, { runId: end.id, status: end.status, error: end.error, summary: end.summary });
    else ctx.io.out(`${end.id}: ${end.status}${end.error ? ` — ${end.error}` : ''}\n${end.summary ? `${JSON.stringify(end.summary, null, 2)}\n` : ''}`);
    return exitCodeFor([end]);
  },
};

export async function runStudy(ctx: CommandContext, spec: Record<string, unknown>) {
  const svc = ctx.service();
  const study = await svc.createStudy(spec, confirmed(ctx));
  if (!ctx.json) ctx.io.out(`study ${study.id} (${study.name}) ${svc.slurm.isSlurm(study.runIds[0] ?? '') ? 'submitted to Slurm' : 'started'} with ${study.runIds.length} runs\n`);
  const runs = await followRuns(ctx, study.runIds, (r) => `${r.studyKey ?? r.name} `);
  return { study: await svc.getStudy(study.id), runs };
}

export const studyCommand: Command = {
  name: 'study', summary: 'run a study (a set of runs answering one question) from a recipe', usage: 'whittle study --recipe NAME|FILE [--set key=value ...] [--executor slurm [--partition P] [--time HH:MM:SS] [--cpus-per-task N] [--gpus N] [--mem M] [--max-parallel K] [--sbatch-arg ARG ...]]',
  options: recipeOptions,
  async run(ctx) {
    const spec = specFrom(ctx, 'study');
    const { study, runs } = await runStudy(ctx, spec);
    if (ctx.json) printJson(ctx.io, { studyId: study.id, status: study.status, summary: study.summary, runs: runs.map((r) => ({ runId: r.id, key: r.studyKey, status: r.status })) });
    else ctx.io.out(`study ${study.id}: ${study.status}\n${JSON.stringify(study.summary, null, 2)}\n`);
    return exitCodeFor(runs);
  },
};

export const benchCommand: Command = {
  name: 'bench', summary: 'time a real MLP training step (forward, backward, Adam) on the compute backend',
  usage: 'whittle bench [--hidden 128,128] [--batch 10000] [--steps 20] [--backend wasm|cpu|tensorflow|webgpu]',
  options: [
    { name: 'hidden', type: 'string', valueName: 'W,W', description: 'hidden widths (default 128,128)' },
    { name: 'inputs', type: 'number', valueName: 'N', description: 'input width (default 68)' },
    { name: 'batch', type: 'number', valueName: 'N', description: 'samples per step (default 10000)' },
    { name: 'steps', type: 'number', valueName: 'N', description: 'timed steps (default 20)' },
    { name: 'backend', type: 'string', valueName: 'NAME', description: 'tensorflow | wasm | cpu | webgpu (default: best available; webgpu named here also takes a software adapter)' },
    YES_OPTION,
  ],
  async run(ctx) {
    const o = ctx.args.options as { hidden?: string; inputs?: number; batch?: number; steps?: number; backend?: string };
    const spec: Record<string, unknown> = { kind: 'bench' };
    if (o.hidden) {
      const hidden = o.hidden.split(',').map(Number);
      if (hidden.some((h) => !Number.isInteger(h) || h < 1)) throw new UsageError(`--hidden expects comma-separated positive integers (got '${o.hidden}')`);
      spec.hidden = hidden;
    }
    if (o.inputs !== undefined) spec.inputDim = o.inputs;
    if (o.batch !== undefined) spec.batch = o.batch;
    if (o.steps !== undefined) spec.steps = o.steps;
    if (o.backend !== undefined) spec.backend = o.backend;
    const svc = ctx.service();
    const run = await svc.createRun(spec, confirmed(ctx));
    const [end] = await followRuns(ctx, [run.id]);
    if (ctx.json) printJson(ctx.io, { runId: end.id, status: end.status, backend: end.backend, error: end.error, ...(end.summary ?? {}) });
    else ctx.io.out(`${end.status}${end.error ? ` — ${end.error}` : ''} on ${end.backend ?? '?'}\n${JSON.stringify(end.summary, null, 2)}\n`);
    return exitCodeFor([end]);
  },
};

export const recipesCommand: Command = {
  name: 'recipes', summary: 'list built-in recipes', usage: 'whittle recipes', options: [],
  async run(ctx) {
    if (ctx.args.positionals.length) throw new UsageError(`'whittle recipes' takes no arguments (got '${ctx.args.positionals[0]}')`);
    const rs = listRecipes();
    if (ctx.json) printJson(ctx.io, rs.map(({ name, title, kind, spec }) => ({ name, title, kind, spec })));
    else ctx.io.out(`${table([['NAME', 'KIND', 'TITLE'], ...rs.map((r) => [r.name, r.kind, r.title])])}\n`);
    return EXIT.ok;
  },
};
