// One run, live: its row, metric series, logs and artifacts.
// Metric points live in a plain (non-reactive) map; `version` ticks when they change, so charts
// can redraw on their own schedule instead of on every point.
import type { ArtifactRow, LogRow, MetricSeries, PushEvent, RunRow, WhittleApi } from '../../../shared/api';
import { FINAL_STATUSES } from '../../../shared/api';

export interface Point { step: number; value: number; samples: number | null }

const MAX_LOGS = 5000;

/** Appends `incoming` (sorted by step) to `into`, replacing any tail at or after its first step
 *  (a resumed run re-emits steps after its last checkpoint). */
export function mergePoints(into: Point[], incoming: Point[]): void {
  if (!incoming.length) return;
  const first = incoming[0].step;
  let cut = into.length;
  while (cut > 0 && into[cut - 1].step >= first) cut--;
  into.length = cut;
  for (const p of incoming) into.push(p);
}

export class RunDetail {
  run = $state<RunRow | null>(null);
  logs = $state<LogRow[]>([]);
  artifacts = $state<ArtifactRow[]>([]);
  keys = $state<string[]>([]);
  version = $state(0);
  error = $state<string | null>(null);
  loading = $state(true);
  readonly series = new Map<string, Point[]>();
  private pending: PushEvent[] | null = [];
  private runEvents = 0;

  constructor(readonly id: string, private readonly api: Pick<WhittleApi, 'getRun' | 'metrics' | 'logs' | 'artifacts'>) {}

  async load(): Promise<void> {
    this.pending = [];
    try {
      const [run, metrics, logs, artifacts] = await Promise.all([
        this.api.getRun(this.id), this.api.metrics(this.id), this.api.logs(this.id), this.api.artifacts(this.id),
      ]);
      this.run = run;
      this.series.clear();
      this.addSeries(metrics);
      this.logs = logs.slice(-MAX_LOGS);
      this.artifacts = artifacts;
      this.error = null;
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      this.loading = false;
      const buffered = this.pending ?? [];
      this.pending = null;
      for (const ev of buffered) this.apply(ev);
    }
  }

  /** Run an action (cancel, resume) and take its response, unless a push event for this run
   *  arrived meanwhile: over HTTP + SSE the event can overtake the response and is then newer. */
  async act(fn: () => Promise<RunRow>): Promise<RunRow> {
    const mark = this.runEvents;
    const row = await fn();
    if (this.runEvents === mark) this.run = row;
    return row;
  }

  async refreshArtifacts(): Promise<void> {
    try { this.artifacts = await this.api.artifacts(this.id); } catch { /* keep the old list */ }
  }

  private addSeries(m: MetricSeries): void {
    for (const [key, pts] of Object.entries(m.series)) {
      let arr = this.series.get(key);
      if (!arr) { arr = []; this.series.set(key, arr); }
      mergePoints(arr, pts.map((p) => ({ step: p.step, value: p.value, samples: p.samples ?? null })));
    }
    this.syncKeys();
  }

  private syncKeys(): void {
    if (this.series.size !== this.keys.length) this.keys = [...this.series.keys()].sort();
    this.version++;
  }

  apply(ev: PushEvent): void {
    if (this.pending) { this.pending.push(ev); return; }
    switch (ev.type) {
      case 'run': {
        if (ev.run.id !== this.id) return;
        this.runEvents++;
        const was = this.run?.status;
        this.run = ev.run;
        if (was !== ev.run.status && FINAL_STATUSES.includes(ev.run.status)) void this.refreshArtifacts();
        return;
      }
      case 'progress':
        if (ev.runId !== this.id || !this.run) return;
        this.run.progress = ev.progress;
        if (this.run.status === 'queued') this.run.status = 'running';
        return;
      case 'metric': {
        if (ev.runId !== this.id) return;
        const byKey = new Map<string, Point[]>();
        for (const p of ev.points) {
          let a = byKey.get(p.key);
          if (!a) { a = []; byKey.set(p.key, a); }
          a.push({ step: p.step, value: p.value, samples: p.samples ?? null });
        }
        for (const [key, pts] of byKey) {
          pts.sort((a, b) => a.step - b.step);
          let arr = this.series.get(key);
          if (!arr) { arr = []; this.series.set(key, arr); }
          mergePoints(arr, pts);
        }
        this.syncKeys();
        return;
      }
      case 'log':
        if (ev.runId !== this.id) return;
        this.logs.push({ runId: ev.runId, at: Date.now(), level: ev.level, message: ev.message });
        if (this.logs.length > MAX_LOGS) this.logs.splice(0, this.logs.length - MAX_LOGS);
        return;
    }
  }
}
