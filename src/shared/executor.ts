// Where a run or a study's runs execute: this machine's worker pool, or a Slurm cluster (each run
// one element of an `sbatch --array` job that writes files the coordinator ingests; see
// main/services/executors/). Pure data and checks, shared by the CLI, the API and the renderer.

/** sbatch options Whittle sets for a submission; every field optional (Slurm's defaults then). */
export interface SlurmOptions {
  /** -p / --partition */
  partition?: string;
  /** --time, as HH:MM:SS (or D-HH:MM:SS, MM:SS, minutes: anything sbatch takes) */
  time?: string;
  /** --cpus-per-task: also the run's thread count on the node */
  cpusPerTask?: number;
  /** --gpus (per task) */
  gpus?: number;
  /** --mem, e.g. 4G */
  mem?: string;
  /** At most this many runs of one array at once (`--array=0-N%K`). */
  maxParallel?: number;
  /** Extra sbatch arguments, passed as given (e.g. `--account=lab`, `--qos=short`). */
  sbatchArgs?: string[];
  /** The command a compute node runs for `whittle` (default: this Node and this install's bin/whittle.mjs). */
  command?: string[];
}

export type ExecutorChoice = { kind: 'local' } | { kind: 'slurm'; slurm?: SlurmOptions };

/** What the service reports about Slurm on this machine (AppInfo.slurm): null when sbatch is not on PATH. */
export interface SlurmAvailability { partitions: string[]; defaultPartition: string | null }

/** A run's place in Slurm, as the runs list shows it next to Whittle's status. */
export interface SlurmRunState {
  jobId: string;
  /** Slurm's job state: PENDING, RUNNING, COMPLETED, CANCELLED, TIMEOUT, NODE_FAIL, PREEMPTED, … ('SUBMITTING' before sbatch answered). */
  state: string;
  /** Slurm's reason for a pending job (Resources, Priority, …), when it gives one. */
  reason?: string | null;
  node?: string | null;
  partition?: string | null;
}

const TIME = /^(\d+-)?\d+(:\d{1,2}){0,2}$/;
const MEM = /^\d+[KMGT]?$/i;

export class ExecutorOptionError extends Error {
  constructor(readonly field: string, message: string) { super(`${field}: ${message}`); this.name = 'ExecutorOptionError'; }
}

/** Checked options (a copy); throws ExecutorOptionError naming the field. `where` prefixes field names. */
export function checkSlurmOptions(o: unknown, where = 'slurm'): SlurmOptions {
  if (o === undefined || o === null) return {};
  if (typeof o !== 'object' || Array.isArray(o)) throw new ExecutorOptionError(where, 'expected an object of sbatch options');
  const x = o as Record<string, unknown>;
  const known = ['partition', 'time', 'cpusPerTask', 'gpus', 'mem', 'maxParallel', 'sbatchArgs', 'command'];
  for (const k of Object.keys(x)) if (!known.includes(k)) throw new ExecutorOptionError(`${where}.${k}`, `unknown option (known: ${known.join(', ')})`);
  const out: SlurmOptions = {};
  const str = (k: 'partition' | 'time' | 'mem', re: RegExp, what: string) => {
    const v = x[k];
    if (v === undefined || v === null || v === '') return;
    if (typeof v !== 'string' || !re.test(v)) throw new ExecutorOptionError(`${where}.${k}`, `expected ${what} (got ${JSON.stringify(v)})`);
    out[k] = v;
  };
  str('partition', /^[A-Za-z0-9_.,-]+$/, 'a partition name');
  str('time', TIME, 'a time limit such as 01:30:00 or 2-00:00:00');
  str('mem', MEM, 'a memory size such as 4G or 4096M');
  const int = (k: 'cpusPerTask' | 'gpus' | 'maxParallel', min: number) => {
    const v = x[k];
    if (v === undefined || v === null) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ExecutorOptionError(`${where}.${k}`, `expected a whole number ≥ ${min} (got ${JSON.stringify(v)})`);
    out[k] = v;
  };
  int('cpusPerTask', 1);
  int('gpus', 0);
  int('maxParallel', 1);
  for (const k of ['sbatchArgs', 'command'] as const) {
    const v = x[k];
    if (v === undefined || v === null) continue;
    if (!Array.isArray(v) || v.some((a) => typeof a !== 'string' || !a)) throw new ExecutorOptionError(`${where}.${k}`, 'expected a list of non-empty strings');
    if (k === 'command' && !v.length) throw new ExecutorOptionError(`${where}.${k}`, 'expected the command and its arguments');
    out[k] = [...v] as string[];
  }
  return out;
}

/** `base` with every option `over` sets replacing it (the settings file's defaults, then the flags). */
export function mergeSlurmOptions(base: SlurmOptions, over: SlurmOptions): SlurmOptions {
  const out: SlurmOptions = { ...base };
  for (const [k, v] of Object.entries(over)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** Slurm states in which a task may still write: the run is not over while its job is in one. */
export const SLURM_ACTIVE_STATES = ['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'REQUEUED', 'RESIZING', 'SIGNALING', 'STAGE_OUT', 'SUBMITTING'];
