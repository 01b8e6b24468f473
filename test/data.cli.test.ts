// `whittle data …` as a subprocess: a real import through the scheduler and a worker thread, the
// registry after it, and a broken source that fails naming the file and registers nothing.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeClassFolders, writeIdxFolder } from '../src/worker/tasks/images/fixtures';
import { whittle } from './helpers/cli';
import { tmpHome } from './helpers/tmp';


describe('whittle data', () => {
  it('imports, lists, shows and removes; a broken source fails and registers nothing', async () => {
    const home = tmpHome();
    const src = path.join(home, 'src', 'digits');
    writeIdxFolder(src, { train: 40, test: 20, k: 4, gzip: true });
    const imp = await whittle(['data', 'import', src, '--home', home, '--classes', 'a,b,c,d', '--subset', 'ab=a,1', '--json']);
    expect(imp.code, imp.stderr).toBe(0);
    const out = JSON.parse(imp.stdout);
    expect(out.status).toBe('done');
    expect(out.dataset).toMatchObject({ name: 'digits', classes: ['a', 'b', 'c', 'd'], trainCount: 40, testCount: 20, shape: [4, 3, 1] });
    expect(out.dataset.meta.subsets.ab).toEqual([0, 1]);

    const pics = path.join(home, 'src', 'pics');
    writeClassFolders(pics, { classes: ['x', 'y'], perClass: 3 });
    fs.writeFileSync(path.join(pics, 'y', 'notes.txt'), 'not an image');
    const [again, bad] = await Promise.all([whittle(['data', 'import', src, '--home', home]), whittle(['data', 'import', pics, '--home', home])]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/dataset 'digits' already exists/);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/pics[/\\]y[/\\]notes\.txt at byte offset 0: not a PNG or JPEG image.*nothing was registered/s);

    const [ls, show] = await Promise.all([whittle(['data', 'ls', '--home', home, '--json']), whittle(['data', 'show', 'digits', '--home', home])]);
    expect(JSON.parse(ls.stdout).map((d: { name: string }) => d.name)).toEqual(['digits']);
    expect(fs.readdirSync(path.join(home, 'datasets'))).toEqual(['digits']);

    expect(show.stdout).toMatch(/digits: 4 classes, 40 train \/ 20 test images of 4×3×1/);
    expect(show.stdout).toMatch(/ab +a, b/);

    const rm = await whittle(['data', 'rm', 'digits', '--home', home]);
    expect(rm.code).toBe(0);
    expect((await whittle(['data', 'show', 'digits', '--home', home])).stderr).toMatch(/dataset 'digits' not found/);
    fs.rmSync(home, { recursive: true, force: true });
  });
});
