// Running on a Slurm cluster (#21): the --executor flags of `train` and `study`, `whittle sync`
// (ingest what Slurm tasks wrote while no coordinator ran), and `whittle run-task` (what one array
// element runs on its compute node; it writes files only, never the database).
import type { ExecutorChoice, SlurmOptions } from '../../shared/executor';
import { runTask, TaskFolderError } from '../services/executors/runTask';
import { UsageError, type OptionDef } from './args';
import { type Command, type CommandContext, EXIT } from './command';
import { exitCodeFor, followRuns, printJson, table } from './output';

export const EXECUTOR_OPTIONS: OptionDef[] = [
  { name: 'executor', type: 'string', valueName: 'local|slurm', description: 'where the runs execute: this machine (default) or a Slurm cluster (one sbatch --array element per run)' },
  { name: 'partition', type: 'string', valueName: 'P', description: 'Slurm partition (default: the settings file\'s, else the cluster\'s default)' },
  { name: 'time', type: 'string', valueName: 'HH:MM:SS', description: 'Slurm time limit per run' },
  { name: 'cpus-per-task', type: 'number', valueName: 'N', description: 'CPUs per run on Slurm (also its thread count)' },
  { name: 'gpus', type: 'number', valueName: 'N', description: 'GPUs per run on Slurm' },
  { name: 'mem', type: 'string', valueName: 'M', description: 'memory per run on Slurm, e.g. 4G' },
  { name: 'max-parallel', type: 'number', valueName: 'K', description: 'at most K runs of the array at once (--array=0-N%K)' },
  { name: 'sbatch-arg', type: 'string', multiple: true, valueName: 'ARG', description: 'an extra sbatch argument, e.g. --sbatch-arg=--account=lab' },
];

/** The executor the flags ask for (undefined: this machine). Defaults from WHITTLE_HOME/settings.json
 *  are merged in by the service. Slurm-only flags without `--executor slurm` are a usage error. */
export function executorFrom(ctx: CommandContext): ExecutorChoice | undefined {
  const o = ctx.args.options as Record<string, unknown>;
  const slurm: SlurmOptions = {};
  if (o.partition !== undefined) slurm.partition = o.partition as string;
  if (o.time !== undefined) slurm.time = o.time as string;
  if (o['cpus-per-task'] !== undefined) slurm.cpusPerTask = o['cpus-per-task'] as number;
  if (o.gpus !== undefined) slurm.gpus = o.gpus as number;
  if (o.mem !== undefined) slurm.mem = o.mem as string;
  if (o['max-parallel'] !== undefined) slurm.maxParallel = o['max-parallel'] as number;
  if (o['sbatch-arg'] !== undefined) slurm.sbatchArgs = o['sbatch-arg'] as string[];
  const kind = (o.executor as string | undefined) ?? 'local';
  if (kind !== 'local' && kind !== 'slurm') throw new UsageError(`--executor must be 'local' or 'slurm' (got '${kind}')`);
  if (kind === 'local') {
    const given = Object.keys(slurm);
    if (given.length) throw new UsageError(`--${given[0] === 'cpusPerTask' ? 'cpus-per-task' : given[0] === 'maxParallel' ? 'max-parallel' : given[0] === 'sbatchArgs' ? 'sbatch-arg' : given[0]} applies to Slurm only: add --executor slurm`);
    return undefined;
  }
  return { kind: 'slurm', slurm };
}

function slurmRows(runs: { id: string; name: string; status: string; studyKey?: string | null; progress: { step: number; total: number } | null; slurm?: { jobId: string; state: string; node?: string | null } | null }[]): string {
  return table([['RUN', 'NAME', 'STATUS', 'SLURM JOB', 'QUEUE STATE', 'NODE', 'PROGRESS'], ...runs.map((r) => [
    r.id, r.studyKey ?? r.name, r.status, r.slurm?.jobId || '-', r.slurm?.state ?? '-', r.slurm?.node ?? '-', r.progress ? `${r.progress.step}/${r.progress.total}` : '-',
  ])]);
}

export const syncCommand: Command = {
  name: 'sync', summary: 'ingest what Slurm runs wrote while no coordinator ran (all, or one study\'s); --wait follows them to the end',
  usage: 'whittle sync [STUDY] [--wait]',
  options: [{ name: 'wait', type: 'boolean', description: 'keep ingesting until every run of the study (or every Slurm run) has ended' }],
  async run(ctx) {
    if (ctx.args.positionals.length > 1) throw new UsageError("'whittle sync' takes at most one STUDY id");
    const studyId = ctx.args.positionals[0];
    const svc = ctx.service();
    if (studyId) await svc.getStudy(studyId);
    let runs = svc.syncSlurm(studyId);
    if (ctx.args.options.wait) {
      const ids = runs.filter((r) => svc.slurm.isSlurm(r.id)).map((r) => r.id);
      await followRuns(ctx, ids, (r) => `${r.studyKey ?? r.name} `);
      runs = svc.syncSlurm(studyId);
    }
    if (ctx.json) printJson(ctx.io, { studyId: studyId ?? null, runs: runs.map((r) => ({ runId: r.id, key: r.studyKey, status: r.status, slurm: r.slurm ?? null, progress: r.progress })) });
    else ctx.io.out(runs.length ? `${slurmRows(runs)}\n` : 'no runs on Slurm to sync\n');
    return ctx.args.options.wait ? exitCodeFor(runs) : EXIT.ok;
  },
};

export const runTaskCommand: Command = {
  name: 'run-task', summary: 'run one Slurm task on this node (what each sbatch array element runs; not for people)',
  usage: 'whittle run-task RUN_FOLDER',
  options: [],
  async run(ctx) {
    if (ctx.args.positionals.length !== 1) throw new UsageError("'whittle run-task' expects the run folder");
    try {
      const r = await runTask(ctx.args.positionals[0], { log: (line) => ctx.io.out(line) });
      if (ctx.json) printJson(ctx.io, r);
      return r.status === 'done' ? EXIT.ok : r.status === 'interrupted' ? 143 : EXIT.failed;
    } catch (e) {
      if (e instanceof TaskFolderError) { ctx.io.err(`whittle run-task: ${e.message}\n`); return EXIT.failed; }
      throw e;
    }
  },
};
