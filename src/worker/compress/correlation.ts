// Log-log Pearson correlation between two score vectors (attribution vs ablation, METHODS §2):
// how well the cheap first-order estimate predicts the exact effect of removing a unit.
// Units where either score is 0 (masked, or dead) have no logarithm and are left out.

export interface Correlation { r: number; n: number }

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]; mb += b[i]; }
  ma /= n; mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) { const da = a[i] - ma, db = b[i] - mb; sab += da * db; saa += da * da; sbb += db * db; }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

export function logLogPearson(a: readonly Float32Array[], b: readonly Float32Array[]): Correlation {
  const la: number[] = [], lb: number[] = [];
  a.forEach((sa, l) => sa.forEach((v, j) => {
    const w = b[l][j];
    if (v > 0 && w > 0 && Number.isFinite(v) && Number.isFinite(w)) { la.push(Math.log(v)); lb.push(Math.log(w)); }
  }));
  return { r: la.length >= 2 ? pearson(la, lb) : NaN, n: la.length };
}
