// Slurm's own commands (sbatch, squeue, sacct, scancel, sinfo), run as a person would run them,
// with errors that say what is wrong and what to do instead of a raw exit status.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { SlurmAvailability } from '../../../shared/executor';

export class SlurmError extends Error {
  constructor(message: string) { super(message); this.name = 'SlurmError'; }
}

const TIMEOUT_MS = 60_000;

/** The absolute path of a command on PATH, or null. */
export function onPath(cmd: string, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    try { fs.accessSync(p, fs.constants.X_OK); if (fs.statSync(p).isFile()) return p; } catch { /* not here */ }
  }
  return null;
}

export const NO_SBATCH = 'sbatch is not on PATH: running on a cluster needs Slurm\'s client commands (run Whittle on a machine that can submit jobs, such as the cluster\'s login node, or install slurm-client)';

function run(cmd: string, args: string[], input?: string): { stdout: string; stderr: string; status: number } {
  if (!onPath(cmd)) throw new SlurmError(cmd === 'sbatch' ? NO_SBATCH : `${cmd} is not on PATH (it comes with Slurm's client commands, as sbatch does)`);
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: TIMEOUT_MS, input });
  if (r.error) throw new SlurmError(`${cmd} could not run: ${r.error.message}`);
  return { stdout: r.stdout ?? '', stderr: (r.stderr ?? '').trim(), status: r.status ?? -1 };
}

/** Partitions and the default one, or null when sbatch is not on PATH (or sinfo cannot reach the controller). */
export function slurmAvailability(): SlurmAvailability | null {
  if (!onPath('sbatch')) return null;
  try { return partitions(); } catch { return { partitions: [], defaultPartition: null }; }
}

export function partitions(): SlurmAvailability {
  const r = run('sinfo', ['-h', '-o', '%P']);
  if (r.status !== 0) throw new SlurmError(`sinfo failed: ${r.stderr || `exit ${r.status}`} (is slurmctld reachable from here?)`);
  const names = [...new Set(r.stdout.split('\n').map((s) => s.trim()).filter(Boolean))];
  const def = names.find((n) => n.endsWith('*'));
  return { partitions: names.map((n) => n.replace(/\*$/, '')), defaultPartition: def ? def.slice(0, -1) : null };
}

/** A partition that exists, or a clear error listing those that do. */
export function checkPartition(name: string | undefined): void {
  if (!name) return;
  const { partitions: names } = partitions();
  if (!names.includes(name)) throw new SlurmError(`partition '${name}' does not exist on this cluster (partitions: ${names.join(', ') || 'none'})`);
}

/** Submit a batch script; returns the job id. */
export function sbatch(args: string[], script: string): string {
  const r = run('sbatch', ['--parsable', ...args, script]);
  if (r.status !== 0) {
    const msg = r.stderr.replace(/^sbatch: error: /gm, '');
    if (/invalid partition/i.test(msg)) {
      let known = '';
      try { known = ` (partitions: ${partitions().partitions.join(', ')})`; } catch { /* the message alone */ }
      throw new SlurmError(`sbatch refused the partition: ${msg}${known}`);
    }
    throw new SlurmError(`sbatch refused the job: ${msg || `exit ${r.status}`}`);
  }
  const id = r.stdout.trim().split(';')[0];
  if (!/^\d+$/.test(id)) throw new SlurmError(`sbatch answered no job id (stdout: ${JSON.stringify(r.stdout.trim())})`);
  return id;
}

/** One array element's state in Slurm's queue (or its recent past). */
export interface QueueEntry { state: string; reason: string | null; node: string | null; partition: string | null }

/** `jobId_index` → state, for every element of the given array jobs that Slurm still knows
 *  (squeue -t all also lists jobs that ended less than MinJobAge ago). Pending elements not yet
 *  split off the array (`12_[3-5%2]`) are expanded. */
export function squeue(jobIds: string[]): Map<string, QueueEntry> {
  const out = new Map<string, QueueEntry>();
  if (!jobIds.length) return out;
  const r = run('squeue', ['-h', '-t', 'all', '-j', jobIds.join(','), '-o', '%i|%T|%r|%N|%P']);
  if (r.status !== 0) {
    // One id Slurm forgot makes squeue refuse the whole list: ask for each on its own.
    if (/invalid job id/i.test(r.stderr) && jobIds.length > 1) {
      for (const id of jobIds) for (const [k, v] of squeue([id])) out.set(k, v);
      return out;
    }
    if (/invalid job id/i.test(r.stderr)) return out;
    throw new SlurmError(`squeue failed: ${r.stderr || `exit ${r.status}`}`);
  }
  for (const line of r.stdout.split('\n')) {
    const [id, state, reason, node, partition] = line.trim().split('|');
    if (!id || !state) continue;
    const entry: QueueEntry = { state, reason: reason && reason !== 'None' ? reason : null, node: node || null, partition: partition || null };
    const m = /^(\d+)_(\d+)$/.exec(id);
    if (m) { out.set(`${m[1]}_${m[2]}`, entry); continue; }
    const range = /^(\d+)_\[([^\]]+)\]$/.exec(id);
    if (range) for (const i of expandIndices(range[2])) if (!out.has(`${range[1]}_${i}`)) out.set(`${range[1]}_${i}`, entry);
  }
  return out;
}

/** `0-5%2,7,9-10` → [0..5, 7, 9, 10]. */
export function expandIndices(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.split('%')[0].split(',')) {
    const m = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const a = Number(m[1]), b = m[2] !== undefined ? Number(m[2]) : a, s = m[3] !== undefined ? Number(m[3]) : 1;
    for (let i = a; i <= b; i += s) out.push(i);
  }
  return out;
}

/** How array elements ended, from accounting; null when the cluster keeps none (sacct refuses). */
export function sacct(jobIds: string[]): Map<string, QueueEntry> | null {
  if (!jobIds.length || !onPath('sacct')) return null;
  const r = run('sacct', ['-n', '-P', '-X', '-j', jobIds.join(','), '-o', 'JobID,State,NodeList,Partition']);
  if (r.status !== 0) return null;
  const out = new Map<string, QueueEntry>();
  for (const line of r.stdout.split('\n')) {
    const [id, state, node, partition] = line.trim().split('|');
    const m = /^(\d+)_(\d+)$/.exec(id ?? '');
    if (m && state) out.set(`${m[1]}_${m[2]}`, { state: state.split(' ')[0], reason: null, node: node || null, partition: partition || null });
  }
  return out;
}

/** Cancel jobs or array elements (`12`, `12_3`). A job Slurm already forgot is not an error. */
export function scancel(ids: string[]): void {
  if (!ids.length) return;
  const r = run('scancel', ids);
  if (r.status !== 0 && !/invalid job id|already completing or completed/i.test(r.stderr)) throw new SlurmError(`scancel failed: ${r.stderr || `exit ${r.status}`}`);
}
