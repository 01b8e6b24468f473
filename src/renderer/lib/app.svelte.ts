// The app's shared state: one API client, the live run and study lists, the router.
import { getContext, setContext } from 'svelte';
import type { AppInfo, PushEvent } from '../../shared/api';
import type { WhittleClient } from './api/client';
import type { ConnectionState } from './api/http';
import { Router } from './stores/router.svelte';
import { RunsStore } from './stores/runs.svelte';
import { StudiesStore } from './stores/studies.svelte';

export class AppState {
  readonly runs: RunsStore;
  readonly studies: StudiesStore;
  readonly router: Router;
  info = $state<AppInfo | null>(null);
  infoError = $state<string | null>(null);
  connection = $state<ConnectionState>('connecting');
  private listeners = new Set<(ev: PushEvent) => void>();
  private unsubs: (() => void)[] = [];

  constructor(readonly client: WhittleClient, loc: { hash: string }) {
    this.runs = new RunsStore(client.api);
    this.studies = new StudiesStore(client.api);
    this.router = new Router(loc);
  }

  get api() { return this.client.api; }

  async start(): Promise<void> {
    this.unsubs.push(this.client.subscribe((ev) => this.dispatch(ev)));
    this.unsubs.push(this.client.onConnection((s) => {
      const reconnected = this.connection === 'lost' && s === 'open';
      this.connection = s;
      if (reconnected) void this.reload();
    }));
    await this.reload();
  }

  async reload(): Promise<void> {
    await Promise.all([
      this.runs.load(),
      this.studies.load(),
      this.api.info().then((i) => { this.info = i; this.infoError = null; }, (e: Error) => { this.infoError = e.message; }),
    ]);
  }

  /** Views listen for events of the run/study they show. */
  listen(l: (ev: PushEvent) => void): () => void {
    this.listeners.add(l);
    return () => { this.listeners.delete(l); };
  }

  private dispatch(ev: PushEvent): void {
    this.runs.apply(ev);
    this.studies.apply(ev);
    for (const l of this.listeners) l(ev);
  }

  stop(): void {
    for (const u of this.unsubs) u();
    this.unsubs = [];
  }
}

const KEY = Symbol('whittle-app');
export function provideApp(app: AppState): void { setContext(KEY, app); }
export function useApp(): AppState { return getContext<AppState>(KEY); }
