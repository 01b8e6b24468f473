// Read a checkpoint folder in the Hugging Face layout: config.json, model.safetensors (or shards
// model-0000x-of-0000y.safetensors listed by model.safetensors.index.json), tokenizer.json and
// tokenizer_config.json → Whittle decoder weights.
//
// Memory: each Whittle parameter is allocated once as float32 and every tensor is read from its
// byte offset straight into it (F32 that needs no re-layout) or through one tensor-sized scratch
// buffer (F16/BF16 conversion, Llama's transposes), so the folder is never held in memory, let
// alone twice. Every header is checked before any data is read, so a bad folder fails fast.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { throwIfCancelled, type CancelCheck } from '../../../engine/cancelled';
import { fullMasks, type TransformerWeights } from '../model';
import { decoderConfigFromHf, type HfArchitecture } from './config';
import { fillFromHf, hfTensorMap, isIgnoredHfTensor, stripGpt2Prefix, type HfFamily } from './names';

export type HfDType = 'F32' | 'F16' | 'BF16';
const BYTES: Record<HfDType, number> = { F32: 4, F16: 2, BF16: 2 };

export interface HfReadOptions {
  onProgress?(bytesRead: number, total: number): void;
  cancelled?: CancelCheck;
}

export interface HfFolder {
  weights: TransformerWeights;
  architecture: HfArchitecture;
  modelType: string;
  tokenizer: { json: object; config: object };
  /** Tensor bytes read from the safetensors files. */
  bytesRead: number;
  /** The safetensors files read, relative to the folder. */
  files: string[];
  /** Storage dtype of the tensors ('mixed' when they differ). */
  dtype: HfDType | 'mixed';
  eosId: number | null;
  bosId: number | null;
}

interface Entry { name: string; file: string; dtype: HfDType; shape: number[]; offset: number; bytes: number }

function readJson(file: string, what: string): Record<string, unknown> {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch { throw new Error(`${path.dirname(file)}: no ${path.basename(file)} (${what})`); }
  try { return JSON.parse(text) as Record<string, unknown>; } catch (e) { throw new Error(`${file}: not valid JSON (${(e as Error).message})`); }
}

/** The header of one safetensors file, checked against the file's size. */
function readHeader(file: string, display: string): Entry[] {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size < 8) throw new Error(`${display}: truncated at byte offset ${size} (the 8-byte header length is incomplete)`);
    const lenBuf = Buffer.alloc(8);
    fs.readSync(fd, lenBuf, 0, 8, 0);
    const n = Number(lenBuf.readBigUInt64LE(0));
    if (8 + n > size) throw new Error(`${display}: header of ${n} bytes at byte offset 8 runs past the end of the file (${size} bytes): truncated or not a safetensors file`);
    const hb = Buffer.alloc(n);
    fs.readSync(fd, hb, 0, n, 8);
    let header: Record<string, unknown>;
    try { header = JSON.parse(hb.toString('utf8')) as Record<string, unknown>; } catch (e) {
      throw new Error(`${display}: header at byte offset 8 is not valid JSON (${(e as Error).message})`);
    }
    const base = 8 + n;
    const out: Entry[] = [];
    for (const [name, v] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const e = v as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
      if (!e || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets) || e.data_offsets.length !== 2) {
        throw new Error(`${display}: header entry ${name} lacks dtype, shape or data_offsets (header at byte offset 8)`);
      }
      const [s, t] = e.data_offsets;
      if (base + t > size) throw new Error(`${display}: tensor ${name} ends at byte offset ${base + t}, past the end of the file (${size} bytes): the file is truncated`);
      if (!(e.dtype! in BYTES)) {
        out.push({ name, file: display, dtype: e.dtype as HfDType, shape: e.shape, offset: base + s, bytes: t - s });
        continue; // an unsupported dtype is an error only if the tensor is used (checked by the caller)
      }
      const count = e.shape.reduce((a, b) => a * b, 1);
      if (count * BYTES[e.dtype as HfDType] !== t - s) {
        throw new Error(`${display}: tensor ${name} at byte offset ${base + s} has shape [${e.shape}] (${count} ${e.dtype} values) but ${t - s} bytes`);
      }
      out.push({ name, file: display, dtype: e.dtype as HfDType, shape: e.shape, offset: base + s, bytes: t - s });
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

