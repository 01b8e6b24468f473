// Text corpora and tokenizers: the contract between corpus import (main/services/corpora.ts),
// the text suite (worker/tasks/text) and the UI. Pure zod.
import { z } from 'zod';

const int = (min = 0) => z.number().int().min(min);

/** Folder under WHITTLE_HOME holding one sub-folder per imported corpus (= text domain). */
export const CORPORA_DIR = 'corpora';
/** Files of one corpus folder: raw bytes of the train and held-out splits, and its manifest. */
export const CORPUS_FILES = { train: 'train.bin', val: 'val.bin', manifest: 'manifest.json' } as const;

export const CorpusName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a corpus name is 1–64 letters, digits, _ . - (starting with a letter or digit)');

/** Import text files as a named corpus (a text domain) under WHITTLE_HOME/corpora/<corpus>/. */
export const ImportCorpusSpec = z.object({
  kind: z.literal('importCorpus'),
  name: z.string().optional(),
  corpus: CorpusName,
  /** Folders (searched recursively) or single files. */
  sources: z.array(z.string().min(1)).min(1),
  /** Globs on the path relative to its source folder (`**\/*.py`); default: every file. */
  include: z.array(z.string().min(1)).default([]),
  exclude: z.array(z.string().min(1)).default([]),
  /** Files larger than this are skipped (and counted). */
  maxFileBytes: int(1).default(1 << 20),
  /** Import stops adding files once this many bytes are in (files are taken in sorted path order). */
  maxTotalBytes: int(1).default(64 << 20),
  /** Fraction of documents (by a hash of their path) held out for evaluation. */
  valFraction: z.number().gt(0).lt(1).default(0.05),
  /** Replace an existing corpus of the same name. */
  replace: z.boolean().default(false),
}).strict();
export type ImportCorpusSpec = z.infer<typeof ImportCorpusSpec>;

export interface CorpusSkipped { binary: number; tooLarge: number; unreadable: number; overBudget: number; empty: number }

export interface CorpusManifest {
  name: string;
  kind: 'text';
  sources: string[];
  include: string[];
  exclude: string[];
  files: { train: number; val: number };
  bytes: { train: number; val: number };
  skipped: CorpusSkipped;
  /** A few of the files skipped as unreadable, with the reason. */
  unreadable: string[];
  /** 'documents' = whole files held out by path hash; 'tail' = last bytes of the text (too few files). */
  split: 'documents' | 'tail';
  valFraction: number;
  sha256: string;
  createdAt: string;
}

export const TokenizerSpec = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('byte') }).strict(),
  z.object({
    kind: z.literal('bpe'),
    /** Vocabulary size including the 256 byte tokens. */
    vocab: int(257).max(65536).default(1024),
    /** Bytes of training text (taken evenly from the train split of every domain) to learn merges on. */
    trainBytes: int(1024).default(1 << 20),
  }).strict(),
]);
export type TokenizerSpec = z.infer<typeof TokenizerSpec>;
