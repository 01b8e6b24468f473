// safetensors export: the compact model's weights as `layers.<l>.weight` [in, out] and
// `layers.<l>.bias` [out] (F32, little-endian, data 8-byte aligned), with the architecture and
// the skill facts in __metadata__. No masks: an exported model has every unit it keeps.
// decodeMlp (models/mlpFile.ts) reads these files back, all units kept.
import { layerDims, type MlpWeights } from '../models/mlp/model';
import { encodeSafetensors, type TensorEntry } from '../models/safetensors';
import { type ExportMeta, metaProps } from './meta';

export function encodeSafetensorsExport(w: MlpWeights, meta: ExportMeta): Uint8Array {
  const d = layerDims(w.config);
  const tensors: Record<string, TensorEntry> = {};
  for (let l = 0; l + 1 < d.length; l++) {
    tensors[`layers.${l}.weight`] = { dtype: 'F32', shape: [d[l], d[l + 1]], data: w.W[l] };
    tensors[`layers.${l}.bias`] = { dtype: 'F32', shape: [d[l + 1]], data: w.b[l] };
  }
  // The config written here has no masks to go with it: every unit of `hidden` is live.
  return encodeSafetensors({ tensors, metadata: { ...metaProps(meta, w), format: 'whittle-mlp' } });
}
