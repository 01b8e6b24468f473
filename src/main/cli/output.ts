// Terminal output: progress bars with ETA, tables, and following a run or study to its end.
import type { PushEvent, RunRow } from '../../shared/api';
import type { RunInternal } from '../services/store';
import type { CliIO, CommandContext } from './command';
import { EXIT, SignalStop } from './command';
import { checkpointStep } from '../services/scheduler';

export function formatDuration(s: number | null | undefined): string {
  if (s == null || !Number.isFinite(s)) return '--:--';
  s = Math.max(0, Math.round(s));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
}

export function progressBar(step: number, total: number, eta: number | null, label = '', width = 30): string {
  const frac = total > 0 ? Math.min(1, step / total) : 0;
  const filled = Math.round(frac * width);
  return `${label}[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${step}/${total} ${(frac * 100).toFixed(0).padStart(3)}% ETA ${formatDuration(eta)}`;
}

export function table(rows: string[][]): string {
  if (!rows.length) return '';
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

/** Draws one live status line on a terminal; prints a line every few seconds otherwise. */
export class ProgressLine {
  private lastPlain = 0;
  private drawn = false;
  constructor(private io: CliIO, private quiet: boolean) {}
  update(text: string): void {
    if (this.quiet) return;
    if (this.io.tty) {
      this.io.out(`\r\x1b[2K${text}`);
      this.drawn = true;
    } else if (Date.now() - this.lastPlain > 5000) {
      this.io.out(`${text}\n`);
      this.lastPlain = Date.now();
    }
  }
  end(): void {
    if (this.drawn) this.io.out('\n');
    this.drawn = false;
  }
}

/** How long runs get to checkpoint after SIGTERM or Ctrl-C before they are marked interrupted
 *  regardless (service managers send SIGKILL some seconds after SIGTERM: systemd 90 s, docker 10 s). */
const STOP_GRACE_MS = 8000;

/** Follow runs until all end. SIGTERM and Ctrl-C (SIGINT) stop them as `whittle serve` does on
 *  shutdown: each checkpoints and ends `interrupted` (resumable); then SignalStop makes the CLI
 *  exit 128 + the signal's number. A second Ctrl-C quits at once (a reader marks the runs later). */
export async function followRuns(ctx: CommandContext, runIds: string[], label: (r: RunRow) => string = (r) => `${r.name} `): Promise<RunInternal[]> {
  const svc = ctx.service();
  const line = new ProgressLine(ctx.io, ctx.json);
  const unsub = svc.subscribe((ev: PushEvent) => {
    if (ev.type === 'progress' && runIds.includes(ev.runId)) {
      const r = svc.store.getRun(ev.runId);
      const done = runIds.filter((id) => ['done', 'failed', 'cancelled'].includes(svc.store.getRun(id)?.status ?? '')).length;
      const prefix = runIds.length > 1 ? `(${done}/${runIds.length} runs) ` : '';
      line.update(`${prefix}${r ? label(r) : ''}${progressBar(ev.progress.step, ev.progress.total, ev.progress.eta)}`);
    } else if (ev.type === 'log' && runIds.includes(ev.runId) && ev.level !== 'info' && !ctx.json) {
      line.end();
      ctx.io.err(`[${ev.level}] ${ev.message.split('\n')[0]}\n`);
    }
  });
  let stoppedBy: SignalStop['signal'] | null = null;
  let grace: NodeJS.Timeout | undefined;
  const stop = (signal: SignalStop['signal']) => {
    if (stoppedBy) { if (signal === 'SIGINT') process.exit(130); return; }
    stoppedBy = signal;
    line.end();
    if (signal === 'SIGINT') ctx.io.err('stopping: the run saves a checkpoint and is marked interrupted (`whittle resume RUN` continues)… press Ctrl-C again to quit now\n');
    svc.scheduler.interrupt(`stopped by ${signal}`, runIds);
    // Runs on Slurm go on without this process: stop following them (`whittle sync` picks them up).
    if (runIds.some((id) => svc.slurm.isSlurm(id))) {
      ctx.io.err('the runs on Slurm go on in the cluster; `whittle sync --wait` (or `whittle serve`) ingests their results\n');
      svc.slurm.close();
    }
    grace = setTimeout(() => void svc.scheduler.close(0), STOP_GRACE_MS);
  };
  const onSigint = () => stop('SIGINT');
  const onSigterm = () => stop('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  try {
    const ends = await Promise.all(runIds.map((id) => svc.waitForRun(id)));
    if (stoppedBy) {
      const where = ends.map((r) => `${r.id} ${r.status}${checkpointStep(r.checkpoint) !== null ? ` (checkpoint at step ${checkpointStep(r.checkpoint)})` : ''}`);
      throw new SignalStop(stoppedBy, `stopped by ${stoppedBy}: ${where.join(', ')}; \`whittle resume RUN\` continues`);
    }
    return ends;
  } finally {
    clearTimeout(grace);
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    unsub();
    line.end();
  }
}

/** 0 when every run is done; 2 when one failed on its input's content (a corrupt file, an empty
 *  folder: the user's to fix, as bad usage is); else 1 (a run failed or was cancelled). */
export function exitCodeFor(runs: { status: string; errorKind?: string | null }[]): number {
  if (runs.every((r) => r.status === 'done')) return EXIT.ok;
  if (runs.some((r) => r.status === 'failed' && r.errorKind === 'input')) return EXIT.usage;
  return EXIT.failed;
}

export function printJson(io: CliIO, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}
