// After `whittle serve` restarts, an open tab's token gets 401: the tab must say its session is
// no longer valid (not "reconnecting…" for ever), and keep reconnecting only while that may work.
import { describe, expect, it } from 'vitest';
import { HttpTransport } from './http';

class FakeES {
  static all: FakeES[] = [];
  onmessage: ((ev: { data: string }) => void) | null = null;
  onopen: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  readyState = 0;
  constructor(readonly url: string) { FakeES.all.push(this); }
  close() { this.readyState = 2; }
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function server() {
  const s = { status: 0 as number, calls: 0 };
  const fetch = async () => {
    s.calls++;
    if (s.status === 0) throw new TypeError('Failed to fetch');
    return { ok: s.status < 400, status: s.status, text: async () => '{}' };
  };
  return { s, fetch };
}

describe('HttpTransport after a server restart', () => {
  it('says expired once the server answers 401, and stops checking', async () => {
    const { s, fetch } = server();
    const t = new HttpTransport({ base: '', token: 'old', fetch, EventSource: FakeES, probeMs: 10 });
    const states: string[] = [];
    t.onState((x) => states.push(x));
    t.subscribe(() => {});
    const es = FakeES.all[FakeES.all.length - 1];
    es.onopen!({});
    es.readyState = 2; // the restarted server refused the stream (401): the browser gives up on it
    es.onerror!({});
    await wait(50); // server down: still lost, still checking
    expect(states).toEqual(['open', 'lost']);
    expect(s.calls).toBeGreaterThan(1);
    s.status = 401; // back, with a new token
    await wait(50);
    expect(states).toEqual(['open', 'lost', 'expired']);
    const calls = s.calls;
    await wait(50);
    expect(s.calls).toBe(calls);
  });

  it('reopens a stream the browser closed once the server answers with our token', async () => {
    const { s, fetch } = server();
    FakeES.all = [];
    const t = new HttpTransport({ base: '', token: 'same', fetch, EventSource: FakeES, probeMs: 10 });
    const states: string[] = [];
    t.onState((x) => states.push(x));
    t.subscribe(() => {});
    const first = FakeES.all[0];
    first.onopen!({});
    first.readyState = 2;
    first.onerror!({});
    s.status = 200;
    await wait(50);
    expect(FakeES.all.length).toBe(2);
    FakeES.all[1].onopen!({});
    expect(states).toEqual(['open', 'lost', 'open']);
    t.close();
  });

  it('an API call answered 401 also marks the tab expired', async () => {
    const t = new HttpTransport({ base: '', token: 'old', fetch: async () => ({ ok: false, status: 401, text: async () => '{}' }) });
    const states: string[] = [];
    t.onState((x) => states.push(x));
    await expect(t.call('listRuns', [])).rejects.toThrow(/access token/);
    expect(states).toEqual(['expired']);
  });
});
