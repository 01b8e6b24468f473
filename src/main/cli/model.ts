// `whittle model import DIR --name NAME` and `whittle model generate RUN --prompt TEXT`: bring a
// Hugging Face checkpoint in as a run (kind importModel, the same call as the GUI's "Open a model…"),
// and continue a prompt greedily with any finished run's decoder model (imported or trained here).
import type { ImportModelSummary } from '../../shared/specs/importModel';
import { UsageError } from './args';
import { type Command, type CommandContext, EXIT } from './command';
import { exitCodeFor, followRuns, printJson } from './output';

const SUBCOMMANDS = 'import DIR --name NAME | generate RUN --prompt TEXT [--tokens N]';

function describe(s: ImportModelSummary): string {
  const n = (v: number) => v.toLocaleString('en-US');
  return [
    `${s.architecture} (model_type ${s.modelType}) from ${s.folder}`,
    `  layers ${s.layers}, width ${s.dModel}, heads ${s.heads} (KV heads ${s.kvHeads}, head width ${s.headDim}), MLP width ${s.mlpWidth}`,
    `  vocabulary ${n(s.vocab)}, context ${n(s.context)} tokens, ${n(s.params)} parameters`,
    `  read ${n(s.bytesRead)} bytes of ${s.dtype} from ${s.sourceFiles} file(s) in ${s.seconds.toFixed(1)} s`,
    '',
  ].join('\n');
}

async function importCmd(ctx: CommandContext, rest: string[]): Promise<number> {
  const [folder, ...extra] = rest;
  if (!folder) throw new UsageError('expects the checkpoint folder: whittle model import DIR --name NAME');
  if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}' (one folder per import)`);
  const o = ctx.args.options as { name?: string };
  const svc = ctx.service();
  // Refused here (exit 2, nothing registered) when the folder's headers say it cannot be imported.
  const run = await svc.importModel({ folder, name: o.name });
  if (!ctx.json) ctx.io.out(`importing ${(run.spec as { folder: string }).folder} as '${run.name}' (run ${run.id})\n`);
  const [end] = await followRuns(ctx, [run.id], () => 'reading ');
  const summary = end.status === 'done' ? (end.summary as unknown as ImportModelSummary) : null;
  if (ctx.json) printJson(ctx.io, { runId: end.id, name: end.name, status: end.status, error: end.error, summary });
  else if (summary) ctx.io.out(`${describe(summary)}run ${end.id}: try \`whittle model generate ${end.id} --prompt "Hello"\`\n`);
  else ctx.io.err(`whittle model import: ${end.error ?? end.status} (run ${end.id})\n`);
  return exitCodeFor([end]);
}

async function generateCmd(ctx: CommandContext, rest: string[]): Promise<number> {
  const [runId, ...extra] = rest;
  if (!runId) throw new UsageError('expects a RUN with a decoder model: whittle model generate RUN --prompt TEXT');
  if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}' (quote the prompt: --prompt "…")`);
  const o = ctx.args.options as { prompt?: string; tokens?: number };
  if (o.prompt === undefined) throw new UsageError('--prompt TEXT is required (use --prompt "" to start from nothing)');
  const tokens = o.tokens ?? 32;
  if (!Number.isInteger(tokens) || tokens < 1) throw new UsageError(`--tokens expects a whole number ≥ 1, got ${o.tokens}`);
  const r = await ctx.service().generate(runId, { prompt: o.prompt, tokens });
  if (ctx.json) printJson(ctx.io, r);
  else {
    ctx.io.out(`${r.text}\n`);
    ctx.io.err(`(${r.ids.length} tokens${r.stoppedAtEos ? ', stopped at end-of-sequence' : ''}; ${r.msPerToken.toFixed(1)} ms per token)\n`);
  }
  return EXIT.ok;
}

export const modelCommand: Command = {
  name: 'model',
  summary: 'bring a Hugging Face checkpoint in as a run; continue a prompt with a run\'s language model',
  usage: `whittle model ${SUBCOMMANDS}`,
  options: [
    { name: 'name', type: 'string', valueName: 'NAME', description: 'import: the run\'s name (default: the folder name)' },
    { name: 'prompt', type: 'string', valueName: 'TEXT', description: 'generate: the text to continue' },
    { name: 'tokens', type: 'number', valueName: 'N', description: 'generate: tokens to write, greedily (default 32, at most 1024; stops early at end-of-sequence)' },
  ],
  async run(ctx) {
    const [sub, ...rest] = ctx.args.positionals;
    switch (sub) {
      case 'import': return importCmd(ctx, rest);
      case 'generate': return generateCmd(ctx, rest);
      default:
        throw new UsageError(sub ? `unknown subcommand '${sub}'; use ${SUBCOMMANDS}` : `expects a subcommand: ${SUBCOMMANDS}`);
    }
  },
};
