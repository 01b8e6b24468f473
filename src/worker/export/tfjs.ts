// TF.js LayersModel export: `model.json` (a Keras Sequential topology of Dense layers plus a weights
// manifest) and binary weight shards, the layout `tf.loadLayersModel` reads from a URL or disk.
//
// Dense computes activation(x @ kernel + bias) with kernel [in, out]: the in-app layout, so weights
// are written as they are. The last layer is linear: the model outputs logits, like the app's.
import { layerDims, type MlpWeights } from '../models/mlp/model';
import { type ExportMeta, metaProps } from './meta';

/** tfjs-converter's default shard size: browsers cache files up to this size well. */
export const SHARD_BYTES = 4 * 1024 * 1024;

interface WeightSpec { name: string; shape: number[]; dtype: 'float32' }

function layerName(l: number): string { return `dense_${l}`; }

export function layersTopology(w: MlpWeights): Record<string, unknown> {
  const d = layerDims(w.config);
  const last = d.length - 2;
  const layers = [];
  for (let l = 0; l <= last; l++) {
    layers.push({
      class_name: 'Dense',
      config: {
        name: layerName(l),
        trainable: true,
        dtype: 'float32',
        ...(l === 0 ? { batch_input_shape: [null, d[0]] } : {}),
        units: d[l + 1],
        activation: l === last ? 'linear' : w.config.activation,
        use_bias: true,
        kernel_initializer: { class_name: 'Zeros', config: {} },
        bias_initializer: { class_name: 'Zeros', config: {} },
        kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null,
        kernel_constraint: null, bias_constraint: null,
      },
    });
  }
  return {
    class_name: 'Sequential',
    config: { name: 'whittle_mlp', layers },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
}

/** model.json and its shards, by file name. */
export function encodeTfjs(w: MlpWeights, meta: ExportMeta, shardBytes = SHARD_BYTES): Record<string, string | Uint8Array> {
  const d = layerDims(w.config);
  const specs: WeightSpec[] = [];
  const parts: Float32Array[] = [];
  for (let l = 0; l + 1 < d.length; l++) {
    // Names are the layers' original weight names (`<layer>/kernel`), which loadLayersModel matches on.
    specs.push({ name: `${layerName(l)}/kernel`, shape: [d[l], d[l + 1]], dtype: 'float32' });
    specs.push({ name: `${layerName(l)}/bias`, shape: [d[l + 1]], dtype: 'float32' });
    parts.push(w.W[l], w.b[l]);
  }
  const total = parts.reduce((s, p) => s + p.byteLength, 0);
  const all = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { all.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), o); o += p.byteLength; }
  // Weights are one byte stream cut into equal shards, as tfjs-converter writes them.
  const count = Math.max(1, Math.ceil(total / shardBytes));
  const files: Record<string, string | Uint8Array> = {};
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `group1-shard${i + 1}of${count}.bin`;
    files[name] = all.slice(i * shardBytes, Math.min(total, (i + 1) * shardBytes));
    paths.push(name);
  }
  files['model.json'] = JSON.stringify({
    format: 'layers-model',
    generatedBy: `Whittle ${meta.whittleVersion}`,
    convertedBy: null,
    modelTopology: layersTopology(w),
    weightsManifest: [{ paths, weights: specs }],
    // loadLayersModel hands this back as model.getUserDefinedMetadata().
    userDefinedMetadata: metaProps(meta, w),
  }, null, 1);
  return files;
}
