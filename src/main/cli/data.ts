// `whittle data import|ls|show|rm`: image datasets. An import runs as a job (kind importDataset) like
// any other run, so it shows progress, can be cancelled, and lands in the registry only when complete.
import type { DatasetRow } from '../../shared/specs/dataset';
import type { DatasetRegistry, ImportRequest } from '../services/datasets';
import { UsageError } from './args';
import { type Command, type CommandContext, EXIT } from './command';
import { exitCodeFor, followRuns, printJson, table } from './output';

const SUBCOMMANDS = 'import PATH | ls | show NAME | rm NAME';

function registry(ctx: CommandContext): DatasetRegistry {
  return ctx.service().datasets;
}

/** `footwear=Sandal,Sneaker,9` → ['footwear', ['Sandal', 'Sneaker', 9]] */
function parseSubset(s: string): [string, (string | number)[]] {
  const eq = s.indexOf('=');
  if (eq <= 0 || eq === s.length - 1) throw new UsageError(`--subset expects NAME=CLASS,CLASS,… (got '${s}')`);
  return [s.slice(0, eq), s.slice(eq + 1).split(',').map((c) => (/^\d+$/.test(c.trim()) ? Number(c) : c.trim()))];
}

function describe(d: DatasetRow): string {
  const m = d.meta;
  const split = m.split.kind === 'source' ? 'from the source' : `seeded (test fraction ${m.split.testFraction}, seed ${m.split.seed})`;
  const norm = m.normalisation.kind === 'unit' ? 'pixel/255' : `(pixel/255 − ${m.normalisation.shift.toFixed(4)}) / ${m.normalisation.scale.toFixed(4)}`;
  return [
    `${d.name}: ${d.classes.length} classes, ${d.trainCount} train / ${d.testCount} test images of ${d.shape.join('×')} (h×w×c)`,
    `source: ${d.sourcePath} (${d.sourceKind}, ${m.source.files} files, sha256 ${m.source.sha256.slice(0, 16)}…)`,
    `split: ${split}`,
    `input: ${norm}  (train mean ${m.normalisation.mean.toFixed(4)}, std ${m.normalisation.std.toFixed(4)})`,
    `checksum: ${d.checksum}${d.runId ? `  (imported by run ${d.runId})` : ''}`,
    '',
    table([['#', 'CLASS', 'TRAIN', 'TEST'], ...d.classes.map((c, i) => [String(i), c, String(m.counts.trainPerClass[i]), String(m.counts.testPerClass[i])])]),
    '',
    'skills (use as a task skill or target):',
    table(Object.entries(m.subsets).map(([k, v]) => [`  ${k}`, v.map((i) => d.classes[i]).join(', ')])),
    '',
  ].join('\n');
}

async function importCmd(ctx: CommandContext): Promise<number> {
  const [, source, ...extra] = ctx.args.positionals;
  if (!source || extra.length) throw new UsageError('expects one PATH: whittle data import PATH [--name N]');
  const o = ctx.args.options as { name?: string; 'test-fraction'?: number; seed?: number; standardize?: boolean; grayscale?: boolean; classes?: string; subset?: string[]; replace?: boolean };
  const req: ImportRequest = { source, dataset: o.name };
  if (o['test-fraction'] !== undefined || o.seed !== undefined) req.split = { testFraction: o['test-fraction'] ?? 0.2, seed: o.seed ?? 0 };
  if (o.standardize) req.normalisation = 'standardize';
  if (o.grayscale) req.grayscale = true;
  if (o.classes) req.classNames = o.classes.split(',').map((c) => c.trim());
  if (o.subset) req.subsets = Object.fromEntries(o.subset.map(parseSubset));
  if (o.replace) req.replace = true;
  const run = await ctx.service().importDataset(req);
  if (!ctx.json) ctx.io.out(`importing ${(run.spec as { source: string }).source} as '${(run.spec as { dataset: string }).dataset}' (run ${run.id})\n`);
  const [end] = await followRuns(ctx, [run.id]);
  // The service registers a finished import when the run settles; read the registry's row.
  const row = end.status === 'done' ? registry(ctx).get((run.spec as { dataset: string }).dataset) : null;
  if (ctx.json) printJson(ctx.io, { runId: end.id, status: end.status, error: end.error, dataset: row });
  else if (row) ctx.io.out(describe(row));
  else ctx.io.err(`import ${end.status}${end.error ? `: ${end.error}` : ''}; nothing was registered\n`);
  return exitCodeFor([end]);
}

export const dataCommand: Command = {
  name: 'data',
  summary: 'image datasets: import IDX files or class folders of PNG/JPEG, list, show, remove',
  usage: `whittle data ${SUBCOMMANDS}`,
  options: [
    { name: 'name', type: 'string', valueName: 'N', description: 'import: dataset name (default: the folder name)' },
    { name: 'test-fraction', type: 'number', valueName: 'F', description: 'import: test share when the source has no split (default 0.2)' },
    { name: 'seed', type: 'number', valueName: 'S', description: 'import: seed of that split (default 0)' },
    { name: 'standardize', type: 'boolean', description: "import: inputs (pixel/255 − mean)/std of the train split (default pixel/255)" },
    { name: 'grayscale', type: 'boolean', description: 'import: convert colour images to one channel' },
    { name: 'classes', type: 'string', valueName: 'A,B,…', description: 'import: class names for IDX labels 0..K-1' },
    { name: 'subset', type: 'string', multiple: true, valueName: 'NAME=C,C', description: 'import: a named skill, by class names or indices' },
    { name: 'replace', type: 'boolean', description: 'import: overwrite a dataset of the same name' },
  ],
  async run(ctx) {
    const [sub, ...rest] = ctx.args.positionals;
    switch (sub) {
      case 'import':
        return importCmd(ctx);
      case 'ls': {
        const rows = registry(ctx).list();
        if (ctx.json) { printJson(ctx.io, rows.map(({ meta: _m, ...r }) => r)); return EXIT.ok; }
        if (!rows.length) { ctx.io.out('no datasets yet — try `whittle data import /usr/share/datasets/fashion-mnist`\n'); return EXIT.ok; }
        ctx.io.out(`${table([['NAME', 'CLASSES', 'TRAIN', 'TEST', 'SHAPE', 'SOURCE'], ...rows.map((r) => [
          r.name, String(r.classes.length), String(r.trainCount), String(r.testCount), r.shape.join('×'), r.sourcePath,
        ])])}\n`);
        return EXIT.ok;
      }
      case 'show': {
        if (rest.length !== 1) throw new UsageError('expects one NAME: whittle data show NAME');
        const row = registry(ctx).get(rest[0]);
        if (ctx.json) printJson(ctx.io, row); else ctx.io.out(describe(row));
        return EXIT.ok;
      }
      case 'rm': {
        if (rest.length !== 1) throw new UsageError('expects one NAME: whittle data rm NAME');
        registry(ctx).remove(rest[0]);
        if (ctx.json) printJson(ctx.io, { removed: rest[0] }); else ctx.io.out(`removed dataset ${rest[0]}\n`);
        return EXIT.ok;
      }
      default:
        throw new UsageError(sub ? `unknown subcommand '${sub}'; use ${SUBCOMMANDS}` : `expects a subcommand: ${SUBCOMMANDS}`);
    }
  },
};
