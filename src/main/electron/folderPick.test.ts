// The Electron folder picker's handler without Electron: a picked folder becomes allowed for exports,
// a cancelled dialog or a foreign sender allows nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FolderLimit } from '../services/folderLimit';
import { pickFolder, type OpenDialogOptions } from './folderPick';

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-pick-')));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const home = path.join(tmp, 'home'), picked = path.join(tmp, 'usb-stick');

describe('Electron folder picker', () => {
  it('a folder picked in the system dialog is allowed from then on; the dialog is a folder dialog with the page\'s title', async () => {
    const folders = new FolderLimit([home]);
    const seen: OpenDialogOptions[] = [];
    expect(() => folders.check(path.join(picked, 'model'), 'out')).toThrow(/outside/);
    const got = await pickFolder('Export the model to…', { folders, show: async (o) => { seen.push(o); return { canceled: false, filePaths: [picked] }; } });
    expect(got).toBe(picked);
    expect(seen).toEqual([{ title: 'Export the model to…', properties: ['openDirectory', 'createDirectory'] }]);
    expect(folders.check(path.join(picked, 'model'), 'out')).toBe(path.join(picked, 'model'));
    expect(folders.allowed).toEqual([home, picked]);
  });

  it('a cancelled dialog or an empty answer allows nothing', async () => {
    const folders = new FolderLimit([home]);
    let shown = 0;
    const show = async () => { shown++; return { canceled: true, filePaths: [picked] }; };
    expect(await pickFolder('x', { folders, show })).toBeNull();
    expect(await pickFolder('x', { folders, show: async () => ({ canceled: false, filePaths: [] }) })).toBeNull();
    expect(shown).toBe(1);
    expect(folders.allowed).toEqual([home]);
    expect(await pickFolder({ not: 'a string' }, { folders, show: async (o) => { expect(o.title).toBe('Choose a folder'); return { canceled: true, filePaths: [] }; } })).toBeNull();
  });
});
