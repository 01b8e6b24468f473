import http from 'node:http';

export interface Reply { status: number; body: string; headers: http.IncomingHttpHeaders }

/** One HTTP request to 127.0.0.1:port; `body` is sent as JSON unless it is a Buffer (sent as is). */
export function request(port: number, p: string, opts: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body));
    req.end();
  });
}
