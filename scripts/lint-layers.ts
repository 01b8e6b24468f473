// Layering rule (as VS Code's): each folder may import only the layers below it. DESIGN.md:
//   shared ← everyone; worker → shared; main/services → shared; main/electron, cli, serve → services,
//   shared; preload → shared; renderer → shared. Only main/electron and preload may import 'electron'.
// Usage: node --import tsx scripts/lint-layers.ts [ROOT]   (exit 1 and one line per violation)
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

type Layer = 'shared' | 'worker' | 'services' | 'electron' | 'cli' | 'preload' | 'renderer';

interface Rule { may: Layer[]; nodeBuiltins: boolean; packages: 'any' | string[]; forbiddenPackages: string[] }

const RULES: Record<Layer, Rule> = {
  shared: { may: ['shared'], nodeBuiltins: false, packages: ['zod'], forbiddenPackages: [] },
  worker: { may: ['worker', 'shared'], nodeBuiltins: true, packages: 'any', forbiddenPackages: ['electron', 'better-sqlite3'] },
  services: { may: ['services', 'shared'], nodeBuiltins: true, packages: 'any', forbiddenPackages: ['electron', '@tensorflow/'] },
  electron: { may: ['electron', 'services', 'shared'], nodeBuiltins: true, packages: 'any', forbiddenPackages: ['@tensorflow/'] },
  cli: { may: ['cli', 'services', 'shared'], nodeBuiltins: true, packages: 'any', forbiddenPackages: ['electron', '@tensorflow/'] },
  preload: { may: ['preload', 'shared'], nodeBuiltins: false, packages: ['electron'], forbiddenPackages: [] },
  renderer: { may: ['renderer', 'shared'], nodeBuiltins: false, packages: 'any', forbiddenPackages: ['electron', 'better-sqlite3', '@tensorflow/'] },
};

export function layerOf(rel: string): Layer | null {
  const p = rel.split(path.sep).join('/');
  if (p.startsWith('src/shared/')) return 'shared';
  if (p.startsWith('src/worker/')) return 'worker';
  if (p.startsWith('src/main/services/')) return 'services';
  if (p.startsWith('src/main/electron/')) return 'electron';
  if (p === 'src/main/cli.ts' || p.startsWith('src/main/cli/') || p === 'src/main/serve.ts') return 'cli';
  if (p.startsWith('src/preload/')) return 'preload';
  if (p.startsWith('src/renderer/')) return 'renderer';
  return null;
}

function* walk(dir: string): Generator<string> {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) { if (e.name !== 'node_modules') yield* walk(full); }
    else if (/\.(ts|mts|mjs|js|svelte)$/.test(e.name)) yield full;
  }
}

function importsOf(file: string): string[] {
  let text = fs.readFileSync(file, 'utf8');
  if (file.endsWith('.svelte')) text = [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map((f) => f.fileName);
}

const BUILTINS = new Set(builtinModules);
const isBuiltin = (s: string) => s.startsWith('node:') || BUILTINS.has(s.split('/')[0]);
const pkgName = (s: string) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]);

export function lintLayers(root: string): string[] {
  const problems: string[] = [];
  for (const file of walk(path.join(root, 'src'))) {
    const rel = path.relative(root, file);
    const layer = layerOf(rel);
    if (!layer) continue;
    const rule = RULES[layer];
    for (const spec of importsOf(file)) {
      if (/\.test\.ts$/.test(file) && spec === 'vitest') continue;
      const where = `${rel.split(path.sep).join('/')}: imports '${spec}'`;
      if (spec.startsWith('.')) {
        const target = path.relative(root, path.resolve(path.dirname(file), spec));
        // Tests may use shared test helpers; their other imports obey their folder's layer.
        if (/\.test\.ts$/.test(file) && target.split(path.sep)[0] === 'test') continue;
        const tl = layerOf(target.endsWith('.ts') || target.endsWith('.svelte') ? target : `${target}.ts`) ?? layerOf(`${target}/`);
        if (!tl) { problems.push(`${where} — outside the layered folders`); continue; }
        if (!rule.may.includes(tl)) problems.push(`${where} — layer '${layer}' may import only ${rule.may.join(', ')}, not '${tl}'`);
      } else if (isBuiltin(spec)) {
        // Tests run under Node whatever layer they test.
        if (!rule.nodeBuiltins && !/\.test\.ts$/.test(file)) problems.push(`${where} — layer '${layer}' may not use Node built-ins`);
      } else {
        const name = pkgName(spec);
        if (rule.forbiddenPackages.some((f) => (f.endsWith('/') ? spec.startsWith(f) : name === f))) problems.push(`${where} — layer '${layer}' may not import ${name}`);
        else if (rule.packages !== 'any' && !rule.packages.includes(name)) problems.push(`${where} — layer '${layer}' may import only ${rule.packages.join(', ')}`);
      }
    }
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('lint-layers.ts')) {
  const root = path.resolve(process.argv[2] ?? '.');
  const problems = lintLayers(root);
  for (const p of problems) console.error(p);
  console.log(problems.length ? `layering: ${problems.length} violation(s)` : 'layering: ok');
  process.exit(problems.length ? 1 : 0);
}
