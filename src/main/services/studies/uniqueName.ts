// Study names are how people tell studies apart in lists, the compare view and the CLI. Running
// the same recipe twice is common (another seed, after a change), so a second study with a taken
// name is not refused: it gets the first free "name (2)", "name (3)", … and keeps its spec.
export function uniqueName(wanted: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(wanted)) return wanted;
  for (let i = 2; ; i++) {
    const candidate = `${wanted} (${i})`;
    if (!used.has(candidate)) return candidate;
  }
}
