// The MLP family's config check: a stored or parsed config → MlpConfig, with an error naming the
// field when it is not one.
import type { MlpConfig } from './model';

export function mlpConfig(raw: unknown, source = 'MLP config'): MlpConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${source}: not an object`);
  const r = raw as Record<string, unknown>;
  const int = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 1;
  if (!int(r.inputs)) throw new Error(`${source}: inputs must be a positive integer, got ${JSON.stringify(r.inputs)}`);
  if (!int(r.outputs)) throw new Error(`${source}: outputs must be a positive integer, got ${JSON.stringify(r.outputs)}`);
  if (!Array.isArray(r.hidden) || !r.hidden.every(int)) throw new Error(`${source}: hidden must be a list of positive integers, got ${JSON.stringify(r.hidden)}`);
  if (r.activation !== 'relu' && r.activation !== 'tanh') throw new Error(`${source}: activation must be 'relu' or 'tanh', got ${JSON.stringify(r.activation)}`);
  if (r.dropout !== undefined && !(typeof r.dropout === 'number' && r.dropout >= 0 && r.dropout < 1)) throw new Error(`${source}: dropout must be in [0, 1), got ${JSON.stringify(r.dropout)}`);
  // a copy with the same keys as stored (tests and summaries compare configs as written)
  return { ...(r as unknown as MlpConfig), hidden: [...(r.hidden as number[])] };
}
