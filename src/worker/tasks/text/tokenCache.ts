// Token ids of an imported corpus under one tokenizer, cached in the corpus folder so that a second
// run or study on the same corpus does not tokenize it again (an imported model's tokenizer takes
// seconds per MiB). The file name carries the corpus's content hash and the tokenizer's, so a
// re-imported corpus or another tokenizer never reads stale ids:
//   corpora/<name>/tokens/<corpus sha256[:16]>-<tokenizer sha256[:16]>.<split>.i32   int32 LE ids
// The byte tokenizer is not cached (its ids are the bytes).
import fs from 'node:fs';
import path from 'node:path';
import { sha256, writeFileAtomic } from '../../engine/files';
import { corpusDir, type LoadedCorpus } from './corpus';
import type { Tokenizer } from './tokenizer';

export const TOKENS_DIR = 'tokens';

/** A tokenizer's hash, once per tokenizer object (its JSON runs to megabytes for an imported one,
 *  and a suite asks for every split of every domain). */
const tokenizerHashes = new WeakMap<Tokenizer, string>();
function tokenizerHash(tokenizer: Tokenizer): string {
  let h = tokenizerHashes.get(tokenizer);
  if (h === undefined) { h = sha256(JSON.stringify(tokenizer.toJSON())).slice(0, 16); tokenizerHashes.set(tokenizer, h); }
  return h;
}

/** The cache file of one split of `corpus` under `tokenizer`. */
export function tokenCacheFile(home: string, name: string, corpus: LoadedCorpus, tokenizer: Tokenizer, split: 'train' | 'val'): string {
  const tok = tokenizerHash(tokenizer);
  return path.join(corpusDir(home, name), TOKENS_DIR, `${corpus.manifest.sha256.slice(0, 16)}-${tok}.${split}.i32`);
}

/** The split's token ids: read from the cache when present, else encoded and written there. */
export function cachedTokens(home: string, name: string, corpus: LoadedCorpus, tokenizer: Tokenizer, split: 'train' | 'val'): { ids: Int32Array; cached: boolean } {
  if (tokenizer.kind === 'byte') return { ids: tokenizer.encode(corpus[split]), cached: false };
  const file = tokenCacheFile(home, name, corpus, tokenizer, split);
  try {
    const buf = fs.readFileSync(file);
    if (buf.length % 4 === 0) {
      const ids = new Int32Array(buf.length / 4);
      Buffer.from(ids.buffer).set(buf);
      return { ids, cached: true };
    }
  } catch { /* not cached yet */ }
  const ids = tokenizer.encode(corpus[split]);
  // a read-only data folder still tokenizes, it only cannot keep the result
  try { writeFileAtomic(file, new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength)); } catch { /* best effort */ }
  return { ids, cached: false };
}
