// The Hugging Face folder of a decoder: config.json (models/decoder/hf/config.ts), model.safetensors
// with Hugging Face's tensor names and layouts (models/decoder/hf/names.ts), generation_config.json;
// the tokenizer files come from hfTokenizer.ts or the imported checkpoint.
//
// Layers of different MLP widths (a compacted model): config.json has one intermediate_size, so the
// narrower layers are padded with zero neurons up to the widest one. A zero neuron (zero input
// column and bias, zero output row) adds exactly nothing, so the padded model computes the same
// logits, and every loader (transformers, transformers.js via its config, Whittle's import) reads it
// as a stock checkpoint. The price is the padding's parameters, which the model card states.
import { decodeSafetensors, encodeSafetensors, type TensorEntry } from '../models/safetensors';
import { paramDecls, paramShape } from '../models/decoder/config';
import { type HfArchitecture, decoderConfigFromHf, hfArchitectureFor, hfConfigFromDecoder } from '../models/decoder/hf/config';
import { fillFromHf, type HfFamily, hfFromWhittle, hfTensorMap, stripGpt2Prefix } from '../models/decoder/hf/names';
import { cloneConfig, fullMasks, type TransformerWeights } from '../models/decoder/model';

export interface Padded { weights: TransformerWeights; paddedNeurons: number }

/** Every layer's MLP widened to the widest with zero neurons (same function, uniform widths). */
export function padMlpToUniform(w: TransformerWeights): Padded {
  const c = w.config;
  const F = Math.max(...c.mlp);
  const paddedNeurons = c.mlp.reduce((s, f) => s + (F - f), 0);
  if (!paddedNeurons) return { weights: w, paddedNeurons };
  const nc = { ...cloneConfig(c), mlp: c.mlp.map(() => F) };
  const params: Record<string, Float32Array> = {};
  for (const d of paramDecls(c)) {
    const src = w.params[d.name];
    const f = d.axes.findIndex((a) => typeof a === 'string' && a.startsWith('f'));
    if (f < 0) { params[d.name] = src; continue; }
    const [rows, cols] = paramShape(c, d).length === 2 ? paramShape(c, d) : [1, paramShape(c, d)[0]];
    const [nRows, nCols] = paramShape(nc, d).length === 2 ? paramShape(nc, d) : [1, paramShape(nc, d)[0]];
    const out = new Float32Array(nRows * nCols); // zeros beyond the kept neurons
    for (let r = 0; r < rows; r++) out.set(src.subarray(r * cols, (r + 1) * cols), r * nCols);
    params[d.name] = out;
  }
  return { weights: { config: nc, params, masks: fullMasks(nc) }, paddedNeurons };
}

/** The architecture an imported checkpoint had, where it names the same graph as the one the config
 *  fits (a Mistral checkpoint stays MistralForCausalLM rather than becoming a Llama). */
export function preferredArchitecture(fits: HfArchitecture, preferred: string | null): HfArchitecture {
  if (fits === 'LlamaForCausalLM' && preferred === 'MistralForCausalLM') return preferred;
  return fits;
}

const familyOf = (arch: HfArchitecture): HfFamily => (arch === 'GPT2LMHeadModel' ? 'gpt2' : 'llama');

export interface HfModelFiles {
  'config.json': string;
  'model.safetensors': Uint8Array;
  'generation_config.json': string;
  architecture: HfArchitecture;
  paddedNeurons: number;
}

/** config.json, model.safetensors and generation_config.json for compact weights (no masks).
 *  Throws (with the reason) when no Hugging Face architecture describes the model. */
export function hfModelFiles(w: TransformerWeights, o: { eosId?: number | null; bosId?: number | null; metadata?: Record<string, string>; preferred?: string | null } = {}): HfModelFiles {
  const architecture = preferredArchitecture(hfArchitectureFor(w.config), o.preferred ?? null);
  const { weights, paddedNeurons } = padMlpToUniform(w);
  const c = weights.config;
  const family = familyOf(architecture);
  const tensors: Record<string, TensorEntry> = {};
  for (const m of hfTensorMap(c, family)) {
    for (const s of m.sources) {
      // GPT2LMHeadModel's own state-dict names carry the `transformer.` prefix.
      const name = family === 'gpt2' ? `transformer.${s.name}` : s.name;
      tensors[name] = { dtype: 'F32', shape: s.shape, data: hfFromWhittle(m, s, weights.params[m.whittle]) };
    }
  }
  // transformers refuses safetensors files whose metadata lacks format "pt".
  const safetensors = encodeSafetensors({ tensors, metadata: { ...(o.metadata ?? {}), format: 'pt' } });
  const config = { ...hfConfigFromDecoder(c, { architecture, eosId: o.eosId ?? null, bosId: o.bosId ?? null, torchDtype: 'float32' }), transformers_version: '4.46.0' };
  const generation = {
    _from_model_config: true,
    ...(o.bosId != null ? { bos_token_id: o.bosId } : {}),
    ...(o.eosId != null ? { eos_token_id: o.eosId } : {}),
  };
  return {
    'config.json': JSON.stringify(config, null, 2) + '\n',
    'model.safetensors': safetensors,
    'generation_config.json': JSON.stringify(generation, null, 2) + '\n',
    architecture,
    paddedNeurons,
  };
}

/** Read an exported config.json + model.safetensors back into Whittle weights, through the same
 *  config reader and name map the import uses (the export job's round-trip check). */
export function weightsFromHfFiles(configJson: string, safetensors: Uint8Array): TransformerWeights {
  const hf = decoderConfigFromHf(JSON.parse(configJson) as Record<string, unknown>, 'exported config.json');
  const st = decodeSafetensors(safetensors, 'exported model.safetensors');
  const byName = new Map(Object.entries(st.tensors).map(([k, t]) => [hf.family === 'gpt2' ? stripGpt2Prefix(k) : k, t]));
  const params: Record<string, Float32Array> = {};
  for (const m of hfTensorMap(hf.config, hf.family)) {
    const out = new Float32Array(m.shape.reduce((a, b) => a * b, 1));
    for (const s of m.sources) {
      const t = byName.get(s.name);
      if (!t) throw new Error(`exported model.safetensors lacks ${s.name}`);
      if (t.shape.join() !== s.shape.join()) throw new Error(`exported ${s.name} has shape [${t.shape}], expected [${s.shape}]`);
      fillFromHf(m, s, t.data as Float32Array, out);
    }
    params[m.whittle] = out;
  }
  return { config: hf.config, params, masks: fullMasks(hf.config) };
}
