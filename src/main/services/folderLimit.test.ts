// The service's folder limit on its own: several roots (Electron: home + folders picked in the
// dialog), links and `..`, paths that do not exist yet, and no limit at all (CLI).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FolderLimit, specPaths } from './folderLimit';

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-limit-')));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const home = path.join(tmp, 'home'), picked = path.join(tmp, 'picked'), other = path.join(tmp, 'other');
for (const d of [home, picked, other]) fs.mkdirSync(d);
fs.symlinkSync(other, path.join(home, 'out-link'));
fs.symlinkSync(path.join(home, 'sub'), path.join(home, 'in-link'));
fs.mkdirSync(path.join(home, 'sub'));

describe('FolderLimit', () => {
  it('no roots: no limit', () => {
    const l = new FolderLimit();
    expect(l.limited).toBe(false);
    expect(l.check(path.join(other, 'x'), 'out')).toBe(path.join(other, 'x'));
  });

  it('accepts paths under a root (existing or not, links that stay inside) and names the field when not', () => {
    const l = new FolderLimit([home]);
    expect(l.check(path.join(home, 'a', 'b', 'c'), 'out')).toBe(path.join(home, 'a', 'b', 'c'));
    expect(l.check(home, 'out')).toBe(home);
    expect(l.rootOf(path.join(home, 'in-link', 'new'))).toBe(home);
    expect(() => l.check(path.join(other, 'x'), 'spec.out')).toThrow(/^spec\.out: .* is outside the folders this app may use/);
    expect(() => l.check(path.join(home, 'out-link', 'new', 'deeper'), 'out')).toThrow(/outside/);
    expect(() => l.check(path.join(home, '..', 'other'), 'out')).toThrow(/outside/);
    expect(() => l.check(`${home}-sibling/x`, 'out')).toThrow(/outside/);
  });

  it('a folder picked in the dialog is allowed from then on', () => {
    const l = new FolderLimit([home]);
    expect(() => l.check(path.join(picked, 'x'), 'out')).toThrow(/outside/);
    l.allow(picked);
    expect(l.rootOf(path.join(picked, 'x'))).toBe(picked);
    expect(() => l.check(path.join(other, 'x'), 'out')).toThrow(/outside/);
  });

  it('lists the user paths of each job kind that reads or writes outside the data folder', () => {
    expect(specPaths({ kind: 'export', out: '/a' })).toEqual([{ field: 'spec.out', value: '/a' }]);
    expect(specPaths({ kind: 'importDataset', source: '/s' })).toEqual([{ field: 'spec.source', value: '/s' }]);
    expect(specPaths({ kind: 'importCorpus', sources: ['/x', '/y'] }, 'plan.c')).toEqual([{ field: 'plan.c.sources[0]', value: '/x' }, { field: 'plan.c.sources[1]', value: '/y' }]);
    expect(specPaths({ kind: 'train' })).toEqual([]);
  });
});
