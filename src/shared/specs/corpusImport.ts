// Text-corpus imports as the API carries them: the request a person fills in (Datasets page, CLI),
// the preview of what it would take, and a listed corpus. The import itself is an importCorpus run.
import type { CorpusManifest, ImportCorpusSpec } from './text';

/** Sources and, optionally, the rest of an import spec (the corpus name defaults to the first folder's). */
export type CorpusImportRequest = { sources: string[]; corpus?: string } & Partial<Omit<ImportCorpusSpec, 'kind' | 'sources' | 'corpus'>>;

/** What the import will do with one file: take it, or why not (as the import job counts them). */
export type CorpusFileVerdict = 'take' | 'filtered' | 'tooLarge' | 'empty' | 'overBudget' | 'binary' | 'unreadable';

export const VERDICT_TEXT: Record<CorpusFileVerdict, string> = {
  take: 'imported', filtered: 'not matched by the globs', tooLarge: 'larger than the per-file cap', empty: 'empty',
  overBudget: 'over the total-size cap', binary: 'binary', unreadable: 'unreadable',
};

export interface CorpusPreviewFile { path: string; bytes: number; verdict: CorpusFileVerdict }

export interface CorpusPreview {
  corpus: string;
  sources: string[];
  /** The first files in import order (at most a few hundred); `found` counts them all. */
  files: CorpusPreviewFile[];
  listed: number;
  found: number;
  counts: Record<CorpusFileVerdict, number>;
  /** Bytes the import would take, and bytes of every file found. */
  takeBytes: number;
  totalBytes: number;
  unreadable: string[];
  maxFileBytes: number;
  maxTotalBytes: number;
  /** A corpus of this name is already imported (importing needs another name or replace). */
  exists?: boolean;
}

/** An imported corpus (a text domain): its manifest and folder. */
export interface CorpusRow extends CorpusManifest { dir: string }
