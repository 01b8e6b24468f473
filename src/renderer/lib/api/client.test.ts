import { describe, expect, it } from 'vitest';
import type { PushEvent } from '../../../shared/api';
import type { WhittleBridge } from '../../../shared/transport';
import { createClient, readToken, WhittleClient } from './client';
import { HttpTransport } from './http';

function fakeBridge(): WhittleBridge & { calls: [string, unknown[]][]; emit(ev: PushEvent): void } {
  const calls: [string, unknown[]][] = [];
  const listeners = new Set<(ev: PushEvent) => void>();
  const b: Record<string, unknown> = {
    calls,
    emit: (ev: PushEvent) => { for (const l of listeners) l(ev); },
    subscribe: (l: (ev: PushEvent) => void) => { listeners.add(l); return () => listeners.delete(l); },
  };
  for (const m of ['info', 'listRuns', 'getRun']) b[m] = async (...args: unknown[]) => { calls.push([m, args]); return m; };
  return b as never;
}

describe('WhittleClient', () => {
  it('uses window.whittle when the preload exposed it', async () => {
    const bridge = fakeBridge();
    const c = createClient({ whittle: bridge, location: { origin: 'http://x', search: '' } });
    expect(c.mode).toBe('electron');
    expect(await c.api.getRun('r1')).toBe('getRun');
    expect(bridge.calls).toEqual([['getRun', ['r1']]]);
    const got: PushEvent[] = [];
    const off = c.subscribe((e) => got.push(e));
    bridge.emit({ type: 'log', runId: 'r', level: 'info', message: 'hi' });
    off();
    bridge.emit({ type: 'log', runId: 'r', level: 'info', message: 'again' });
    expect(got).toHaveLength(1);
  });

  it('rejects a method the bridge lacks instead of throwing synchronously', async () => {
    const c = new WhittleClient('electron', fakeBridge());
    await expect(c.api.cancelRun('r')).rejects.toThrow(/cancelRun/);
  });

  it('falls back to HTTP with the page token', () => {
    const c = createClient({ location: { origin: 'http://127.0.0.1:9', search: '?token=abc' } });
    expect(c.mode).toBe('browser');
  });

  it('knows which API methods the contract declares', () => {
    const c = new WhittleClient('browser', new HttpTransport({ base: '', token: '' }));
    expect(c.has('createRun')).toBe(true);
    expect(c.has('noSuchMethod')).toBe(false);
  });

  it('reads the token from the query string', () => {
    expect(readToken('?token=t0k&x=1')).toBe('t0k');
  });
});
