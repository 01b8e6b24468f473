// Why a run failed, as far as the person who started it is concerned: its input (a corrupt data
// file, a folder with no text in it, a spec the worker found impossible) is theirs to fix, and the
// CLI exits 2 for it; anything else is a failure of the run (exit 1).

export type RunErrorKind = 'input' | 'internal';

/** Thrown by a job that rejects its input's content. The message names the file (and the place in
 *  it) or the field, so a person can fix it without reading code. */
export class InputError extends Error {
  readonly kind = 'input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** 'input' for an InputError (or any error that marks itself `kind: 'input'`), else 'internal'. */
export function errorKindOf(e: unknown): RunErrorKind {
  return (e as { kind?: unknown } | null)?.kind === 'input' ? 'input' : 'internal';
}
