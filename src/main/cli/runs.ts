// Inspecting and steering runs: runs, show, metrics, cancel, resume, rm.
import { metricRows, summaryLines } from './labels';
import { runKindLabel } from '../../shared/runKind';
import { UsageError } from './args';
import { type Command, EXIT } from './command';
import { exitCodeFor, followRuns, formatDuration, printJson, table } from './output';

function oneRunId(positionals: string[], cmd: string): string {
  if (positionals.length !== 1) throw new UsageError(`'whittle ${cmd}' expects exactly one RUN id`);
  return positionals[0];
}

export const runsCommand: Command = {
  name: 'runs', summary: 'list runs with status and progress; search and filter them',
  usage: 'whittle runs [--search TEXT] [--tag TAG ...] [--kind K] [--status S] [--study ID]',
  options: [
    { name: 'search', type: 'string', valueName: 'TEXT', description: 'runs whose name, notes or tags contain every word of TEXT' },
    { name: 'tag', type: 'string', multiple: true, valueName: 'TAG', description: 'only runs with this tag' },
    { name: 'kind', type: 'string', valueName: 'KIND', description: 'only runs of this kind (train, distill, …)' },
    { name: 'status', type: 'string', valueName: 'STATUS', description: 'only runs with this status' },
    { name: 'study', type: 'string', valueName: 'ID', description: 'only runs of this study' },
  ],
  async run(ctx) {
    const { status, study, search, tag, kind } = ctx.args.options as { status?: string; study?: string; search?: string; tag?: string[]; kind?: string };
    const valid = ['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted'];
    if (status && !valid.includes(status)) throw new UsageError(`--status must be one of ${valid.join(', ')}`);
    const runs = await ctx.service({ access: 'read' }).listRuns({ status: status as never, studyId: study, query: search, tags: tag, kind });
    if (ctx.json) { printJson(ctx.io, runs); return EXIT.ok; }
    const filtered = Boolean(status || study || search || tag?.length || kind);
    if (!runs.length) { ctx.io.out(filtered ? 'no runs match\n' : 'no runs yet — try `whittle demo` or `whittle train --recipe NAME`\n'); return EXIT.ok; }
    ctx.io.out(`${table([['ID', 'NAME', 'KIND', 'STATUS', 'PROGRESS', 'CREATED', 'TAGS'], ...runs.map((r) => [
      r.id, r.name, runKindLabel(r), r.status,
      r.progress ? `${r.progress.step}/${r.progress.total}${r.status === 'running' ? ` ETA ${formatDuration(r.progress.eta)}` : ''}` : '-',
      new Date(r.createdAt).toISOString().replace('T', ' ').slice(0, 19),
      (r.tags ?? []).join(' '),
    ])])}\n`);
    return EXIT.ok;
  },
};

export const showCommand: Command = {
  name: 'show', summary: 'show one run: spec, status, summary, artifacts', usage: 'whittle show RUN', options: [],
  async run(ctx) {
    const id = oneRunId(ctx.args.positionals, 'show');
    const svc = ctx.service({ access: 'read' });
    const run = await svc.getRun(id);
    const artifacts = await svc.artifacts(id);
    if (ctx.json) { printJson(ctx.io, { ...run, artifacts }); return EXIT.ok; }
    ctx.io.out(`${run.name} (${run.id})  ${runKindLabel(run)}  ${run.status}${run.backend ? `  on ${run.backend}` : ''}\n`);
    if (run.tags?.length) ctx.io.out(`tags: ${run.tags.join(' ')}\n`);
    if (run.notes) ctx.io.out(`notes: ${run.notes}\n`);
    if (run.error) ctx.io.out(`error: ${run.error}\n`);
    if (run.progress) ctx.io.out(`progress: ${run.progress.step}/${run.progress.total}\n`);
    ctx.io.out(`spec:\n${JSON.stringify(run.spec, null, 2)}\n`);
    if (run.summary) ctx.io.out(`summary:\n${summaryLines(run.summary).join('\n')}\n`);
    if (artifacts.length) ctx.io.out(`artifacts:\n${table(artifacts.map((a) => [a.kind, `${a.bytes} B`, a.path]))}\n`);
    return EXIT.ok;
  },
};

export const metricsCommand: Command = {
  name: 'metrics', summary: "print a run's metrics (all keys, or --key K)", usage: 'whittle metrics RUN [--key K ...] [--since STEP]',
  options: [
    { name: 'key', type: 'string', multiple: true, valueName: 'KEY', description: 'metric key, e.g. loss/[0,1,2,3]' },
    { name: 'since', type: 'number', valueName: 'STEP', description: 'only points after this step' },
  ],
  async run(ctx) {
    const id = oneRunId(ctx.args.positionals, 'metrics');
    const { key, since } = ctx.args.options as { key?: string[]; since?: number };
    const m = await ctx.service({ access: 'read' }).metrics(id, { keys: key, sinceStep: since });
    if (ctx.json) { printJson(ctx.io, m); return EXIT.ok; }
    const run = await ctx.service({ access: 'read' }).getRun(id);
    ctx.io.out(`${table(metricRows(m.series, run.kind))}\n`);
    return EXIT.ok;
  },
};

