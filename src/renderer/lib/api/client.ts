// One client for both modes: window.whittle (Electron preload) when present, else HTTP + SSE.
import { API_METHODS, type PushEvent, type WhittleApi } from '../../../shared/api';
import type { WhittleBridge } from '../../../shared/transport';
import { TOKEN_QUERY } from '../../../shared/transport';
import { HttpTransport, type ConnectionState } from './http';

export type Mode = 'electron' | 'browser';

export class WhittleClient {
  readonly api: WhittleApi;
  private readonly invoke: (method: string, args: unknown[]) => Promise<unknown>;
  private readonly sub: (l: (ev: PushEvent) => void) => () => void;
  private readonly http: HttpTransport | null;
  /** Electron's native folder picker, when the preload offers it. */
  readonly pickFolder: ((title?: string) => Promise<string | null>) | null;

  constructor(readonly mode: Mode, bridgeOrHttp: WhittleBridge | HttpTransport) {
    if (bridgeOrHttp instanceof HttpTransport) {
      const http = bridgeOrHttp;
      this.http = http;
      this.invoke = (m, a) => http.call(m, a);
      this.sub = (l) => http.subscribe(l);
      this.pickFolder = null;
    } else {
      const bridge = bridgeOrHttp as WhittleBridge & Record<string, unknown>;
      this.http = null;
      this.invoke = (m, a) => {
        const fn = bridge[m];
        if (typeof fn !== 'function') return Promise.reject(new Error(`This Whittle build has no API method \`${m}\``));
        return (fn as (...args: unknown[]) => Promise<unknown>).apply(bridge, a);
      };
      this.sub = (l) => bridge.subscribe(l);
      this.pickFolder = typeof bridge.pickFolder === 'function' ? (t) => bridge.pickFolder!(t) : null;
    }
    const api: Record<string, unknown> = {};
    for (const m of API_METHODS) api[m] = (...args: unknown[]) => this.invoke(m, args);
    this.api = api as unknown as WhittleApi;
  }

  /** Whether the shared contract declares this API method (screens light up as methods land). */
  has(method: string): boolean {
    return (API_METHODS as readonly string[]).includes(method);
  }

  /** Untyped call, for methods this renderer learned about by name. */
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T> {
    return this.invoke(method, args) as Promise<T>;
  }

  subscribe(listener: (ev: PushEvent) => void): () => void {
    return this.sub(listener);
  }

  /** Browser mode: a download link for a recorded artifact. Electron: null (files are local). */
  artifactUrl(id: number): string | null {
    return this.http ? this.http.artifactUrl(id) : null;
  }

  /** Event-stream state (browser mode). Electron IPC never drops, so it reports `open` once. */
  onConnection(listener: (s: ConnectionState) => void): () => void {
    if (this.http) return this.http.onState(listener);
    listener('open');
    return () => {};
  }
}

/** Picks the transport for this page: the preload bridge, else the server this page came from. */
export function createClient(win: { whittle?: WhittleBridge; location: { origin: string; search: string } } = window as never): WhittleClient {
  if (win.whittle) return new WhittleClient('electron', win.whittle);
  return new WhittleClient('browser', new HttpTransport({ base: win.location.origin, token: readToken(win.location.search) }));
}

/** The token from `?token=…`; remembered for this tab so an in-app reload without it still works. */
export function readToken(search: string): string {
  const t = new URLSearchParams(search).get(TOKEN_QUERY);
  const store = (globalThis as { sessionStorage?: Storage }).sessionStorage;
  if (t) { try { store?.setItem('whittle-token', t); } catch { /* private mode */ } return t; }
  try { return store?.getItem('whittle-token') ?? ''; } catch { return ''; }
}
