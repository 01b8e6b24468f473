// app:// serves the built renderer and nothing else (issue #15 item 14: no file:// renderer).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appProtocolResponse } from './appProtocol';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-appproto-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const dir = path.join(tmp, 'renderer');
fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });
fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html>');
fs.writeFileSync(path.join(dir, 'assets', 'a.js'), 'x');
fs.writeFileSync(path.join(tmp, 'secret.txt'), 'secret');
fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(dir, 'assets', 'link.js'));

describe('app:// protocol', () => {
  it('serves files of the renderer folder with the CSP', () => {
    const index = appProtocolResponse('app://whittle/', dir);
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toMatch(/text\/html/);
    expect(index.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(appProtocolResponse('app://whittle/index.html#/runs', dir).body.toString()).toBe('<!doctype html>');
    expect(appProtocolResponse('app://whittle/assets/a.js?v=1', dir).headers['content-type']).toMatch(/javascript/);
  });

  it('answers 404 for anything outside it: .., encoded separators, links out, other hosts, folders, bad escapes', () => {
    for (const url of ['app://whittle/../secret.txt', 'app://whittle/%2e%2e/secret.txt', 'app://whittle/assets/..%2f..%2fsecret.txt', 'app://whittle/..%5csecret.txt',
      'app://whittle/assets/link.js', 'app://other/index.html', 'app://whittle/assets', 'app://whittle/%E0%A4%A', 'app://whittle/nope.js', 'app://whittle/index.html%00.js', 'not a url']) {
      const r = appProtocolResponse(url, dir);
      expect(r.status, url).toBe(404);
      expect(r.body.toString(), url).not.toContain('secret');
    }
  });
});
