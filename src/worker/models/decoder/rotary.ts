// Rotary position embedding in the Llama (rotate_half) convention: dimension pairs (i, i + hd/2)
// of each query and key head rotate by angle p·inv_freq[i] at position p, with
// inv_freq[i] = 1/θ^(2i/hd), optionally rescaled as Llama 3's rope_scaling prescribes.
import type { DecoderConfig } from './config';

/** inv_freq [hd/2] for the config (float32 values, computed as transformers does). */
export function rotaryInvFreq(c: DecoderConfig): Float32Array {
  const hd = c.headDim;
  const inv = new Float32Array(hd / 2);
  for (let i = 0; i < hd / 2; i++) inv[i] = 1 / c.ropeTheta ** (Math.fround(2 * i) / hd);
  const s = c.ropeScaling;
  if (!s) return inv;
  // Llama 3: long wavelengths are divided by `factor`, short ones kept, the band between blended.
  const lowWavelen = s.originalContext / s.lowFreqFactor;
  const highWavelen = s.originalContext / s.highFreqFactor;
  for (let i = 0; i < inv.length; i++) {
    const f = inv[i];
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highWavelen) continue;
    if (wavelen > lowWavelen) { inv[i] = f / s.factor; continue; }
    const smooth = (s.originalContext / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
    inv[i] = (1 - smooth) * (f / s.factor) + smooth * f;
  }
  return inv;
}

/** cos and sin tables [n, hd] for positions 0..n-1 (each angle repeated for both halves). */
export function rotaryTables(c: DecoderConfig, n: number): { cos: Float32Array; sin: Float32Array } {
  const inv = rotaryInvFreq(c);
  const hd = c.headDim;
  const half = hd / 2;
  const cos = new Float32Array(n * hd);
  const sin = new Float32Array(n * hd);
  for (let p = 0; p < n; p++) {
    for (let i = 0; i < half; i++) {
      const a = Math.fround(p * inv[i]); // float32 angle, as transformers computes it
      const ca = Math.cos(a); const sa = Math.sin(a);
      cos[p * hd + i] = ca; cos[p * hd + half + i] = ca;
      sin[p * hd + i] = sa; sin[p * hd + half + i] = sa;
    }
  }
  return { cos, sin };
}
