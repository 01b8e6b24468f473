// The `decoder` family (models/family.ts): one decoder-only transformer covering Whittle's own
// GPT-style model, GPT-2 and the Llama family (config.ts), whose MLP neurons are the prunable
// units and whose residual dimensions can be masked too.
import type { ModelFamily } from '../family';
import { compactTransformer } from './compact';
import { countDecoderParams, paramDecls, type DecoderConfig } from './config';
import { checkDecoderConfig } from './configCheck';
import { DECODER_ARCH_TAGS, decodeTransformer, encodeTransformer } from './file';
import { initTransformer, Transformer, type TransformerWeights } from './model';
import { transformerUnits } from './units';

export { checkDecoderConfig };

function archName(c: DecoderConfig): string {
  const parts = [c.norm, c.positions === 'rotary' ? 'rotary' : 'learned positions', c.gatedMlp ? `gated ${c.activation}` : c.activation];
  if (c.kvHeads !== c.heads) parts.push(`${c.kvHeads} kv heads`);
  if (!c.tiedEmbeddings) parts.push('untied head');
  return `decoder ${c.mlp.length}×${c.dModel} (${parts.join(', ')})`;
}

export const decoderFamily: ModelFamily<DecoderConfig, TransformerWeights, Transformer> = {
  name: 'decoder',
  archTags: DECODER_ARCH_TAGS,
  config: (raw, source) => checkDecoderConfig(raw, source),
  paramDecls,
  countParams: countDecoderParams,
  init: (c, rng) => initTransformer(c, rng),
  create: (w) => new Transformer(w),
  weights: (m) => m.toWeightsSync(),
  units: transformerUnits,
  compact: compactTransformer,
  encode: (w, metadata) => encodeTransformer(w, metadata),
  decode: (buf, source) => decodeTransformer(buf, source),
  describe(w) {
    return {
      family: 'decoder',
      architecture: archName(w.config),
      params: countDecoderParams(w.config),
      widths: w.masks.mlp.map((m) => m.reduce((s, v) => s + (v !== 0 ? 1 : 0), 0)),
      inputs: { kind: 'tokens', vocab: w.config.vocab, context: w.config.context },
      outputs: w.config.vocab,
    };
  },
};
