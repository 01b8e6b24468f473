// The Electron shell's policies (issue #15 item 14), tested as plain functions: Electron itself
// cannot run here, so main.ts is kept to wiring these to its events (checked at the end).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FUSES } from './fuses';
import { allowPermission, APP_ORIGIN, checkSender, isAllowedNavigation, isSafeExternalUrl, rendererEntry, WEB_PREFERENCES } from './policy';

describe('Electron policy', () => {
  it('hands only web and mail links to the user\'s browser', () => {
    for (const ok of ['https://github.com/x/y', 'http://example.org/a?b=1', 'mailto:someone@example.org']) expect(isSafeExternalUrl(ok), ok).toBe(true);
    for (const bad of ['file:///etc/passwd', 'smb://host/share/x.exe', 'javascript:alert(1)', 'app://whittle/index.html', 'ms-msdt:/id PCWDiagnostic',
      'vscode://file/x', 'data:text/html,<script>', 'https://user:pw@example.org/', 'not a url', '']) expect(isSafeExternalUrl(bad), bad).toBe(false);
  });

  it('answers IPC only from the app page\'s top frame', () => {
    expect(checkSender({ url: `${APP_ORIGIN}/index.html#/runs`, parent: null }, APP_ORIGIN)).toBe(true);
    expect(checkSender({ url: `${APP_ORIGIN}/index.html`, parent: { url: `${APP_ORIGIN}/index.html` } }, APP_ORIGIN)).toBe(false); // a subframe
    for (const url of ['https://evil.example/', 'file:///home/u/x.html', 'app://other/index.html', 'http://localhost:5173/', '']) {
      expect(checkSender({ url, parent: null }, APP_ORIGIN), url).toBe(false);
    }
    expect(checkSender(null, APP_ORIGIN)).toBe(false);
    expect(checkSender({ url: 'http://localhost:5173/#/x', parent: null }, 'http://localhost:5173')).toBe(true);
  });

  it('never navigates away from the app\'s origin', () => {
    expect(isAllowedNavigation(`${APP_ORIGIN}/index.html`, APP_ORIGIN)).toBe(true);
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'app://whittle.evil/x', 'about:blank', 'javascript:1']) expect(isAllowedNavigation(url, APP_ORIGIN), url).toBe(false);
  });

  it('ELECTRON_RENDERER_URL is honoured only unpackaged and only on loopback; otherwise app://', () => {
    const app = { url: `${APP_ORIGIN}/index.html`, origin: APP_ORIGIN };
    expect(rendererEntry({ isPackaged: true, devUrl: 'http://localhost:5173/' })).toEqual(app);
    expect(rendererEntry({ isPackaged: true })).toEqual(app);
    expect(rendererEntry({ isPackaged: false })).toEqual(app);
    expect(rendererEntry({ isPackaged: false, devUrl: 'http://localhost:5173/' })).toEqual({ url: 'http://localhost:5173/', origin: 'http://localhost:5173' });
    for (const devUrl of ['https://evil.example/', 'http://evil.example:5173/', 'file:///tmp/x.html', 'http://localhost.evil.example/']) {
      expect(rendererEntry({ isPackaged: false, devUrl }), devUrl).toEqual(app);
    }
  });

  it('denies every permission but the clipboard write the app page uses', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fileSystem', 'midiSysex', 'unknown']) {
      expect(allowPermission(p, `${APP_ORIGIN}/index.html`, APP_ORIGIN), p).toBe(false);
    }
    expect(allowPermission('clipboard-sanitized-write', `${APP_ORIGIN}/index.html`, APP_ORIGIN)).toBe(true);
    expect(allowPermission('clipboard-sanitized-write', 'https://evil.example/', APP_ORIGIN)).toBe(false);
    expect(allowPermission('clipboard-sanitized-write', undefined, APP_ORIGIN)).toBe(false);
  });

  it('windows are isolated and sandboxed, with no Node, no webview, no insecure content', () => {
    expect(WEB_PREFERENCES).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInSubFrames: false, webSecurity: true, allowRunningInsecureContent: false, webviewTag: false });
  });

  it('the fuses turn off run-as-node, NODE_OPTIONS and the inspector, and require an intact asar', () => {
    expect(FUSES).toMatchObject({ RunAsNode: false, EnableNodeOptionsEnvironmentVariable: false, EnableNodeCliInspectArguments: false, EnableEmbeddedAsarIntegrityValidation: true, OnlyLoadAppFromAsar: true, GrantFileProtocolExtraPrivileges: false, EnableCookieEncryption: true });
  });

  it('main.ts wires them: every IPC handler checks its sender, every web contents is guarded, no file:// load', () => {
    const src = fs.readFileSync(path.join(import.meta.dirname, 'main.ts'), 'utf8');
    const handlers = src.split('ipcMain.handle(').slice(1);
    expect(handlers.length).toBeGreaterThan(0);
    for (const h of handlers) expect(h.slice(0, 200)).toMatch(/if \(!trusted\(e\)\)/);
    expect(src).toMatch(/app\.on\('web-contents-created', \(_e, contents\) => guard\(contents\)\)/);
    for (const ev of ['will-navigate', 'will-frame-navigate', 'will-attach-webview']) expect(src).toContain(`contents.on('${ev}'`);
    expect(src).toMatch(/setPermissionRequestHandler\(.*allowPermission/);
    expect(src).toMatch(/setPermissionCheckHandler\(.*allowPermission/);
    expect(src).toMatch(/isSafeExternalUrl\(url\)\) void shell\.openExternal/);
    expect(src).not.toMatch(/loadFile\(|process\.env\.ELECTRON_RENDERER_URL\)\s*void win\.loadURL/);
    expect(src).toMatch(/folderRoots: \[app\.getPath\('home'\)\]/);
  });
});
