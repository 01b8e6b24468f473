// An uploaded image brought to a dataset's shape: channels as the import converts them (RGB → grey
// by Rec. 601 luma, grey → RGB by repetition), then resized by box averaging (each output pixel is
// the mean of the source pixels it covers, so a large photo shrinks without aliasing; a smaller
// image is enlarged by nearest neighbour).
import type { Pixels } from '../tasks/images/decode';
import { toChannels } from '../tasks/images/decode';

export function toShape(p: Pixels, shape: [number, number, number]): Uint8Array {
  const [h, w, c] = shape;
  const src = toChannels(p, c as 1 | 3);
  if (p.width === w && p.height === h) return src;
  const out = new Uint8Array(h * w * c);
  const sx = p.width / w, sy = p.height / h;
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor(y * sy), y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor(x * sx), x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
      for (let ch = 0; ch < c; ch++) {
        let sum = 0;
        for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) sum += src[(yy * p.width + xx) * c + ch];
        out[(y * w + x) * c + ch] = Math.round(sum / ((y1 - y0) * (x1 - x0)));
      }
    }
  }
  return out;
}
