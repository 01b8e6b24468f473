// "Run on": this machine or a Slurm partition (#21). Offered only where the service reports sbatch
// on its PATH (AppInfo.slurm); the runs list shows where a run is in Slurm's queue.
import type { AppInfo, RunRow } from '../../shared/api';
import type { ExecutorChoice } from '../../shared/executor';

export interface RunOnOption { value: string; label: string }

export const LOCAL = 'local';

/** The choices for "Run on": this machine, then one per Slurm partition (the default first). */
export function runOnOptions(info: Pick<AppInfo, 'slurm'> | null): RunOnOption[] {
  const out: RunOnOption[] = [{ value: LOCAL, label: 'this machine' }];
  const slurm = info?.slurm;
  if (!slurm) return out;
  const parts = [...slurm.partitions].sort((a, b) => Number(b === slurm.defaultPartition) - Number(a === slurm.defaultPartition));
  if (!parts.length) out.push({ value: 'slurm:', label: 'Slurm (the cluster\'s default partition)' });
  for (const p of parts) out.push({ value: `slurm:${p}`, label: `Slurm (partition ${p}${p === slurm.defaultPartition ? ', default' : ''})` });
  return out;
}

/** The API's executor for a "Run on" value (undefined: this machine). */
export function executorFor(value: string): ExecutorChoice | undefined {
  if (!value.startsWith('slurm:')) return undefined;
  const partition = value.slice('slurm:'.length);
  return { kind: 'slurm', slurm: partition ? { partition } : {} };
}

/** "12_3 · PENDING (Priority)" for the runs list; '' for a run on this machine. */
export function slurmLabel(run: Pick<RunRow, 'slurm'>): string {
  const s = run.slurm;
  if (!s) return '';
  const job = s.jobId || 'submitting';
  return `${job} · ${s.state}${s.reason ? ` (${s.reason})` : ''}${s.node && s.state === 'RUNNING' ? ` on ${s.node}` : ''}`;
}
