// Which compute backend the runs use, for the sidebar. The app's own info() is read once when the
// page opens, before any worker has started ("not started yet" for ever); each run records the
// backend its worker used (`wasm×2`), and run events keep the list current, so that is the truth.
import type { AppInfo, RunRow } from '../../shared/api';

export interface BackendShown { name: string; threads: number | null; from: 'running' | 'latest run' | 'app' }

function parse(s: string): { name: string; threads: number | null } {
  const [name, t] = s.split('×');
  const threads = Number.parseInt(t ?? '', 10); // `webgpu×1 (adapter)` names the adapter after the count
  return { name, threads: Number.isFinite(threads) && threads > 0 ? threads : null };
}

/** A running run's backend (the most recently started), else the last run's, else the app's. */
export function backendInUse(runs: readonly RunRow[], info: AppInfo | null): BackendShown | null {
  const withBackend = runs.filter((r) => r.backend).sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0));
  const running = withBackend.find((r) => r.status === 'running');
  if (running) return { ...parse(running.backend!), from: 'running' };
  if (withBackend[0]) return { ...parse(withBackend[0].backend!), from: 'latest run' };
  if (info?.backend) return { name: info.backend, threads: info.threads, from: 'app' };
  return null;
}