/** The safetensors files of the folder: shards from the index, or model.safetensors. */
function weightFiles(dir: string): string[] {
  const index = path.join(dir, 'model.safetensors.index.json');
  if (fs.existsSync(index)) {
    const j = readJson(index, 'the shard index');
    const map = j.weight_map as Record<string, string> | undefined;
    if (!map || typeof map !== 'object') throw new Error(`${index}: no weight_map`);
    const files = [...new Set(Object.values(map))].sort();
    for (const f of files) if (!fs.existsSync(path.join(dir, f))) throw new Error(`${index} lists ${f}, which is not in ${dir}`);
    return files;
  }
  if (fs.existsSync(path.join(dir, 'model.safetensors'))) return ['model.safetensors'];
  const bin = fs.existsSync(path.join(dir, 'pytorch_model.bin')) ? ' (pytorch_model.bin is not read: convert it to safetensors)' : '';
  throw new Error(`${dir}: no model.safetensors or model.safetensors.index.json${bin}`);
}

// F16 → F32 through a 65 536-entry table (exact: every half is a float).
let halfTable: Float32Array | null = null;
function halfToFloat(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    t[h] = e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return (halfTable = t);
}

/** Widen raw little-endian F16/BF16 tensor bytes to float32 into `out`. */
export function toFloat32(raw: Uint8Array, dtype: 'F16' | 'BF16', out: Float32Array): void {
  const u16 = new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
  if (dtype === 'BF16') {
    const u32 = new Uint32Array(out.buffer, out.byteOffset, out.length);
    for (let i = 0; i < u16.length; i++) u32[i] = u16[i] << 16; // bfloat16 is the top half of a float32
    return;
  }
  const table = halfToFloat();
  for (let i = 0; i < u16.length; i++) out[i] = table[u16[i]];
}

/** Reused scratch buffers (one tensor's worth at most), so reading allocates no per-tensor garbage. */
class Scratch {
  private r = new Uint8Array(0);
  private f = new Float32Array(0);
  raw(n: number): Uint8Array { if (this.r.length < n) this.r = new Uint8Array(n); return this.r.subarray(0, n); }
  floats(n: number): Float32Array { if (this.f.length < n) this.f = new Float32Array(n); return this.f.subarray(0, n); }
}

async function readExactly(fh: fs.promises.FileHandle, into: Uint8Array, offset: number, display: string, name: string): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await fh.read(into, done, into.length - done, offset + done);
    if (bytesRead === 0) throw new Error(`${display}: tensor ${name} is cut short at byte offset ${offset + done}: the file is truncated`);
    done += bytesRead;
  }
}

