// A one-row SVG chart for the reproduction report: the paper's agreement band (shaded), the
// paper's value (a diamond), each seed's value (dots; hollow when a bound) and Whittle's mean
// (a bar). Dependency-free, no DOM: a string the report embeds and writes to disk.

import { esc } from './svgChart';

export interface BandChartInput {
  title: string;
  band: { lo: number; hi: number };
  paper: number | null;
  seeds: { value: number; bound?: boolean }[];
  mean: number | null;
  width?: number;
}

const fmt = (v: number) => String(Number(v.toPrecision(3)));

/** The x range: every finite value drawn, the band's finite ends, and 0; an open band (hi = ∞)
 *  extends the axis half its lower end past the largest value so the shading visibly runs on. */
export function bandDomain(i: BandChartInput): [number, number] {
  const vals = [0, i.band.lo, ...(Number.isFinite(i.band.hi) ? [i.band.hi] : []), ...(i.paper !== null ? [i.paper] : []), ...i.seeds.map((s) => s.value), ...(i.mean !== null ? [i.mean] : [])]
    .filter(Number.isFinite);
  let lo = Math.min(...vals), hi = Math.max(...vals);
  if (!Number.isFinite(i.band.hi)) hi = Math.max(hi, i.band.lo * 1.5);
  if (hi <= lo) hi = lo + 1;
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

export function bandChartSvg(i: BandChartInput): string {
  const W = i.width ?? 560, H = 98, L = 16, R = 16, Y = 62;
  const [x0, x1] = bandDomain(i);
  const px = (x: number) => L + ((Math.min(Math.max(x, x0), x1) - x0) / (x1 - x0)) * (W - L - R);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`);
  parts.push(`<title>${esc(i.title)}</title>`);
  parts.push(`<text x="${L}" y="14" font-size="12" font-weight="bold">${esc(i.title)}</text>`);
  const bx0 = px(i.band.lo), bx1 = px(Number.isFinite(i.band.hi) ? i.band.hi : x1);
  parts.push(`<rect class="band" x="${bx0.toFixed(1)}" y="${Y - 14}" width="${Math.max(2, bx1 - bx0).toFixed(1)}" height="28" fill="#bbf7d0" stroke="#16a34a" stroke-width="0.5"/>`);
  parts.push(`<line x1="${L}" y1="${Y}" x2="${W - R}" y2="${Y}" stroke="#999"/>`);
  for (const v of [x0 + (x1 - x0) * 0.05, (x0 + x1) / 2, x1 - (x1 - x0) * 0.05]) {
    parts.push(`<text x="${px(v).toFixed(1)}" y="${H - 4}" text-anchor="middle" fill="#555">${fmt(v)}</text>`);
  }
  if (i.paper !== null && Number.isFinite(i.paper)) {
    const x = px(i.paper);
    parts.push(`<path class="paper" d="M${x.toFixed(1)},${Y - 9}L${(x + 6).toFixed(1)},${Y}L${x.toFixed(1)},${Y + 9}L${(x - 6).toFixed(1)},${Y}Z" fill="#111"><title>paper ${fmt(i.paper)}</title></path>`);
  }
  i.seeds.forEach((s, k) => {
    if (!Number.isFinite(s.value)) return;
    const jitter = ((k % 5) - 2) * 2;
    parts.push(`<circle class="seed" cx="${px(s.value).toFixed(1)}" cy="${Y + jitter}" r="4" fill="${s.bound ? 'none' : '#2563eb'}" stroke="#2563eb" stroke-width="1.5"><title>seed value ${fmt(s.value)}${s.bound ? ' (bound)' : ''}</title></circle>`);
  });
  if (i.mean !== null && Number.isFinite(i.mean)) {
    const x = px(i.mean);
    parts.push(`<line class="mean" x1="${x.toFixed(1)}" y1="${Y - 16}" x2="${x.toFixed(1)}" y2="${Y + 16}" stroke="#dc2626" stroke-width="2.5"><title>Whittle mean ${fmt(i.mean)}</title></line>`);
  }
  parts.push(`<text x="${W - R}" y="30" text-anchor="end" fill="#555">band = agrees · ◆ paper · ● seeds · | mean</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}
