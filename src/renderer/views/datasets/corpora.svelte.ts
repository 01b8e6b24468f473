// Text corpora (text domains) on the Datasets page: the import form's state — folders, globs, caps,
// a preview of what the import would take — and the list of imported corpora.
import type { RunRow, WhittleApi } from '../../../shared/api';
import type { CorpusImportRequest, CorpusPreview, CorpusRow } from '../../../shared/specs/corpusImport';
import { issuesOf } from '../../lib/api/errors';

type Api = Pick<WhittleApi, 'previewCorpus' | 'importCorpus' | 'listCorpora'>;
export interface FieldIssue { path: string; message: string }

/** "a, b  c" → ['a', 'b', 'c'] (globs and folders never contain commas in practice; spaces may be in folders, so folders split on lines). */
const splitGlobs = (s: string) => s.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);
const splitLines = (s: string) => s.split('\n').map((x) => x.trim()).filter(Boolean);

export class TextImportState {
  /** One folder or file per line. */
  sources = $state('');
  corpus = $state('');
  include = $state('');
  exclude = $state('');
  /** In KiB and MiB, as a person thinks of them; sent in bytes. */
  maxFileKiB = $state<number | null>(1024);
  maxTotalMiB = $state<number | null>(64);
  valFraction = $state<number | null>(0.05);
  replace = $state(false);
  preview = $state<CorpusPreview | null>(null);
  /** The request the preview was made for: Import is offered only while it is unchanged. */
  private previewed = $state('');
  issues = $state<FieldIssue[]>([]);
  busy = $state<'preview' | 'import' | null>(null);

  constructor(private readonly api: Api) {}

  request(): CorpusImportRequest {
    const r: CorpusImportRequest = { sources: splitLines(this.sources) };
    if (this.corpus.trim()) r.corpus = this.corpus.trim();
    const inc = splitGlobs(this.include), exc = splitGlobs(this.exclude);
    if (inc.length) r.include = inc;
    if (exc.length) r.exclude = exc;
    // NaN (an emptied field) goes to the service, which names the field; null means "default".
    if (this.maxFileKiB !== null) r.maxFileBytes = Math.round(this.maxFileKiB * 1024);
    if (this.maxTotalMiB !== null) r.maxTotalBytes = Math.round(this.maxTotalMiB * 1024 * 1024);
    if (this.valFraction !== null) r.valFraction = this.valFraction;
    if (this.replace) r.replace = true;
    return r;
  }

  readonly current = $derived(this.preview !== null && this.previewed === JSON.stringify(this.request()));
  readonly canImport = $derived(this.current && (this.preview?.counts.take ?? 0) > 0 && (!this.preview?.exists || this.replace));

  errorsFor(field: string): string[] {
    return this.issues.filter((i) => i.path === field || i.path.startsWith(`${field}.`)).map((i) => i.message);
  }

  private fail(e: unknown): void {
    const found = issuesOf(e);
    this.issues = found.length ? found.map((i) => ({ path: i.path.replace(/^spec\./, ''), message: i.message })) : [{ path: '', message: (e as Error).message }];
  }

  private local(): FieldIssue[] {
    const out: FieldIssue[] = [];
    if (!splitLines(this.sources).length) out.push({ path: 'sources', message: 'give a folder (or file) of text' });
    if (this.maxFileKiB !== null && !(this.maxFileKiB > 0)) out.push({ path: 'maxFileBytes', message: 'must be more than 0 KiB' });
    if (this.maxTotalMiB !== null && !(this.maxTotalMiB > 0)) out.push({ path: 'maxTotalBytes', message: 'must be more than 0 MiB' });
    return out;
  }

  async runPreview(): Promise<void> {
    this.issues = this.local();
    if (this.issues.length) return;
    const req = this.request();
    this.busy = 'preview';
    try {
      this.preview = await this.api.previewCorpus(req);
      this.previewed = JSON.stringify(req);
      if (!this.corpus.trim()) this.corpus = this.preview.corpus;
      this.previewed = JSON.stringify(this.request());
    } catch (e) {
      this.preview = null;
      this.fail(e);
    } finally {
      this.busy = null;
    }
  }

  /** Start the import run (only after a current preview); the run, or null. */
  async runImport(): Promise<RunRow | null> {
    if (!this.canImport) return null;
    this.busy = 'import';
    try {
      const run = await this.api.importCorpus(this.request());
      this.preview = null;
      return run;
    } catch (e) {
      this.fail(e);
      return null;
    } finally {
      this.busy = null;
    }
  }
}

export class CorporaStore {
  corpora = $state<CorpusRow[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  constructor(private readonly api: Pick<WhittleApi, 'listCorpora'>) {}
  async load(): Promise<void> {
    try { this.corpora = await this.api.listCorpora(); this.error = null; } catch (e) { this.error = (e as Error).message; } finally { this.loaded = true; }
  }
}
