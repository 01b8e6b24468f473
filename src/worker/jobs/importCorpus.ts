// Import a folder (or several) of text files as a named corpus, a text domain, under
// WHITTLE_HOME/corpora/<corpus>/ (see tasks/text/corpus.ts). The summary is the corpus manifest,
// which the corpora registry (main/services/corpora.ts) lists.
import type { ImportCorpusSpec } from '../../shared/specs/text';
import { throwIfCancelled } from '../engine/cancelled';
import { importCorpus } from '../tasks/text/corpus';
import type { Job } from './types';

export const importCorpusJob: Job<ImportCorpusSpec> = async (ctx) => {
  const { spec } = ctx;
  ctx.log(`importing ${spec.sources.join(', ')} as corpus '${spec.corpus}'`);
  // The import reads files synchronously: the cancel flag is checked before each file. Nothing is
  // written until every file is read (the last report, done === total, comes after the write).
  const { manifest, dir } = importCorpus(ctx.home, spec, (done, total) => {
    if (done < total) throwIfCancelled(ctx.cancelled, 'the corpus import');
    ctx.progress(done, Math.max(total, 1), 'reading');
  }, () => throwIfCancelled(ctx.cancelled, 'the corpus import'));
  const sk = manifest.skipped;
  ctx.log(`corpus '${manifest.name}': ${manifest.files.train + manifest.files.val} files, ${manifest.bytes.train} train / ${manifest.bytes.val} held-out bytes (${manifest.split} split); ` +
    `skipped ${sk.binary} binary, ${sk.tooLarge} too large, ${sk.unreadable} unreadable, ${sk.empty} empty, ${sk.overBudget} over budget`);
  for (const u of manifest.unreadable) ctx.log(`unreadable: ${u}`, 'warn');
  return { corpus: manifest.name, dir, manifest };
};
