// Metric series of several runs at once (study and compare views), kept live by push events.
import type { PushEvent, WhittleApi } from '../../../shared/api';
import { mergePoints, type Point } from './run-detail.svelte';

export class MultiSeries {
  version = $state(0);
  /** Every metric key seen across the runs, sorted. */
  keys = $state<string[]>([]);
  error = $state<string | null>(null);
  readonly data = new Map<string, Map<string, Point[]>>();
  private ids: string[] = [];
  private loading = new Set<string>();
  private pending = new Map<string, PushEvent[]>();

  constructor(private readonly api: Pick<WhittleApi, 'metrics'>, private readonly keyFilter?: (key: string) => boolean) {}

  /** Set the runs to follow; loads the ones not loaded yet, drops the others. */
  async setRuns(ids: string[]): Promise<void> {
    this.ids = [...ids];
    for (const id of [...this.data.keys()]) if (!ids.includes(id)) this.data.delete(id);
    await Promise.all(ids.filter((id) => !this.data.has(id) && !this.loading.has(id)).map((id) => this.loadRun(id)));
    this.sync();
  }

  get runIds(): readonly string[] { return this.ids; }

  series(runId: string, key: string): Point[] {
    return this.data.get(runId)?.get(key) ?? [];
  }

  private async loadRun(id: string): Promise<void> {
    this.loading.add(id);
    this.pending.set(id, []);
    try {
      const m = await this.api.metrics(id);
      const map = new Map<string, Point[]>();
      for (const [key, pts] of Object.entries(m.series)) {
        if (this.keyFilter && !this.keyFilter(key)) continue;
        map.set(key, pts.map((p) => ({ step: p.step, value: p.value, samples: p.samples ?? null })));
      }
      if (this.ids.includes(id)) this.data.set(id, map);
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      this.loading.delete(id);
      const buffered = this.pending.get(id) ?? [];
      this.pending.delete(id);
      for (const ev of buffered) this.apply(ev);
    }
  }

  apply(ev: PushEvent): void {
    if (ev.type !== 'metric' || !this.ids.includes(ev.runId)) return;
    const buf = this.pending.get(ev.runId);
    if (buf) { buf.push(ev); return; }
    let map = this.data.get(ev.runId);
    if (!map) { map = new Map(); this.data.set(ev.runId, map); }
    const byKey = new Map<string, Point[]>();
    for (const p of ev.points) {
      if (this.keyFilter && !this.keyFilter(p.key)) continue;
      let a = byKey.get(p.key);
      if (!a) { a = []; byKey.set(p.key, a); }
      a.push({ step: p.step, value: p.value, samples: p.samples ?? null });
    }
    for (const [key, pts] of byKey) {
      pts.sort((a, b) => a.step - b.step);
      let arr = map.get(key);
      if (!arr) { arr = []; map.set(key, arr); }
      mergePoints(arr, pts);
    }
    if (byKey.size) this.sync();
  }

  private sync(): void {
    const all = new Set<string>();
    for (const m of this.data.values()) for (const k of m.keys()) all.add(k);
    if (all.size !== this.keys.length) this.keys = [...all].sort();
    this.version++;
  }
}
