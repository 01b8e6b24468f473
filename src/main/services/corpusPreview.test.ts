// The text-import preview as the Datasets page calls it (WhittleService.previewCorpus): the files it
// lists and the verdicts must be what the import job then does, file for file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/transport';
import { WhittleService } from './api';

const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), p));
const services: WhittleService[] = [];
afterEach(async () => { for (const s of services.splice(0)) await s.close(); });

function service(opts: { folderRoots?: string[] } = {}) {
  const svc = new WhittleService({ home: tmp('whittle-preview-home-'), workers: 1, ...opts });
  services.push(svc);
  return svc;
}

/** a/one.txt (120 B), a/two.md (60 B), b/big.txt (5000 B), b/empty.txt, bin.dat (binary), notes.py */
function folder(): string {
  const dir = tmp('whittle-preview-src-');
  fs.mkdirSync(path.join(dir, 'a'));
  fs.mkdirSync(path.join(dir, 'b'));
  fs.writeFileSync(path.join(dir, 'a/one.txt'), 'x'.repeat(119) + '\n');
  fs.writeFileSync(path.join(dir, 'a/two.md'), 'y'.repeat(59) + '\n');
  fs.writeFileSync(path.join(dir, 'b/big.txt'), 'z'.repeat(4999) + '\n');
  fs.writeFileSync(path.join(dir, 'b/empty.txt'), '');
  fs.writeFileSync(path.join(dir, 'bin.dat'), Buffer.from([1, 0, 2, 0, 3]));
  fs.writeFileSync(path.join(dir, 'notes.py'), 'print(1)\n');
  return dir;
}

describe('previewCorpus', () => {
  it('lists every file with its size and what the import will do with it, in import order', async () => {
    const src = folder();
    const p = await service().previewCorpus({ sources: [src], corpus: 'notes', exclude: ['*.py'], maxFileBytes: 1000 });
    expect(p.corpus).toBe('notes');
    expect(p.files).toEqual([
      { path: 'a/one.txt', bytes: 120, verdict: 'take' },
      { path: 'a/two.md', bytes: 60, verdict: 'take' },
      { path: 'b/big.txt', bytes: 5000, verdict: 'tooLarge' },
      { path: 'b/empty.txt', bytes: 0, verdict: 'empty' },
      { path: 'bin.dat', bytes: 5, verdict: 'binary' },
      { path: 'notes.py', bytes: 9, verdict: 'filtered' },
    ]);
    expect(p.takeBytes).toBe(180);
    expect(p.totalBytes).toBe(5194);
    expect(p.counts).toMatchObject({ take: 2, tooLarge: 1, empty: 1, binary: 1, filtered: 1, overBudget: 0 });
    expect(p.exists).toBe(false);
  });

  it('applies include globs and the total-size cap as the import job does', async () => {
    const src = folder();
    const req = { sources: [src], corpus: 'capped', include: ['**/*.{txt,md,py}'], maxTotalBytes: 150 };
    const svc = service();
    const p = await svc.previewCorpus(req);
    expect(p.files.map((f) => [f.path, f.verdict])).toEqual([
      ['a/one.txt', 'take'], ['a/two.md', 'overBudget'], ['b/big.txt', 'overBudget'], ['b/empty.txt', 'empty'], ['bin.dat', 'filtered'], ['notes.py', 'take'],
    ]);
    // the import job itself takes exactly the previewed bytes and skips what the preview said
    const end = await svc.waitForRun((await svc.importCorpus(req)).id);
    expect(end.status).toBe('done');
    const [row] = await svc.listCorpora();
    expect(row.bytes.train + row.bytes.val).toBe(p.takeBytes);
    expect(row.skipped).toMatchObject({ overBudget: p.counts.overBudget, empty: p.counts.empty });
  }, 60_000);

  it('names the field of a bad request', async () => {
    const svc = service();
    const err = (f: () => Promise<unknown>) => f().then(() => null, (e: unknown) => e as ApiError);
    const missing = await err(() => svc.previewCorpus({ sources: ['/no/such/folder'] }));
    expect(missing?.code).toBe('bad_request');
    expect(missing?.issues?.[0].path).toBe('sources.0');
    const cap = await err(() => svc.previewCorpus({ sources: [folder()], maxFileBytes: 0 }));
    expect(cap?.issues?.map((i) => i.path)).toContain('maxFileBytes');
    const name = await err(() => svc.previewCorpus({ sources: [folder()], corpus: 'no spaces allowed' }));
    expect(name?.issues?.map((i) => i.path)).toContain('corpus');
  });

  it('refuses a folder outside the allowed roots (browser mode) before reading it', async () => {
    const allowed = tmp('whittle-preview-root-');
    const e = await service({ folderRoots: [allowed] }).previewCorpus({ sources: [folder()] }).then(() => null, (x: unknown) => x as Error);
    expect(e?.message).toMatch(/outside/);
  });

  it('imports through the API as a run, and lists the corpus when it is done', async () => {
    const svc = service();
    const src = folder();
    const run = await svc.importCorpus({ sources: [src], corpus: 'notes', exclude: ['*.py'], maxFileBytes: 1000 });
    expect(run.kind).toBe('importCorpus');
    const end = await svc.waitForRun(run.id);
    expect(end.status).toBe('done');
    const list = await svc.listCorpora();
    expect(list.map((c) => c.name)).toEqual(['notes']);
    expect(list[0].bytes.train + list[0].bytes.val).toBe(180);
    expect((await svc.previewCorpus({ sources: [src], corpus: 'notes' })).exists).toBe(true);
    const again = await svc.importCorpus({ sources: [src], corpus: 'notes' }).then(() => null, (x: unknown) => x as ApiError);
    expect(again?.issues?.[0].path).toBe('corpus');
  }, 60_000);
});
