// Chart.js with only what Whittle draws: line charts on linear or log axes, tooltips, legend, fills.
import {
  Chart, Filler, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, Tooltip,
  type ChartDataset, type ChartOptions,
} from 'chart.js';
import { colorAt, ema, envelope, thin, type XY } from './smooth';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Tooltip, Legend, Filler);

export { Chart };

export interface Line { label: string; points: XY[]; color?: string; /** dash pattern, e.g. [6, 4]; see DASHES */ dash?: number[]; /** draw markers (sparse data) */ markers?: boolean }

/** Dash patterns to tell apart lines of one colour: solid, dashed, dotted, dash-dot. */
export const DASHES: number[][] = [[], [6, 4], [2, 3], [10, 3, 2, 3]];
export interface LineChartOptions { logX: boolean; logY: boolean; smoothing: number; xLabel: string; yLabel: string; maxPoints?: number; /** put x ticks exactly here (e.g. the sizes of a sweep) */ xTicks?: number[]; /** cap the y axis (accuracy: 1) */ yMax?: number }

type DS = ChartDataset<'line', XY[]> & { whittleRaw?: XY[]; whittleRole?: 'line' | 'lo' | 'hi' };

/** Theme colours from the page's CSS variables, so charts follow light/dark. */
export function themeColors(): { fg: string; grid: string } {
  if (typeof document === 'undefined') return { fg: '#555', grid: 'rgba(127,127,127,0.2)' };
  const s = getComputedStyle(document.documentElement);
  return { fg: s.getPropertyValue('--fg-muted').trim() || '#666', grid: s.getPropertyValue('--grid').trim() || 'rgba(127,127,127,0.2)' };
}

function alpha(hex: string, a: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) return hex;
  const n = parseInt(m[1], 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
}

/** Turns lines into Chart.js datasets: per line an envelope (lo, hi filled) and the smoothed line. */
export function buildDatasets(lines: readonly Line[], o: LineChartOptions): DS[] {
  const out: DS[] = [];
  const max = o.maxPoints ?? 1500;
  lines.forEach((line, i) => {
    const color = line.color ?? colorAt(i);
    let pts = line.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!o.logX || p.x > 0) && (!o.logY || p.y > 0));
    const smoothed = ema(pts, o.smoothing);
    if (o.smoothing > 0 && pts.length > 2) {
      const env = envelope(pts, o.smoothing);
      out.push({ label: `${line.label} min`, data: thin(env.lo, max), borderWidth: 0, pointRadius: 0, fill: false, whittleRole: 'lo', borderColor: 'transparent' });
      out.push({ label: `${line.label} max`, data: thin(env.hi, max), borderWidth: 0, pointRadius: 0, fill: '-1', backgroundColor: alpha(color, 0.15), whittleRole: 'hi', borderColor: 'transparent' });
    }
    pts = thin(pts, max);
    out.push({
      label: line.label,
      data: thin(smoothed, max),
      whittleRaw: pts,
      whittleRole: 'line',
      borderColor: color,
      backgroundColor: color,
      borderWidth: 2,
      borderDash: line.dash?.length ? line.dash : undefined,
      pointRadius: line.markers ? 3 : 0,
      pointHoverRadius: 4,
      fill: false,
      tension: 0,
    });
  });
  return out;
}

export function chartOptions(o: LineChartOptions): ChartOptions<'line'> {
  const c = themeColors();
  const fmt = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : Number(v.toPrecision(4)).toString());
  return {
    animation: false,
    parsing: false,
    normalized: true,
    responsive: true,
    maintainAspectRatio: false,
    spanGaps: true,
    interaction: { mode: 'nearest', axis: 'x', intersect: false },
    scales: {
      x: {
        type: o.logX ? 'logarithmic' : 'linear', title: { display: true, text: o.xLabel, color: c.fg }, ticks: { color: c.fg, maxTicksLimit: 8 }, grid: { color: c.grid },
        ...(o.xTicks?.length ? {
          afterBuildTicks: (axis: { ticks: { value: number }[] }) => { axis.ticks = o.xTicks!.map((value) => ({ value })); },
          ticks: { color: c.fg, autoSkip: false, callback: (v: number | string) => fmt(Number(v)) },
        } : {}),
      },
      y: { type: o.logY ? 'logarithmic' : 'linear', max: o.yMax, title: { display: true, text: o.yLabel, color: c.fg }, ticks: { color: c.fg, maxTicksLimit: 6 }, grid: { color: c.grid } },
    },
    plugins: {
      legend: { labels: { color: c.fg, boxWidth: 12, filter: (item, data) => (data.datasets[item.datasetIndex ?? 0] as DS).whittleRole === 'line' } },
      tooltip: {
        filter: (item) => (item.dataset as DS).whittleRole === 'line',
        callbacks: {
          title: (items) => (items.length ? `${o.xLabel} ${fmt((items[0].raw as XY).x)}` : ''),
          label: (item) => {
            const ds = item.dataset as DS;
            const y = (item.raw as XY).y;
            const raw = ds.whittleRaw?.[item.dataIndex];
            return raw && o.smoothing > 0 ? `${ds.label}: ${fmt(y)} (raw ${fmt(raw.y)})` : `${ds.label}: ${fmt(y)}`;
          },
        },
      },
    },
  };
}
