import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeIdx, parseIdx } from './idx';

describe('IDX parser', () => {
  const img = encodeIdx([2, 2, 3], Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));

  it('reads dims and data, raw and gzip', () => {
    for (const bytes of [img, new Uint8Array(gzipSync(img))]) {
      const r = parseIdx(bytes, 'x.idx', [3]);
      expect(r.dims).toEqual([2, 2, 3]);
      expect(Array.from(r.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    }
  });

  it('names the file and offset on a wrong magic number', () => {
    const bad = Uint8Array.from(img); bad[0] = 0x12;
    expect(() => parseIdx(bad, 'imgs.idx', [3])).toThrow(/imgs\.idx at byte offset 0: wrong magic number 12 00 08 03/);
  });

  it('rejects the wrong number of dimensions and non-uint8 types', () => {
    expect(() => parseIdx(img, 'labels.idx', [1])).toThrow(/labels\.idx at byte offset 3: 3 dimensions, expected 1/);
    const f = Uint8Array.from(img); f[2] = 0x0d;
    expect(() => parseIdx(f, 'f.idx', [3])).toThrow(/f\.idx at byte offset 2: element type float32/);
  });

  it('reports truncation with the offset where the data ends', () => {
    const cut = img.subarray(0, img.length - 5);
    expect(() => parseIdx(cut, 'cut.idx', [3])).toThrow(/cut\.idx at byte offset 23: truncated: the header promises 2×2×3 = 12 bytes of data, the file has 7 \(item 1/);
    expect(() => parseIdx(img.subarray(0, 9), 'h.idx', [3])).toThrow(/h\.idx at byte offset 9: truncated inside the header/);
    expect(() => parseIdx(new Uint8Array(gzipSync(img)).subarray(0, 20), 'z.gz', [3])).toThrow(/z\.gz: not a valid gzip stream/);
  });

  it('rejects trailing bytes', () => {
    const long = new Uint8Array(img.length + 3); long.set(img);
    expect(() => parseIdx(long, 'long.idx', [3])).toThrow(/long\.idx at byte offset 28: 3 unexpected bytes/);
  });
});
