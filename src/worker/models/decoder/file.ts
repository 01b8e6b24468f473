// A decoder's weights, masks and tokenizer as one safetensors file (checkpoints, run outputs,
// export). Tensor names are the parameter names (`wte`, `h.0.mlp.wi`, …) plus `mask.mlp.<l>`,
// `mask.resid` and `mask.heads.<l>` (only when a head is masked); the config and tokenizer travel in the metadata. The arch tag written is
// 'decoder'; files written before the family protocol say 'transformer' and read the same.
import { decodeSafetensors, encodeSafetensors, type TensorEntry } from '../safetensors';
import { checkDecoderConfig } from './configCheck';
import { fullMasks, paramDecls, paramShape, type TransformerWeights } from './model';

/** The arch tag this family writes, and every tag it reads ('transformer': older files). */
export const DECODER_ARCH = 'decoder';
export const DECODER_ARCH_TAGS: readonly string[] = [DECODER_ARCH, 'transformer'];

export function encodeTransformer(w: TransformerWeights, metadata: Record<string, string> = {}): Uint8Array {
  const tensors: Record<string, TensorEntry> = {};
  for (const d of paramDecls(w.config)) tensors[d.name] = { dtype: 'F32', shape: paramShape(w.config, d), data: w.params[d.name] };
  w.masks.mlp.forEach((m, l) => { tensors[`mask.mlp.${l}`] = { dtype: 'F32', shape: [m.length], data: m }; });
  tensors['mask.resid'] = { dtype: 'F32', shape: [w.masks.resid.length], data: w.masks.resid };
  // head masks only when a head is masked (files of models without head pruning stay as they were)
  if (w.masks.heads?.some((m) => m.some((v) => v === 0))) w.masks.heads.forEach((m, l) => { tensors[`mask.heads.${l}`] = { dtype: 'F32', shape: [m.length], data: m }; });
  return encodeSafetensors({ tensors, metadata: { ...metadata, 'whittle.arch': DECODER_ARCH, 'whittle.config': JSON.stringify(w.config) } });
}

export function decodeTransformer(buf: Uint8Array, source = 'model file'): { weights: TransformerWeights; metadata: Record<string, string> } {
  const st = decodeSafetensors(buf, source);
  if (!DECODER_ARCH_TAGS.includes(st.metadata['whittle.arch'])) throw new Error(`${source}: not a transformer (arch ${st.metadata['whittle.arch'] ?? 'unknown'})`);
  // older checkpoints carry only the GPT-style fields: decoderConfig fills the rest
  const raw = st.metadata['whittle.config'];
  if (!raw) throw new Error(`${source}: no whittle.config in the safetensors metadata`);
  let parsed: unknown;
  try { parsed = JSON.parse(raw); } catch { throw new Error(`${source}: whittle.config is not JSON`); }
  const config = checkDecoderConfig(parsed, `${source}: whittle.config`);
  const get = (name: string) => {
    const t = st.tensors[name];
    if (!t) throw new Error(`${source}: missing tensor ${name}`);
    return t.data as Float32Array;
  };
  const params: Record<string, Float32Array> = {};
  for (const d of paramDecls(config)) params[d.name] = get(d.name);
  const full = fullMasks(config);
  const masks = {
    mlp: full.mlp.map((m, l) => (st.tensors[`mask.mlp.${l}`] ? get(`mask.mlp.${l}`) : m)),
    resid: st.tensors['mask.resid'] ? get('mask.resid') : full.resid,
    heads: full.heads!.map((m, l) => (st.tensors[`mask.heads.${l}`] ? get(`mask.heads.${l}`) : m)),
  };
  return { weights: { config, params, masks }, metadata: st.metadata };
}

/** Metadata key holding the tokenizer's JSON. */
export const TOKENIZER_META = 'whittle.tokenizer';
