// Turns zod failures into messages that name the field path and what was expected.
import type { z } from 'zod';

export class SpecError extends Error {
  constructor(public readonly issues: { path: string; message: string }[]) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '));
    this.name = 'SpecError';
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/** Parse `value` with `schema`; throws SpecError naming every bad field. */
export function parseSpec<S extends z.ZodType>(schema: S, value: unknown, root = ''): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => {
    const path = formatPath([...(root ? [root] : []), ...i.path]);
    return { path, message: i.message };
  });
  throw new SpecError(issues);
}
