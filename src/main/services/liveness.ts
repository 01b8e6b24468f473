// Who owns a run, and whether that owner still lives. A run is `running`/`queued` in the shared
// database only while the process that owns it is alive and keeps its heartbeat; any process that
// reads runs (serve, the GUI, each CLI command) checks this and marks orphans interrupted, so a
// SIGKILLed `whittle train` never leaves a run stuck inside a live `whittle serve`.
import fs from 'node:fs';

/** The owner refreshes `heartbeat_at` of its runs this often. */
export const HEARTBEAT_MS = 2000;
/** A heartbeat older than this means the owner stopped tending its runs (hung, or on another
 *  machine sharing the folder, where its pid means nothing here). Generous: a busy main thread
 *  may delay a tick by seconds, and the pid check already catches every process that died. */
export const STALE_MS = 15 * HEARTBEAT_MS;

let bootId: string | null | undefined;
function readBootId(): string | null {
  if (bootId === undefined) {
    try { bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(); } catch { bootId = null; }
  }
  return bootId;
}

/** A process's start time, as `<boot id>/<clock ticks since boot>` (Linux: /proc/<pid>/stat
 *  field 22). Pid plus start time names one process for good: a reused pid has another start.
 *  Null where /proc is not available (then liveness falls back to pid + heartbeat age). */
export function processStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = fields[22 - 3];
    return start ? `${readBootId() ?? 'boot?'}/${start}` : null;
  } catch {
    return null;
  }
}

export interface Owner { pid: number; start: string | null }

let self: Owner | undefined;
/** This process as a run owner. */
export function selfOwner(): Owner {
  return (self ??= { pid: process.pid, start: processStart(process.pid) });
}

/** Whether a process with this pid exists (EPERM: it does, owned by another user). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Why a run's owner is gone, or null while it lives. `heartbeatAt` null (a row written before
 *  heartbeats existed) is judged by the pid alone. */
export function ownerGone(r: { ownerPid: number | null; ownerStart: string | null; heartbeatAt: number | null }, now = Date.now()): string | null {
  if (!r.ownerPid) return 'no process owns it';
  // This process is alive by definition; its own schedulers finish what they hold on close.
  if (r.ownerPid === process.pid) return null;
  if (!pidAlive(r.ownerPid)) return `the process running it (pid ${r.ownerPid}) ended unexpectedly`;
  if (r.ownerStart) {
    const start = processStart(r.ownerPid);
    if (start !== null && start !== r.ownerStart) return `the process running it (pid ${r.ownerPid}) ended unexpectedly (its pid now belongs to another process)`;
  }
  if (r.heartbeatAt !== null && now - r.heartbeatAt > STALE_MS) {
    return `the process running it (pid ${r.ownerPid}) stopped responding (no heartbeat for ${Math.round((now - r.heartbeatAt) / 1000)} s)`;
  }
  return null;
}
