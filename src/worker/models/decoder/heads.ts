// Attention heads as prunable units, and their physical removal.
//
// Masks live per query head (TransformerMasks.heads[l] [H]); a unit is what one pruning decision
// removes:
//   'kv'     (default) a key/value head together with the g = H/KV query heads that read it: its q
//            columns, k and v columns (and biases) of attn.wqkv, its g·hd rows of attn.wo. Under
//            ordinary multi-head attention (KV = H) this is one head: its q/k/v slices and o rows.
//   'query'  one query head alone (q columns, wo rows); the key/value heads stay (a KV head left
//            with no query head is dead and is dropped by compaction).
// headUnits() presents these units as a UnitModel, so compress/'s scores, selection and pruner work
// on them unchanged: the "activation" its hooks see is the per-token head gate [B·T, U] (1 for a
// kept unit), so a·∂ℓ/∂a summed over tokens is ∂L/∂mask (attribution) and zeroing it removes the unit
// (ablation).
//
// Compaction (compactHeads) must produce a model every loader understands, and Hugging Face configs
// give one head count to every layer: the compacted model keeps, in every layer, KV' = the most KV
// heads any layer kept and g' = the most query heads any KV head kept; a layer (or a KV head) that
// kept fewer carries zero heads (zero q/k/v columns and wo rows, masked), which add exactly 0 to
// the residual stream. With prune.headScope 'perLayer' (the default) every layer keeps the same
// count of units and, in 'kv' mode or under multi-head attention, there is
// no padding. padHeads() adds such zero heads for formats that need a given count (GPT-2's
// n_head × head width = n_embd).
import type { Tensor2D } from '../../engine/tf';
import { tf } from '../../engine/tf';
import type { UnitModel, UnitSlice } from '../units';
import { cloneConfig, copyMasks, keptByKvHead, type Transformer, type TransformerConfig, type TransformerWeights } from './model';

export type HeadGroup = 'kv' | 'query';

/** Query heads per unit: g = H/KV for 'kv' (1 under multi-head attention), 1 for 'query'. */
export function headsPerUnit(c: TransformerConfig, group: HeadGroup): number {
  return group === 'kv' ? c.heads / c.kvHeads : 1;
}

/** Units per layer (KV heads for 'kv', query heads for 'query'). */
export function headUnitCount(c: TransformerConfig, group: HeadGroup): number {
  return c.heads / headsPerUnit(c, group);
}

/** Attention-head units of a decoder as a UnitModel (see the header). */
export function headUnits(model: Transformer, group: HeadGroup): UnitModel {
  const c = model.config;
  const per = headsPerUnit(c, group);
  const U = headUnitCount(c, group);
  const { heads: H, kvHeads: KV, headDim: hd } = c;
  // unit mask = 1 when any of its heads is kept (a 'kv' unit's heads are masked together)
  const unitMask = (l: number) => Float32Array.from({ length: U }, (_, u) => (model.masks.heads[l].subarray(u * per, (u + 1) * per).some((v) => v !== 0) ? 1 : 0));
  const masks = c.mlp.map((_, l) => unitMask(l));
  const refresh = () => c.mlp.forEach((_, l) => masks[l].set(unitMask(l)));
  return {
    widths: c.mlp.map(() => U),
    masks,
    setMask(layer, mask) {
      const m = new Float32Array(H);
      for (let h = 0; h < H; h++) m[h] = mask[Math.floor(h / per)] !== 0 ? model.masks.heads[layer][h] : 0;
      model.setHeadMask(layer, m);
      refresh();
    },
    applyMasks: () => model.applyMasks(),
    // x: token ids [B, T]; the hooks see unit gates [B·T, U] and return them
    forward(x: Tensor2D, hooks) {
      const onActivation = hooks?.onActivation;
      if (!onActivation) return model.forward(x);
      return model.forward(x, {
        onHeadGate: (l, gate) => { // gate [B·T, H] → units [B·T, U] → hook → heads [B·T, H]
          const N = gate.shape[0];
          const u = per === 1 ? gate : (tf.reshape(tf.slice(tf.reshape(gate, [N, U, per]), [0, 0, 0], [N, U, 1]), [N, U]) as Tensor2D);
          const out = onActivation(l, u);
          return per === 1 ? out : (tf.reshape(tf.tile(tf.reshape(out, [N, U, 1]), [1, 1, per]), [N, H]) as Tensor2D);
        },
      });
    },
    slices(layer): UnitSlice[] {
      const p = `h.${layer}.attn.`;
      const qkv = model.vars[`${p}wqkv`], bqkv = model.vars[`${p}bqkv`], wo = model.vars[`${p}wo`];
      const q = { offset: 0, size: per * hd, units: U };
      const kv = group === 'kv' ? [{ offset: H * hd, size: hd, units: KV }, { offset: (H + KV) * hd, size: hd, units: KV }] : [];
      const out: UnitSlice[] = [q, ...kv].map((block) => ({ param: qkv, axis: 1, role: 'in', block }));
      if (bqkv) [q, ...kv].forEach((block) => out.push({ param: bqkv, axis: 0, role: 'bias', block }));
      out.push({ param: wo, axis: 0, role: 'out', block: q });
      return out;
    },
    params: () => model.params(),
    activeUnits: () => masks.map((m) => m.reduce((s, v) => s + (v !== 0 ? 1 : 0), 0)),
  };
}

