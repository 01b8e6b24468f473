// The native "Choose…" folder picker behind IPC_PICK_FOLDER, as a plain function so it can be
// tested without Electron: main.ts passes in Electron's dialog and the service's folder limit.
import type { FolderLimit } from '../services/folderLimit';

export interface OpenDialogOptions { title: string; properties: ('openDirectory' | 'createDirectory')[] }
export type ShowOpenDialog = (opts: OpenDialogOptions) => Promise<{ canceled: boolean; filePaths: string[] }>;

/** Shows the system folder dialog; the folder the user picks becomes an allowed folder (choosing it
 *  there is the user's consent to export to / import from it — a page cannot widen the limit any
 *  other way). Null when the dialog was cancelled (main.ts checks the sender first). */
export async function pickFolder(title: unknown, deps: { show: ShowOpenDialog; folders: FolderLimit }): Promise<string | null> {
  const opts: OpenDialogOptions = { title: typeof title === 'string' && title ? title.slice(0, 200) : 'Choose a folder', properties: ['openDirectory', 'createDirectory'] };
  const r = await deps.show(opts);
  const picked = r.canceled ? undefined : r.filePaths[0];
  if (!picked) return null;
  deps.folders.allow(picked);
  return picked;
}
