// Flattens a JSON value into dotted paths (`model.hidden[0]`) for spec tables and diffs.
export function flatten(value: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (Array.isArray(value)) {
    if (value.length === 0 || value.every((v) => v === null || typeof v !== 'object')) out[prefix] = JSON.stringify(value);
    else value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  } else if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out[prefix] = '{}';
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = value;
  }
  return out;
}

export interface DiffRow { path: string; values: unknown[]; differs: boolean }

/** One row per path present in any of the values; `differs` when not all equal. */
export function specDiff(values: unknown[]): DiffRow[] {
  const flats = values.map((v) => flatten(v));
  const paths = new Set<string>();
  for (const f of flats) for (const p of Object.keys(f)) paths.add(p);
  return [...paths].sort().map((path) => {
    const vs = flats.map((f) => f[path]);
    return { path, values: vs, differs: vs.some((v) => JSON.stringify(v) !== JSON.stringify(vs[0])) };
  });
}
