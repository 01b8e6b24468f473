// Test oracle: a float64 MLP in plain JavaScript with unit ablation and activation perturbation,
// independent of tfjs. Used only by the compression tests.
import type { MlpWeights } from '../models/mlp/model';

export interface RefOptions {
  /** remove unit (layer, index): its activation is forced to 0 */
  remove?: { layer: number; index: number };
  /** add eps to one activation of one sample: site, layer, sample row, unit */
  perturb?: { site: 'pre' | 'post'; layer: number; row: number; index: number; eps: number };
  /** override parameters: W[l] / b[l] as float64 arrays */
  W?: Float64Array[];
  b?: Float64Array[];
}

export interface RefResult { losses: number[]; logits: number[][]; pre: number[][][]; post: number[][][] }

export function refForward(w: MlpWeights, x: number[][], y: number[], o: RefOptions = {}): RefResult {
  const dims = [w.config.inputs, ...w.config.hidden, w.config.outputs];
  const W = o.W ?? w.W.map((a) => Float64Array.from(a));
  const b = o.b ?? w.b.map((a) => Float64Array.from(a));
  const act = (v: number) => (w.config.activation === 'tanh' ? Math.tanh(v) : Math.max(0, v));
  const pre: number[][][] = [], post: number[][][] = [];
  const logits: number[][] = [], losses: number[] = [];
  x.forEach((row, i) => {
    let h = row.slice();
    for (let l = 0; l + 1 < dims.length; l++) {
      const z: number[] = [];
      for (let c = 0; c < dims[l + 1]; c++) {
        let s = b[l][c];
        for (let r = 0; r < dims[l]; r++) s += h[r] * W[l][r * dims[l + 1] + c];
        z.push(s);
      }
      if (l + 1 === dims.length - 1) { logits.push(z); break; }
      const p = o.perturb;
      if (p && p.site === 'pre' && p.layer === l && p.row === i) z[p.index] += p.eps;
      let a = z.map(act).map((v, j) => v * w.masks[l][j]);
      if (o.remove && o.remove.layer === l) a[o.remove.index] = 0;
      if (p && p.site === 'post' && p.layer === l && p.row === i) a[p.index] += p.eps;
      (pre[l] ??= []).push(z.slice());
      (post[l] ??= []).push(a.slice());
      h = a;
    }
    const z = logits[i];
    const mx = Math.max(...z);
    const lse = mx + Math.log(z.reduce((s, v) => s + Math.exp(v - mx), 0));
    losses.push(lse - z[y[i]]);
  });
  return { losses, logits, pre, post };
}

export const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

/** Deterministic pseudo-random numbers in [-1, 1) for test inputs. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 31 - 1; };
}
