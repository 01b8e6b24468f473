// Electron shell: one window, isolated and sandboxed renderer, the API over IPC with validated arguments.
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, session, shell } from 'electron';
import { API_METHODS, type ApiMethod } from '../../shared/api';
import { API_ARGS } from '../../shared/apiSchemas';
import { ApiError, IPC_EVENT, IPC_INVOKE, IPC_PICK_FOLDER } from '../../shared/transport';
import { formatPath } from '../../shared/validate';
import { WhittleService } from '../services/api';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

let service: WhittleService | null = null;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280, height: 860, show: false, title: 'Whittle',
    webPreferences: {
      preload: path.join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true,
    },
  });
  win.once('ready-to-show', () => win.show());
  // Links open in the user's browser; the app window never navigates away.
  win.webContents.setWindowOpenHandler(({ url }) => { void shell.openExternal(url); return { action: 'deny' }; });
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  if (process.env.ELECTRON_RENDERER_URL) void win.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void win.loadFile(path.join(import.meta.dirname, '../renderer/index.html'));
  return win;
}

function registerIpc(svc: WhittleService): void {
  ipcMain.handle(IPC_PICK_FOLDER, async (e, title: unknown) => {
    const win = BrowserWindow.fromWebContents(e.sender);
    const opts = { title: typeof title === 'string' ? title.slice(0, 200) : 'Choose a folder', properties: ['openDirectory' as const, 'createDirectory' as const] };
    const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
    return r.canceled || !r.filePaths[0] ? null : r.filePaths[0];
  });
  ipcMain.handle(IPC_INVOKE, async (_e, method: unknown, args: unknown) => {
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

app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  service = new WhittleService({ home: process.env.WHITTLE_HOME ?? app.getPath('userData'), mode: 'electron' });
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
