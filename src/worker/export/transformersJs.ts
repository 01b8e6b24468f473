// config.json for the transformers.js folder when no Hugging Face architecture describes the model
// (e.g. a GPT-style model whose residual width was pruned below heads × head width). transformers.js
// reads config.json only to pick the model class (model_type) and to size the first, empty
// past_key_values from the graph's own input shapes; the ONNX graph holds the real architecture.
import type { DecoderConfig } from '../models/decoder/config';
import { hfArchitectureFor, hfConfigFromDecoder } from '../models/decoder/hf/config';
import type { TokenizerFiles } from './decoderTokenizer';

export function transformersJsConfig(c: DecoderConfig, tok: Pick<TokenizerFiles, 'eosId' | 'bosId'>): Record<string, unknown> {
  const js = { 'transformers.js_config': { dtype: 'fp32' } };
  try {
    hfArchitectureFor(c);
    return { ...hfConfigFromDecoder(c, { eosId: tok.eosId, bosId: tok.bosId, perLayerMlp: true }), ...js };
  } catch {
    const gpt = c.norm === 'layernorm';
    return {
      architectures: [gpt ? 'GPT2LMHeadModel' : 'LlamaForCausalLM'],
      model_type: gpt ? 'gpt2' : 'llama',
      vocab_size: c.vocab,
      ...(gpt
        ? { n_layer: c.mlp.length, n_head: c.heads, n_embd: c.dModel, n_positions: c.context }
        : { num_hidden_layers: c.mlp.length, num_attention_heads: c.heads, num_key_value_heads: c.kvHeads, head_dim: c.headDim, hidden_size: c.dModel, max_position_embeddings: c.context }),
      ...(tok.eosId != null ? { eos_token_id: tok.eosId } : {}),
      ...(tok.bosId != null ? { bos_token_id: tok.bosId } : {}),
      whittle_config: c,
      whittle_note: 'No Hugging Face architecture describes this model; the ONNX graph in onnx/ holds it (transformers.js runs it from there).',
      ...js,
    };
  }
}
