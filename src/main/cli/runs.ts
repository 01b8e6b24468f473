// Inspecting and steering runs: runs, show, metrics, cancel, resume, rm.
import { runKindLabel } from '../../shared/runKind';
import { UsageError } from './args';
import { type Command, EXIT } from './command';
import { exitCodeFor, followRuns, formatDuration, printJson, table } from './output';

function oneRunId(positionals: string[], cmd: string): string {
  if (positionals.length !== 1) throw new UsageError(`'whittle ${cmd}' expects exactly one RUN id`);
  return positionals[0];
}

export const runsCommand: Command = {
  name: 'runs', summary: 'list runs with status and progress', usage: 'whittle runs [--status S] [--study ID]',
  options: [
    { name: 'status', type: 'string', valueName: 'STATUS', description: 'only runs with this status' },
    { name: 'study', type: 'string', valueName: 'ID', description: 'only runs of this study' },
  ],
  async run(ctx) {
    const { status, study } = ctx.args.options as { status?: string; study?: string };
    const valid = ['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted'];
    if (status && !valid.includes(status)) throw new UsageError(`--status must be one of ${valid.join(', ')}`);
    const runs = await ctx.service({ access: 'read' }).listRuns({ status: status as never, studyId: study });
    if (ctx.json) { printJson(ctx.io, runs); return EXIT.ok; }
    if (!runs.length) { ctx.io.out('no runs yet — try `whittle demo` or `whittle train --recipe NAME`\n'); return EXIT.ok; }
    ctx.io.out(`${table([['ID', 'NAME', 'KIND', 'STATUS', 'PROGRESS', 'CREATED'], ...runs.map((r) => [
      r.id, r.name, runKindLabel(r), r.status,
      r.progress ? `${r.progress.step}/${r.progress.total}${r.status === 'running' ? ` ETA ${formatDuration(r.progress.eta)}` : ''}` : '-',
      new Date(r.createdAt).toISOString().replace('T', ' ').slice(0, 19),
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
    if (run.error) ctx.io.out(`error: ${run.error}\n`);
    if (run.progress) ctx.io.out(`progress: ${run.progress.step}/${run.progress.total}\n`);
    ctx.io.out(`spec:\n${JSON.stringify(run.spec, null, 2)}\n`);
    if (run.summary) ctx.io.out(`summary:\n${JSON.stringify(run.summary, null, 2)}\n`);
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
    const rows: string[][] = [['KEY', 'STEP', 'SAMPLES', 'VALUE']];
    for (const [k, pts] of Object.entries(m.series)) for (const p of pts) rows.push([k, String(p.step), p.samples == null ? '' : String(p.samples), String(p.value)]);
    ctx.io.out(`${table(rows)}\n`);
    return EXIT.ok;
  },
};

export const cancelCommand: Command = {
  name: 'cancel', summary: 'cancel a queued or running run (it checkpoints first)', usage: 'whittle cancel RUN', options: [],
  async run(ctx) {
    const id = oneRunId(ctx.args.positionals, 'cancel');
    const svc = ctx.service();
    // getRun first: it marks a run whose owner died interrupted (nothing left to cancel then).
    await svc.getRun(id);
    const run = svc.store.getRun(id)!;
    // The run may belong to another process (a `whittle serve` or another terminal): flag it in the store.
    if (run.ownerPid !== process.pid && (run.status === 'running' || run.status === 'queued')) svc.store.updateRun(id, { cancelRequested: true });
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
  name: 'rm', summary: 'delete runs and their files', usage: 'whittle rm RUN [RUN ...]', options: [],
  async run(ctx) {
    const ids = ctx.args.positionals;
    if (!ids.length) throw new UsageError("'whittle rm' expects at least one RUN id");
    // All or nothing: every id must be known, and deletable, before the first is deleted.
    const svc = ctx.service();
    const unknown = ids.filter((id) => !svc.store.getRun(id));
    if (unknown.length) throw new UsageError(`${unknown.length > 1 ? 'runs' : 'run'} ${unknown.map((id) => `'${id}'`).join(', ')} not found; nothing was deleted`);
    for (const id of ids) svc.checkDeletable(id);
    for (const id of ids) await svc.deleteRun(id);
    if (ctx.json) printJson(ctx.io, { deleted: ctx.args.positionals });
    else ctx.io.out(`deleted ${ctx.args.positionals.join(', ')}\n`);
    return EXIT.ok;
  },
};
