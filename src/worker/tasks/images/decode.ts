// PNG and JPEG to 8-bit pixels with pure-JS decoders (fast-png, jpeg-js): no native image library.
import { convertIndexedToRgb, decode as decodePngRaw, type DecodedPng } from 'fast-png';
import jpeg from 'jpeg-js';
import { DatasetError } from './errors';

/** Decoded image: uint8 [height, width, channels] row-major, channels 1 (grey) or 3 (RGB). */
export interface Pixels { width: number; height: number; channels: 1 | 3; data: Uint8Array }

export function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[4] === 0x0d && b[5] === 0x0a;
}
export function isJpeg(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

/** Decode by content (not by extension); `file` names the image in errors. */
export function decodeImage(bytes: Uint8Array, file: string): Pixels {
  if (isPng(bytes)) {
    let png: DecodedPng;
    try { png = decodePngRaw(bytes); } catch (e) { throw new DatasetError(file, `corrupt PNG (${(e as Error).message})`); }
    return fromPng(png, file);
  }
  if (isJpeg(bytes)) {
    let img: { width: number; height: number; data: Uint8Array };
    try {
      // jpeg-js always returns RGB(A); greyscale JPEGs come back with R = G = B, folded later.
      img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: 100, maxMemoryUsageInMB: 1024 });
    } catch (e) { throw new DatasetError(file, `corrupt JPEG (${(e as Error).message ?? String(e)})`); }
    if (img.data.length !== img.width * img.height * 3) throw new DatasetError(file, `JPEG decoded to ${img.data.length} bytes, expected ${img.width}×${img.height}×3`);
    return { width: img.width, height: img.height, channels: 3, data: img.data };
  }
  const head = Array.from(bytes.subarray(0, 4), (v) => v.toString(16).padStart(2, '0')).join(' ');
  throw new DatasetError(file, `not a PNG or JPEG image (starts with ${head || 'nothing: empty file'})`, { offset: 0 });
}

function fromPng(png: DecodedPng, file: string): Pixels {
  const { width, height } = png;
  const n = width * height;
  let src: Uint8Array | Uint16Array | Uint8ClampedArray = png.data;
  let ch = png.channels;
  let depth: number = png.depth;
  if (png.palette) {
    src = convertIndexedToRgb(png); // RGB, or RGBA when the palette has transparency
    ch = src.length / n;
    depth = 8;
  } else if (depth < 8) {
    src = unpackBits(png.data as Uint8Array, width, height, ch, depth);
    depth = 8;
  }
  if (src.length !== n * ch) throw new DatasetError(file, `PNG decoded to ${src.length} samples, expected ${width}×${height}×${ch}`);
  const shift = depth === 16 ? 8 : 0;
  // Drop alpha: classification data sets use it for nothing but cut-outs; keep the colour.
  const colour = ch >= 3;
  const out = new Uint8Array(n * (colour ? 3 : 1));
  for (let i = 0; i < n; i++) {
    if (colour) {
      out[3 * i] = src[ch * i] >> shift; out[3 * i + 1] = src[ch * i + 1] >> shift; out[3 * i + 2] = src[ch * i + 2] >> shift;
    } else {
      out[i] = src[ch * i] >> shift;
    }
  }
  return { width, height, channels: colour ? 3 : 1, data: out };
}

/** Greyscale PNGs of 1/2/4 bits per sample arrive packed per row; spread them to 0..255. */
function unpackBits(packed: Uint8Array, width: number, height: number, ch: number, depth: number): Uint8Array {
  const rowBytes = Math.ceil((width * ch * depth) / 8);
  const max = (1 << depth) - 1;
  const out = new Uint8Array(width * height * ch);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width * ch; x++) {
      const bit = x * depth;
      const byte = packed[y * rowBytes + (bit >> 3)];
      const v = (byte >> (8 - depth - (bit & 7))) & max;
      out[y * width * ch + x] = Math.round((v * 255) / max);
    }
  }
  return out;
}

/** True when every pixel of an RGB image has R = G = B (a grey image stored as colour). */
export function isGreyRgb(p: Pixels): boolean {
  if (p.channels === 1) return true;
  const d = p.data;
  for (let i = 0; i < d.length; i += 3) if (d[i] !== d[i + 1] || d[i] !== d[i + 2]) return false;
  return true;
}

/** Convert to `channels`: RGB → grey by Rec. 601 luma; grey → RGB by repetition. */
export function toChannels(p: Pixels, channels: 1 | 3): Uint8Array {
  const n = p.width * p.height;
  if (p.channels === channels) return p.data;
  const out = new Uint8Array(n * channels);
  if (channels === 1) {
    for (let i = 0; i < n; i++) out[i] = Math.round(0.299 * p.data[3 * i] + 0.587 * p.data[3 * i + 1] + 0.114 * p.data[3 * i + 2]);
  } else {
    for (let i = 0; i < n; i++) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = p.data[i];
  }
  return out;
}
