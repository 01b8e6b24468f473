// A small, dependency-free SVG line chart for reports written to disk (no DOM, no browser).

export interface Line { label: string; color: string; points: [number, number][]; dashed?: boolean }
export interface ChartOptions { title: string; xLabel: string; yLabel: string; logX?: boolean; width?: number; height?: number; yMin?: number; yMax?: number }

/** Escapes text for SVG/HTML element content and attribute values. */
export const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]!));

export const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];

function ticks(lo: number, hi: number, n = 5): number[] {
  if (hi <= lo) return [lo];
  const step = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(step));
  const nice = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step) ?? step;
  const out: number[] = [];
  for (let v = Math.ceil(lo / nice) * nice; v <= hi + 1e-12; v += nice) out.push(Number(v.toPrecision(6)));
  return out;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${(v / 1e3).toPrecision(3)}k`;
  return String(Number(v.toPrecision(3)));
}

export function lineChartSvg(lines: Line[], o: ChartOptions): string {
  const W = o.width ?? 720, H = o.height ?? 360, L = 64, R = 170, T = 36, B = 48;
  const pts = lines.flatMap((l) => l.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.logX || x > 0));
  if (!pts.length) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="60"><text x="10" y="30">${esc(o.title)}: no data yet</text></svg>`;
  const tx = (x: number) => (o.logX ? Math.log10(x) : x);
  const xs = pts.map(([x]) => tx(x)), ys = pts.map(([, y]) => y);
  const x0 = Math.min(...xs), x1 = Math.max(...xs) === x0 ? x0 + 1 : Math.max(...xs);
  const y0 = o.yMin ?? Math.min(0, ...ys), y1 = o.yMax ?? (Math.max(...ys) === y0 ? y0 + 1 : Math.max(...ys));
  const px = (x: number) => L + ((tx(x) - x0) / (x1 - x0)) * (W - L - R);
  const py = (y: number) => T + (1 - (Math.min(Math.max(y, y0), y1) - y0) / (y1 - y0)) * (H - T - B);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`);
  parts.push(`<text x="${L}" y="20" font-size="14" font-weight="bold">${esc(o.title)}</text>`);
  const xt = o.logX ? Array.from({ length: Math.floor(x1) - Math.ceil(x0) + 1 }, (_, i) => 10 ** (Math.ceil(x0) + i)) : ticks(x0, x1);
  for (const v of xt) {
    const x = px(v);
    parts.push(`<line x1="${x}" y1="${T}" x2="${x}" y2="${H - B}" stroke="#ddd"/><text x="${x}" y="${H - B + 14}" text-anchor="middle">${fmt(v)}</text>`);
  }
  for (const v of ticks(y0, y1)) {
    const y = py(v);
    parts.push(`<line x1="${L}" y1="${y}" x2="${W - R}" y2="${y}" stroke="#ddd"/><text x="${L - 6}" y="${y + 4}" text-anchor="end">${fmt(v)}</text>`);
  }
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 10}" text-anchor="middle">${esc(o.xLabel)}${o.logX ? ' (log)' : ''}</text>`);
  parts.push(`<text transform="translate(14 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  lines.forEach((l, i) => {
    const p = l.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.logX || x > 0));
    if (p.length) {
      const d = p.map(([x, y], j) => `${j ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('');
      parts.push(`<path d="${d}" fill="none" stroke="${l.color}" stroke-width="1.6"${l.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    }
    parts.push(`<rect x="${W - R + 10}" y="${T + i * 16}" width="12" height="3" fill="${l.color}"/><text x="${W - R + 26}" y="${T + i * 16 + 5}">${esc(l.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
