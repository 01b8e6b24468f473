// The per-result charts of the reproduction report, drawn from the studies' summaries (mean over
// seeds per point): accuracy vs sparsity for nonlocality, samples/tokens to the target vs size for
// the frontiers. Each is an SVG string (report/svgChart.ts), written next to the report.
import type { StudyRow } from '../../../shared/api';
import { lineChartSvg, PALETTE, type Line } from '../report/svgChart';

export interface NamedChart { name: string; svg: string }

function meanBy(points: [number, number | null][]): [number, number][] {
  const by = new Map<number, number[]>();
  for (const [x, y] of points) if (y !== null && Number.isFinite(y)) by.set(x, [...(by.get(x) ?? []), y]);
  return [...by.entries()].sort(([a], [b]) => a - b).map(([x, ys]) => [x, ys.reduce((a, b) => a + b, 0) / ys.length]);
}

interface SweepPoint { sparsity: number; kept: { afterPrune: number | null; afterRecovery: number | null }; removed: Record<string, { afterRelearn: number | null }> }

function nonlocalityChart(studies: StudyRow[]): NamedChart {
  const sweeps = studies.map((s) => (s.summary as { sweeps?: Record<string, SweepPoint[]> } | null)?.sweeps ?? {});
  const series = (variant: string, pick: (p: SweepPoint) => number | null) => meanBy(sweeps.flatMap((sw) => (sw[variant] ?? []).map((p) => [p.sparsity, pick(p)] as [number, number | null])));
  const relearn = (p: SweepPoint) => { const v = Object.values(p.removed).map((r) => r.afterRelearn).filter((x): x is number => x !== null); return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null; };
  const lines: Line[] = [
    { label: 'kept, after prune (plain)', color: PALETTE[1], points: series('plain', (p) => p.kept.afterPrune) },
    { label: 'kept, after prune (lasso)', color: PALETTE[0], points: series('lasso', (p) => p.kept.afterPrune) },
    { label: 'removed, relearn (plain)', color: PALETTE[1], dashed: true, points: series('plain', relearn) },
    { label: 'removed, relearn (lasso)', color: PALETTE[0], dashed: true, points: series('lasso', relearn) },
  ];
  return { name: 'nonlocality-accuracy', svg: lineChartSvg(lines, { title: `Accuracy vs sparsity (mean of ${studies.length} seed${studies.length === 1 ? '' : 's'})`, xLabel: 'fraction of hidden units removed', yLabel: 'accuracy', yMin: 0.4, yMax: 1 }) };
}

interface FrontierPoint { size: number | string; samplesToTarget?: number | null; tokensToTarget?: number | null }

function frontierChart(name: string, studies: StudyRow[], unit: 'samples' | 'tokens'): NamedChart {
  const methods = new Map<string, [number, number | null][]>();
  for (const s of studies) {
    const f = (s.summary as { frontier?: Record<string, FrontierPoint[]> } | null)?.frontier ?? {};
    for (const [m, pts] of Object.entries(f)) {
      for (const p of pts) {
        if (typeof p.size !== 'number') continue;
        const y = unit === 'samples' ? p.samplesToTarget ?? null : p.tokensToTarget ?? null;
        methods.set(m, [...(methods.get(m) ?? []), [p.size, y]]);
      }
    }
  }
  const lines: Line[] = [...methods.entries()].map(([m, pts], i) => ({ label: m, color: PALETTE[i % PALETTE.length], points: meanBy(pts) }));
  return {
    name, svg: lineChartSvg(lines, {
      title: `${unit === 'samples' ? 'Samples' : 'Tokens'} to the target vs size (mean over seeds that reached it)`,
      xLabel: unit === 'samples' ? 'hidden units kept' : 'MLP neurons kept', yLabel: `${unit} to target`, logX: true, yMin: 0,
    }),
  };
}

/** The charts a result's section shows, from its finished studies (none without studies). */
export function resultCharts(result: string, studies: StudyRow[]): NamedChart[] {
  if (!studies.length) return [];
  if (result === 'nonlocality') return [nonlocalityChart(studies)];
  if (result.startsWith('frontier-')) return [frontierChart(`${result}-frontier`, studies, 'samples')];
  if (result === 'lm-frontier') return [frontierChart('lm-frontier', studies, 'tokens')];
  return [];
}
