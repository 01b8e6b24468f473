import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../shared/transport';
import { HttpTransport } from './http';

function fakeFetch(status: number, body: unknown, seen: { url: string; init: { method: string; headers: Record<string, string>; body: string } }[] = []) {
  return async (url: string, init: { method: string; headers: Record<string, string>; body: string }) => {
    seen.push({ url, init });
    return { ok: status < 400, status, text: async () => (body === undefined ? '' : JSON.stringify(body)) };
  };
}

const fail = (p: Promise<unknown>): Promise<ApiError> => p.then(() => { throw new Error('expected a failure'); }, (e: ApiError) => e);

class FakeES {
  static last: FakeES | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  onopen: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  closed = false;
  constructor(readonly url: string) { FakeES.last = this; }
  close() { this.closed = true; }
}

describe('HttpTransport', () => {
  it('POSTs the arguments as a JSON array with the token header', async () => {
    const seen: Parameters<typeof fakeFetch>[2] = [];
    const t = new HttpTransport({ base: 'http://h:1', token: 'tok', fetch: fakeFetch(200, { ok: 1 }, seen) });
    expect(await t.call('getRun', ['r1'])).toEqual({ ok: 1 });
    expect(seen[0].url).toBe('http://h:1/api/getRun');
    expect(seen[0].init.method).toBe('POST');
    expect(seen[0].init.headers['x-whittle-token']).toBe('tok');
    expect(JSON.parse(seen[0].init.body)).toEqual(['r1']);
  });

  it('drops trailing undefined arguments so optional ones stay absent', async () => {
    const seen: Parameters<typeof fakeFetch>[2] = [];
    const t = new HttpTransport({ base: '', token: 't', fetch: fakeFetch(200, [], seen) });
    await t.call('metrics', ['r1', undefined]);
    expect(JSON.parse(seen[0].init.body)).toEqual(['r1']);
  });

  it('turns an error payload into an ApiError carrying the field issues', async () => {
    const t = new HttpTransport({ base: '', token: 't', fetch: fakeFetch(400, { message: 'task.n: too small', code: 'bad_request', issues: [{ path: 'task.n', message: 'too small' }] }) });
    const err = await fail(t.call('createRun', [{}]));
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('bad_request');
    expect(err.issues).toEqual([{ path: 'task.n', message: 'too small' }]);
  });

  it('explains a 401 in words', async () => {
    const t = new HttpTransport({ base: '', token: '', fetch: fakeFetch(401, { message: 'missing token', code: 'bad_request' }) });
    const err = await fail(t.call('info', []));
    expect(err.code).toBe('unauthorized');
    expect(err.message).toMatch(/token/);
  });

  it('reports an unreachable server', async () => {
    const t = new HttpTransport({ base: '', token: 't', fetch: async () => { throw new Error('ECONNREFUSED'); } });
    const err = await fail(t.call('info', []));
    expect(err.code).toBe('unreachable');
  });

  it('opens one event stream (authorised by the session cookie, no token in the URL) and fans events out', () => {
    const t = new HttpTransport({ base: 'http://h:1', token: 'a b', fetch: fakeFetch(200, null), EventSource: FakeES });
    const a: unknown[] = [], b: unknown[] = [];
    const offA = t.subscribe((e) => a.push(e));
    t.subscribe((e) => b.push(e));
    const es = FakeES.last!;
    expect(es.url).toBe('http://h:1/api/events');
    es.onmessage!({ data: JSON.stringify({ type: 'progress', runId: 'r', progress: { step: 1, total: 2, eta: null } }) });
    es.onmessage!({ data: 'not json' });
    offA();
    es.onmessage!({ data: JSON.stringify({ type: 'log', runId: 'r', level: 'info', message: 'x' }) });
    expect(a).toHaveLength(1);
    expect(b).toHaveLength(2);
    t.close();
    expect(es.closed).toBe(true);
  });

  it('reports lost and regained connections', () => {
    const t = new HttpTransport({ base: '', token: 't', fetch: fakeFetch(200, null), EventSource: FakeES });
    const states: string[] = [];
    t.onState((s) => states.push(s));
    t.subscribe(() => {});
    const es = FakeES.last!;
    es.onerror!({}); // before the first open: still connecting
    es.onopen!({});
    es.onerror!({});
    es.onopen!({});
    expect(states).toEqual(['open', 'lost', 'open']);
  });
});
