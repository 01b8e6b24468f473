// Decoder models the export tests share: random weights from a seed, scaled up from GPT-2's init
// so that logits differ by more than float32 noise (a wrong graph cannot hide under tolerance).
import { Rng } from '../engine/rng';
import { decoderConfig, type DecoderConfigInput } from '../models/decoder/config';
import { initTransformer, type TransformerWeights } from '../models/decoder/model';

export function liveWeights(input: DecoderConfigInput, seed: number): TransformerWeights {
  const w = initTransformer(decoderConfig(input), new Rng(seed));
  const r = new Rng(seed + 1);
  for (const [name, v] of Object.entries(w.params)) {
    const gain = /\.g$/.test(name);
    const bias = /\.b\w*$/.test(name) && !/\.g$/.test(name);
    for (let k = 0; k < v.length; k++) v[k] = gain ? 1 + 0.2 * r.normal() : bias ? 0.1 * r.normal() : v[k] * 10;
  }
  return w;
}
