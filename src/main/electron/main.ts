// Electron shell: one window, isolated and sandboxed renderer served over app://, the API over IPC
// with validated arguments from the app's own page only. The security decisions live in policy.ts,
// appProtocol.ts and fuses.ts (unit-tested); this file only wires them to Electron.
import path from 'node:path';
import { app, BrowserWindow, dialog, type IpcMainInvokeEvent, ipcMain, Menu, protocol, session, shell, type WebContents } from 'electron';
import { API_METHODS, type ApiMethod } from '../../shared/api';
import { API_ARGS } from '../../shared/apiSchemas';
import { APP_CSP } from '../../shared/security';
import { ApiError, IPC_EVENT, IPC_INVOKE, IPC_PICK_FOLDER } from '../../shared/transport';
import { formatPath } from '../../shared/validate';
import { WhittleService } from '../services/api';
import { appProtocolResponse } from './appProtocol';
import { pickFolder, type ShowOpenDialog } from './folderPick';
import { allowPermission, APP_SCHEME, checkSender, isAllowedNavigation, isSafeExternalUrl, rendererEntry, WEB_PREFERENCES } from './policy';

// Must happen before `ready`: app:// is a standard, secure origin of its own (fetch, CSP 'self').
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

const RENDERER_DIR = path.join(import.meta.dirname, '../renderer');
// The dev server URL is honoured only in an unpackaged app (electron-vite dev), on loopback.
const entry = rendererEntry({ isPackaged: app.isPackaged, devUrl: process.env.ELECTRON_RENDERER_URL });

let service: WhittleService | null = null;

/** Every web contents (the window, and anything that might ever be created): no new windows, no
 *  navigation away from the app, no <webview>; safe links go to the user's browser. */
function guard(contents: WebContents): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (e) => { if (!isAllowedNavigation(e.url, entry.origin)) e.preventDefault(); });
  contents.on('will-frame-navigate', (e) => { if (!isAllowedNavigation(e.url, entry.origin)) e.preventDefault(); });
  contents.on('will-redirect', (e) => { if (!isAllowedNavigation(e.url, entry.origin)) e.preventDefault(); });
  contents.on('will-attach-webview', (e) => e.preventDefault());
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280, height: 860, show: false, title: 'Whittle',
    webPreferences: { ...WEB_PREFERENCES, preload: path.join(import.meta.dirname, '../preload/index.cjs') },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(entry.url);
  return win;
}

const refused = (method: string) => ({ ok: false, error: { message: `${method}: refused, the request does not come from the app's page`, code: 'bad_request' } });

function registerIpc(svc: WhittleService): void {
  const trusted = (e: IpcMainInvokeEvent) => checkSender(e.senderFrame, entry.origin);
  ipcMain.handle(IPC_PICK_FOLDER, async (e, title: unknown) => {
    if (!trusted(e)) return null;
    const win = BrowserWindow.fromWebContents(e.sender);
    const show: ShowOpenDialog = (opts) => (win ? dialog.showOpenDialog(win, opts) : dialog.showOpenDialog(opts));
    return pickFolder(title, { show, folders: svc.folders });
  });
  ipcMain.handle(IPC_INVOKE, async (e, method: unknown, args: unknown) => {
    if (!trusted(e)) return refused(String(method));
    try {
      if (typeof method !== 'string' || !(API_METHODS as readonly string[]).includes(method)) throw new ApiError(`unknown API method '${String(method)}'`, 'not_found');
      const checked = API_ARGS[method as ApiMethod].safeParse(args);
      if (!checked.success) {
        const issues = checked.error.issues.map((i) => ({ path: formatPath(['args', ...i.path]), message: i.message }));
        throw new ApiError(`bad arguments for ${method}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, 'bad_request', issues);
      }
      const fn = (svc as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method];
      return { ok: true, value: await fn.apply(svc, checked.data as unknown[]) };
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError((e as Error).message, 'internal');
      return { ok: false, error: { message: err.message, code: err.code, issues: err.issues } };
    }
  });
}

function buildMenu(): void {
  const isMac = process.platform === 'darwin';
  Menu.setApplicationMenu(Menu.buildFromTemplate([
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: 'About Whittle', click: () => void dialog.showMessageBox({ message: `Whittle ${app.getVersion()}`, detail: 'Small models that are strong at one narrow skill.' }) }] },
  ]));
}

app.on('web-contents-created', (_e, contents) => guard(contents));

app.whenReady().then(() => {
  const ses = session.defaultSession;
  protocol.handle(APP_SCHEME, (req) => {
    const r = appProtocolResponse(req.url, RENDERER_DIR);
    return new Response(new Uint8Array(r.body), { status: r.status, headers: r.headers });
  });
  // The dev server's responses get the same CSP as app:// ones.
  ses.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [APP_CSP] } });
  });
  ses.setPermissionRequestHandler((wc, permission, cb, details) => cb(allowPermission(permission, details.requestingUrl ?? wc.getURL(), entry.origin)));
  ses.setPermissionCheckHandler((_wc, permission, requestingOrigin) => allowPermission(permission, requestingOrigin, entry.origin));
  // Exports and imports stay in the home folder and the folders the user picks in the dialog.
  service = new WhittleService({ home: process.env.WHITTLE_HOME ?? app.getPath('userData'), mode: 'electron', folderRoots: [app.getPath('home')] });
  registerIpc(service);
  buildMenu();
  const win = createWindow();
  service.subscribe((ev) => { if (!win.isDestroyed()) win.webContents.send(IPC_EVENT, ev); });
  app.on('activate', () => { if (BrowserWindow.getAllWindows().length === 0) createWindow(); });
}).catch((e) => {
  dialog.showErrorBox('Whittle could not start', String((e as Error).stack ?? e));
  app.exit(1);
});

let quitting = false;
app.on('before-quit', (e) => {
  if (quitting || !service) return;
  // Running jobs checkpoint before the app exits, so they can be resumed.
  e.preventDefault();
  quitting = true;
  void service.close().finally(() => app.quit());
});
app.on('window-all-closed', () => { if (process.platform !== 'darwin') app.quit(); });
