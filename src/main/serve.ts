// Browser mode: the built renderer and the same API over HTTP (+ Server-Sent Events for pushes),
// bound to 127.0.0.1 only and guarded by a random token: the `x-whittle-token` header (the page's
// API calls, scripts), or the session cookie the printed page URL sets. The URL's `?token=` works
// once, on that first page load, so a leaked or bookmarked address grants nothing later.
// Requests from another origin (Origin / Sec-Fetch-Site) are refused; SECURITY.md has the whole list.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_METHODS, type ApiErrorPayload, type ApiMethod, type PushEvent } from '../shared/api';
import { API_ARGS } from '../shared/apiSchemas';
import { formatPath } from '../shared/validate';
import { APP_CSP } from '../shared/security';
import { API_PREFIX, ApiError, ARTIFACT_PATH, EVENTS_PATH, TOKEN_HEADER, TOKEN_QUERY } from '../shared/transport';
import type { WhittleService } from './services/api';

export interface ServeOptions {
  service: WhittleService;
  port?: number;
  /** Folder of the built renderer (index.html + assets). */
  rendererDir: string;
  token?: string;
  /** Largest API request body accepted (bytes); larger ones get 413. */
  maxBodyBytes?: number;
}

export interface Server { url: string; token: string; port: number; close(): Promise<void> }

const COOKIE = 'whittle_token';
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.ico': 'image/x-icon', '.woff2': 'font/woff2',
};
const STATUS: Record<string, number> = { bad_request: 400, not_found: 404, conflict: 409, internal: 500 };
const MAX_BODY = 10 * 1024 * 1024;
const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];
/** On every response: no framing by other pages, no MIME sniffing, no Referer carrying a URL out. */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': APP_CSP, 'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer', 'cross-origin-opener-policy': 'same-origin', 'cross-origin-resource-policy': 'same-origin',
};

/** Why a request from a browser must be refused as coming from another site, or null. A missing
 *  Origin is a script (curl, the CLI), which still needs the token. Another port on 127.0.0.1 is
 *  another origin but the *same site*, so SameSite cookies alone would not stop it. */
export function foreignOrigin(headers: http.IncomingHttpHeaders, port: number): string | null {
  const site = headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return `request from another site (Sec-Fetch-Site: ${site})`;
  const origin = headers.origin;
  if (origin === undefined) return null;
  if (!LOOPBACK.some((h) => origin === `http://${h}:${port}`)) return `request from another origin (${origin})`;
  return null;
}

