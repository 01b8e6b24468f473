// Physical compaction: a masked MLP → a dense MLP without the masked units (weights sliced).
// Its outputs equal the masked model's; this is what export writes and what makes a pruned
// model actually smaller and faster. W[l] is row-major [in, out].
import { countParams, layerDims, type MlpWeights } from '../models/mlp/model';

/** Indices of kept units per hidden layer. */
export function keptIndices(w: MlpWeights): number[][] {
  return w.masks.map((m) => { const k: number[] = []; m.forEach((v, j) => { if (v !== 0) k.push(j); }); return k; });
}

export function compactMlp(w: MlpWeights): MlpWeights {
  const kept = keptIndices(w);
  kept.forEach((k, h) => { if (k.length === 0) throw new Error(`cannot compact: hidden layer ${h} has no units left`); });
  const d = layerDims(w.config);
  // rows/cols kept per layer boundary: all inputs, kept units of each hidden layer, all outputs
  const keepAt = [Array.from({ length: d[0] }, (_, i) => i), ...kept, Array.from({ length: d[d.length - 1] }, (_, i) => i)];
  const W: Float32Array[] = [];
  const b: Float32Array[] = [];
  for (let l = 0; l + 1 < d.length; l++) {
    const rows = keepAt[l], cols = keepAt[l + 1], outDim = d[l + 1];
    const nw = new Float32Array(rows.length * cols.length);
    rows.forEach((r, i) => cols.forEach((c, j) => { nw[i * cols.length + j] = w.W[l][r * outDim + c]; }));
    W.push(nw);
    b.push(Float32Array.from(cols, (c) => w.b[l][c]));
  }
  const hidden = kept.map((k) => k.length);
  return { config: { ...w.config, hidden }, W, b, masks: hidden.map((h) => new Float32Array(h).fill(1)) };
}

export interface CompactionReport { paramsBefore: number; paramsAfter: number; hiddenBefore: number[]; hiddenAfter: number[] }

export function compactionReport(before: MlpWeights, after: MlpWeights): CompactionReport {
  return {
    paramsBefore: countParams(before.config), paramsAfter: countParams(after.config),
    hiddenBefore: [...before.config.hidden], hiddenAfter: [...after.config.hidden],
  };
}