/** Read a Hugging Face checkpoint folder. */
export async function readHfFolder(dir: string, opts: HfReadOptions = {}): Promise<HfFolder> {
  if (os.endianness() !== 'LE') throw new Error('reading safetensors needs a little-endian machine');
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`${dir}: not a folder`);
  const configPath = path.join(dir, 'config.json');
  const hf = decoderConfigFromHf(readJson(configPath, 'the model configuration'), configPath);
  const c = hf.config;
  const tokJsonPath = path.join(dir, 'tokenizer.json');
  if (!fs.existsSync(tokJsonPath)) throw new Error(`${dir}: no tokenizer.json (an imported model needs its tokenizer: copy tokenizer.json from the model's repository into the folder)`);
  const tokenizer = { json: readJson(tokJsonPath, 'the tokenizer'), config: fs.existsSync(path.join(dir, 'tokenizer_config.json')) ? readJson(path.join(dir, 'tokenizer_config.json'), 'the tokenizer settings') : {} };

  // Every header first: the tensor index, checked before any data is read.
  const files = weightFiles(dir);
  const family: HfFamily = hf.family;
  const index = new Map<string, Entry>();
  for (const f of files) {
    for (const e of readHeader(path.join(dir, f), path.join(dir, f))) {
      const key = family === 'gpt2' ? stripGpt2Prefix(e.name) : e.name;
      if (index.has(key)) throw new Error(`${dir}: tensor ${e.name} appears twice (${index.get(key)!.file} and ${e.file})`);
      index.set(key, e);
    }
  }
  const mappings = hfTensorMap(c, family);
  const used = new Set<string>();
  let total = 0;
  const dtypes = new Set<HfDType>();
  for (const m of mappings) {
    for (const s of m.sources) {
      const e = index.get(s.name);
      if (!e) throw new Error(`${dir}: missing tensor ${s.name} (Whittle's ${m.whittle}; ${hf.architecture} with this config.json needs it)`);
      if (!(e.dtype in BYTES)) throw new Error(`${e.file}: tensor ${e.name} has dtype ${e.dtype} (supported: F32, F16, BF16)`);
      if (e.shape.length !== s.shape.length || e.shape.some((v, i) => v !== s.shape[i])) {
        throw new Error(`${e.file}: tensor ${e.name} has shape [${e.shape}], expected [${s.shape}] from config.json`);
      }
      used.add(s.name);
      total += e.bytes;
      dtypes.add(e.dtype);
    }
  }
  for (const [key, e] of index) {
    if (!used.has(key) && !isIgnoredHfTensor(key, family, c)) {
      throw new Error(`${e.file}: unexpected tensor ${e.name}: ${hf.architecture} with this config.json has no such parameter (does config.json match the weights?)`);
    }
  }

  // Then the data, tensor by tensor.
  const handles = new Map<string, fs.promises.FileHandle>();
  const params: Record<string, Float32Array> = {};
  const scratch = new Scratch();
  let bytesRead = 0;
  try {
    for (const f of files) handles.set(path.join(dir, f), await fs.promises.open(path.join(dir, f), 'r'));
    for (const m of mappings) {
      const out = new Float32Array(m.shape.reduce((a, b) => a * b, 1));
      for (const s of m.sources) {
        throwIfCancelled(opts.cancelled, 'the model import');
        const e = index.get(s.name)!;
        const fh = handles.get(e.file)!;
        const count = e.bytes / BYTES[e.dtype];
        const whole = !s.transpose && s.cols[1] - s.cols[0] === m.shape[m.shape.length - 1];
        // F32 lands where it belongs (the parameter itself, or the float scratch to re-lay out);
        // F16/BF16 go through the raw scratch and are widened into place.
        const floats = whole ? out : scratch.floats(count);
        if (e.dtype === 'F32') await readExactly(fh, new Uint8Array(floats.buffer, floats.byteOffset, e.bytes), e.offset, e.file, e.name);
        else {
          const raw = scratch.raw(e.bytes);
          await readExactly(fh, raw, e.offset, e.file, e.name);
          toFloat32(raw, e.dtype, floats);
        }
        if (!whole) fillFromHf(m, s, floats, out);
        bytesRead += e.bytes;
        opts.onProgress?.(bytesRead, total);
      }
      params[m.whittle] = out;
    }
  } finally {
    for (const fh of handles.values()) await fh.close();
  }
  return {
    weights: { config: c, params, masks: fullMasks(c) },
    architecture: hf.architecture, modelType: hf.modelType, tokenizer, bytesRead, files,
    dtype: dtypes.size === 1 ? [...dtypes][0] : 'mixed', eosId: hf.eosId, bosId: hf.bosId,
  };
}