/** Per layer, KV slot s of the new layout reads source KV head `kv[s]` (null = zero padding) and
 *  its query slot t reads source query head `q[s][t]` (null = zero padding). */
interface LayerLayout { kv: (number | null)[]; q: (number | null)[][] }

/** Rebuild the attention weights of `w` for the layouts (one per layer), KV' KV heads of g' query heads. */
function relayout(w: TransformerWeights, layouts: LayerLayout[], KV2: number, g2: number): TransformerWeights {
  const c = w.config;
  const { heads: H, kvHeads: KV, headDim: hd, dModel: d } = c;
  const H2 = KV2 * g2;
  const W1 = (H + 2 * KV) * hd, W2 = (H2 + 2 * KV2) * hd;
  const params = { ...w.params };
  const masks = copyMasks(c, w.masks);
  const heads2: Float32Array[] = [];
  layouts.forEach((lay, l) => {
    const p = `h.${l}.attn.`;
    // column blocks of wqkv [d, W]: source block start → destination block start (hd columns each)
    const moves: [number, number][] = [];
    const mask2 = new Float32Array(H2);
    lay.kv.forEach((src, s) => {
      if (src !== null) { moves.push([(H + src) * hd, (H2 + s) * hd]); moves.push([(H + KV + src) * hd, (H2 + KV2 + s) * hd]); }
      lay.q[s].forEach((h, t) => { if (h !== null) { moves.push([h * hd, (s * g2 + t) * hd]); mask2[s * g2 + t] = masks.heads[l][h]; } });
    });
    heads2.push(mask2);
    const wqkv = w.params[`${p}wqkv`], nq = new Float32Array(d * W2);
    for (let r = 0; r < d; r++) for (const [a, b] of moves) nq.set(wqkv.subarray(r * W1 + a, r * W1 + a + hd), r * W2 + b);
    params[`${p}wqkv`] = nq;
    const bqkv = w.params[`${p}bqkv`];
    if (bqkv) { const nb = new Float32Array(W2); for (const [a, b] of moves) nb.set(bqkv.subarray(a, a + hd), b); params[`${p}bqkv`] = nb; }
    // rows of wo [H·hd, d]: query head h's hd rows
    const wo = w.params[`${p}wo`], no = new Float32Array(H2 * hd * d);
    lay.kv.forEach((_, s) => lay.q[s].forEach((h, t) => { if (h !== null) no.set(wo.subarray(h * hd * d, (h + 1) * hd * d), (s * g2 + t) * hd * d); }));
    params[`${p}wo`] = no;
  });
  return { config: { ...cloneConfig(c), heads: H2, kvHeads: KV2 }, params, masks: { mlp: masks.mlp, resid: masks.resid, heads: heads2 } };
}

/** Physically remove masked heads (and KV heads left without a query head), padding every layer
 *  to the most any layer kept with zero, masked heads (see the header). Unmasked: `w` itself. */
export function compactHeads(w: TransformerWeights): TransformerWeights {
  const c = w.config;
  if (!w.masks.heads?.some((m) => m.some((v) => v === 0))) return w;
  const kept = w.masks.heads.map((m) => keptByKvHead(m, c.heads, c.kvHeads).map((q, k) => ({ k, q })).filter((x) => x.q.length > 0));
  const KV2 = Math.max(1, ...kept.map((ks) => ks.length));
  const g2 = Math.max(1, ...kept.flatMap((ks) => ks.map((x) => x.q.length)));
  const layouts = kept.map((ks) => ({
    kv: Array.from({ length: KV2 }, (_, s) => ks[s]?.k ?? null),
    q: Array.from({ length: KV2 }, (_, s) => Array.from({ length: g2 }, (_, t) => ks[s]?.q[t] ?? null)),
  }));
  return relayout(w, layouts, KV2, g2);
}

/** Add zero, masked query heads (multi-head attention: KV = H) up to `heads` in every layer. */
export function padHeads(w: TransformerWeights, heads: number): TransformerWeights {
  const c = w.config;
  if (c.kvHeads !== c.heads) throw new Error('padHeads: only for multi-head attention (as many key/value heads as query heads)');
  if (heads <= c.heads) return w;
  const layouts = c.mlp.map(() => ({
    kv: Array.from({ length: heads }, (_, s) => (s < c.heads ? s : null)),
    q: Array.from({ length: heads }, (_, s) => [s < c.heads ? s : null]),
  }));
  return relayout(w, layouts, heads, 1);
}
