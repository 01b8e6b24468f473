// `whittle trash [ls] | restore ID | empty [ID]`: what `whittle rm` (or Delete in the app) moved to
// the trash, undo, and freeing the space. Entries older than 7 days are emptied when Whittle opens.
import { TRASH_DAYS } from '../../shared/trash';
import { UsageError } from './args';
import { type Command, EXIT } from './command';
import { printJson, table } from './output';

const SUBCOMMANDS = 'ls | restore ID | empty [ID]';
const when = (t: number) => new Date(t).toISOString().replace('T', ' ').slice(0, 16);

export const trashCommand: Command = {
  name: 'trash',
  summary: `deleted runs and studies (kept ${TRASH_DAYS} days): list, restore, empty`,
  usage: `whittle trash ${SUBCOMMANDS}`,
  options: [],
  async run(ctx) {
    const [sub = 'ls', ...rest] = ctx.args.positionals;
    switch (sub) {
      case 'ls': {
        if (rest.length) throw new UsageError('expects no arguments: whittle trash ls');
        const entries = await ctx.service({ access: 'read' }).listTrash();
        if (ctx.json) { printJson(ctx.io, entries); return EXIT.ok; }
        if (!entries.length) { ctx.io.out('the trash is empty\n'); return EXIT.ok; }
        ctx.io.out(`${table([['ID', 'DELETED', 'EXPIRES', 'WHAT', 'RUNS'], ...entries.map((t) => [
          t.id, when(t.deletedAt), when(t.expiresAt), t.label, t.runs.map((r) => r.id).join(' '),
        ])])}\n`);
        return EXIT.ok;
      }
      case 'restore': {
        if (rest.length !== 1) throw new UsageError('expects one trash ID: whittle trash restore ID (see whittle trash ls)');
        const entry = await ctx.service().restoreTrash(rest[0]);
        if (ctx.json) printJson(ctx.io, entry);
        else ctx.io.out(`restored ${entry.label}: ${entry.runs.map((r) => r.id).join(', ')}\n`);
        return EXIT.ok;
      }
      case 'empty': {
        if (rest.length > 1) throw new UsageError('expects at most one trash ID: whittle trash empty [ID]');
        const gone = await ctx.service().emptyTrash(rest[0]);
        if (ctx.json) printJson(ctx.io, { deleted: gone.map((t) => t.id) });
        else ctx.io.out(gone.length ? `deleted for good: ${gone.map((t) => `${t.id} (${t.label})`).join(', ')}\n` : 'the trash was already empty\n');
        return EXIT.ok;
      }
      default:
        throw new UsageError(`unknown subcommand '${sub}'; use ${SUBCOMMANDS}`);
    }
  },
};
