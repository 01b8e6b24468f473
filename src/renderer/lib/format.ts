// Small formatting helpers for the UI.
import type { Progress, RunStatus } from '../../shared/api';

export function duration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

export function percent(p: Progress | null | undefined): number {
  if (!p || !p.total) return 0;
  return Math.max(0, Math.min(100, (100 * p.step) / p.total));
}

export function progressText(p: Progress | null | undefined, withEta = true): string {
  if (!p) return '';
  const eta = withEta && p.eta != null ? ` · ETA ${duration(p.eta)}` : '';
  return `${p.phase ? `${p.phase}: ` : ''}${p.step.toLocaleString('en')} / ${p.total.toLocaleString('en')}${eta}`;
}

export function when(ms: number | null | undefined, now = Date.now()): string {
  if (!ms) return '—';
  const d = (now - ms) / 1000;
  if (d < 5) return 'just now';
  if (d < 60) return `${Math.round(d)}s ago`;
  if (d < 3600) return `${Math.round(d / 60)} min ago`;
  if (d < 86400) return `${Math.round(d / 3600)} h ago`;
  return new Date(ms).toLocaleDateString();
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const u = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024, i = 0;
  while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${u[i]}`;
}

export function num(v: unknown): string {
  if (typeof v !== 'number') return v == null ? '—' : String(v);
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en');
  return Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(2) : Number(v.toPrecision(4)).toString();
}

export const STATUS_LABEL: Record<RunStatus, string> = {
  queued: 'Queued', running: 'Running', done: 'Done', failed: 'Failed', cancelled: 'Cancelled', interrupted: 'Interrupted',
};

export function canCancel(s: RunStatus): boolean { return s === 'running' || s === 'queued'; }
export function canResume(s: RunStatus): boolean { return s === 'cancelled' || s === 'interrupted' || s === 'failed'; }
