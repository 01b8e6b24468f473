// Exposes the API to the sandboxed renderer as window.whittle (no Node, no Electron objects leak).
import { contextBridge, ipcRenderer } from 'electron';
import { API_METHODS, type PushEvent } from '../shared/api';
import { ApiError, IPC_EVENT, IPC_INVOKE, IPC_PICK_FOLDER } from '../shared/transport';

type Reply = { ok: true; value: unknown } | { ok: false; error: { message: string; code: string; issues?: { path: string; message: string }[] } };

const bridge: Record<string, unknown> = {
  subscribe(listener: (ev: PushEvent) => void) {
    const handler = (_e: unknown, ev: PushEvent) => listener(ev);
    ipcRenderer.on(IPC_EVENT, handler);
    return () => ipcRenderer.off(IPC_EVENT, handler);
  },
  pickFolder(title?: string) {
    return ipcRenderer.invoke(IPC_PICK_FOLDER, title) as Promise<string | null>;
  },
};
for (const method of API_METHODS) {
  bridge[method] = async (...args: unknown[]) => {
    const reply = (await ipcRenderer.invoke(IPC_INVOKE, method, args)) as Reply;
    if (!reply.ok) throw new ApiError(reply.error.message, reply.error.code, reply.error.issues);
    return reply.value;
  };
}

contextBridge.exposeInMainWorld('whittle', bridge);
