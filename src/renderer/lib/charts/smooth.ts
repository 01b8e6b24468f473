// Smoothing for noisy training curves: a debiased EMA line plus a min/max envelope of the raw values.
import { metricTitle } from '../../../shared/metrics';

export interface XY { x: number; y: number }

/** Exponential moving average with TensorBoard-style debiasing; `weight` in [0, 1): 0 = raw. */
export function ema(points: readonly XY[], weight: number): XY[] {
  if (weight <= 0) return points.map((p) => ({ x: p.x, y: p.y }));
  const out: XY[] = new Array(points.length);
  let last = 0;
  let n = 0;
  for (let i = 0; i < points.length; i++) {
    const y = points[i].y;
    if (!Number.isFinite(y)) { out[i] = { x: points[i].x, y }; continue; }
    last = last * weight + (1 - weight) * y;
    n++;
    out[i] = { x: points[i].x, y: last / (1 - weight ** n) };
  }
  return out;
}

/** Min and max of the raw values over a centred window whose width follows the smoothing weight. */
export function envelope(points: readonly XY[], weight: number): { lo: XY[]; hi: XY[] } {
  const half = windowHalf(weight);
  const lo: XY[] = new Array(points.length);
  const hi: XY[] = new Array(points.length);
  for (let i = 0; i < points.length; i++) {
    let mn = Infinity, mx = -Infinity;
    const a = Math.max(0, i - half), b = Math.min(points.length - 1, i + half);
    for (let j = a; j <= b; j++) {
      const y = points[j].y;
      if (!Number.isFinite(y)) continue;
      if (y < mn) mn = y;
      if (y > mx) mx = y;
    }
    lo[i] = { x: points[i].x, y: mn === Infinity ? NaN : mn };
    hi[i] = { x: points[i].x, y: mx === -Infinity ? NaN : mx };
  }
  return { lo, hi };
}

/** Half-width of the envelope window: about the EMA's effective memory, capped. */
export function windowHalf(weight: number): number {
  if (weight <= 0) return 0;
  return Math.min(50, Math.max(1, Math.round(weight / (1 - weight) / 2)));
}

/** Keeps at most `max` points, evenly spaced by index, always keeping the last one. */
export function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return points.slice();
  const out: T[] = [];
  const stride = points.length / max;
  for (let i = 0; i < max - 1; i++) out.push(points[Math.floor(i * stride)]);
  out.push(points[points.length - 1]);
  return out;
}

/** Groups metric keys by their prefix: `loss/[0,1]` → group `loss`, line `[0,1]`. */
export function groupKeys(keys: readonly string[]): { group: string; keys: { key: string; label: string }[] }[] {
  const groups = new Map<string, { key: string; label: string }[]>();
  for (const key of keys) {
    const i = key.indexOf('/');
    const group = i < 0 ? key : key.slice(0, i);
    const label = i < 0 ? key : key.slice(i + 1);
    let g = groups.get(group);
    if (!g) { g = []; groups.set(group, g); }
    g.push({ key, label });
  }
  const order = ['loss', 'acc', 'activeUnits', 'units', 'train', 'trainLoss', 'lambda', 'lr'];
  return [...groups.entries()]
    .sort(([a], [b]) => (idx(order, a) - idx(order, b)) || a.localeCompare(b))
    .map(([group, ks]) => ({ group, keys: ks }));
}
function idx(order: string[], g: string): number {
  const i = order.indexOf(g);
  return i < 0 ? order.length : i;
}

/** Human title for a metric group (the contract's definition, shared/metrics.ts). */
export function groupTitle(group: string): string {
  return metricTitle(group);
}

export const PALETTE = ['#4f7cff', '#e8590c', '#2f9e44', '#ae3ec9', '#d6336c', '#1098ad', '#f59f00', '#5c7cfa', '#94d82d', '#868e96'];
export function colorAt(i: number): string { return PALETTE[i % PALETTE.length]; }
