// The app:// protocol: serves the built renderer (out/renderer) to the window instead of file://,
// so the page has an origin of its own (file:// pages share one with every local file) and can
// only ever read files inside the renderer folder.
import fs from 'node:fs';
import path from 'node:path';
import { APP_CSP } from '../../shared/security';
import { APP_HOST } from './policy';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.ico': 'image/x-icon', '.woff2': 'font/woff2',
};

export interface AppResponse { status: number; headers: Record<string, string>; body: Buffer }

/** The answer to one app:// request: a file inside `rendererDir`, or 404 for anything else
 *  (another host, `..`, encoded separators, symlinks that lead out, folders, malformed escapes). */
export function appProtocolResponse(requestUrl: string, rendererDir: string): AppResponse {
  const notFound: AppResponse = { status: 404, headers: { 'content-type': 'text/plain' }, body: Buffer.from('not found') };
  let u: URL;
  try { u = new URL(requestUrl); } catch { return notFound; }
  if (u.host !== APP_HOST) return notFound;
  let rel: string;
  try { rel = decodeURIComponent(u.pathname); } catch { return notFound; }
  if (rel.includes('\0') || rel.includes('\\')) return notFound;
  rel = rel.replace(/^\/+/, '') || 'index.html';
  const root = fs.realpathSync(rendererDir);
  const file = path.resolve(root, rel);
  if (!file.startsWith(root + path.sep)) return notFound;
  let real: string;
  try { real = fs.realpathSync(file); } catch { return notFound; }
  if (!real.startsWith(root + path.sep) || !fs.statSync(real).isFile()) return notFound;
  return {
    status: 200,
    headers: { 'content-type': MIME[path.extname(real)] ?? 'application/octet-stream', 'content-security-policy': APP_CSP, 'x-content-type-options': 'nosniff' },
    body: fs.readFileSync(real),
  };
}
