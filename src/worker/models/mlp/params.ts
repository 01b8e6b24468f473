// The MLP's parameters as named declarations with symbolic axes, like the decoder's paramDecls:
//   layers.<l>.weight  [in_l, out_l]   in_0 = inputs, out_last = outputs, hidden widths 'f<h>'
//   layers.<l>.bias    [out_l]
// (the names are the tensor names of its safetensors file, mlp/file.ts). Compaction, unit slices
// and checkpoints read these instead of knowing the layout.
import type { Axis } from '../decoder/config';
import type { ParamDeclaration } from '../units';
import type { MlpConfig, MlpWeights } from './model';

export function mlpParamDecls(c: MlpConfig): ParamDeclaration[] {
  const L = c.hidden.length;
  const axis = (boundary: number): Axis => (boundary === 0 ? c.inputs : boundary === L + 1 ? c.outputs : (`f${boundary - 1}` as const));
  const out: ParamDeclaration[] = [];
  for (let l = 0; l <= L; l++) {
    out.push({ name: `layers.${l}.weight`, axes: [axis(l), axis(l + 1)] });
    out.push({ name: `layers.${l}.bias`, axes: [axis(l + 1)] });
  }
  return out;
}

/** Which W/b entry a declared name refers to. */
export function mlpParamIndex(name: string): { kind: 'weight' | 'bias'; layer: number } {
  const m = /^layers\.(\d+)\.(weight|bias)$/.exec(name);
  if (!m) throw new Error(`not an MLP parameter name: ${name}`);
  return { kind: m[2] as 'weight' | 'bias', layer: Number(m[1]) };
}

export function mlpAxisSize(c: MlpConfig, a: Axis): number {
  if (typeof a === 'number') return a;
  if (a === 'd') throw new Error("an MLP has no residual axis 'd'");
  return c.hidden[Number(a.slice(1))];
}

/** The W/b arrays by declared name. */
export function mlpParamRecord(w: MlpWeights): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  w.W.forEach((W, l) => { out[`layers.${l}.weight`] = W; out[`layers.${l}.bias`] = w.b[l]; });
  return out;
}
