// One definition of every metric the jobs log: what it measures, its unit, how to print it, and
// what its x axes are. Charts, tables, the CLI (`whittle metrics`, `show`) and the reports read
// these, so a unit is stated in one place. Keys are `[phase/]group[/skill]`: `loss/[0,1]`,
// `bpb/code`, `beforePrune/acc/[0]`, `relearn/[1]/acc/[1]`, `activeUnits`.
//
// Losses are in bits (nats × log2 e, as METHODS.md reports them) for every job kind: per sample
// for the classifiers (CMSP, images), per token for the language models. Bits per byte divides a
// language model's bits per token by the held-out bytes per token.

export interface MetricDef {
  /** Table header / legend: "Loss", "Bits per byte". */
  label: string;
  /** Chart title where "label (unit)" would repeat itself. */
  title?: string;
  /** Unit as printed after values and in axis titles; '' for pure numbers. */
  unit: string;
  /** Values are fractions shown as percentages (accuracy). */
  percent?: boolean;
  /** A y axis that starts at zero, and one that ends at one. */
  yMin?: number;
  yMax?: number;
}

export const METRIC_GROUPS: Record<string, MetricDef> = {
  loss: { label: 'Loss', unit: 'bits', yMin: 0 },
  bpb: { label: 'Bits per byte', title: 'Bits per byte (held-out)', unit: 'bits/byte', yMin: 0 },
  acc: { label: 'Accuracy', unit: '', percent: true, yMin: 0, yMax: 1 },
  train: { label: 'Training loss', unit: 'bits', yMin: 0 },
  trainLoss: { label: 'Training loss', unit: 'bits', yMin: 0 },
  activeUnits: { label: 'Active hidden units', title: 'Active hidden units', unit: 'units', yMin: 0 },
  neurons: { label: 'Active MLP neurons', title: 'Active MLP neurons', unit: 'neurons', yMin: 0 },
  lambda: { label: 'Group-lasso strength λ', unit: '' },
  lr: { label: 'Learning rate', unit: '' },
  groupLasso: { label: 'Group-lasso phase', unit: 'tokens' },
  bench: { label: 'Benchmark', unit: '' },
  count: { label: 'Count', unit: '' },
};

/** Units of the keys inside a group where they differ from the group's (`bench/median_ms`). */
const KEY_UNITS: Record<string, { label: string; unit: string }> = {
  'bench/median_ms': { label: 'Median step time', unit: 'ms' },
  'bench/samples_per_s': { label: 'Throughput', unit: 'samples/s' },
  'groupLasso/tokens': { label: 'Group-lasso tokens', unit: 'tokens' },
};

/** Phases a job evaluates once, before its main loop: single reference values, not curves. */
export const METRIC_PHASES: Record<string, string> = {
  beforePrune: 'Before pruning',
  teacher: 'General model (teacher)',
  /** `relearn/<skill>/acc/<skill>`: a removed skill after a copy was trained on it alone. */
  relearn: 'After the relearn test',
};

export interface MetricInfo extends MetricDef {
  key: string;
  /** `beforePrune`, `teacher` or null. */
  phase: string | null;
  /** The group (`loss`), after the phase. */
  group: string;
  /** What the line is about: a skill or domain (`[0,1]`, `code`), or '' for a run-wide metric. */
  series: string;
}

/** Reads a metric key. Unknown groups get a label made from their name and no unit. */
export function describeMetric(key: string): MetricInfo {
  let rest = key;
  let phase: string | null = null;
  const slash = key.indexOf('/');
  if (slash > 0 && key.slice(0, slash) in METRIC_PHASES) {
    phase = key.slice(0, slash);
    rest = key.slice(slash + 1);
    // the relearn phase names its skill first (skill keys hold no '/')
    if (phase === 'relearn') rest = rest.slice(rest.indexOf('/') + 1);
  }
  const i = rest.indexOf('/');
  const group = i < 0 ? rest : rest.slice(0, i);
  const series = i < 0 ? '' : rest.slice(i + 1);
  const def = METRIC_GROUPS[group] ?? { label: group.charAt(0).toUpperCase() + group.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase().slice(1), unit: '' };
  const special = KEY_UNITS[rest];
  return { ...def, ...(special ?? {}), key, phase, group, series };
}

/** Chart title of a metric group or key: "Loss (bits)", "Accuracy", "Active hidden units". */
export function metricTitle(group: string): string {
  const d = describeMetric(group);
  return d.title ?? (d.unit ? `${d.label} (${d.unit})` : d.label);
}

/** A value with its unit: "2.904 bits", "97.3 %", "1,200 units". */
export function formatMetric(key: string, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const d = describeMetric(key);
  if (d.percent) return `${(value * 100).toFixed(1)} %`;
  const n = Number.isInteger(value) ? value.toLocaleString('en-US') : Math.abs(value) >= 100 ? value.toFixed(1) : Math.abs(value) >= 0.01 ? value.toFixed(3) : value.toPrecision(3);
  return d.unit ? `${n} ${d.unit}` : n;
}

/** The x axes a metric can be drawn against. */
export type MetricAxis = 'step' | 'samples';

/** Run kinds whose `samples` count tokens rather than examples. */
const TOKEN_KINDS = new Set(['lm']);

/** Axis title: "Training step", "Training samples seen", "Training tokens seen". */
export function axisLabel(axis: MetricAxis, runKinds: readonly string[] = []): string {
  if (axis === 'step') return 'Training step';
  const tokens = runKinds.length > 0 && runKinds.every((k) => TOKEN_KINDS.has(k));
  const mixed = runKinds.some((k) => TOKEN_KINDS.has(k)) && !tokens;
  return mixed ? 'Training samples / tokens seen' : tokens ? 'Training tokens seen' : 'Training samples seen';
}
