// The model-family protocol: what every kind of model Whittle holds provides, behind one small
// interface, so that training (train/step.ts), compression (compress/) and export work on any
// family. A family lives in its own folder (models/<name>/index.ts) and is registered below under
// the name its checkpoints carry in the safetensors metadata ('whittle.arch').
//
//   config      normalise a stored/parsed config (defaults filled, fields checked)
//   paramDecls  every parameter with symbolic axes ('f<l>' = prunable layer l, 'd' = residual)
//   init/create fresh weights from a seed; a live model (tfjs variables) from weights
//   model       params + forward(x, hooks) → logits [N, classes], masks, parameter counts
//   units       the prunable unit groups (models/units.ts UnitModel) compression works on
//   compact     masked weights → smaller dense weights computing the same function
//   encode/decode  one safetensors file (weights, masks, config, caller's metadata)
//   describe    what an export / model card states about the model
//
// Adding a family = one folder implementing ModelFamily + one line in `families`.
import type { Rng } from '../engine/rng';
import type { Tensor2D, Variable } from '../engine/tf';
import { decoderFamily } from './decoder';
import { mlpFamily } from './mlp';
import { safetensorsMetadata } from './safetensors';
import type { ParamDeclaration, UnitHooks, UnitModel } from './units';

/** Forward options every family accepts: the unit hooks plus the training step's flags. */
export interface ForwardOptions extends UnitHooks {
  /** Training mode (dropout, where the family has it). */
  training?: boolean;
  dropoutSeed?: number;
}

/** A live model of any family, as training, evaluation and compression use it. */
export interface FamilyModel {
  /** Trainable variables in a fixed order. */
  params(): Variable[];
  /** Logits [N, classes] for a batch of inputs: an MLP maps features [B, in] to N = B rows; a
   *  decoder maps token ids [B, T] to N = B·T rows (row b·T + t predicts token t + 1). */
  forward(x: Tensor2D, opts?: ForwardOptions): Tensor2D;
  /** Zero every parameter slice a masked unit owns. */
  applyMasks(): void;
  paramCount(): number;
  /** Parameters a compacted copy would have. */
  activeParamCount(): number;
  dispose(): void;
}

/** What an export states about a model (model card, run summary). */
export interface ModelFacts {
  family: FamilyName;
  /** e.g. 'mlp 38→64→64→2', 'decoder (llama-style: rmsnorm, rotary, swiglu)'. */
  architecture: string;
  params: number;
  /** Prunable layers and their widths (kept units). */
  widths: number[];
  /** Input kind: feature count, or the vocabulary of a token model. */
  inputs: { kind: 'features'; size: number } | { kind: 'tokens'; vocab: number; context: number };
  outputs: number;
}

export interface ModelFamily<C, W extends { config: C }, M extends FamilyModel> {
  readonly name: FamilyName;
  /** 'whittle.arch' tags this family reads; the first is the one it writes. */
  readonly archTags: readonly string[];
  /** A stored or parsed config → the full config (defaults filled); a clear error names the bad field. */
  config(raw: unknown, source: string): C;
  paramDecls(c: C): ParamDeclaration[];
  countParams(c: C): number;
  init(c: C, rng: Rng): W;
  create(w: W): M;
  /** Weights out of a live model (a readback). */
  weights(m: M): W;
  units(m: M): UnitModel;
  compact(w: W): W;
  encode(w: W, metadata?: Record<string, string>): Uint8Array;
  decode(buf: Uint8Array, source?: string): { weights: W; metadata: Record<string, string> };
  describe(w: W): ModelFacts;
}

export const families = { mlp: mlpFamily, decoder: decoderFamily } as const;
export type FamilyName = keyof typeof families;

/** The family that reads files tagged `arch` (older decoder files say 'transformer'), or null. */
export function familyOfArch(arch: string | undefined): FamilyName | null {
  if (arch === undefined) return null;
  for (const f of Object.values(families)) if (f.archTags.includes(arch)) return f.name;
  return null;
}

/** A model file of any family, told apart by its 'whittle.arch' tag. */
export type DecodedModel =
  | { family: 'mlp'; weights: ReturnType<typeof mlpFamily.decode>['weights']; metadata: Record<string, string> }
  | { family: 'decoder'; weights: ReturnType<typeof decoderFamily.decode>['weights']; metadata: Record<string, string> };

export function decodeModelFile(buf: Uint8Array, source = 'model file'): DecodedModel {
  const arch = safetensorsMetadata(buf, source)['whittle.arch'];
  const family = familyOfArch(arch);
  if (family === 'decoder') return { family, ...decoderFamily.decode(buf, source) };
  if (family === 'mlp') return { family, ...mlpFamily.decode(buf, source) };
  throw new Error(`${source}: unknown model family '${arch ?? '(no whittle.arch)'}'; known: ${Object.values(families).map((f) => f.archTags.join('/')).join(', ')}`);
}
