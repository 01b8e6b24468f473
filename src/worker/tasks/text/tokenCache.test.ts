// The token cache: a second suite over the same corpus and tokenizer reads the ids it wrote (the
// same ids), another tokenizer or a re-imported corpus gets its own file, the byte tokenizer none.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ImportCorpusSpec } from '../../../shared/specs/text';
import { importCorpus } from './corpus';
import { TextSuite } from './suite';
import { BpeTokenizer } from './tokenizer';
import { TOKENS_DIR } from './tokenCache';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-tokcache-'));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

function corpus(text: string, replace = false): void {
  const src = path.join(home, 'src');
  fs.mkdirSync(src, { recursive: true });
  for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(src, `f${i}.txt`), `${text} ${i}\n`.repeat(40));
  importCorpus(home, ImportCorpusSpec.parse({ kind: 'importCorpus', corpus: 'code', sources: [src], valFraction: 0.3, replace }));
}

describe('token cache', () => {
  it('is written once per corpus × tokenizer and read back unchanged', () => {
    corpus('def f(x): return x + 1');
    const tok = BpeTokenizer.train(new Uint8Array(Buffer.from('def f(x): return x + 1 '.repeat(50))), 270);
    const make = (t = tok) => new TextSuite({ home, domains: ['code'], context: 8, tokenizer: { kind: 'byte' }, fixedTokenizer: t });
    const a = make();
    expect(a.cachedSplits).toBe(0);
    const dir = path.join(home, 'corpora', 'code', TOKENS_DIR);
    expect(fs.readdirSync(dir)).toHaveLength(2);
    const b = make();
    expect(b.cachedSplits).toBe(2);
    const s = b.skill('code');
    expect(b.evalSet(s, 4).tokens).toEqual(a.evalSet(a.skill('code'), 4).tokens);
    expect(b.trainTokens(s)).toBe(a.trainTokens(a.skill('code')));
    // another tokenizer: its own files
    make(BpeTokenizer.train(new Uint8Array(Buffer.from('return x '.repeat(50))), 260));
    expect(fs.readdirSync(dir)).toHaveLength(4);
    // the corpus re-imported with other text: nothing stale is read
    corpus('class A: pass', true);
    expect(make().cachedSplits).toBe(0);
    // the byte tokenizer's ids are the bytes: nothing cached
    expect(new TextSuite({ home, domains: ['code'], context: 8, tokenizer: { kind: 'byte' } }).cachedSplits).toBe(0);
  });
});
