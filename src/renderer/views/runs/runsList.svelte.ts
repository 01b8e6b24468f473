// The runs list's search, filters and sort. One instance per app (runsListFor), so what a person set
// is still there after opening a run and coming back.
//
// Text and tag search run in SQL on the server (listRuns { query, tags }): the answer is a set of run
// ids. Kind, status and the sort apply here to the live rows, because a run's status and progress
// change every second and must move it between filters without asking the server again.
import type { PushEvent, RunRow, WhittleApi } from '../../../shared/api';
import { MAX_QUERY_LENGTH, tagProblem } from '../../../shared/runAnnotations';
import { STATUS_LABEL } from '../../lib/format';

export type SortKey = 'name' | 'kind' | 'status' | 'progress' | 'created';
export type SortDir = 'asc' | 'desc';
export const SORT_KEYS: readonly SortKey[] = ['name', 'kind', 'status', 'progress', 'created'];

/** Wait this long after the last keystroke before searching. */
export const SEARCH_DELAY_MS = 250;

type Api = Pick<WhittleApi, 'listRuns'>;

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

function sortValue(r: RunRow, key: SortKey): string | number {
  switch (key) {
    case 'name': return r.name;
    case 'kind': return r.kind;
    case 'status': return STATUS_LABEL[r.status] ?? r.status;
    case 'progress': return r.progress && r.progress.total > 0 ? r.progress.step / r.progress.total : -1;
    case 'created': return r.createdAt;
  }
}

function compare(a: string | number, b: string | number): number {
  return typeof a === 'number' && typeof b === 'number' ? a - b : collator.compare(String(a), String(b));
}

export class RunsListState {
  query = $state('');
  tag = $state('');
  kind = $state('');
  status = $state('');
  /** null: the default order (active runs first, then newest first). */
  sortKey = $state<SortKey | null>(null);
  sortDir = $state<SortDir>('asc');
  /** Ids the server's search matched; null when there is no text or tag to search for. */
  matches = $state<Set<string> | null>(null);
  searching = $state(false);
  searchError = $state<string | null>(null);

  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Only the newest search's answer counts (an older, slower one may arrive after it). */
  private generation = 0;

  constructor(private readonly api: Api, private readonly delayMs = SEARCH_DELAY_MS) {}

  get searchActive(): boolean { return this.query.trim() !== '' || this.tag !== ''; }

  /** What the search box would send, or why it cannot be sent. */
  get searchProblem(): string | null {
    if (this.query.length > MAX_QUERY_LENGTH) return `The search text has at most ${MAX_QUERY_LENGTH} characters.`;
    return this.tag ? tagProblem(this.tag) : null;
  }

  /** Call after the query or tag changed: searches once typing pauses. */
  searchSoon(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.timer = null; void this.search(); }, this.delayMs);
  }

  async search(): Promise<void> {
    const gen = ++this.generation;
    if (!this.searchActive) { this.matches = null; this.searching = false; this.searchError = null; return; }
    const problem = this.searchProblem;
    if (problem) { this.searchError = problem; this.searching = false; return; }
    this.searching = true;
    try {
      const rows = await this.api.listRuns({ ...(this.query.trim() ? { query: this.query.trim() } : {}), ...(this.tag ? { tags: [this.tag] } : {}) });
      if (gen !== this.generation) return;
      this.matches = new Set(rows.map((r) => r.id));
      this.searchError = null;
    } catch (e) {
      if (gen === this.generation) this.searchError = (e as Error).message;
    } finally {
      if (gen === this.generation) this.searching = false;
    }
  }

  /** A run was created, renamed, tagged or annotated: the text search may now match differently. */
  apply(ev: PushEvent): void {
    if (ev.type === 'run' && this.searchActive && !this.timer) this.searchSoon();
  }

  /** Header click: ascending, then descending, then back to the default order. */
  toggleSort(key: SortKey): void {
    if (this.sortKey !== key) { this.sortKey = key; this.sortDir = 'asc'; }
    else if (this.sortDir === 'asc') this.sortDir = 'desc';
    else this.sortKey = null;
  }

  clear(): void {
    this.query = ''; this.tag = ''; this.kind = ''; this.status = '';
    void this.search();
  }

  /** The rows to show from `runs` (already in the default order). The sort is stable: rows that
   *  compare equal keep their default order. */
  view(runs: RunRow[]): RunRow[] {
    const m = this.matches;
    const shown = runs.filter((r) => (!m || m.has(r.id)) && (!this.kind || r.kind === this.kind) && (!this.status || r.status === this.status));
    const key = this.sortKey;
    if (!key) return shown;
    const sign = this.sortDir === 'asc' ? 1 : -1;
    return shown.sort((a, b) => sign * compare(sortValue(a, key), sortValue(b, key)));
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

const perApi = new WeakMap<object, RunsListState>();
/** The app's one runs-list state (created on first use). */
export function runsListFor(api: Api): RunsListState {
  let s = perApi.get(api);
  if (!s) perApi.set(api, (s = new RunsListState(api)));
  return s;
}
