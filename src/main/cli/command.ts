// What a CLI command is. Each command lives in its own file under cli/ and is listed in cli/index.ts.
import type { WhittleService } from '../services/api';
import type { OptionDef, ParsedArgs } from './args';

export interface CliIO {
  out: (s: string) => void;
  err: (s: string) => void;
  /** stdout is a terminal: draw progress bars. */
  tty: boolean;
}

export interface CommandContext {
  args: ParsedArgs;
  json: boolean;
  home: string;
  io: CliIO;
  /** Opens the service (store + scheduler) on first use; the CLI closes it on exit. */
  service(opts?: { mode?: 'cli' | 'browser'; folderRoots?: string[]; access?: 'read' | 'write' }): WhittleService;
}

export interface Command {
  name: string;
  /** One line for `whittle --help`. */
  summary: string;
  /** e.g. `whittle show RUN` */
  usage: string;
  options: OptionDef[];
  /** Words like `-draft` are positionals, not options (`whittle tag RUN -draft`); -h still asks for help. */
  signedPositionals?: boolean;
  /** Exit code: 0 success; 1 a run failed or was cancelled, or the command could not finish; 2 bad
   *  usage or bad input (including a run that failed on its input's content: see exitCodeFor). */
  run(ctx: CommandContext): Promise<number>;
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Thrown once the runs a command followed have stopped because the process got a signal
 *  (SIGTERM, Ctrl-C): the CLI exits 128 + its number, as a shell reports a process ended by it. */
export class SignalStop extends Error {
  constructor(readonly signal: 'SIGTERM' | 'SIGINT', message: string) { super(message); this.name = 'SignalStop'; }
  get exitCode(): number { return 128 + (this.signal === 'SIGTERM' ? 15 : 2); }
}
