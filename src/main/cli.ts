// `whittle …`: every action of the GUI from a terminal, over the same services.
import { ApiError } from '../shared/transport';
import { WHITTLE_VERSION } from '../shared/version';
import { defaultHome, WhittleService } from './services/api';
import { DataFolderError, diskFullMessage, isDiskFull } from './services/storage';
import { formatOptions, parseArgs, UsageError } from './cli/args';
import type { CliIO, CommandContext } from './cli/command';
import { EXIT, SignalStop } from './cli/command';
import { COMMANDS } from './cli/index';

function mainHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'whittle — make small models that are strong at one narrow skill',
    '',
    'Usage: whittle <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    'Every command takes --help, --json (machine output) and --home DIR (data folder).',
    'Exit codes: 0 success, 1 a run failed or was cancelled (or the command could not finish, e.g. a port in use,',
    'a full disk, a read-only data folder), 2 bad usage or bad input (unknown option or run, a spec with a wrong',
    'field, a file an import rejects), 130/143 stopped by Ctrl-C/SIGTERM (its runs saved a checkpoint and are',
    'interrupted: `whittle resume RUN` continues them).',
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(mainHelp());
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version' || name === '-v') { io.out(`whittle ${WHITTLE_VERSION}\n`); return EXIT.ok; }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.err(`whittle: unknown command '${name}'. Run 'whittle --help' for the list.\n`);
    return EXIT.usage;
  }
  let service: WhittleService | null = null;
  let home = defaultHome();
  try {
    const args = parseArgs(rest, cmd.options, cmd.name, cmd.signedPositionals);
    if (args.options.help) {
      io.out(`${cmd.summary}\n\nUsage: ${cmd.usage}\n\nOptions:\n${formatOptions(cmd.options)}\n`);
      return EXIT.ok;
    }
    home = (args.options.home as string | undefined) ?? home;
    const ctx: CommandContext = {
      args, json: Boolean(args.options.json), home, io,
      service: (o) => (service ??= new WhittleService({ home, mode: o?.mode ?? 'cli', folderRoots: o?.folderRoots, access: o?.access })),
    };
    return await cmd.run(ctx);
  } catch (e) {
    if (e instanceof UsageError) { io.err(`whittle ${cmd.name}: ${e.message}\n`); return EXIT.usage; }
    if (e instanceof SignalStop) { io.err(`whittle ${cmd.name}: ${e.message}\n`); return e.exitCode; }
    // The data folder's disk, not a bug: one line that says what to do, no stack trace.
    if (e instanceof DataFolderError) { io.err(`whittle ${cmd.name}: ${e.message}\n`); return EXIT.failed; }
    if (isDiskFull(e)) { io.err(`whittle ${cmd.name}: ${diskFullMessage(home, (e as Error).message)}\n`); return EXIT.failed; }
    if (e instanceof ApiError) {
      io.err(`whittle ${cmd.name}: ${e.message}\n`);
      return e.code === 'internal' ? EXIT.failed : EXIT.usage;
    }
    io.err(`whittle ${cmd.name}: ${(e as Error).stack ?? e}\n`);
    return EXIT.failed;
  } finally {
    if (service) await closeQuietly(service);
  }
}

/** Closing writes the ends of runs still held; on a full disk that may fail too, and must not
 *  turn a clear message into a stack trace (the next reader marks such runs interrupted). */
async function closeQuietly(service: WhittleService): Promise<void> {
  try { await service.close(); } catch (e) {
    if (!isDiskFull(e) && !(e instanceof DataFolderError)) throw e;
  }
}

function defaultIO(): CliIO {
  return {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    tty: Boolean(process.stdout.isTTY),
  };
}
