// Physical compaction of a masked decoder: drop masked attention heads (heads.ts), then every masked
// MLP neuron and residual dimension by
// slicing each declared parameter along its symbolic axes (models/slice.ts). Gated MLPs (wg),
// an untied head, rotary positions and missing biases need nothing special: whatever paramDecls
// declares is sliced. The result has all-ones masks, fewer parameters, and computes the same
// logits (the norms already ignore masked residual dimensions).
import { keptIndices, sliceParams } from '../slice';
import { axisSize, paramDecls, paramShape, type Axis, type DecoderConfig } from './config';
import { compactHeads } from './heads';
import { cloneConfig, fullMasks, type TransformerWeights } from './model';

export function compactTransformer(input: TransformerWeights): TransformerWeights {
  // masked attention heads first (heads.ts: the same head count in every layer, zero padding masked)
  const w = compactHeads(input);
  const c = w.config;
  const keepD = keptIndices(w.masks.resid);
  const keepF = w.masks.mlp.map(keptIndices);
  if (keepD.length === 0) throw new Error('cannot compact a transformer with every residual dimension masked');
  const nc: DecoderConfig = { ...cloneConfig(c), dModel: keepD.length, mlp: keepF.map((k) => k.length) };
  const newShapes = new Map(paramDecls(nc).map((d) => [d.name, paramShape(nc, d)]));
  const keep = (a: Axis): number[] | null => (a === 'd' ? keepD : typeof a === 'string' ? keepF[Number(a.slice(1))] : null);
  const params = sliceParams(paramDecls(c), (d) => d.axes.map((a) => axisSize(c, a)), w.params, keep, (n) => newShapes.get(n));
  return { config: nc, params, masks: { ...fullMasks(nc), ...(w.masks.heads ? { heads: w.masks.heads.map((m) => Float32Array.from(m)) } : {}) } };
}
