// Checkpoint folders of a run (WHITTLE_HOME/runs/<id>/ckpt-<step>): keep the newest K, never the
// one a resume depends on, and clear the temp folders a killed writer left behind (#15 item 10).
//
// What depends on a checkpoint: only the run's own resume point, `runs.checkpoint` (resume and
// start-up recovery read it, and the scheduler passes it to the worker as resumeFrom). Another run
// never does: a study's later runs name their inputs by run id, the scheduler hands the job the
// input's run folder (scheduler.start), and jobs read its final model.safetensors there, never a
// ckpt-* folder. So the rule is: keep the newest `keep` checkpoints by step, plus every folder
// passed in `protect` (the resume point, and the one a run in progress was started from).
import fs from 'node:fs';
import path from 'node:path';
import { pidAlive } from './liveness';

/** Kept when a spec does not say (`checkpointKeep`). */
export const DEFAULT_CHECKPOINT_KEEP = 2;

const CKPT = /^ckpt-(\d+)$/;
/** Written by writeDirAtomic / writeFileAtomic: `<name>.tmp-<pid>-<random>`. */
const TEMP = /\.tmp-(\d+)-[^/]*$/;

/** How many checkpoints a run keeps: its spec's `checkpointKeep`, else the default. */
export function checkpointKeep(spec: unknown): number {
  const k = (spec as { checkpointKeep?: unknown } | null)?.checkpointKeep;
  return typeof k === 'number' && Number.isInteger(k) && k >= 1 ? k : DEFAULT_CHECKPOINT_KEEP;
}

/** Complete checkpoint folders in a run folder, oldest first. */
export function listCheckpoints(dir: string): { step: number; path: string }[] {
  if (!fs.existsSync(dir)) return [];
  const out: { step: number; path: string }[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const m = CKPT.exec(e.name);
    if (m && e.isDirectory()) out.push({ step: Number(m[1]), path: path.join(dir, e.name) });
  }
  return out.sort((a, b) => a.step - b.step);
}

/** Remove a folder so that a crash mid-way leaves a temp folder (swept later), never a half
 *  checkpoint under a ckpt-N name that a later resume could trust. */
function removeDir(p: string): void {
  const doomed = `${p}.tmp-${process.pid}-deleting`;
  fs.renameSync(p, doomed);
  fs.rmSync(doomed, { recursive: true, force: true });
}

/** Delete all but the newest `keep` checkpoints, never a protected one. Returns the deleted paths. */
export function pruneCheckpoints(dir: string, keep: number, protect: Iterable<string | null | undefined> = []): string[] {
  const keepPaths = new Set<string>();
  for (const p of protect) if (p) keepPaths.add(path.resolve(p));
  const all = listCheckpoints(dir);
  const doomed = all.slice(0, Math.max(0, all.length - Math.max(1, keep))).filter((c) => !keepPaths.has(path.resolve(c.path)));
  for (const c of doomed) removeDir(c.path);
  return doomed.map((c) => c.path);
}

/** Remove temp files and folders (`*.tmp-<pid>-*`) whose writer is gone: its process is not alive,
 *  or, with `ownToo`, it is this process (safe only when no thread of ours writes in `dir`, e.g.
 *  just before a run starts: a worker killed mid-write left them). Returns the removed names. */
export function sweepStaleTemps(dir: string, opts: { ownToo?: boolean } = {}): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = TEMP.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pidAlive(pid) && !(opts.ownToo && pid === process.pid)) continue;
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    out.push(name);
  }
  return out;
}

/** At start-up: every run not in progress gets its dead writers' temps swept and its checkpoints
 *  pruned to its keep count (its resume point kept). Runs still `running` or `queued` here belong
 *  to another live process (recoverInterrupted has already ended the dead ones'): left alone. */
export function tidyRunFolders(
  runs: { id: string; status: string; spec: unknown; checkpoint: string | null }[],
  runDir: (id: string) => string,
  warn: (runId: string, message: string) => void,
): void {
  for (const r of runs) {
    if (r.status === 'running' || r.status === 'queued') continue;
    const dir = runDir(r.id);
    try {
      sweepStaleTemps(dir);
      pruneCheckpoints(dir, checkpointKeep(r.spec), [r.checkpoint]);
    } catch (err) {
      warn(r.id, `could not tidy ${dir}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
