// An MLP's weights and masks as one safetensors file: what checkpoints and run outputs store.
// Tensor names: `layers.<l>.weight` [in, out], `layers.<l>.bias` [out], `masks.<h>` [width].
import { decodeSafetensors, encodeSafetensors, type TensorEntry } from '../safetensors';
import { mlpConfig } from './config';
import { layerDims, type MlpWeights } from './model';

export function encodeMlp(w: MlpWeights, extraMetadata: Record<string, string> = {}): Uint8Array {
  const d = layerDims(w.config);
  const tensors: Record<string, TensorEntry> = {};
  w.W.forEach((W, l) => { tensors[`layers.${l}.weight`] = { dtype: 'F32', shape: [d[l], d[l + 1]], data: W }; });
  w.b.forEach((b, l) => { tensors[`layers.${l}.bias`] = { dtype: 'F32', shape: [d[l + 1]], data: b }; });
  w.masks.forEach((m, h) => { tensors[`masks.${h}`] = { dtype: 'F32', shape: [m.length], data: m }; });
  return encodeSafetensors({ tensors, metadata: { ...extraMetadata, 'whittle.arch': 'mlp', 'whittle.config': JSON.stringify(w.config) } });
}

export function decodeMlp(buf: Uint8Array, source = 'model file'): MlpWeights {
  return decodeMlpFile(buf, source).weights;
}

/** The weights and the file's metadata (run facts the caller stored with encodeMlp). */
export function decodeMlpFile(buf: Uint8Array, source = 'model file'): { weights: MlpWeights; metadata: Record<string, string> } {
  const st = decodeSafetensors(buf, source);
  const raw = st.metadata['whittle.config'];
  if (!raw) throw new Error(`${source}: no whittle.config in the safetensors metadata`);
  let parsed: unknown;
  try { parsed = JSON.parse(raw); } catch { throw new Error(`${source}: whittle.config is not JSON`); }
  const config = mlpConfig(parsed, `${source}: whittle.config`);
  const layers = config.hidden.length + 1;
  const get = (name: string) => {
    const t = st.tensors[name];
    if (!t) throw new Error(`${source}: missing tensor ${name}`);
    return t.data as Float32Array;
  };
  const weights: MlpWeights = {
    config,
    W: Array.from({ length: layers }, (_, l) => get(`layers.${l}.weight`)),
    b: Array.from({ length: layers }, (_, l) => get(`layers.${l}.bias`)),
    masks: config.hidden.map((w, h) => (st.tensors[`masks.${h}`] ? get(`masks.${h}`) : new Float32Array(w).fill(1))),
  };
  return { weights, metadata: st.metadata };
}
