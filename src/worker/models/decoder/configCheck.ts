// The decoder family's config check: a stored or parsed config → the full DecoderConfig (GPT-style
// defaults filled by decoderConfig), with an error naming the missing or bad field.
import { decoderConfig, type DecoderConfig, type DecoderConfigInput } from './config';

const REQUIRED = ['vocab', 'context', 'dModel', 'heads', 'headDim'] as const;

/** A stored or parsed decoder config → the full config; an error names the missing/bad field. */
export function checkDecoderConfig(raw: unknown, source = 'decoder config'): DecoderConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${source}: not an object`);
  const r = raw as Record<string, unknown>;
  const int = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 1;
  for (const k of REQUIRED) if (!int(r[k])) throw new Error(`${source}: ${k} must be a positive integer, got ${JSON.stringify(r[k])}`);
  if (!Array.isArray(r.mlp) || r.mlp.length === 0 || !r.mlp.every(int)) throw new Error(`${source}: mlp must be a non-empty list of layer widths, got ${JSON.stringify(r.mlp)}`);
  const c = decoderConfig(r as unknown as DecoderConfigInput);
  if (!int(c.kvHeads) || c.heads % c.kvHeads !== 0) throw new Error(`${source}: kvHeads (${c.kvHeads}) must divide heads (${c.heads})`);
  return c;
}

