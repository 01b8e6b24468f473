// Physical compaction: a masked MLP → a dense MLP without the masked units, by slicing each
// declared parameter along its symbolic axes (models/slice.ts, as the decoder does). Its outputs
// equal the masked model's; this is what export writes and what makes a pruned model actually
// smaller and faster.
import { keptIndices, sliceParams } from '../slice';
import type { MlpWeights } from './model';
import { mlpAxisSize, mlpParamDecls, mlpParamRecord } from './params';

export function compactMlp(w: MlpWeights): MlpWeights {
  const kept = w.masks.map(keptIndices);
  kept.forEach((k, h) => { if (k.length === 0) throw new Error(`cannot compact: hidden layer ${h} has no units left`); });
  const c = w.config;
  const hidden = kept.map((k) => k.length);
  const params = sliceParams(mlpParamDecls(c), (d) => d.axes.map((a) => mlpAxisSize(c, a)), mlpParamRecord(w),
    (a) => (typeof a === 'string' ? kept[Number(a.slice(1))] : null));
  const L = c.hidden.length;
  return {
    config: { ...c, hidden },
    W: Array.from({ length: L + 1 }, (_, l) => params[`layers.${l}.weight`]),
    b: Array.from({ length: L + 1 }, (_, l) => params[`layers.${l}.bias`]),
    masks: hidden.map((h) => new Float32Array(h).fill(1)),
  };
}
