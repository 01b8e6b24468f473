// safetensors codec (https://huggingface.co/docs/safetensors): u64 little-endian header length,
// JSON header {name: {dtype, shape, data_offsets}, __metadata__: {str: str}}, then the raw data.
// Used for checkpoints and for export.

export type DType = 'F32' | 'F64' | 'I32' | 'I64' | 'U8' | 'F16' | 'BF16';
export interface TensorEntry { dtype: DType; shape: number[]; data: Float32Array | Float64Array | Int32Array | Uint8Array }
export interface SafeTensors { tensors: Record<string, TensorEntry>; metadata: Record<string, string> }

const BYTES: Record<DType, number> = { F32: 4, F64: 8, I32: 4, I64: 8, U8: 1, F16: 2, BF16: 2 };

export function encodeSafetensors(st: SafeTensors): Uint8Array {
  const names = Object.keys(st.tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(st.metadata).length) header.__metadata__ = st.metadata;
  let offset = 0;
  for (const name of names) {
    const t = st.tensors[name];
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`tensor ${name}: shape [${t.shape}] holds ${count} values, data has ${t.data.length}`);
    const bytes = t.data.byteLength;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned (the spec allows trailing spaces).
  const pad = (8 - ((8 + Buffer.byteLength(json)) % 8)) % 8;
  json += ' '.repeat(pad);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let p = 8 + headerBytes.length;
  for (const name of names) {
    const d = st.tensors[name].data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), p);
    p += d.byteLength;
  }
  return out;
}

export function decodeSafetensors(buf: Uint8Array, source = 'safetensors data'): SafeTensors {
  if (buf.length < 8) throw new Error(`${source}: truncated at offset 0 (need an 8-byte header length)`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (8 + n > buf.length) throw new Error(`${source}: header length ${n} runs past the end of the file (${buf.length} bytes) at offset 8`);
  let header: Record<string, { dtype: DType; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try {
    header = JSON.parse(Buffer.from(buf.subarray(8, 8 + n)).toString('utf8'));
  } catch (e) {
    throw new Error(`${source}: header at offset 8 is not valid JSON (${(e as Error).message})`);
  }
  const base = 8 + n;
  const tensors: Record<string, TensorEntry> = {};
  let metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') { metadata = v as Record<string, string>; continue; }
    const e = v as { dtype: DType; shape: number[]; data_offsets: [number, number] };
    const [s, t] = e.data_offsets;
    if (!(e.dtype in BYTES)) throw new Error(`${source}: tensor ${name} has unsupported dtype ${e.dtype}`);
    if (base + t > buf.length) throw new Error(`${source}: tensor ${name} data ends at offset ${base + t}, past the end (${buf.length})`);
    const bytes = buf.slice(base + s, base + t); // copy: aligned, detached from the file buffer
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (count * BYTES[e.dtype] !== t - s) throw new Error(`${source}: tensor ${name} shape [${e.shape}] does not match its ${t - s} bytes`);
    const data = e.dtype === 'F32' ? new Float32Array(bytes.buffer)
      : e.dtype === 'F64' ? new Float64Array(bytes.buffer)
      : e.dtype === 'I32' ? new Int32Array(bytes.buffer)
      : new Uint8Array(bytes.buffer);
    tensors[name] = { dtype: e.dtype, shape: e.shape, data };
  }
  return { tensors, metadata };
}

/** The header's __metadata__ alone, without copying any tensor (to tell a file's family apart). */
export function safetensorsMetadata(buf: Uint8Array, source = 'safetensors data'): Record<string, string> {
  if (buf.length < 8) throw new Error(`${source}: truncated at offset 0 (need an 8-byte header length)`);
  const n = Number(new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getBigUint64(0, true));
  if (8 + n > buf.length) throw new Error(`${source}: header length ${n} runs past the end of the file (${buf.length} bytes) at offset 8`);
  try {
    return (JSON.parse(Buffer.from(buf.subarray(8, 8 + n)).toString('utf8')).__metadata__ ?? {}) as Record<string, string>;
  } catch (e) {
    throw new Error(`${source}: header at offset 8 is not valid JSON (${(e as Error).message})`);
  }
}
