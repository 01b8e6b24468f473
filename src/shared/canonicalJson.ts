// Spec comparison and hashing by content (the export card's spec hash, `whittle reproduce` reusing a study).

/** JSON with object keys sorted at every level (undefined fields left out): equal specs give equal
 *  strings however their fields were ordered. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
