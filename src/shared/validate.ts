// Turns zod failures into messages that name the field path and what was expected.
import type { z } from 'zod';
import { issueSentence, type SchemaIssue } from './issueText';

/** A failed field: its spec path, the schema's message, and (for a person) a sentence naming it. */
export interface SpecIssue { path: string; message: string; text?: string }

export class SpecError extends Error {
  constructor(public readonly issues: SpecIssue[]) {
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
    return { path, message: i.message, text: issueSentence(i as unknown as SchemaIssue, path) };
  });
  throw new SpecError(issues);
}
