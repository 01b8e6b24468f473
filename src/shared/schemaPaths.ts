// Every field path a schema accepts (`teacher.hidden`, `task.n`, array items folded into their
// parent), read from zod's definitions: the glossary test uses it so that a new spec field without
// a human label fails a test.
import type { z } from 'zod';

interface Def { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; element?: z.ZodType; options?: z.ZodType[]; in?: z.ZodType; out?: z.ZodType; valueType?: z.ZodType; getter?: () => z.ZodType; left?: z.ZodType; right?: z.ZodType }

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Dotted paths of every object field reachable from `schema` (arrays and records see through). */
export function schemaPaths(schema: z.ZodType, prefix = '', out = new Set<string>(), seen = new Set<z.ZodType>()): Set<string> {
  if (seen.has(schema)) return out;
  seen.add(schema);
  const def = defOf(schema);
  switch (def.type) {
    case 'object':
      for (const [key, field] of Object.entries(def.shape ?? {})) {
        const path = prefix ? `${prefix}.${key}` : key;
        out.add(path);
        schemaPaths(field, path, out, new Set(seen));
      }
      break;
    case 'optional': case 'nullable': case 'default': case 'prefault': case 'readonly': case 'catch': case 'nonoptional':
      schemaPaths(def.innerType!, prefix, out, seen); break;
    case 'array': schemaPaths(def.element!, prefix, out, seen); break;
    case 'record': schemaPaths(def.valueType!, prefix, out, seen); break;
    case 'union': for (const o of def.options ?? []) schemaPaths(o, prefix, out, seen); break;
    case 'intersection': schemaPaths(def.left!, prefix, out, seen); schemaPaths(def.right!, prefix, out, seen); break;
    case 'pipe': schemaPaths(def.in!, prefix, out, seen); schemaPaths(def.out!, prefix, out, seen); break;
    case 'lazy': schemaPaths(def.getter!(), prefix, out, seen); break;
    default: break;
  }
  return out;
}
