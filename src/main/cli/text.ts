// `whittle text import|ls|show|rm|sample`: text corpora (text domains). An import runs as a job (kind
// importCorpus) like any other run: progress, cancel, and nothing registered unless it completes.
// Models on text are trained by `lm` runs: `whittle train --recipe lm-general-cpu`,
// `whittle study --recipe lm-compare-cpu`.
import { CorpusRegistry, type CorpusImportRequest, type CorpusRow } from '../services/corpora';
import { UsageError } from './args';
import { type Command, type CommandContext, EXIT } from './command';
import { exitCodeFor, followRuns, printJson, table } from './output';

const SUBCOMMANDS = 'import PATH... | ls | show NAME | rm NAME | sample RUN';

function describe(c: CorpusRow): string {
  const sk = c.skipped;
  return [
    `${c.name}: ${c.files.train + c.files.val} files, ${c.bytes.train} train / ${c.bytes.val} held-out bytes`,
    `sources: ${c.sources.join(', ')}`,
    `filters: include ${c.include.length ? c.include.join(' ') : '(all)'}; exclude ${c.exclude.length ? c.exclude.join(' ') : '(none)'}`,
    `split: ${c.split === 'documents' ? `by document (${c.files.val} files held out, fraction ${c.valFraction})` : `last ${c.valFraction} of the text (too few files for a document split)`}`,
    `skipped: ${sk.binary} binary, ${sk.tooLarge} too large, ${sk.unreadable} unreadable, ${sk.empty} empty, ${sk.overBudget} over the size budget`,
    ...c.unreadable.map((u) => `  unreadable: ${u}`),
    `sha256: ${c.sha256}`,
    '',
  ].join('\n');
}

async function importCmd(ctx: CommandContext): Promise<number> {
  const [, ...sources] = ctx.args.positionals;
  if (!sources.length) throw new UsageError('expects one or more PATHs: whittle text import PATH... [--name N]');
  const o = ctx.args.options as { name?: string; include?: string[]; exclude?: string[]; 'max-file-bytes'?: number; 'max-total-bytes'?: number; 'val-fraction'?: number; replace?: boolean };
  const req: CorpusImportRequest = { sources, corpus: o.name };
  if (o.include) req.include = o.include;
  if (o.exclude) req.exclude = o.exclude;
  if (o['max-file-bytes'] !== undefined) req.maxFileBytes = o['max-file-bytes'];
  if (o['max-total-bytes'] !== undefined) req.maxTotalBytes = o['max-total-bytes'];
  if (o['val-fraction'] !== undefined) req.valFraction = o['val-fraction'];
  if (o.replace) req.replace = true;
  const reg = new CorpusRegistry(ctx.home);
  const spec = reg.importSpec(req);
  const svc = ctx.service();
  const run = await svc.createRun({ ...spec, name: `import ${spec.corpus}` });
  if (!ctx.json) ctx.io.out(`importing ${spec.sources.join(', ')} as '${spec.corpus}' (run ${run.id})\n`);
  const [end] = await followRuns(ctx, [run.id]);
  const row = end.status === 'done' ? reg.get(spec.corpus) : null;
  if (ctx.json) printJson(ctx.io, { runId: end.id, status: end.status, error: end.error, corpus: row });
  else if (row) ctx.io.out(describe(row));
  else ctx.io.err(`import ${end.status}${end.error ? `: ${end.error}` : ''}; nothing was registered\n`);
  return exitCodeFor([end]);
}

async function sampleCmd(ctx: CommandContext, runId: string): Promise<number> {
  const o = ctx.args.options as { prompt?: string; tokens?: number; temperature?: number; 'top-k'?: number; seed?: number };
  const svc = ctx.service();
  const run = await svc.createRun({
    kind: 'lmSample', name: `sample ${runId}`, inputs: { model: runId }, prompt: o.prompt ?? '',
    ...(o.tokens !== undefined ? { tokens: o.tokens } : {}), ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
    ...(o['top-k'] !== undefined ? { topK: o['top-k'] } : {}), ...(o.seed !== undefined ? { seed: o.seed } : {}),
  });
  const [end] = await followRuns(ctx, [run.id]);
  const text = (end.summary as { text?: string } | null)?.text ?? null;
  if (ctx.json) printJson(ctx.io, { runId: end.id, status: end.status, error: end.error, text });
  else if (text !== null) ctx.io.out(`${text}\n`);
  else ctx.io.err(`sampling ${end.status}${end.error ? `: ${end.error}` : ''}\n`);
  return exitCodeFor([end]);
}

