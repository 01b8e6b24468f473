// The Electron shell's security decisions as plain functions and objects, so they can be unit-tested
// without Electron (main.ts only wires them to Electron's events). SECURITY.md lists what each stops.

/** The renderer's origin in a packaged or previewed app: the app:// protocol serving out/renderer. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'whittle';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** Every BrowserWindow's webPreferences (the preload path is added by main.ts). */
export const WEB_PREFERENCES = {
  contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false, webSecurity: true, allowRunningInsecureContent: false,
  webviewTag: false, navigateOnDragDrop: false, experimentalFeatures: false, enableBlinkFeatures: '',
} as const;

/** `protocol//host` of a URL: Node's URL.origin is 'null' for non-special schemes such as app://. */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.host ? `${u.protocol}//${u.host}` : null;
  } catch { return null; }
}

/** What the window loads. The dev server URL electron-vite sets is honoured only in an unpackaged app
 *  and only on loopback http: in a packaged build any ELECTRON_RENDERER_URL would get the full bridge. */
export function rendererEntry(o: { isPackaged: boolean; devUrl?: string }): { url: string; origin: string } {
  if (!o.isPackaged && o.devUrl) {
    const origin = originOf(o.devUrl);
    if (origin && /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(origin)) return { url: o.devUrl, origin };
  }
  return { url: `${APP_ORIGIN}/index.html`, origin: APP_ORIGIN };
}

/** Links the app may hand to the user's browser: web pages and mail, never file:, smb:, app: or
 *  a protocol handler that could run something. */
export function isSafeExternalUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') ? Boolean(u.hostname) && !u.username && !u.password : u.protocol === 'mailto:';
  } catch { return false; }
}

/** An IPC message is answered only from the app's own top-level page (not an iframe, not a page
 *  the window was somehow navigated to). `frame` is the event's senderFrame (null once destroyed). */
export function checkSender(frame: { url: string; parent?: unknown } | null | undefined, trustedOrigin: string): boolean {
  if (!frame) return false;
  if (frame.parent) return false;
  return originOf(frame.url) === trustedOrigin;
}

/** will-navigate / will-frame-navigate: the app never leaves its own origin (its routes are #hashes). */
export function isAllowedNavigation(url: string, trustedOrigin: string): boolean {
  return originOf(url) === trustedOrigin;
}

/** Permissions the app's page uses: writing to the clipboard (its "Copy spec" buttons). */
export const ALLOWED_PERMISSIONS: readonly string[] = ['clipboard-sanitized-write'];

/** Permission requests and checks: camera, microphone, geolocation, notifications, reading the
 *  clipboard, opening external apps… are denied; only the app's own page gets what it uses. */
export function allowPermission(permission: string, requestingUrl: string | undefined, trustedOrigin: string): boolean {
  return ALLOWED_PERMISSIONS.includes(permission) && requestingUrl !== undefined && originOf(requestingUrl) === trustedOrigin;
}