export const cancelCommand: Command = {
  name: 'cancel', summary: 'cancel a queued or running run, or every run of a study (it checkpoints first; on Slurm: scancel)', usage: 'whittle cancel RUN|STUDY', options: [],
  async run(ctx) {
    const id = oneRunId(ctx.args.positionals, 'cancel');
    const svc = ctx.service();
    if (!svc.store.getRun(id) && svc.store.getStudy(id)) {
      await svc.cancelStudy(id);
      if (ctx.json) printJson(ctx.io, { studyId: id, requested: true });
      else ctx.io.out(`cancel requested for every run of study ${id}\n`);
      return EXIT.ok;
    }
    // getRun first: it marks a run whose owner died interrupted (nothing left to cancel then).
    await svc.getRun(id);
    const run = svc.store.getRun(id)!;
    // The run may belong to another process (a `whittle serve` or another terminal): flag it in the store.
    // A run on Slurm: scancel its array element from here, whoever coordinates it.
    if (svc.slurm.owns(id)) await svc.cancelRun(id);
    else if (run.ownerPid !== process.pid && (run.status === 'running' || run.status === 'queued')) svc.store.updateRun(id, { cancelRequested: true });
    else await svc.cancelRun(id);
    if (ctx.json) printJson(ctx.io, { runId: id, requested: true });
    else ctx.io.out(`cancel requested for ${id}\n`);
    return EXIT.ok;
  },
};

export const resumeCommand: Command = {
  name: 'resume', summary: 'resume a cancelled, interrupted or failed run from its last checkpoint', usage: 'whittle resume RUN',
  options: [],
  async run(ctx) {
    const id = oneRunId(ctx.args.positionals, 'resume');
    const svc = ctx.service();
    await svc.resumeRun(id);
    const [run] = await followRuns(ctx, [id]);
    if (ctx.json) printJson(ctx.io, { runId: id, status: run.status, summary: run.summary, error: run.error });
    else ctx.io.out(`${id}: ${run.status}${run.error ? ` — ${run.error}` : ''}\n`);
    return exitCodeFor([run]);
  },
};

export const rmCommand: Command = {
  name: 'rm', summary: 'delete runs to the trash (what depends on them is named; `whittle trash` undoes it)', usage: 'whittle rm RUN [RUN ...] [--with-dependents] [--now]',
  options: [
    { name: 'with-dependents', type: 'boolean', description: 'also delete what depends on the runs: runs that use them as inputs, studies they belong to (with their runs), exports made from them (exported files stay)' },
    { name: 'now', type: 'boolean', description: 'delete for good, freeing the space at once, instead of moving to the trash (kept 7 days)' },
  ],
  async run(ctx) {
    const ids = ctx.args.positionals;
    if (!ids.length) throw new UsageError("'whittle rm' expects at least one RUN id");
    const opts = { withDependents: Boolean(ctx.args.options['with-dependents']), now: Boolean(ctx.args.options.now) };
    // All or nothing: every id must be known, and deletable with what depends on it, before the first is deleted.
    const svc = ctx.service();
    const unknown = ids.filter((id) => !svc.store.getRun(id));
    if (unknown.length) throw new UsageError(`${unknown.length > 1 ? 'runs' : 'run'} ${unknown.map((id) => `'${id}'`).join(', ')} not found; nothing was deleted`);
    for (const id of ids) svc.checkDeletable(id, opts);
    const results = [];
    for (const id of ids) {
      if (!svc.store.getRun(id)) continue; // went with an earlier id's dependents
      results.push(await svc.deleteRun(id, opts));
    }
    if (ctx.json) { printJson(ctx.io, { deleted: results.flatMap((r) => r.runs), studies: results.flatMap((r) => r.studies), trash: results.map((r) => r.trash?.id ?? null) }); return EXIT.ok; }
    for (const r of results) {
      const what = `${r.runs.join(', ')}${r.studies.length ? ` (studies ${r.studies.join(', ')})` : ''}`;
      ctx.io.out(r.trash ? `deleted ${what}: in the trash as ${r.trash.id} for 7 days; \`whittle trash restore ${r.trash.id}\` undoes it, \`whittle trash empty\` frees the space\n` : `deleted ${what} for good\n`);
    }
    return EXIT.ok;
  },
};
