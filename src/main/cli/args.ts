// A small, strict argument parser: unknown flags and missing values are usage errors (exit 2).

export interface OptionDef {
  name: string;
  type: 'boolean' | 'string' | 'number';
  description: string;
  /** May be given more than once (values collected in an array). */
  multiple?: boolean;
  short?: string;
  valueName?: string;
}

export interface ParsedArgs { positionals: string[]; options: Record<string, unknown> }

export class UsageError extends Error {
  constructor(message: string) { super(message); this.name = 'UsageError'; }
}

export const GLOBAL_OPTIONS: OptionDef[] = [
  { name: 'json', type: 'boolean', description: 'print machine-readable JSON' },
  { name: 'home', type: 'string', valueName: 'DIR', description: 'data folder (default: $WHITTLE_HOME or ~/.whittle)' },
  { name: 'help', short: 'h', type: 'boolean', description: 'show help for this command' },
];

/** `signedPositionals`: a single-dash word that is no known short option (`-draft`) is a positional. */
export function parseArgs(argv: string[], defs: OptionDef[], command: string, signedPositionals = false): ParsedArgs {
  const all = [...defs, ...GLOBAL_OPTIONS];
  const positionals: string[] = [];
  const options: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (!a.startsWith('-') || a === '-') { positionals.push(a); continue; }
    if (signedPositionals && !a.startsWith('--') && !all.some((o) => o.short === a.slice(1))) { positionals.push(a); continue; }
    let name: string;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      inline = eq >= 0 ? a.slice(eq + 1) : undefined;
    } else {
      const d = all.find((o) => o.short === a.slice(1));
      if (!d) throw new UsageError(`unknown option '${a}' for '${command}' (see 'whittle ${command} --help')`);
      name = d.name;
    }
    let def = all.find((o) => o.name === name);
    let negated = false;
    if (!def && name.startsWith('no-')) {
      def = all.find((o) => o.name === name.slice(3) && o.type === 'boolean');
      negated = Boolean(def);
    }
    if (!def) throw new UsageError(`unknown option '--${name}' for '${command}' (see 'whittle ${command} --help')`);
    let value: unknown;
    if (def.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`option '--${name}' takes no value`);
      value = !negated;
    } else {
      const raw = inline ?? argv[++i];
      if (raw === undefined) throw new UsageError(`option '--${name}' needs a value (${def.valueName ?? def.type})`);
      if (def.type === 'number') {
        value = Number(raw);
        if (!Number.isFinite(value as number)) throw new UsageError(`option '--${name}' expects a number (got '${raw}')`);
      } else value = raw;
    }
    if (def.multiple) ((options[def.name] ??= []) as unknown[]).push(value);
    else options[def.name] = value;
  }
  return { positionals, options };
}

export function formatOptions(defs: OptionDef[]): string {
  const rows = [...defs, ...GLOBAL_OPTIONS].map((o) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.type === 'boolean' ? '' : ` ${o.valueName ?? o.type.toUpperCase()}`}`;
    return `  ${flag.padEnd(28)} ${o.description}${o.multiple ? ' (repeatable)' : ''}`;
  });
  return rows.join('\n');
}
