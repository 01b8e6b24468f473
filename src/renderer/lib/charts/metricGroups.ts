// Metric keys → what the run views draw: one chart per metric group (titled and scaled from the
// contract's definitions in shared/metrics.ts), and the one-off phase values (before pruning,
// the teacher) as a table instead of charts of a single point at x = 0, which a log axis cannot show.
import { describeMetric, formatMetric, METRIC_PHASES, metricTitle } from '../../../shared/metrics';
import { groupKeys } from './smooth';

export interface ChartGroup {
  group: string;
  title: string;
  yMin?: number;
  yMax?: number;
  /** Accuracy: a log y axis makes no sense for fractions. */
  linearOnly: boolean;
  keys: { key: string; label: string }[];
}

/** Curves to chart, phase keys left out. */
export function chartGroups(keys: readonly string[]): ChartGroup[] {
  return groupKeys(keys.filter((k) => describeMetric(k).phase === null)).map((g) => {
    const d = describeMetric(g.group);
    return { group: g.group, title: metricTitle(g.group), yMin: d.yMin, yMax: d.yMax, linearOnly: !!d.percent, keys: g.keys.map((k) => ({ key: k.key, label: k.key.includes('/') ? k.label : d.label })) };
  });
}

export interface PhaseRow { key: string; metric: string; series: string; value: string }
export interface PhaseTable { phase: string; title: string; rows: PhaseRow[] }

/** The one-off evaluations (beforePrune/…, teacher/…), each key's last value with its unit. */
export function phaseTables(keys: readonly string[], last: (key: string) => number | undefined): PhaseTable[] {
  const by = new Map<string, PhaseRow[]>();
  for (const key of keys) {
    const d = describeMetric(key);
    if (!d.phase) continue;
    const rows = by.get(d.phase) ?? [];
    rows.push({ key, metric: d.label, series: d.series, value: formatMetric(key, last(key)) });
    by.set(d.phase, rows);
  }
  return [...by.entries()].map(([phase, rows]) => ({ phase, title: METRIC_PHASES[phase] ?? phase, rows: rows.sort((a, b) => a.series.localeCompare(b.series) || a.metric.localeCompare(b.metric)) }));
}

/** A metric key in words for a dropdown: "Accuracy · [0,1]", "Loss (bits) · code". */
export function metricOptionLabel(key: string): string {
  const d = describeMetric(key);
  const phase = d.phase ? `${METRIC_PHASES[d.phase]}: ` : '';
  return `${phase}${metricTitle(d.group)}${d.series ? ` · ${d.series}` : ''}`;
}

/** A point's x on the chosen axis; null when it has no sample count (runs recorded before the
 *  count was logged with every metric): drawn at its step, it would mislabel steps as samples. */
export function xOf(p: { step: number; samples?: number | null }, axis: 'samples' | 'step'): number | null {
  return axis === 'step' ? p.step : (p.samples ?? null);
}
