// Browser-mode client: POST /api/<method> with the arguments as a JSON array, push events over SSE.
// See src/shared/transport.ts for the wire format.
import type { PushEvent } from '../../../shared/api';
import { API_PREFIX, ApiError, ARTIFACT_PATH, EVENTS_PATH, TOKEN_HEADER } from '../../../shared/transport';

type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string }) => Promise<{
  ok: boolean; status: number; text(): Promise<string>;
}>;

interface EventSourceLike {
  onmessage: ((ev: { data: string }) => void) | null;
  onopen: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  /** 2 (CLOSED): the browser gave up on the stream (an HTTP error such as 401); it retries only network errors. */
  readonly readyState?: number;
  close(): void;
}
type EventSourceCtor = new (url: string) => EventSourceLike;

/** `expired`: the server answers but no longer accepts this tab's token or session (it was
 *  restarted with a new address): nothing will reconnect, the person needs the new URL. */
export type ConnectionState = 'connecting' | 'open' | 'lost' | 'expired';

/** How often a lost connection is checked while it stays lost. */
const PROBE_MS = 1500;

export interface HttpClientOptions {
  /** Origin + path prefix of the server, e.g. `http://127.0.0.1:8123` (no trailing slash). */
  base: string;
  token: string;
  fetch?: FetchLike;
  EventSource?: EventSourceCtor;
  /** Milliseconds between checks of a lost connection (default 1500). */
  probeMs?: number;
}

/** Calls API methods over HTTP and fans SSE push events out to listeners. */
export class HttpTransport {
  private listeners = new Set<(ev: PushEvent) => void>();
  private stateListeners = new Set<(s: ConnectionState) => void>();
  private es: EventSourceLike | null = null;
  private everOpened = false;
  private probeTimer: ReturnType<typeof setTimeout> | null = null;
  state: ConnectionState = 'connecting';
  private readonly fetchImpl: FetchLike;
  private readonly EventSourceImpl: EventSourceCtor | undefined;

  constructor(private readonly opts: HttpClientOptions) {
    this.fetchImpl = opts.fetch ?? ((url, init) => fetch(url, init));
    this.EventSourceImpl = opts.EventSource ?? (globalThis as { EventSource?: EventSourceCtor }).EventSource;
  }

  /** Download address of a recorded artifact. A plain link cannot set headers: the session cookie
   *  that the page's first load set authorises it (the URL token is one-time, so not put in URLs). */
  artifactUrl(id: number): string {
    return `${this.opts.base}${ARTIFACT_PATH}${id}`;
  }

  async call(method: string, args: unknown[]): Promise<unknown> {
    const a = [...args];
    while (a.length && a[a.length - 1] === undefined) a.pop();
    let res: Awaited<ReturnType<FetchLike>>;
    try {
      res = await this.fetchImpl(`${this.opts.base}${API_PREFIX}${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [TOKEN_HEADER]: this.opts.token },
        body: JSON.stringify(a),
      });
    } catch (e) {
      throw new ApiError(`Whittle could not be reached (${(e as Error).message}). Is \`whittle serve\` still running?`, 'unreachable');
    }
    const text = await res.text();
    let body: unknown = undefined;
    if (text) {
      try { body = JSON.parse(text); } catch { body = text; }
    }
    if (!res.ok) {
      if (res.status === 401) this.expire();
      if (res.status === 401) throw new ApiError('The access token is missing or wrong. Open the address `whittle serve` printed (it ends in ?token=…).', 'unauthorized');
      const p = (body && typeof body === 'object' ? body : {}) as { message?: string; code?: string; issues?: { path: string; message: string }[] };
      throw new ApiError(p.message ?? (typeof body === 'string' && body ? body : `HTTP ${res.status}`), p.code ?? 'internal', p.issues);
    }
    return body;
  }

  subscribe(listener: (ev: PushEvent) => void): () => void {
    this.listeners.add(listener);
    this.ensureStream();
    return () => { this.listeners.delete(listener); };
  }

  /** Connection state of the event stream; `open` after a `lost` means events may have been missed. */
  onState(listener: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => { this.stateListeners.delete(listener); };
  }

  close(): void {
    this.es?.close();
    this.es = null;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
  }

  private setState(s: ConnectionState): void {
    if (s === this.state) return;
    this.state = s;
    for (const l of this.stateListeners) l(s);
  }

  /** The server no longer knows this tab: stop the stream and the checks, say so. */
  private expire(): void {
    if (this.state === 'expired') return;
    this.close();
    this.setState('expired');
  }

  /** While the stream is lost, ask the server (one cheap API call) whether it is back and still
   *  knows our token: a 401 means it was restarted with a new one; a stream the browser closed
   *  for good (an HTTP error) is opened again once the server answers. */
  private scheduleProbe(): void {
    if (this.probeTimer || this.state !== 'lost') return;
    this.probeTimer = setTimeout(() => { this.probeTimer = null; void this.probe(); }, this.opts.probeMs ?? PROBE_MS);
  }

  private async probe(): Promise<void> {
    if (this.state !== 'lost') return;
    let status: number;
    try {
      status = (await this.fetchImpl(`${this.opts.base}${API_PREFIX}info`, {
        method: 'POST', headers: { 'content-type': 'application/json', [TOKEN_HEADER]: this.opts.token }, body: '[]',
      })).status;
    } catch {
      this.scheduleProbe(); // not reachable yet
      return;
    }
    if (status === 401) { this.expire(); return; }
    if (this.es && this.es.readyState === 2) {
      this.es = null;
      this.ensureStream();
    }
    this.scheduleProbe();
  }

  private ensureStream(): void {
    if (this.es || !this.EventSourceImpl) return;
    // EventSource cannot set headers either: the session cookie authorises the stream.
    const url = `${this.opts.base}${EVENTS_PATH}`;
    const es = new this.EventSourceImpl(url);
    this.es = es;
    es.onopen = () => { this.everOpened = true; this.setState('open'); };
    es.onerror = () => {
      if (!this.everOpened || this.state === 'expired') return;
      this.setState('lost');
      this.scheduleProbe();
    };
    es.onmessage = (m) => {
      let ev: PushEvent;
      try { ev = JSON.parse(m.data) as PushEvent; } catch { return; }
      for (const l of this.listeners) l(ev);
    };
  }
}
