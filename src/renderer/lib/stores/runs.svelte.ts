// The list of runs, kept live by push events.
import type { Progress, PushEvent, RunRow, WhittleApi } from '../../../shared/api';

export class RunsStore {
  runs = $state<RunRow[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  /** Active runs first, then newest first. */
  sorted = $derived([...this.runs].sort((a, b) => rank(a) - rank(b) || b.createdAt - a.createdAt));
  active = $derived(this.runs.filter((r) => r.status === 'running' || r.status === 'queued'));

  /** Count of `run` events per run id: lets an action's (possibly older) response yield to events. */
  private events = new Map<string, number>();

  constructor(private readonly api: Pick<WhittleApi, 'listRuns'>) {}

  mark(id: string): number { return this.events.get(id) ?? 0; }

  /** Take an action's response unless a push event for that run arrived since `mark` (it is newer). */
  settle(run: RunRow, mark: number): void {
    if (this.mark(run.id) === mark) this.upsert(run);
  }

  async load(): Promise<void> {
    try {
      this.runs = await this.api.listRuns();
      this.error = null;
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      this.loaded = true;
    }
  }

  get(id: string): RunRow | undefined {
    return this.runs.find((r) => r.id === id);
  }

  upsert(run: RunRow): void {
    const i = this.runs.findIndex((r) => r.id === run.id);
    if (i < 0) this.runs.push(run);
    else this.runs[i] = run;
  }

  /** Insert a run just created, unless its push event got here first. */
  add(run: RunRow): void {
    if (!this.get(run.id)) this.runs.push(run);
  }

  remove(id: string): void {
    const i = this.runs.findIndex((r) => r.id === id);
    if (i >= 0) this.runs.splice(i, 1);
  }

  setProgress(runId: string, progress: Progress): void {
    const r = this.runs.find((x) => x.id === runId);
    if (!r) return;
    r.progress = progress;
    if (r.status === 'queued') r.status = 'running';
  }

  apply(ev: PushEvent): void {
    if (ev.type === 'run') {
      this.events.set(ev.run.id, this.mark(ev.run.id) + 1);
      this.upsert(ev.run);
    }
    else if (ev.type === 'progress') this.setProgress(ev.runId, ev.progress);
  }
}

function rank(r: RunRow): number {
  return r.status === 'running' ? 0 : r.status === 'queued' ? 1 : 2;
}
