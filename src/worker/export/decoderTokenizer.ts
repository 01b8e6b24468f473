// The tokenizer files of an exported decoder, from what its model file carries (metadata
// `whittle.tokenizer`): Whittle's own byte or BPE tokenizer becomes a tokenizer.json
// (hfTokenizer.ts); an imported checkpoint's tokenizer ({kind: 'hf', json, config}, see
// models/decoder/hf/tokenizer.ts) is written back as it came.
import { TOKENIZER_META } from '../models/decoder/file';
import type { TokenizerJSON } from '../tasks/text/tokenizer';
import { hfTokenizerFiles } from './hfTokenizer';

/** Metadata key an import may keep the checkpoint's tokenizer_config.json under. */
export const TOKENIZER_CONFIG_META = 'whittle.tokenizer_config';

export interface TokenizerFiles {
  'tokenizer.json': string;
  'tokenizer_config.json': string;
  /** Where the tokenizer came from: Whittle's byte / BPE tokenizer, or a Hugging Face tokenizer.json. */
  kind: 'byte' | 'bpe' | 'hf';
  eosId: number | null;
  bosId: number | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The id of a special token named in tokenizer_config.json (a string or {content}), if the vocab has it. */
function specialId(tok: Obj, config: Obj, key: string): number | null {
  const v = config[key];
  const content = typeof v === 'string' ? v : v && typeof v === 'object' ? (v as Obj).content : null;
  if (typeof content !== 'string') return null;
  const added = Array.isArray(tok.added_tokens) ? (tok.added_tokens as Obj[]).find((t) => t.content === content) : undefined;
  if (added && typeof added.id === 'number') return added.id;
  const vocab = (tok.model as Obj | undefined)?.vocab;
  return vocab && typeof vocab === 'object' && typeof (vocab as Obj)[content] === 'number' ? (vocab as Obj)[content] as number : null;
}

export function decoderTokenizerFiles(metadata: Record<string, string>, context: number): TokenizerFiles {
  const raw = metadata[TOKENIZER_META];
  if (!raw) throw new Error('the model file carries no tokenizer');
  let parsed: Obj;
  try { parsed = JSON.parse(raw) as Obj; } catch (e) { throw new Error(`the model file's tokenizer is not JSON (${(e as Error).message})`); }
  if (parsed.kind === 'byte' || parsed.kind === 'bpe') {
    return { ...hfTokenizerFiles(parsed as unknown as Extract<TokenizerJSON, { kind: 'byte' | 'bpe' }>, context), kind: parsed.kind, eosId: null, bosId: null };
  }
  // An imported tokenizer: {kind: 'hf', json, config}; a bare tokenizer.json object is taken too.
  const hf = parsed.kind === 'hf' && isObj(parsed.json) ? parsed.json : isObj(parsed.model) ? parsed : null;
  if (hf) {
    const cfgRaw = metadata[TOKENIZER_CONFIG_META];
    const given = parsed.kind === 'hf' && isObj(parsed.config) && Object.keys(parsed.config).length ? parsed.config : cfgRaw ? JSON.parse(cfgRaw) as Obj : null;
    const config: Obj = given ?? { tokenizer_class: 'PreTrainedTokenizerFast', model_max_length: context };
    return {
      'tokenizer.json': JSON.stringify(hf),
      'tokenizer_config.json': JSON.stringify(config, null, 2) + '\n',
      kind: 'hf',
      eosId: specialId(hf, config, 'eos_token'),
      bosId: specialId(hf, config, 'bos_token'),
    };
  }
  throw new Error(`the model file's tokenizer is neither Whittle's (kind byte or bpe) nor a Hugging Face tokenizer.json (kind hf)`);
}
