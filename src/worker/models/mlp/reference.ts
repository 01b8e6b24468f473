// A float64 plain-JS MLP forward pass and cross-entropy: the independent oracle that tests check
// the tfjs model, its gradients (via finite differences) and the training step against.
import type { MlpWeights } from './model';
import { layerDims } from './model';

/** Parameters as float64 copies, same layout as MlpWeights (W[l] row-major [in, out]). */
export interface RefParams { W: Float64Array[]; b: Float64Array[] }

export function refParams(w: MlpWeights): RefParams {
  return { W: w.W.map((x) => Float64Array.from(x)), b: w.b.map((x) => Float64Array.from(x)) };
}

/** logits [count, outputs] of x [count, inputs] (row-major), masks applied to hidden activations. */
export function refForward(w: MlpWeights, p: RefParams, x: ArrayLike<number>, count: number): Float64Array[] {
  const d = layerDims(w.config);
  const out: Float64Array[] = [];
  for (let r = 0; r < count; r++) {
    let h = Float64Array.from({ length: d[0] }, (_, i) => x[r * d[0] + i]);
    for (let l = 0; l + 1 < d.length; l++) {
      const z = new Float64Array(d[l + 1]);
      for (let j = 0; j < d[l + 1]; j++) {
        let s = p.b[l][j];
        for (let i = 0; i < d[l]; i++) s += h[i] * p.W[l][i * d[l + 1] + j];
        z[j] = s;
      }
      if (l + 2 < d.length) {
        for (let j = 0; j < z.length; j++) {
          const a = w.config.activation === 'tanh' ? Math.tanh(z[j]) : Math.max(0, z[j]);
          z[j] = a * w.masks[l][j];
        }
      }
      h = z;
    }
    out.push(h);
  }
  return out;
}

/** Mean softmax cross-entropy in nats. */
export function refCrossEntropy(logits: Float64Array[], y: ArrayLike<number>): number {
  let total = 0;
  logits.forEach((z, r) => {
    const max = Math.max(...z);
    const lse = max + Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0));
    total += lse - z[y[r]];
  });
  return total / logits.length;
}

/** Central finite-difference gradient of `loss(p)` with respect to every parameter. */
export function refNumericGrad(p: RefParams, loss: (p: RefParams) => number, h = 1e-6): RefParams {
  const g: RefParams = { W: p.W.map((x) => new Float64Array(x.length)), b: p.b.map((x) => new Float64Array(x.length)) };
  const groups: [Float64Array[], Float64Array[]][] = [[p.W, g.W], [p.b, g.b]];
  for (const [params, grads] of groups) {
    params.forEach((arr, l) => {
      for (let i = 0; i < arr.length; i++) {
        const keep = arr[i];
        arr[i] = keep + h; const up = loss(p);
        arr[i] = keep - h; const down = loss(p);
        arr[i] = keep;
        grads[l][i] = (up - down) / (2 * h);
      }
    });
  }
  return g;
}
