// Built-in recipes: JSON files in resources/recipes ({name, title, kind: 'run'|'study', spec}).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Recipe { name: string; title: string; kind: 'run' | 'study'; spec: Record<string, unknown>; file: string }

/** resources/ of the source tree or of the built app (searched upwards from this file). */
export function resourcesDir(): string {
  if (process.env.WHITTLE_RESOURCES) return process.env.WHITTLE_RESOURCES;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const cand = path.join(dir, 'resources');
    if (fs.existsSync(path.join(cand, 'recipes'))) return cand;
    dir = path.dirname(dir);
  }
  throw new Error('resources/recipes not found next to the app');
}

export function listRecipes(): Recipe[] {
  const dir = path.join(resourcesDir(), 'recipes');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => readRecipe(path.join(dir, f)));
}

const RECIPE_KEYS = ['name', 'title', 'kind', 'spec'];

export function readRecipe(file: string): Recipe {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`recipe ${file}: ${(e as Error).message}`);
  }
  const r = raw as Partial<Recipe>;
  if (!r || typeof r !== 'object' || Array.isArray(r) || typeof r.spec !== 'object' || !r.spec || Array.isArray(r.spec)) throw new Error(`recipe ${file}: expected {name, title, kind, spec}`);
  // A misplaced field (`steps` beside `spec` instead of inside it) would otherwise be silently ignored.
  const unknown = Object.keys(r).filter((k) => !RECIPE_KEYS.includes(k));
  if (unknown.length) throw new Error(`recipe ${file}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} (a recipe has ${RECIPE_KEYS.join(', ')}; spec fields go inside 'spec')`);
  for (const k of ['name', 'title'] as const) if (r[k] !== undefined && typeof r[k] !== 'string') throw new Error(`recipe ${file}: '${k}' must be a string`);
  const name = r.name ?? path.basename(file, '.json');
  const kind = r.kind ?? 'run';
  if (kind !== 'run' && kind !== 'study') throw new Error(`recipe ${file}: kind must be 'run' or 'study'`);
  return { name, title: r.title ?? name, kind, spec: r.spec as Record<string, unknown>, file };
}

/** A recipe by built-in name or by file path. */
export function findRecipe(nameOrFile: string): Recipe {
  if (nameOrFile.endsWith('.json') || nameOrFile.includes('/') || nameOrFile.includes(path.sep)) {
    if (!fs.existsSync(nameOrFile)) throw new Error(`recipe file not found: ${nameOrFile}`);
    return readRecipe(path.resolve(nameOrFile));
  }
  const found = listRecipes().find((r) => r.name === nameOrFile);
  if (!found) throw new Error(`unknown recipe '${nameOrFile}' (built-in: ${listRecipes().map((r) => r.name).join(', ')})`);
  return found;
}

/** Path segments that reach an object's prototype instead of a field: `--set __proto__.x=1`
 *  would otherwise set x on every object in the process. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Apply `key.path=value` overrides (value parsed as JSON when it parses, else a string). Only a
 *  spec's own fields are walked or written; a segment that names a prototype is refused. */
export function applyOverrides(spec: Record<string, unknown>, sets: string[]): Record<string, unknown> {
  const out = structuredClone(spec);
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new Error(`--set expects key=value (got '${s}')`);
    const keyPath = s.slice(0, eq);
    const keys = keyPath.split('.');
    for (const k of keys) {
      if (!k) throw new Error(`--set ${keyPath}: empty field name in the path`);
      if (FORBIDDEN_KEYS.has(k)) throw new Error(`--set ${keyPath}: '${k}' is not a spec field`);
    }
    const rawVal = s.slice(eq + 1);
    let val: unknown;
    try { val = JSON.parse(rawVal); } catch { val = rawVal; }
    let obj: Record<string, unknown> = out;
    for (const k of keys.slice(0, -1)) {
      const next = Object.hasOwn(obj, k) ? obj[k] : undefined;
      if (typeof next !== 'object' || next === null) obj[k] = {};
      obj = obj[k] as Record<string, unknown>;
    }
    obj[keys[keys.length - 1]] = val;
  }
  return out;
}
