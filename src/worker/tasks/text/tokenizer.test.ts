import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../../../../test/helpers/tmp';
import { Rng } from '../../engine/rng';
import { BpeTokenizer, ByteTokenizer, chunkBounds, tokenizerFromJSON } from './tokenizer';

const enc = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

function randomBytes(n: number, seed: number): Uint8Array {
  const r = new Rng(seed);
  return Uint8Array.from({ length: n }, () => r.int(256));
}

describe('byte tokenizer', () => {
  it('round-trips any bytes', () => {
    const t = new ByteTokenizer();
    const b = randomBytes(4096, 1);
    expect(Array.from(t.decode(t.encode(b)))).toEqual(Array.from(b));
    expect(t.vocabSize).toBe(256);
    expect(() => t.decode([256])).toThrow(/outside/);
  });
});

describe('chunking', () => {
  it('covers the input without gaps', () => {
    const b = enc('def foo(x):\n    return  x+1  # hi\n');
    const c = chunkBounds(b);
    expect(c[0]).toBe(0);
    expect(c[c.length - 1]).toBe(b.length);
    for (let i = 1; i < c.length; i++) expect(c[i]).toBeGreaterThan(c[i - 1]);
    const parts = c.slice(1).map((e, i) => Buffer.from(b.subarray(c[i], e)).toString());
    expect(parts).toContain(' foo');
    expect(parts).toContain('def');
  });
});

describe('BPE tokenizer', () => {
  const text = enc('the cat sat on the mat. the cat ate the rat. '.repeat(40) + 'def the_function(self):\n    return self.the_value\n'.repeat(20));

  it('learns merges, compresses, and round-trips', () => {
    const t = BpeTokenizer.train(text, 300);
    expect(t.vocabSize).toBeGreaterThan(256);
    expect(t.vocabSize).toBeLessThanOrEqual(300);
    const ids = t.encode(text);
    expect(ids.length).toBeLessThan(text.length / 2);
    expect(Buffer.from(t.decode(ids)).toString()).toBe(Buffer.from(text).toString());
  });

  it('round-trips unseen text, random bytes and UTF-8', () => {
    const t = BpeTokenizer.train(text, 320);
    for (const b of [enc('the zebra sat on the ångström mat 🐈\n\t\r'), randomBytes(3000, 7), new Uint8Array(0)]) {
      expect(Array.from(t.decode(t.encode(b)))).toEqual(Array.from(b));
    }
  });

  it('is deterministic and survives JSON', () => {
    const a = BpeTokenizer.train(text, 300);
    const b = BpeTokenizer.train(text, 300);
    expect(a.merges).toEqual(b.merges);
    const c = tokenizerFromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(Array.from(c.encode(text))).toEqual(Array.from(a.encode(text)));
  });

  it('round-trips real Python source and compresses it', () => {
    // The project's own Python files: always in the checkout, unlike a system library.
    const files = ['bench/torch/torch_mlp_step.py', 'bench/torch/torch_lm_step.py', 'bench/torch/cmsp_ref.py', 'bench/torch/torch_clock.py', 'src/worker/export/safetensors_reader.py'];
    const src = new Uint8Array(Buffer.concat(files.map((f) => fs.readFileSync(path.join(REPO, f)))));
    const t = BpeTokenizer.train(src, 512);
    const ids = t.encode(src);
    expect(ids.length).toBeLessThan(src.length * 0.6);
    expect(Buffer.compare(Buffer.from(t.decode(ids)), Buffer.from(src))).toBe(0);
  });
});
