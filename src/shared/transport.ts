// How the API travels in browser mode, and what the preload exposes as window.whittle.
//
// Browser mode (`whittle serve`):
//   POST {API_PREFIX}<method>   body: JSON array of the method's arguments → 200 JSON result,
//                               or 4xx/5xx with an ApiErrorPayload.
//   GET  {EVENTS_PATH}          Server-Sent Events, one `data: <PushEvent JSON>` per event.
//   Every request carries the token in header TOKEN_HEADER, or the session cookie that the page URL
//   printed by `whittle serve` (`/?token=<token>`) sets on its first load (the event stream and
//   downloads ride on that cookie: EventSource and links cannot set headers). The URL's query token
//   works once, for that first page load only. Without either: 401. SECURITY.md has the rest.
// Electron: window.whittle (preload) exposes the same methods plus `subscribe`.
import type { PushEvent, WhittleApi } from './api';

export const API_PREFIX = '/api/';
export const EVENTS_PATH = '/api/events';
/** GET {ARTIFACT_PATH}<artifact id>: download a file the app recorded as an artifact (browser mode). */
export const ARTIFACT_PATH = '/api/artifact/';
export const TOKEN_HEADER = 'x-whittle-token';
export const TOKEN_QUERY = 'token';
/** IPC channel names used by preload ↔ main. */
export const IPC_INVOKE = 'whittle:invoke';
export const IPC_EVENT = 'whittle:event';
export const IPC_PICK_FOLDER = 'whittle:pickFolder';

export interface WhittleBridge extends WhittleApi {
  /** Receive every PushEvent; returns an unsubscribe function. */
  subscribe(listener: (ev: PushEvent) => void): () => void;
  /** Electron only: the native folder picker; resolves to null when the user cancels. */
  pickFolder?(title?: string): Promise<string | null>;
}

/** The error code of a createRun/createStudy refused until the caller confirms (a spec that needs
 *  a lot of memory or time): call again with `{ confirmed: true }` once a person has agreed. */
export const CONFIRM_CODE = 'needs_confirmation';
const CONFIRM_TEXT = 'this needs confirmation before it starts';

/** Whether an error asks for confirmation. Over Electron's bridge only the message survives. */
export function needsConfirmation(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return e?.code === CONFIRM_CODE || (typeof e?.message === 'string' && e.message.includes(CONFIRM_TEXT));
}

/** Error thrown by API clients; carries the server's payload (message, code, field issues). */
export class ApiError extends Error {
  constructor(message: string, public readonly code: string, public readonly issues?: { path: string; message: string }[]) {
    super(message);
    this.name = 'ApiError';
  }
}
