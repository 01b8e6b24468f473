// Physical compaction of a masked transformer: drop every masked MLP neuron and residual
// dimension by slicing the parameters along their symbolic axes. The result has all-ones masks,
// fewer parameters, and computes the same logits (LayerNorm already ignored masked dimensions).
import { cloneConfig, fullMasks, paramDecls, paramShape, type Axis, type TransformerConfig, type TransformerWeights } from './model';

function keptIndices(m: Float32Array): number[] {
  const out: number[] = [];
  m.forEach((v, i) => { if (v > 0) out.push(i); });
  return out;
}

export function compactTransformer(w: TransformerWeights): TransformerWeights {
  const c = w.config;
  const keepD = keptIndices(w.masks.resid);
  const keepF = w.masks.mlp.map(keptIndices);
  if (keepD.length === 0) throw new Error('cannot compact a transformer with every residual dimension masked');
  const nc: TransformerConfig = { ...cloneConfig(c), dModel: keepD.length, mlp: keepF.map((k) => k.length) };
  const idx = (a: Axis, size: number): number[] => {
    if (a === 'd') return keepD;
    if (typeof a === 'string') return keepF[Number(a.slice(1))];
    return Array.from({ length: size }, (_, i) => i);
  };
  const params: Record<string, Float32Array> = {};
  for (const d of paramDecls(c)) {
    const shape = paramShape(c, d);
    const src = w.params[d.name];
    if (d.axes.length === 1) {
      const rows = idx(d.axes[0], shape[0]);
      params[d.name] = Float32Array.from(rows, (i) => src[i]);
    } else {
      const rows = idx(d.axes[0], shape[0]);
      const cols = idx(d.axes[1], shape[1]);
      const out = new Float32Array(rows.length * cols.length);
      rows.forEach((r, i) => { const base = r * shape[1]; cols.forEach((cc, j) => { out[i * cols.length + j] = src[base + cc]; }); });
      params[d.name] = out;
    }
  }
  for (const d of paramDecls(nc)) {
    const n = paramShape(nc, d).reduce((a, b) => a * b, 1);
    if (params[d.name].length !== n) throw new Error(`compaction of ${d.name}: ${params[d.name].length} values for shape [${paramShape(nc, d)}]`);
  }
  return { config: nc, params, masks: fullMasks(nc) };
}