export async function startServer(opts: ServeOptions): Promise<Server> {
  const token = opts.token ?? randomBytes(24).toString('hex');
  // The cookie carries its own secret, not the token: the token's one use from a URL opens one session.
  const session = randomBytes(24).toString('hex');
  let urlTokenUsed = false;
  const svc = opts.service;
  const clients = new Set<http.ServerResponse>();
  const unsubscribe = svc.subscribe((ev: PushEvent) => {
    const line = `data: ${JSON.stringify(ev)}\n\n`;
    for (const c of clients) c.write(line);
  });

  /** 'ok', 'login' (the page URL's one use of the token: set the session cookie), or why not. */
  const authorise = (req: http.IncomingMessage, url: URL): 'ok' | 'login' | string => {
    if (same(req.headers[TOKEN_HEADER], token) || same(cookie(req, COOKIE), session)) return 'ok';
    const fromUrl = url.searchParams.get(TOKEN_QUERY);
    if (!same(fromUrl ?? undefined, token)) return 'missing or wrong token: open the URL printed by `whittle serve`';
    // Only the page itself logs in, so a stray request (a missing file, the API) cannot use up the token.
    if (req.method !== 'GET' || (url.pathname !== '/' && url.pathname !== '/index.html')) return 'the token in an address opens the app page (/?token=…) only; send it in the x-whittle-token header';
    if (!urlTokenUsed) { urlTokenUsed = true; return 'login'; }
    return 'the token in this address has been used already (it opens one browser session); restart `whittle serve` for a new address, or send the token in the x-whittle-token header';
  };

  let port = 0;
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      // Only loopback hostnames: a page on another site cannot reach us through DNS rebinding.
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      if (!LOOPBACK.includes(host)) return send(res, 403, { message: 'forbidden host', code: 'bad_request' });
      // Checked before the token: a page elsewhere must not even learn whether its guess was right.
      const foreign = foreignOrigin(req.headers, port);
      if (foreign) return send(res, 403, { message: `forbidden: ${foreign}`, code: 'bad_request' });
      const auth = authorise(req, url);
      if (auth !== 'ok' && auth !== 'login') return send(res, 401, { message: auth, code: 'bad_request' });
      if (url.pathname === EVENTS_PATH && req.method === 'GET') {
        res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        res.write(': connected\n\n');
        clients.add(res);
        req.on('close', () => clients.delete(res));
        return;
      }
      if (url.pathname.startsWith(ARTIFACT_PATH) && req.method === 'GET') {
        // Only files the app itself recorded as artifacts can be downloaded, by their id.
        const a = svc.store.artifact(Number(url.pathname.slice(ARTIFACT_PATH.length)));
        if (!a || !fs.existsSync(a.path) || !fs.statSync(a.path).isFile()) return send(res, 404, { message: 'no such artifact', code: 'not_found' });
        res.writeHead(200, {
          ...SECURITY_HEADERS, 'content-type': 'application/octet-stream', 'content-length': String(fs.statSync(a.path).size),
          'content-disposition': `attachment; filename="${path.basename(a.path).replace(/["\\]/g, '_')}"`, 'cache-control': 'no-store',
        });
        fs.createReadStream(a.path).pipe(res);
        return;
      }
      if (url.pathname.startsWith(API_PREFIX)) {
        if (req.method !== 'POST') return send(res, 405, { message: 'use POST', code: 'bad_request' });
        const method = url.pathname.slice(API_PREFIX.length);
        const fn = (svc as unknown as Record<string, unknown>)[method];
        if (!(API_METHODS as readonly string[]).includes(method) || typeof fn !== 'function') {
          return send(res, 404, { message: `unknown API method '${method}'`, code: 'not_found' });
        }
        const body = await readBody(req, opts.maxBodyBytes ?? MAX_BODY);
        if (body === null) return send(res, 413, { message: `request body larger than ${opts.maxBodyBytes ?? MAX_BODY} bytes`, code: 'bad_request' });
        let args: unknown;
        try { args = body ? JSON.parse(body) : []; } catch { return send(res, 400, { message: 'request body is not JSON', code: 'bad_request' }); }
        if (!Array.isArray(args)) return send(res, 400, { message: 'request body must be a JSON array of arguments', code: 'bad_request' });
        const checked = API_ARGS[method as ApiMethod]?.safeParse(args);
        if (checked && !checked.success) {
          const issues = checked.error.issues.map((i) => ({ path: formatPath(['args', ...i.path]), message: i.message }));
          return send(res, 400, { message: `bad arguments for ${method}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, code: 'bad_request', issues });
        }
        try {
          const result = await (fn as (...a: unknown[]) => Promise<unknown>).apply(svc, args);
          return send(res, 200, result ?? null);
        } catch (e) {
          if (e instanceof ApiError) return send(res, STATUS[e.code] ?? 400, { message: e.message, code: e.code as ApiErrorPayload['code'], issues: e.issues });
          return send(res, 500, { message: (e as Error).message, code: 'internal' });
        }
      }
      // Static renderer files; the page URL carries the token once, a cookie carries it afterwards.
      let rel: string;
      try {
        rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
      } catch {
        return send(res, 400, { message: 'malformed URL (a % not followed by two hex digits)', code: 'bad_request' });
      }
      const file = path.resolve(opts.rendererDir, rel);
      if (!file.startsWith(path.resolve(opts.rendererDir) + path.sep) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
        return send(res, 404, { message: 'not found', code: 'not_found' });
      }
      const headers: Record<string, string> = { ...SECURITY_HEADERS, 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' };
      if (auth === 'login') headers['set-cookie'] = `${COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/`;
      res.writeHead(200, headers);
      fs.createReadStream(file).pipe(res);
    } catch (e) {
      if (res.headersSent) res.destroy();
      else send(res, 500, { message: (e as Error).message, code: 'internal' });
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const keepAlive = setInterval(() => { for (const c of clients) c.write(': ping\n\n'); }, 15000);
  keepAlive.unref();
  return {
    url: `http://127.0.0.1:${port}/?${TOKEN_QUERY}=${token}`, token, port,
    close: () => new Promise<void>((resolve) => {
      clearInterval(keepAlive);
      unsubscribe();
      for (const c of clients) c.end();
      clients.clear();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function cookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** Constant-time comparison of a presented secret. */
function same(given: string | string[] | undefined, secret: string): boolean {
  if (typeof given !== 'string' || !given) return false;
  const a = Buffer.from(given), b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The body as text, or null once it passes `limit` bytes (declared or sent). The rest is read and
 *  dropped rather than the socket cut, so the client gets its 413 instead of a reset connection. */
function readBody(req: http.IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > limit) { req.resume(); resolve(null); return; }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) { chunks.length = 0; req.removeAllListeners('data'); req.resume(); resolve(null); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A folder holds the built renderer when its index.html loads bundled scripts, not the
 *  TypeScript entry of the source page (src/renderer/index.html has `src="./main.ts"`). */
export function isBuiltRenderer(dir: string): boolean {
  const index = path.join(dir, 'index.html');
  if (!fs.existsSync(index)) return false;
  const html = fs.readFileSync(index, 'utf8');
  const scripts = [...html.matchAll(/<script\b[^>]*\bsrc=["']([^"']+)["']/gi)].map((m) => m[1]);
  return scripts.length > 0 && scripts.every((s) => !/\.(ts|svelte)(\?|$)/.test(s));
}

export type RendererLookup = { dir: string; built: true } | { dir: string; built: false; packageRoot: string | null };

/** The built renderer for a module in `fromDir`: `out/renderer` of the package that holds it (a
 *  source checkout, an installed package) or the bundle's sibling `renderer/` (out/main → out/renderer).
 *  Never the source page. When there is no build, `dir` is where `npm run build` would put it. */
export function findRendererDir(fromDir: string): RendererLookup {
  let packageRoot: string | null = null;
  for (let dir = path.resolve(fromDir), i = 0; i < 8; i++) {
    for (const cand of [path.join(dir, 'out', 'renderer'), ...(path.basename(dir) === 'out' ? [path.join(dir, 'renderer')] : [])]) {
      if (isBuiltRenderer(cand)) return { dir: cand, built: true };
    }
    if (isWhittlePackage(dir)) { packageRoot = dir; break; }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return { dir: path.join(packageRoot ?? process.cwd(), 'out', 'renderer'), built: false, packageRoot };
}

function isWhittlePackage(dir: string): boolean {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'whittle';
  } catch { return false; }
}

/** The renderer browser mode serves: $WHITTLE_RENDERER (a folder the user built elsewhere), else the
 *  package's own build. */
export function defaultRendererDir(): RendererLookup {
  const override = process.env.WHITTLE_RENDERER;
  if (override) return isBuiltRenderer(override) ? { dir: override, built: true } : { dir: override, built: false, packageRoot: null };
  return findRendererDir(path.dirname(fileURLToPath(import.meta.url)));
}