export const textCommand: Command = {
  name: 'text',
  summary: 'text corpora (domains for language models): import folders of text files, list, show, remove',
  usage: `whittle text ${SUBCOMMANDS}`,
  options: [
    { name: 'name', type: 'string', valueName: 'N', description: 'import: corpus name (default: the first folder name)' },
    { name: 'include', type: 'string', multiple: true, valueName: 'GLOB', description: "import: only files matching, e.g. '**/*.py'" },
    { name: 'exclude', type: 'string', multiple: true, valueName: 'GLOB', description: "import: skip files matching, e.g. 'test_*'" },
    { name: 'max-file-bytes', type: 'number', valueName: 'N', description: 'import: skip larger files (default 1 MiB)' },
    { name: 'max-total-bytes', type: 'number', valueName: 'N', description: 'import: stop adding files past this size (default 64 MiB)' },
    { name: 'val-fraction', type: 'number', valueName: 'F', description: 'import: share of documents held out (default 0.05)' },
    { name: 'replace', type: 'boolean', description: 'import: overwrite a corpus of the same name' },
    { name: 'prompt', type: 'string', valueName: 'TEXT', description: 'sample: text to continue (default: empty)' },
    { name: 'tokens', type: 'number', valueName: 'N', description: 'sample: tokens to generate (default 200)' },
    { name: 'temperature', type: 'number', valueName: 'T', description: 'sample: softmax temperature, 0 = greedy (default 0.8)' },
    { name: 'top-k', type: 'number', valueName: 'K', description: 'sample: draw from the K most likely tokens only' },
    { name: 'seed', type: 'number', valueName: 'S', description: 'sample: random seed (default 0)' },
  ],
  async run(ctx) {
    const [sub, ...rest] = ctx.args.positionals;
    const reg = new CorpusRegistry(ctx.home);
    switch (sub) {
      case 'import':
        return importCmd(ctx);
      case 'ls': {
        const rows = reg.list();
        if (ctx.json) { printJson(ctx.io, rows); return EXIT.ok; }
        if (!rows.length) { ctx.io.out("no corpora yet — try `whittle text import /usr/lib/python3.11 --name python --include '**/*.py'`\n"); return EXIT.ok; }
        ctx.io.out(`${table([['NAME', 'FILES', 'TRAIN BYTES', 'HELD-OUT BYTES', 'SPLIT', 'SOURCES'], ...rows.map((r) => [
          r.name, String(r.files.train + r.files.val), String(r.bytes.train), String(r.bytes.val), r.split, r.sources.join(', '),
        ])])}\n`);
        return EXIT.ok;
      }
      case 'show': {
        if (rest.length !== 1) throw new UsageError('expects one NAME: whittle text show NAME');
        const row = reg.get(rest[0]);
        if (ctx.json) printJson(ctx.io, row); else ctx.io.out(describe(row));
        return EXIT.ok;
      }
      case 'rm': {
        if (rest.length !== 1) throw new UsageError('expects one NAME: whittle text rm NAME');
        reg.remove(rest[0]);
        if (ctx.json) printJson(ctx.io, { removed: rest[0] }); else ctx.io.out(`removed corpus ${rest[0]}\n`);
        return EXIT.ok;
      }
      case 'sample': {
        if (rest.length !== 1) throw new UsageError('expects one RUN (a finished lm run): whittle text sample RUN --prompt TEXT');
        return sampleCmd(ctx, rest[0]);
      }
      default:
        throw new UsageError(sub ? `unknown subcommand '${sub}'; use ${SUBCOMMANDS}` : `expects a subcommand: ${SUBCOMMANDS}`);
    }
  },
};
