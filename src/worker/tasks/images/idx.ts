// IDX files (the MNIST / Fashion-MNIST format), raw or gzip-compressed.
// Layout: 0x00 0x00, a type byte, a dimension count d, d big-endian uint32 sizes, then the data.
import { gunzipSync } from 'node:zlib';
import { DatasetError } from './errors';

const TYPES: Record<number, string> = { 0x08: 'uint8', 0x09: 'int8', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };

export interface IdxArray {
  /** sizes, outermost first: [count, ...] */
  dims: number[];
  /** uint8 payload (the only element type image data sets use) */
  data: Uint8Array;
}

/** Undo gzip when the bytes start with its magic; errors name `file`. */
export function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return new Uint8Array(gunzipSync(bytes));
    } catch (e) {
      throw new DatasetError(file, `not a valid gzip stream (${(e as Error).message})`);
    }
  }
  return bytes;
}

/** Parse one IDX file of unsigned bytes with `expectDims` dimensions (3 for images, 1 for labels;
 *  images may also have a 4th, channel, dimension). */
export function parseIdx(raw: Uint8Array, file: string, expectDims: number[]): IdxArray {
  const b = maybeGunzip(raw, file);
  if (b.length < 4) throw new DatasetError(file, `truncated: ${b.length} bytes, an IDX header needs at least 4`, { offset: 0 });
  if (b[0] !== 0 || b[1] !== 0) {
    const magic = Array.from(b.subarray(0, 4), (v) => v.toString(16).padStart(2, '0')).join(' ');
    throw new DatasetError(file, `wrong magic number ${magic}: an IDX file starts with 00 00 <type> <dims>`, { offset: 0 });
  }
  const type = b[2];
  if (!(type in TYPES)) throw new DatasetError(file, `unknown IDX element type 0x${type.toString(16)}`, { offset: 2 });
  if (type !== 0x08) throw new DatasetError(file, `element type ${TYPES[type]}: only uint8 (0x08) images and labels are supported`, { offset: 2 });
  const nd = b[3];
  if (!expectDims.includes(nd)) {
    throw new DatasetError(file, `${nd} dimensions, expected ${expectDims.join(' or ')} (${expectDims[0] === 1 ? 'labels' : 'images'})`, { offset: 3 });
  }
  const headerEnd = 4 + 4 * nd;
  if (b.length < headerEnd) throw new DatasetError(file, `truncated inside the header: ${b.length} bytes, the ${nd} sizes end at ${headerEnd}`, { offset: b.length });
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < nd; i++) dims.push(view.getUint32(4 + 4 * i, false));
  for (let i = 1; i < nd; i++) if (dims[i] === 0) throw new DatasetError(file, `dimension ${i} has size 0`, { offset: 4 + 4 * i });
  const n = dims.reduce((p, d) => p * d, 1);
  const have = b.length - headerEnd;
  if (have < n) {
    const per = n / Math.max(1, dims[0]);
    const whole = per > 0 ? Math.floor(have / per) : 0;
    throw new DatasetError(file, `truncated: the header promises ${dims.join('×')} = ${n} bytes of data, the file has ${have} (item ${whole} is the first incomplete one)`, { offset: b.length });
  }
  if (have > n) throw new DatasetError(file, `${have - n} unexpected bytes after the ${dims.join('×')} data`, { offset: headerEnd + n });
  return { dims, data: b.subarray(headerEnd, headerEnd + n) };
}

/** Encode uint8 data as IDX (for tests and for writing fixtures). */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out[2] = 0x08; out[3] = dims.length;
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
