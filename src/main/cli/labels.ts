// How `whittle metrics` and `whittle show` print metrics and summaries for a person: each metric's
// label and unit and each summary key's label come from the contract (shared/metrics.ts,
// shared/glossary.ts), as in the GUI. --json output keeps the raw keys.
import type { MetricSeries } from '../../shared/api';
import { summaryLabel } from '../../shared/glossary';
import { axisLabel, describeMetric, METRIC_PHASES } from '../../shared/metrics';

/** Rows of the metrics table, header first: key, what it is, step, samples (or tokens), value, unit. */
export function metricRows(series: MetricSeries['series'], runKind: string): string[][] {
  const xName = axisLabel('samples', [runKind]).includes('tokens') ? 'TOKENS' : 'SAMPLES';
  const rows: string[][] = [['KEY', 'METRIC', 'STEP', xName, 'VALUE', 'UNIT']];
  for (const [k, pts] of Object.entries(series)) {
    const d = describeMetric(k);
    const what = `${d.phase ? `${METRIC_PHASES[d.phase]}: ` : ''}${d.label}${d.series ? ` · ${d.series}` : ''}`;
    for (const p of pts) rows.push([k, what, String(p.step), p.samples == null ? '' : String(p.samples), String(p.value), d.percent ? 'fraction' : d.unit]);
  }
  return rows;
}

/** A run summary as "Label: value" lines; records and lists as compact JSON after their label. */
export function summaryLines(summary: Record<string, unknown>): string[] {
  return Object.entries(summary).map(([k, v]) => `  ${summaryLabel(k)} [${k}]: ${v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
}
