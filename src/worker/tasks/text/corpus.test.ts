import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ImportCorpusSpec } from '../../../shared/specs/text';
import { Rng } from '../../engine/rng';
import { globToRegExp, importCorpus, loadCorpus, looksBinary } from './corpus';
import { TextSuite } from './suite';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-corpus-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function makeTree(root: string, files: Record<string, string | Uint8Array>): string {
  for (const [rel, data] of Object.entries(files)) {
    const f = path.join(root, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, data);
  }
  return root;
}

const spec = (o: Record<string, unknown>) => ImportCorpusSpec.parse({ kind: 'importCorpus', ...o });

describe('globs', () => {
  it('match like a shell', () => {
    expect(globToRegExp('**/*.py').test('a/b/c.py')).toBe(true);
    expect(globToRegExp('**/*.py').test('c.py')).toBe(true);
    expect(globToRegExp('*.py').test('deep/x.py')).toBe(true);
    expect(globToRegExp('src/*.py').test('src/deep/x.py')).toBe(false);
    expect(globToRegExp('*.{md,txt}').test('notes/a.txt')).toBe(true);
    expect(globToRegExp('*.{md,txt}').test('a.py')).toBe(false);
    expect(globToRegExp('test_?.py').test('test_1.py')).toBe(true);
  });
  it('spot binary data', () => {
    expect(looksBinary(Uint8Array.of(65, 0, 66))).toBe(true);
    expect(looksBinary(new Uint8Array(Buffer.from('hello\tworld\n')))).toBe(false);
  });
});

describe('corpus import', () => {
  const home = path.join(tmp, 'home');
  const src = makeTree(path.join(tmp, 'src'), {
    ...Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`pkg/mod${i}.py`, `def f${i}(x):\n    return x * ${i}\n`.repeat(5)])),
    'pkg/data.bin': Uint8Array.of(1, 2, 0, 3, 4),
    'pkg/big.py': 'x = 1\n'.repeat(2000),
    'README.md': '# readme\n',
    'empty.py': '',
  });

  it('imports text files with filters, skips binary/large ones, and splits by document', () => {
    const { manifest } = importCorpus(home, spec({ corpus: 'py', sources: [src], include: ['**/*.py', '*.bin'], maxFileBytes: 4000 }));
    expect(manifest.skipped.binary).toBe(1);
    expect(manifest.skipped.tooLarge).toBe(1);
    expect(manifest.skipped.empty).toBe(1);
    expect(manifest.files.train + manifest.files.val).toBe(60);
    expect(manifest.split).toBe('documents');
    const c = loadCorpus(home, 'py');
    expect(c.train.length + c.val.length).toBe(manifest.bytes.train + manifest.bytes.val);
    expect(Buffer.from(c.train).toString()).not.toContain('readme');
    // deterministic: a re-import gives the same bytes
    const again = importCorpus(home, spec({ corpus: 'py', sources: [src], include: ['**/*.py'], maxFileBytes: 4000, replace: true }));
    expect(again.manifest.sha256).toBe(manifest.sha256);
  });

  it('refuses to overwrite without replace, and explains an empty folder', () => {
    expect(() => importCorpus(home, spec({ corpus: 'py', sources: [src] }))).toThrow(/already exists/);
    const empty = path.join(tmp, 'empty'); fs.mkdirSync(empty);
    expect(() => importCorpus(home, spec({ corpus: 'nothing', sources: [empty] }))).toThrow(/corpus 'nothing': no text files found/);
    expect(() => importCorpus(home, spec({ corpus: 'nothing', sources: [path.join(tmp, 'missing')] }))).toThrow(/cannot be read: ENOENT/);
    expect(() => importCorpus(home, spec({ corpus: 'nothing', sources: [src], include: ['*.rs'] }))).toThrow(/filtered out by include/);
  });

  it('counts unreadable files instead of failing', () => {
    if (process.getuid?.() === 0) return; // root reads everything
    const dir = makeTree(path.join(tmp, 'locked'), { 'a.txt': 'hello world\n'.repeat(50), 'b.txt': 'secret\n' });
    fs.chmodSync(path.join(dir, 'b.txt'), 0o000);
    const { manifest } = importCorpus(home, spec({ corpus: 'locked', sources: [dir] }));
    expect(manifest.skipped.unreadable).toBe(1);
    expect(manifest.unreadable[0]).toMatch(/b\.txt: EACCES/);
    expect(manifest.split).toBe('tail'); // one document: held out by tail
  });

  it('serves windows and held-out sets as a text suite, and rejects a too-small domain', () => {
    makeTree(path.join(tmp, 'prose'), { 'a.txt': 'the quick brown fox jumps over the lazy dog. '.repeat(30) });
    importCorpus(home, spec({ corpus: 'prose', sources: [path.join(tmp, 'prose')], valFraction: 0.2 }));
    const suite = new TextSuite({ home, domains: ['py', 'prose'], context: 16, tokenizer: { kind: 'byte' } });
    const py = suite.skill('py');
    const b = suite.sample(py, 4, new Rng(1));
    expect(b.tokens.length).toBe(4 * 17);
    const again = suite.sample(py, 4, new Rng(1));
    expect(Array.from(again.tokens)).toEqual(Array.from(b.tokens));
    const ev = suite.evalSet(suite.skill('prose'), 1000);
    expect(ev.count).toBe(Math.floor((Math.floor(30 * 45 * 0.2) + 1 - 1) / 16));
    expect(suite.bytesPerToken(py)).toBe(1);
    expect(() => suite.skill('rust')).toThrow(/not a text domain.*py, prose/);
    expect(() => new TextSuite({ home, domains: ['prose'], context: 512, tokenizer: { kind: 'byte' } })).toThrow(/'prose' is too small for context 512/);
    expect(() => new TextSuite({ home, domains: ['nope'], context: 8, tokenizer: { kind: 'byte' } })).toThrow(/'nope' is not an imported corpus/);
    const bpe = new TextSuite({ home, domains: ['py', 'prose'], context: 16, tokenizer: { kind: 'bpe', vocab: 300, trainBytes: 4096 } });
    expect(bpe.vocabSize).toBeGreaterThan(256);
    expect(bpe.bytesPerToken(bpe.skill('py'))).toBeGreaterThan(1.5);
  });
});
