// The text import form: caps in KiB/MiB sent in bytes, Import only after a preview of the same
// settings that would take at least one file, and errors at the field the service names.
import { describe, expect, it } from 'vitest';
import type { CorpusImportRequest, CorpusPreview } from '../../../shared/specs/corpusImport';
import { ApiError } from '../../../shared/transport';
import { runRow } from '../../lib/stores/fixtures';
import { TextImportState } from './corpora.svelte';

function preview(req: CorpusImportRequest, take = 2, exists = false): CorpusPreview {
  return {
    corpus: req.corpus ?? 'notes', sources: req.sources, files: [], listed: 0, found: take + 1, takeBytes: 100, totalBytes: 150, unreadable: [],
    counts: { take, filtered: 1, tooLarge: 0, empty: 0, overBudget: 0, binary: 0, unreadable: 0 }, maxFileBytes: req.maxFileBytes ?? 0, maxTotalBytes: req.maxTotalBytes ?? 0, exists,
  };
}

function fake(o: { take?: number; exists?: boolean; refuse?: ApiError } = {}) {
  const sent: { method: string; req: CorpusImportRequest }[] = [];
  const api = {
    async previewCorpus(req: CorpusImportRequest) { sent.push({ method: 'preview', req }); if (o.refuse) throw o.refuse; return preview(req, o.take, o.exists); },
    async importCorpus(req: CorpusImportRequest) { sent.push({ method: 'import', req }); return runRow({ id: 'ri', kind: 'importCorpus' }); },
    async listCorpora() { return []; },
  };
  return { api, sent };
}

describe('TextImportState', () => {
  it('sends the caps in bytes and the globs as lists, and imports only after a current preview', async () => {
    const { api, sent } = fake();
    const f = new TextImportState(api);
    f.sources = '/data/notes\n/data/more notes\n';
    f.include = '**/*.txt, **/*.md';
    f.maxFileKiB = 4;
    f.maxTotalMiB = 0.5;
    expect(f.canImport).toBe(false);
    expect(await f.runImport()).toBeNull();
    await f.runPreview();
    expect(sent[0].req).toEqual({ sources: ['/data/notes', '/data/more notes'], include: ['**/*.txt', '**/*.md'], maxFileBytes: 4096, maxTotalBytes: 524288, valFraction: 0.05 });
    // the preview's default name is filled in, and the preview stays current
    expect(f.corpus).toBe('notes');
    expect(f.canImport).toBe(true);
    f.exclude = 'tests';
    expect(f.current).toBe(false);
    expect(f.canImport).toBe(false);
    await f.runPreview();
    expect((await f.runImport())?.id).toBe('ri');
    expect(sent.at(-1)).toMatchObject({ method: 'import', req: { corpus: 'notes', exclude: ['tests'] } });
  });

  it('offers no Import when nothing would be taken, or the name is taken and replace is off', async () => {
    const none = new TextImportState(fake({ take: 0 }).api);
    none.sources = '/x';
    await none.runPreview();
    expect(none.canImport).toBe(false);
    const taken = new TextImportState(fake({ exists: true }).api);
    taken.sources = '/x';
    await taken.runPreview();
    expect(taken.canImport).toBe(false);
    taken.replace = true;
    await taken.runPreview();
    expect(taken.canImport).toBe(true);
  });

  it('names the field: its own checks first, then the service\'s', async () => {
    const { api, sent } = fake({ refuse: new ApiError('bad', 'bad_request', [{ path: 'sources.0', message: '/nope does not exist' }]) });
    const f = new TextImportState(api);
    f.maxFileKiB = 0;
    await f.runPreview();
    expect(f.errorsFor('sources')).toEqual(['give a folder (or file) of text']);
    expect(f.errorsFor('maxFileBytes')).toEqual(['must be more than 0 KiB']);
    expect(sent).toEqual([]);
    f.sources = '/nope';
    f.maxFileKiB = 1;
    await f.runPreview();
    expect(f.errorsFor('sources')).toEqual(['/nope does not exist']);
    expect(f.preview).toBeNull();
  });
});
